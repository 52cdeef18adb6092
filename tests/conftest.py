"""Shared test set-up: the real engine for integration tests, never a mock."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/integration" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.engine)


def pytest_collection_finish(session):
    # The longest jobs of the suite share nothing with the other tests: they run while the others do.
    if session.config.option.collectonly or hasattr(session.config, "workerinput"):  # listing only, or an xdist worker
        return
    from tests import background

    background.start_if_collected(session.items)


def pytest_sessionfinish(session, exitstatus):
    from tests import background

    background.stop_all()

