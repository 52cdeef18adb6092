"""The lessons as the course knows them: their order, their exercises, and the solutions inside the notebooks.

Notebook conventions (CONTRIBUTING.md shows them with an example):

- the first code cell calls ``dnb.start_lesson("<lesson>")``;
- an exercise is a code cell tagged ``exercise`` whose metadata names it,
  ``{"dockernet_nb": {"exercise": "redis-greeting"}}``; it sets ``answer = None`` and calls a check;
- its solution is a markdown cell tagged ``solution`` with the same ``exercise`` metadata: a
  ``<details>`` block the learner opens, holding one fenced ``python`` block that sets ``answer`` and
  calls the check (never a code cell, so "Run all" does not solve the exercise); optional
  ``"wrong"`` metadata is code that sets a wrong ``answer``, which the tests expect to get the hint.

The recorder runs every solution so replay mode can judge learners' answers; the tests run every
solution through its check live and in replay. Nothing here runs code: it only reads notebooks.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

__all__ = ["Solution", "Lesson", "solutions", "lesson_name", "read_lesson", "lesson_paths", "SOLUTION_TAG", "EXERCISE_TAG"]

SOLUTION_TAG = "solution"
EXERCISE_TAG = "exercise"
_CODE = re.compile(r"```python\n(?P<code>.*?)```", re.DOTALL)
_START = re.compile(r"start_lesson\(\s*[\"'](?P<name>[\w.-]+)[\"']\s*\)")


@dataclasses.dataclass(frozen=True)
class Solution:
    """One exercise's worked solution, as written in its notebook."""

    exercise: str
    code: str
    wrong: str
    after_cell: int  # index of the exercise cell the solution answers


@dataclasses.dataclass(frozen=True)
class Lesson:
    """A lesson notebook: its file, the name it starts with, its exercises and solutions."""

    path: Path
    name: str
    title: str
    exercises: tuple[str, ...]
    solutions: tuple[Solution, ...]


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _meta(cell: dict[str, Any]) -> dict[str, Any]:
    meta = cell.get("metadata", {}).get("dockernet_nb", {})
    return meta if isinstance(meta, dict) else {}


def _tags(cell: dict[str, Any]) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def lesson_name(notebook: dict[str, Any]) -> str | None:
    """The name the notebook's ``dnb.start_lesson("...")`` call uses."""
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            found = _START.search(_source(cell))
            if found:
                return found.group("name")
    return None


def solutions(notebook: dict[str, Any]) -> list[Solution]:
    """Every solution cell's code, with the exercise cell it belongs after."""
    exercise_cells = {}
    for index, cell in enumerate(notebook.get("cells", [])):
        if EXERCISE_TAG in _tags(cell):
            exercise_cells[_meta(cell).get("exercise")] = index
    found = []
    for cell in notebook.get("cells", []):
        if SOLUTION_TAG not in _tags(cell):
            continue
        exercise = str(_meta(cell).get("exercise", ""))
        blocks = _CODE.findall(_source(cell))
        if exercise not in exercise_cells or len(blocks) != 1:
            raise ValueError(f"solution cell for {exercise!r}: needs its exercise cell and exactly one ```python block")
        found.append(Solution(exercise, blocks[0], str(_meta(cell).get("wrong", "")), exercise_cells[exercise]))
    return found


def read_lesson(path: Path) -> Lesson:
    """A lesson notebook read from ``path``."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    title = next((_source(c).splitlines()[0].lstrip("# ") for c in notebook.get("cells", []) if c.get("cell_type") == "markdown"), "")
    exercises = tuple(str(_meta(c).get("exercise")) for c in notebook.get("cells", []) if EXERCISE_TAG in _tags(c))
    return Lesson(Path(path), lesson_name(notebook) or Path(path).stem, title, exercises, tuple(solutions(notebook)))


def lesson_paths() -> list[Path]:
    """The lesson notebooks: shipped in the package (an installed course) or in a clone's ``notebooks/``."""
    here = Path(__file__).resolve().parent
    for folder in (here / "lessons", here.parent / "notebooks"):
        found = sorted(folder.glob("[0-9][0-9]-*.ipynb"))
        if found:
            return found
    return []
