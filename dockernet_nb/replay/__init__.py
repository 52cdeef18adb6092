"""Live or replay: recording what the engine answered, and answering from the recording without one.

Every public verb is wrapped with :func:`recordable`. In live mode it runs for real; with
``DOCKERNET_NB_RECORD=1`` its result is also written to ``recordings/<lesson>.json`` in this package
(``dockernet-nb record`` does that by running the notebooks live). In replay mode (no engine answers,
or ``DOCKERNET_NB_MODE=replay``) the same call returns the recorded result, marked as replayed, and a
call that was never recorded raises :class:`NotRecorded` with how to run live.

A call is identified by the lesson, the verb, its arguments (handles by their names) and how many
times that same call came before it; a re-run cell past the end of the recording gets the last answer.
Only the outermost verb of a call is recorded: verbs that call verbs replay as one step.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import html
import json
import os
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, TypeVar

import pandas as pd

from dockernet_nb import errors
from dockernet_nb.errors import NotRecorded
from dockernet_nb.engine import labels

__all__ = ["recordable", "mode", "NotRecorded", "ReplayedFrame", "replay_note", "RECORDINGS", "set_mode"]

RECORDINGS = Path(__file__).parent / "recordings"  # shipped with the package; DOCKERNET_NB_RECORDINGS overrides
MODES = ("live", "replay")

F = TypeVar("F", bound=Callable[..., Any])


_state: dict[str, Any] = {"mode": None, "depth": threading.local(), "seen": defaultdict(int), "book": None}


def mode() -> str:
    """'live' or 'replay': DOCKERNET_NB_MODE if set, else live when an engine answers."""
    forced = os.environ.get("DOCKERNET_NB_MODE", "").strip().lower()
    if forced:
        if forced not in MODES:
            raise errors.InvalidInput(f"DOCKERNET_NB_MODE={forced!r}: use 'live' or 'replay' (or leave it unset).")
        return forced
    if _state["mode"] is None:
        from dockernet_nb.engine.connection import answers

        _state["mode"] = "live" if answers(timeout=2) else "replay"
    return _state["mode"]


def set_mode(value: str | None) -> None:
    """Forget (None) or fix the automatically chosen mode; used when the engine comes or goes."""
    _state["mode"] = value


def recording() -> bool:
    return os.environ.get("DOCKERNET_NB_RECORD", "") == "1"


def recordings_dir() -> Path:
    return Path(os.environ.get("DOCKERNET_NB_RECORDINGS") or RECORDINGS)


def _file(lesson: str) -> Path:
    return recordings_dir() / f"{lesson}.json"


class _Book:
    """One lesson's recording: metadata and the list of calls."""

    def __init__(self, lesson: str, data: dict) -> None:
        self.lesson = lesson
        self.data = data
        self.index: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for call in data.get("calls", []):
            self.index[(call["verb"], call["key"])].append(call["result"])

    @classmethod
    def fresh(cls, lesson: str) -> "_Book":
        from dockernet_nb.engine.connection import engine_version

        return cls(
            lesson,
            {
                "lesson": lesson,
                "recorded_at": datetime.date.today().isoformat(),
                "engine_version": engine_version(),
                "session": labels.session_id(),
                "calls": [],
            },
        )

    @classmethod
    def load(cls, lesson: str) -> "_Book":
        path = _file(lesson)
        if not path.exists():
            raise NotRecorded(
                f"There is no recorded run of the lesson {lesson!r} ({path.name} is missing), and replay mode "
                "needs one. To run live, start a Docker engine (`dockernet-nb engine`) and restart the kernel."
            )
        return cls(lesson, json.loads(path.read_text()))

    def note(self) -> str:
        return (
            f"[replayed: recorded live on {self.data.get('recorded_at')} with Docker engine "
            f"{self.data.get('engine_version')}; no engine was used for this output]"
        )

    def add(self, verb: str, key: str, result: dict) -> None:
        self.data["calls"].append({"verb": verb, "key": key, "result": result})
        recordings_dir().mkdir(parents=True, exist_ok=True)
        tmp = _file(self.lesson).with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        tmp.replace(_file(self.lesson))


