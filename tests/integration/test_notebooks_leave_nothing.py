"""Each lesson notebook runs top to bottom without an error and leaves nothing of its lesson on the engine.

Objects are looked up by the notebook's own lesson label, so other tests (or other notebooks) running
at the same time do not count against it. Running the same notebook twice at once (e.g. nbval on the
same file in parallel with this test) would.
"""

from __future__ import annotations

import pathlib
import re

import nbformat
import pytest
from nbconvert.preprocessors import ExecutePreprocessor

from dockernet_nb import labels
from dockernet_nb.engine import client

NOTEBOOKS = sorted((pathlib.Path(__file__).parents[2] / "notebooks").glob("[0-9][0-9]-*.ipynb"))
_LESSON = re.compile(r"""dnb\.start_lesson\(\s*["']([^"']+)["']\s*\)""")


def _lesson_of(notebook) -> str:
    first_code = next(cell for cell in notebook.cells if cell.cell_type == "code")
    match = _LESSON.search(first_code.source)
    assert match, "the first code cell must call dnb.start_lesson('<lesson>')"
    return match.group(1)


def _left_on_engine(lesson: str) -> list[str]:
    label = {"label": f"{labels.LESSON}={lesson}"}
    found = [f"container {c.name}" for c in client().containers.list(all=True, filters=label)]
    found += [f"network {n['Name']}" for n in client().api.networks(filters=label)]
    return found


def test_there_are_lessons():
    assert len(NOTEBOOKS) >= 5


def test_lesson_names_are_distinct():
    lessons = [_lesson_of(nbformat.read(path, as_version=4)) for path in NOTEBOOKS]
    assert len(set(lessons)) == len(lessons), lessons


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_leaves_nothing(path, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    lesson = _lesson_of(notebook)
    assert _left_on_engine(lesson) == [], f"objects of lesson {lesson!r} existed before the run"

    executor = ExecutePreprocessor(timeout=300, kernel_name="python3")
    # Raises CellExecutionError (with the failing cell) if any cell raises.
    executor.preprocess(notebook, {"metadata": {"path": str(path.parent)}})
    nbformat.write(notebook, tmp_path / path.name)

    errors = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs if out.output_type == "error"]
    assert errors == []
    assert _left_on_engine(lesson) == []
