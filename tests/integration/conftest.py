"""Integration tests run against the real Docker engine and the course images.

The README's test command (`./course test`) starts the engine and builds the images before pytest
runs, so a missing engine here is a failure, not a skip.
"""

from __future__ import annotations

import pytest

import dockernet_nb as dnb
from dockernet_nb.engine import connection as engine
from dockernet_nb.engine import labels
from dockernet_nb.engine.images import missing_images


@pytest.fixture(scope="session", autouse=True)
def real_engine():
    if not engine.answers():
        pytest.fail("No Docker engine answers. Run `./course test` (it starts one) or `dockernet-nb engine`.")
    missing = missing_images()
    if missing:
        pytest.fail(f"Course images missing: {[i.tag for i in missing]}. Run `dockernet-nb images`.")
    labels.set_lesson("tests")
    yield
    left = dnb.cleanup()
    assert left.empty or set(left.kind) <= {"container", "network", "node"}


@pytest.fixture
def fresh():
    """Cleans this session's objects after a test, so one failing test does not spill into the next."""
    yield
    dnb.cleanup()