def _book() -> _Book:
    book = _state["book"]
    if book is None or book.lesson != labels.lesson():
        book = _Book.load(labels.lesson())
        _state["book"] = book
    return book


def begin_lesson(lesson: str) -> None:
    """Called by start_lesson: a fresh recording when recording, the lesson's book when replaying."""
    _state["seen"].clear()
    if mode() == "live" and recording():
        _state["book"] = _Book.fresh(lesson)
        _state["book"].add("__meta__", "", {"type": "none"})  # writes the file even for a lesson with no calls
    elif mode() == "replay":
        _state["book"] = _Book.load(lesson)
        # Replay as the recorded session, so names and session filters read as they did live.
        labels.adopt_session(_state["book"].data.get("session") or labels.session_id())
    else:
        _state["book"] = None


def current_book() -> _Book:
    return _book()


def replay_note() -> str:
    return _book().note()


def _canonical(value: Any) -> Any:
    """Arguments as plain JSON: handles by name, bytes as text, tuples as lists."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "docker_name") and hasattr(value, "name"):
        return {"handle": value.name}
    if isinstance(value, bytes):
        return {"bytes": value.decode("utf-8", "replace")}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_canonical(v) for v in value]
        return sorted(items, key=json.dumps) if isinstance(value, (set, frozenset)) else items
    return repr(value)


def _key(args: tuple, kwargs: dict) -> str:
    return json.dumps({"args": _canonical(args), "kwargs": _canonical(kwargs)}, sort_keys=True, ensure_ascii=False)


def _depth() -> threading.local:
    return _state["depth"]


def nested() -> bool:
    """True inside a verb called by another verb (only the outer one is recorded or shows progress)."""
    return bool(getattr(_depth(), "n", 0))


def recordable(fn: F) -> F:
    """Make ``fn`` record its results when recording and answer from the recording in replay mode."""
    verb = fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        local = _depth()
        if getattr(local, "n", 0):  # called by another verb: that one is the recorded step
            return fn(*args, **kwargs)
        if mode() == "replay":
            return _answer(verb, _key(args, kwargs))
        key = _key(args, kwargs) if recording() else ""
        local.n = 1
        try:
            result = fn(*args, **kwargs)
        except errors.DockernetError as e:
            if key:
                _record(verb, key, {"type": "error", "class": type(e).__name__, "message": str(e)})
            raise
        finally:
            local.n = 0
        if key:
            _record(verb, key, encode(result))
        return result

    wrapper.__wrapped_verb__ = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def _record(verb: str, key: str, result: dict) -> None:
    if recording() and _state["book"] is not None:
        _state["book"].add(verb, key, result)


def _answer(verb: str, key: str):
    book = _book()
    answers = book.index.get((verb, key))
    if not answers:
        raise NotRecorded(
            f"{book.note()}\nThis call was not part of the recorded run of {book.lesson!r}: {verb}({_short(key)}). "
            "Replay mode can only repeat the lesson as recorded. To try your own commands, run live: start a "
            "Docker engine (`dockernet-nb engine`, or Docker Desktop) and restart the kernel."
        )
    seen = _state["seen"]
    n = seen[(verb, key)]
    seen[(verb, key)] += 1
    return decode(answers[min(n, len(answers) - 1)], book.note())


def _short(key: str) -> str:
    data = json.loads(key)
    parts = [json.dumps(a, ensure_ascii=False) for a in data["args"]]
    parts += [f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in data["kwargs"].items()]
    text = ", ".join(parts)
    return text if len(text) < 200 else text[:197] + "..."


# Encoding results -------------------------------------------------------------------------------


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def encode(result: Any) -> dict:
    from dockernet_nb import records

    if result is None:
        return {"type": "none"}
    if isinstance(result, pd.DataFrame):
        return {
            "type": "frame",
            "columns": [str(c) for c in result.columns],
            "dtypes": {str(c): str(t) for c, t in result.dtypes.items()},
            "rows": _json_safe(result.astype(object).where(result.notna(), None).values.tolist()),
            "attrs": _json_safe(result.attrs),
        }
    if isinstance(result, str):
        return {"type": "str", "text": result}
    if isinstance(result, (int, float, bool)):
        return {"type": "scalar", "value": result}
    if dataclasses.is_dataclass(result):
        return {"type": type(result).__name__, "module": type(result).__module__, "fields": _json_safe(dataclasses.asdict(result))}
    if isinstance(result, dict):
        return {"type": "dict", "value": _json_safe(result)}
    if isinstance(result, list):
        return {"type": "list", "value": _json_safe(result)}
    raise TypeError(f"cannot record a {type(result).__name__}")


def decode(stored: dict, note: str) -> Any:
    kind = stored["type"]
    if kind == "none":
        return None
    if kind == "error":
        cls = getattr(errors, stored["class"], errors.DockernetError)
        raise cls(f"{note}\n{stored['message']}")
    if kind == "frame":
        frame = pd.DataFrame(stored["rows"], columns=stored["columns"])
        for column, dtype in stored["dtypes"].items():
            try:
                frame[column] = frame[column].astype(dtype)
            except (TypeError, ValueError):
                pass
        replayed = ReplayedFrame(frame)
        replayed.attrs.update(stored["attrs"])
        replayed.attrs["replayed"] = note
        return replayed
    if kind == "str":
        return ReplayedText(stored["text"], note)
    if kind in ("scalar", "dict", "list"):
        return stored["value"]
    import importlib

    cls = getattr(importlib.import_module(stored["module"]), kind)
    return Replayed(cls(**stored["fields"]), note)


class ReplayedFrame(pd.DataFrame):
    """A DataFrame from a recording: shows where it came from above the table."""

    @property
    def _constructor(self):
        return ReplayedFrame

    def _note(self) -> str:
        return self.attrs.get("replayed", "[replayed]")

    def __repr__(self) -> str:
        # pandas names the class in an empty frame's repr; say DataFrame, as a live run would.
        table = super().__repr__().replace("Empty ReplayedFrame", "Empty DataFrame", 1)
        return f"{self._note()}\n{table}"

    def _repr_html_(self) -> str | None:
        table = super()._repr_html_()
        return f'<p class="dnb-replayed"><i>{html.escape(self._note())}</i></p>\n{table}'


class ReplayedText(str):
    """Text a server sent in the recorded run; printing it says so first."""

    def __new__(cls, text: str, note: str) -> "ReplayedText":
        made = super().__new__(cls, text)
        made.note = note
        return made

    def __str__(self) -> str:
        return f"{self.note}\n{str.__str__(self)}"

    def __repr__(self) -> str:
        return f"{self.note}\n{str.__repr__(self)}"


class Replayed:
    """A recorded record (handle, result) that shows it was replayed; attributes pass through."""

    def __init__(self, wrapped: Any, note: str) -> None:
        object.__setattr__(self, "_wrapped", wrapped)
        object.__setattr__(self, "_note", note)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped, name)

    def __str__(self) -> str:
        return f"{self._note}\n{self._wrapped}"

    def __repr__(self) -> str:
        return f"{self._note}\n{self._wrapped!r}"

    def __bool__(self) -> bool:
        return bool(self._wrapped)

    def __eq__(self, other: object) -> bool:
        return self._wrapped == (other._wrapped if isinstance(other, Replayed) else other)

    def __hash__(self) -> int:
        return hash(self._wrapped)

    def _repr_html_(self) -> str:
        inner = self._wrapped._repr_html_() if hasattr(self._wrapped, "_repr_html_") else html.escape(repr(self._wrapped))
        return f'<p class="dnb-replayed"><i>{html.escape(self._note)}</i></p>\n{inner}'

