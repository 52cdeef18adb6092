"""Replay mode, end to end: the notebooks run with no engine at all, as on Binder.

1. A fresh virtual environment installed from binder/'s own files (requirements.txt, then postBuild,
   which installs the package and copies its lessons with `dockernet-nb lab --copy-only`, as a pip
   learner does) runs every copied lesson under nbval with DOCKER_HOST pointing at a socket that does
   not exist: the recorded answers must reproduce the committed outputs.
(That the shipped recordings are not stale, i.e. a fresh live recording on Engine 28 replays to the same
outputs, is tests/integration/test_notebooks_engine28.py.)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(str(p) for p in (REPO / "notebooks").glob("*.ipynb"))
SANITIZE = str(REPO / "tests" / "nbval_sanitize.cfg")


def _lessons() -> set[str]:
    """The lesson names the notebooks start, read from their start_lesson("...") calls."""
    found = set()
    for notebook in NOTEBOOKS:
        found.update(re.findall(r'start_lesson\((?:\\)?"([\w.-]+)(?:\\)?"\)', Path(notebook).read_text()))
    return found


def _no_engine_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKERNET_NB_", "PYTEST_"))}
    env["DOCKER_HOST"] = "unix:///nonexistent/dockernet-nb-no-engine.sock"
    env.update(extra)
    return env


def _nbval(python: str, notebooks: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [python, "-m", "pytest", "--nbval", *notebooks, "--nbval-sanitize-with", SANITIZE, "-p", "no:cacheprovider",
         "-q", "-o", "addopts=", "--rootdir", str(cwd)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )


@pytest.fixture(scope="module")
def binder_home(tmp_path_factory) -> tuple[str, Path]:
    """(python, home) of an environment made the way repo2docker makes Binder's: requirements.txt, then postBuild.

    postBuild runs with HOME set to a scratch folder, so the lessons it copies land in
    ``<home>/dockernet-nb``, as they do in ``/home/jovyan/dockernet-nb`` on Binder.
    """
    venv = tmp_path_factory.mktemp("binder") / "venv"
    home = tmp_path_factory.mktemp("home")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(REPO / "binder" / "requirements.txt")], check=True, timeout=1200)
    # postBuild installs the package from the repository root; a copy keeps build files out of the repo.
    source = tmp_path_factory.mktemp("source")
    shutil.copytree(REPO, source / "repo", ignore=shutil.ignore_patterns(".venv", ".git", "*.egg-info", "build", "test-artifacts"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKERNET_NB_")}
    subprocess.run(["bash", str(REPO / "binder" / "postBuild")], cwd=source / "repo", check=True, timeout=600,
                   env={**env, "HOME": str(home), "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"})
    return python, home


def test_every_notebook_replays_without_an_engine_in_the_binder_environment(binder_home):
    python, home = binder_home
    # The lessons postBuild copied out of the installed package, outside the repository, so the
    # repository's package cannot shadow the installed one.
    workspace = home / "dockernet-nb"
    copies = sorted(str(p) for p in workspace.glob("*.ipynb"))
    assert [Path(c).name for c in copies] == [Path(n).name for n in NOTEBOOKS]
    for copy, source in zip(copies, NOTEBOOKS, strict=True):
        assert Path(copy).read_bytes() == Path(source).read_bytes(), f"{copy} is not the lesson in notebooks/"
    run = _nbval(python, copies, _no_engine_env(HOME=str(home)), workspace)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "passed" in run.stdout
