"""Running lesson notebooks from tests: as they are, with their solutions, or with wrong answers.

Every lesson is found by :func:`lessons`; :func:`execute` runs a notebook in a fresh kernel with the
environment a test asks for (live against an engine, or replay with DOCKER_HOST pointing nowhere) and
returns the executed notebook; :func:`with_answers` inserts each exercise's solution (or its wrong
answer) right after the exercise cell, as the recorder does.
"""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

from dockernet_nb.curriculum import solutions
from dockernet_nb.recorder import verdicts, with_solutions

REPO = Path(__file__).resolve().parents[1]
SANITIZE = REPO / "tests" / "nbval_sanitize.cfg"
NO_ENGINE = "unix:///nonexistent/dockernet-nb-no-engine.sock"


# Lessons that run live once per CI run (test_notebooks_live.py, and their recording on Engine 28), not
# round after round in the soak: the multi-host lesson starts three engines of its own for a minute or more.
RUN_ONCE = frozenset({"15-multi-host.ipynb"})


def lessons(*, soak: bool = False) -> list[Path]:
    """Every lesson notebook (numbered), in order; ``soak=True`` leaves out :data:`RUN_ONCE`."""
    found = sorted((REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    return [path for path in found if not (soak and path.name in RUN_ONCE)]


def lesson_names(*, soak: bool = False) -> set[str]:
    found = set()
    for path in lessons(soak=soak):
        found.update(re.findall(r'start_lesson\((?:\\)?"([\w.-]+)(?:\\)?"\)', path.read_text()))
    return found


def environment(*, replay: bool = False, **extra: str) -> dict[str, str]:
    """This process's environment for a kernel: live as it is, or replay with no engine at all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.pop("DOCKERNET_NB_RECORD", None)
    if replay:
        env["DOCKER_HOST"] = NO_ENGINE
        env["DOCKERNET_NB_MODE"] = "replay"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    env.update(extra)
    return env


def execute(notebook: Any, env: dict[str, str], *, timeout: int = 900) -> Any:
    """Run every cell in a fresh kernel (raises nbclient's CellExecutionError on a failing cell)."""
    NotebookClient(notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(REPO / "notebooks")}}).execute(
        env=env, cwd=str(REPO / "notebooks")
    )
    return notebook


def read(path: Path) -> Any:
    return nbformat.read(str(path), as_version=4)


def with_answers(path: Path, *, wrong: bool = False) -> tuple[Any, list[int]]:
    """The notebook with each exercise answered right after its cell: the solution, or the wrong answer."""
    notebook = read(path)
    if not wrong:
        return with_solutions(notebook)
    raw = json.loads(nbformat.writes(notebook))
    answered = copy.deepcopy(notebook)
    inserted: list[int] = []
    found = sorted(solutions(raw), key=lambda s: s.after_cell)
    for position, solution in enumerate(found):
        # The exercise cell itself, with its `answer = None` line replaced by the wrong answer.
        exercise = "".join(notebook.cells[solution.after_cell].source)
        code = re.sub(r"^answer = None.*$", solution.wrong, exercise, count=1, flags=re.MULTILINE)
        index = solution.after_cell + 1 + position
        answered.cells.insert(index, nbformat.v4.new_code_cell(code))
        inserted.append(index)
    return answered, inserted


__all__ = ["REPO", "SANITIZE", "NO_ENGINE", "RUN_ONCE", "lessons", "lesson_names", "environment", "execute", "read", "with_answers", "verdicts"]
