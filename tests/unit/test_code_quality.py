"""The linter and the type checker, configured in pyproject.toml, find nothing (they run in CI here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *command], cwd=REPO, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing():
    run = _run("ruff", "check", "dockernet_nb", "tests", "benchmarks", "setup.py")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "All checks passed" in run.stdout


def test_mypy_finds_nothing_in_the_package():
    run = _run("mypy", "dockernet_nb")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert run.stdout.startswith("Success: no issues found")


def test_no_module_in_the_package_is_over_400_lines():
    # A module that grows past this holds more than one topic: split it by what its parts do.
    sizes = {str(p.relative_to(REPO)): len(p.read_text().splitlines()) for p in (REPO / "dockernet_nb").rglob("*.py")}
    assert len(sizes) > 100
    assert {path: n for path, n in sizes.items() if n > 400} == {}
