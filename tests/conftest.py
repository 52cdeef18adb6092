"""Shared test set-up: the real engine for integration tests, never a mock."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/integration" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.engine)


def pytest_collection_finish(session):
    # The longest single job of the suite, on an engine of its own: it runs while the other tests do.
    if session.config.option.collectonly or hasattr(session.config, "workerinput"):  # listing only, or an xdist worker
        return
    from tests import engine28_recording

    engine28_recording.start_if_collected(session.items)


def pytest_sessionfinish(session, exitstatus):
    from tests import engine28_recording

    engine28_recording.stop()

