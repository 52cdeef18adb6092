"""``dnb.progress()``: which lessons and exercises this learner has done, from the progress file."""

from __future__ import annotations

import pandas as pd

from dockernet_nb import ledger
from dockernet_nb.curriculum import lesson_paths, read_lesson
from dockernet_nb.records import CourseFrame

__all__ = ["progress"]

COLUMNS = {"lesson": "string", "exercise": "string", "passed": "boolean", "attempts": "Int64", "hints": "Int64",
           "first_attempt": "string", "passed_at": "string"}


def progress() -> CourseFrame:
    """One row per exercise of every lesson: passed or not, attempts, hints seen, when.

    Read from the learner's progress file (see :mod:`dockernet_nb.checks.ledger`), which the checks
    write; nothing asks the engine. ``frame.attrs["file"]`` says where the file is. Example::

        >>> dnb.progress().query("passed")           # doctest: +SKIP
    """
    record = ledger.read()["lessons"]
    rows = []
    seen: set[tuple[str, str]] = set()
    for path in lesson_paths():
        lesson = read_lesson(path)
        for name in lesson.exercises:
            done = record.get(lesson.name, {}).get("exercises", {}).get(name, {})
            rows.append(_row(path.stem, name, done))
            seen.add((lesson.name, name))
    for lesson_name, lesson in record.items():  # exercises of lessons this copy of the course does not ship
        for name, done in lesson.get("exercises", {}).items():
            if (lesson_name, name) not in seen:
                rows.append(_row(lesson_name, name, done))
    frame = pd.DataFrame(rows, columns=list(COLUMNS)).astype(COLUMNS)
    shown = CourseFrame(frame)
    shown.attrs["file"] = str(ledger.progress_file())
    return shown


def _row(lesson: str, exercise: str, done: dict) -> dict:
    return {
        "lesson": lesson,
        "exercise": exercise,
        "passed": bool(done.get("passed")),
        "attempts": done.get("attempts", 0),
        "hints": done.get("hints", 0),
        "first_attempt": done.get("first_attempt"),
        "passed_at": done.get("passed"),
    }
