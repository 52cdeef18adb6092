"""One lesson's recording: metadata and the list of calls, read and checked as plain data.

A recording file is JSON::

    {"lesson": "bridge", "recorded_at": "2026-11-29", "engine_version": "28.5.2", "session": "3f2a9c1b",
     "calls": [{"verb": "run", "key": "<the call's arguments as JSON>", "result": {"type": ...}}, ...]}

:meth:`Book.load` checks every entry (see :func:`dockernet_nb.replay.codec.check`) before any is used,
so a corrupt or hostile file gives one :class:`RecordingError` naming the file and the entry.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from dockernet_nb.engine import labels
from dockernet_nb.errors import NotRecorded, RecordingError
from dockernet_nb.replay import codec

__all__ = ["Book", "RECORDINGS", "recordings_dir"]

RECORDINGS = Path(__file__).resolve().parents[1] / "recordings"  # shipped with the package
_META = ("lesson", "recorded_at", "engine_version")


def recordings_dir() -> Path:
    """Where recordings are read and written: DOCKERNET_NB_RECORDINGS, else the package's own."""
    return Path(os.environ.get("DOCKERNET_NB_RECORDINGS") or RECORDINGS)


def _file(lesson: str) -> Path:
    return recordings_dir() / f"{lesson}.json"


class Book:
    """One lesson's recording: metadata and the calls, indexed by (verb, key)."""

    def __init__(self, lesson: str, data: dict[str, Any]) -> None:
        self.lesson = lesson
        self.data = data
        self.index: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for call in data.get("calls", []):
            self.index[(call["verb"], call["key"])].append(call["result"])

    @classmethod
    def fresh(cls, lesson: str, engine_version: str) -> Book:
        return cls(
            lesson,
            {
                "lesson": lesson,
                "recorded_at": datetime.date.today().isoformat(),
                "engine_version": engine_version,
                "session": labels.session_id(),
                "calls": [],
            },
        )

    @classmethod
    def load(cls, lesson: str) -> Book:
        path = _file(lesson)
        if not path.exists():
            raise NotRecorded(
                f"There is no recorded run of the lesson {lesson!r} ({path.name} is missing), and replay mode "
                "needs one. To run live, start a Docker engine (`dockernet-nb engine`) and restart the kernel."
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise RecordingError(f"The recording {path} cannot be read as JSON ({e}); nothing of it was used.") from e
        problem = validate(data)
        if problem is not None:
            raise RecordingError(f"The recording {path} is not a course recording: {problem}; nothing of it was used.")
        return cls(lesson, data)

    def note(self) -> str:
        return (
            f"[replayed: recorded live on {self.data.get('recorded_at')} with Docker engine "
            f"{self.data.get('engine_version')}; no engine was used for this output]"
        )

    def add(self, verb: str, key: str, result: dict) -> None:
        """Append a call and write the file."""
        self.data["calls"].append({"verb": verb, "key": key, "result": result})
        self.index[(verb, key)].append(result)
        self.save()

    def save(self) -> None:
        """Write the file atomically: a reader never sees half of it."""
        recordings_dir().mkdir(parents=True, exist_ok=True)
        target = _file(self.lesson)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(target)


def validate(data: Any) -> str | None:
    """None when ``data`` is a well-formed recording; else what is wrong, naming the entry."""
    if not isinstance(data, dict):
        return "the file holds no JSON object"
    for field in _META:
        if not isinstance(data.get(field), str):
            return f"its {field!r} is missing or not text"
    if "session" in data and not (isinstance(data["session"], str) and re.fullmatch(r"[0-9a-f]{4,16}", data["session"])):
        return "its 'session' is not a session id (hex digits)"
    calls = data.get("calls")
    if not isinstance(calls, list):
        return "its 'calls' is not a list"
    for number, call in enumerate(calls):
        if not (isinstance(call, dict) and isinstance(call.get("verb"), str) and isinstance(call.get("key"), str)):
            return f"call {number} has no verb and key"
        try:
            json.loads(call["key"])
        except json.JSONDecodeError:
            return f"call {number} ({call['verb']}) has arguments that are not JSON"
        problem = codec.check(call.get("result"))
        if problem is not None:
            return f"call {number} ({call['verb']}): {problem}"
    return None
