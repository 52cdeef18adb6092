"""The learner's progress file: which lessons they started and which exercises they solved.

A small JSON file in the learner's data folder (``DOCKERNET_NB_DATA``, else the platform's usual
place: ``$XDG_DATA_HOME/dockernet-nb`` or ``~/.local/share/dockernet-nb`` on Linux,
``~/Library/Application Support/dockernet-nb`` on macOS, ``%APPDATA%\\dockernet-nb`` on Windows)::

    {"version": 1,
     "lessons": {"bridge": {"started": "2026-11-29T10:02:11+00:00",
                            "exercises": {"redis-address": {"attempts": 2, "hints": 1,
                                                            "first_attempt": "2026-11-29T10:09:40+00:00",
                                                            "passed": "2026-11-29T10:10:02+00:00"}}}}}

The checks write it (one attempt per check run; a "Not yet" shows a hint, so it counts one); the
progress view, the classroom's instructor page and the break-fix labs read the same file. Writes
replace the file atomically, so a reader never sees half of it.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["data_dir", "progress_file", "read", "lesson_started", "attempt", "extra"]

VERSION = 1


def data_dir() -> Path:
    """Where the course keeps the learner's own data."""
    forced = os.environ.get("DOCKERNET_NB_DATA")
    if forced:
        return Path(forced)
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming") / "dockernet-nb"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "dockernet-nb"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "dockernet-nb"


def progress_file() -> Path:
    return data_dir() / "progress.json"


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def read() -> dict[str, Any]:
    """The progress so far (an empty record when there is none, or the file is unreadable)."""
    try:
        data = json.loads(progress_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"version": VERSION, "lessons": {}}
    if not isinstance(data, dict) or not isinstance(data.get("lessons"), dict):
        return {"version": VERSION, "lessons": {}}
    return data


@contextlib.contextmanager
def _updating() -> Iterator[dict[str, Any]]:
    path = progress_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = open(path.with_suffix(".lock"), "a+")  # noqa: SIM115 - held for the whole update
    try:
        try:
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)
        except ImportError:  # Windows: one kernel at a time is the usual case there
            pass
        data = read()
        yield data
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".progress-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=1, sort_keys=True)
        os.replace(tmp, path)
    finally:
        lock.close()


def _lesson(data: dict[str, Any], lesson: str) -> dict[str, Any]:
    return data["lessons"].setdefault(lesson, {"started": _now(), "exercises": {}})


def lesson_started(lesson: str) -> None:
    """Note that a lesson began (the first time only)."""
    with contextlib.suppress(OSError), _updating() as data:
        _lesson(data, lesson)


def attempt(lesson: str, exercise: str, *, passed: bool, hint_shown: bool) -> dict[str, Any]:
    """Note one check of an exercise; returns the exercise's record."""
    try:
        with _updating() as data:
            record = _lesson(data, lesson)["exercises"].setdefault(
                exercise, {"attempts": 0, "hints": 0, "first_attempt": _now(), "passed": None}
            )
            record["attempts"] += 1
            record["hints"] += int(hint_shown)
            if passed and not record["passed"]:
                record["passed"] = _now()
            return dict(record)
    except OSError:
        return {}  # a read-only home must not break a check


def extra(lesson: str, exercise: str, **fields: Any) -> None:
    """Add facts to an exercise's record (for example which fault a break-fix lab gave)."""
    with contextlib.suppress(OSError), _updating() as data:
        record = _lesson(data, lesson)["exercises"].setdefault(
            exercise, {"attempts": 0, "hints": 0, "first_attempt": _now(), "passed": None}
        )
        record.update(fields)
