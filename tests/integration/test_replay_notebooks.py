"""Replay mode, end to end: the notebooks run with no engine at all, as on Binder.

A fresh virtual environment installed from binder/'s own files (requirements.txt, then postBuild,
   which installs the package and copies its lessons with `dockernet-nb lab --copy-only`, as a pip
   learner does) runs every copied lesson under nbval with DOCKER_HOST pointing at a socket that does
   not exist: the recorded answers must reproduce the committed outputs.
(That the shipped recordings are not stale, i.e. a fresh live recording on Engine 28 replays to the same
outputs, is tests/integration/test_notebooks_engine28.py.)
"""

from __future__ import annotations

from pathlib import Path

from tests import background
from tests.notebook_runs import REPO

NOTEBOOKS = sorted(str(p) for p in (REPO / "notebooks").glob("*.ipynb"))


def test_every_notebook_replays_without_an_engine_in_the_binder_environment():
    # Built and run in the background since pytest collected this file (tests/background.py).
    done = background.job("tests/integration/test_replay_notebooks.py").outcome(timeout=2400)
    assert done["workspace"] is not None, f"building Binder's environment failed:\n{done['printed'][-4000:]}"
    # The lessons postBuild copied out of the installed package, outside the repository, so the
    # repository's package cannot shadow the installed one.
    copies = sorted(done["workspace"].glob("*.ipynb"))
    assert [c.name for c in copies] == [Path(n).name for n in NOTEBOOKS]
    for copy, source in zip(copies, NOTEBOOKS, strict=True):
        assert copy.read_bytes() == Path(source).read_bytes(), f"{copy} is not the lesson in notebooks/"
    assert done["code"] == 0, done["printed"][-6000:]
    assert " passed" in done["printed"] and "failed" not in done["printed"]
