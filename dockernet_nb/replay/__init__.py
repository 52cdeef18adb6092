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
import difflib
import functools
import hashlib
import inspect
import json
import os
import shlex
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd

from dockernet_nb import errors
from dockernet_nb.engine import commands, labels
from dockernet_nb.errors import NotRecorded
from dockernet_nb.nesting import nested, verb_depth
from dockernet_nb.records import CourseFrame, DockerCommand
from dockernet_nb.replay.book import RECORDINGS, Book, recordings_dir
from dockernet_nb.replay.codec import decode, encode
from dockernet_nb.replay.replayed import Replayed, ReplayedFrame, ReplayedText

__all__ = [
    "recordable",
    "mode",
    "set_mode",
    "recording",
    "begin_lesson",
    "current_book",
    "nested",
    "trail",
    "encode",
    "decode",
    "Book",
    "RECORDINGS",
    "recordings_dir",
    "Replayed",
    "ReplayedFrame",
    "ReplayedText",
]

MODES = ("live", "replay")

F = TypeVar("F", bound=Callable[..., Any])


_state: dict[str, Any] = {"mode": None, "seen": defaultdict(int), "book": None, "since": None}


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


def _book() -> Book:
    book = _state["book"]
    if book is None or book.lesson != labels.lesson():
        book = Book.load(labels.lesson())
        _state["book"] = book
    return book


def begin_lesson(lesson: str) -> None:
    """Called by start_lesson: a fresh recording when recording, the lesson's book when replaying."""
    _state["seen"].clear()
    _state["since"] = None
    if mode() == "live" and recording():
        from dockernet_nb.engine.connection import engine_version

        _state["book"] = Book.fresh(lesson, engine_version())
        _state["book"].save()  # the file exists even for a lesson with no calls
    elif mode() == "replay":
        _state["book"] = Book.load(lesson)
        # Replay as the recorded session, so names and session filters read as they did live.
        labels.adopt_session(_state["book"].data.get("session") or labels.session_id())
    else:
        _state["book"] = None


def current_book() -> Book:
    return _book()


# Arguments that hold a command or a rule: the same words, however they were quoted or spaced.
WORD_ARGUMENTS = frozenset({"command", "rule"})


def _canonical(value: Any) -> Any:
    """An argument as plain JSON: handles and engine-side names as short names, bytes as text, tuples as lists."""
    if isinstance(value, str):
        own = labels.prefix()
        return value[len(own):] if value.startswith(own) and len(value) > len(own) else value
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if hasattr(value, "docker_name") and hasattr(value, "name"):
        return _canonical(value.name)
    if isinstance(value, bytes):
        return {"bytes": value.decode("utf-8", "replace")}
    if isinstance(value, dict):
        return {str(_canonical(k)): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_canonical(v) for v in value]
        return sorted(items, key=json.dumps) if isinstance(value, (set, frozenset)) else items
    return repr(value)


def _words(value: Any) -> Any:
    """A command as its words: "ping  -c 1 x", "ping -c '1' x" and ["ping", "-c", "1", "x"] are one call."""
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError:
            return value
    return value


def call_key(fn: Callable[..., Any], args: tuple, kwargs: dict) -> str:
    """How a call is found in a recording: its arguments bound to the verb's parameters, defaults filled in.

    Positional or keyword, in any order, a default given or left out, a command as a string or a list,
    a handle or its name: the same call gives the same key. The order of words inside a command counts.
    """
    bound = inspect.signature(fn).bind(*args, **kwargs)
    bound.apply_defaults()
    data = {
        name: _canonical(_words(value) if name in WORD_ARGUMENTS else value) for name, value in bound.arguments.items()
    }
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def recordable(fn: F) -> F:
    """Make ``fn`` record its results when recording and answer from the recording in replay mode."""
    verb = fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        local = verb_depth()
        if getattr(local, "n", 0):  # called by another verb: that one is the recorded step
            return fn(*args, **kwargs)
        if mode() == "replay":
            key = call_key(fn, args, kwargs)
            _note_call(verb, key)
            return _answer(verb, key, defaults=_defaults(fn))
        key = call_key(fn, args, kwargs) if recording() or _state["since"] is not None or verb in STARTS_A_TRAIL else ""
        _note_call(verb, key)
        local.n = 1
        try:
            with commands.collecting() as steps:
                result = with_commands(fn(*args, **kwargs), steps)
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


# A verb that starts a trail: the calls after it (until the next) are what a learner did about it. A
# check that depends on what the learner did (did they fix the lab?) asks its question with the trail's
# digest, so in replay mode the answer recorded after the reference fix is found only after that fix.
STARTS_A_TRAIL = frozenset({"break_fix"})
NOT_ON_THE_TRAIL = frozenset({"ask"})


def _note_call(verb: str, key: str) -> None:
    if verb in STARTS_A_TRAIL:
        _state["since"] = set()
    elif _state["since"] is not None and verb not in NOT_ON_THE_TRAIL:
        _state["since"].add((verb, key))


def trail() -> str:
    """A digest of the distinct calls made since the last trail-starting verb ("" when none started one)."""
    if _state["since"] is None:
        return ""
    return hashlib.sha256(json.dumps(sorted(_state["since"])).encode()).hexdigest()[:16]


def with_commands(result: Any, steps: list[DockerCommand]) -> Any:
    """The verb's result carrying the docker commands of its steps (tables become :class:`CourseFrame`)."""
    if isinstance(result, pd.DataFrame):
        shown = result if isinstance(result, CourseFrame) else CourseFrame(result)
        shown.attrs = {**result.attrs, "docker": [dataclasses.asdict(c) for c in steps]}
        return shown
    if dataclasses.is_dataclass(result) and not isinstance(result, type) and hasattr(result, "docker") and not result.docker:
        return dataclasses.replace(result, docker=tuple(steps))
    return result


def _record(verb: str, key: str, result: dict) -> None:
    if recording() and _state["book"] is not None:
        _state["book"].add(verb, key, result)


def _defaults(fn: Callable[..., Any]) -> dict[str, Any]:
    """``fn``'s parameters that have a default, with it in the form call keys hold."""
    return {
        name: json.loads(json.dumps(_canonical(_words(p.default) if name in WORD_ARGUMENTS else p.default)))
        for name, p in inspect.signature(fn).parameters.items()
        if p.default is not inspect.Parameter.empty
    }


def _recorded_before(book: Book, verb: str, key: str, defaults: dict[str, Any]) -> str | None:
    """The recorded key of this call made before the verb grew a parameter it now leaves at its default.

    Such a call asked exactly what this one asks: a parameter added later with a default keeps the old
    behaviour there. Any other difference is a different call.
    """
    asked = json.loads(key)
    for recorded_verb, recorded_key in book.index:
        if recorded_verb != verb:
            continue
        recorded = json.loads(recorded_key)
        missing = set(asked) - set(recorded)
        if (
            missing
            and all(recorded[name] == asked.get(name, object()) for name in recorded)
            and all(name in defaults and asked[name] == defaults[name] for name in missing)
        ):
            return recorded_key
    return None


def _answer(verb: str, key: str, *, defaults: dict[str, Any] | None = None) -> Any:
    book = _book()
    answers = book.index.get((verb, key))
    if not answers and defaults:
        older = _recorded_before(book, verb, key, defaults)
        if older is not None:
            key, answers = older, book.index[(verb, older)]
    if not answers:
        raise NotRecorded(_not_recorded(book, verb, key))
    seen = _state["seen"]
    n = seen[(verb, key)]
    seen[(verb, key)] += 1
    return decode(answers[min(n, len(answers) - 1)], book.note())


def _not_recorded(book: Book, verb: str, key: str) -> str:
    """What to say about a call the recording lacks: the closest recorded calls, and how to run live."""
    asked = f"{verb}({shown_call(key)})"
    recorded = sorted({f"{v}({shown_call(k)})" for v, k in book.index})
    close = difflib.get_close_matches(asked, recorded, n=3, cutoff=0.5)
    lines = [
        book.note(),
        f"Replay mode has no answer for {asked}: the recorded run of {book.lesson!r} never made that call.",
    ]
    if close:
        lines.append("The closest calls it did record:\n" + "\n".join(f"  dnb.{c}" for c in close))
    lines.append(
        "Replay mode repeats the recorded lesson (and its exercises' solutions). To try your own commands, run the "
        "course live on a machine with Docker: `pip install dockernet-nb`, then `dockernet-nb lab` (Docker Desktop on "
        "macOS/Windows, Docker Engine on Linux)."
    )
    return "\n".join(lines)


def shown_call(key: str) -> str:
    """A recorded call's arguments as a learner would write them (cut to a readable length)."""
    data = json.loads(key)
    text = ", ".join(f"{name}={json.dumps(value, ensure_ascii=False)}" for name, value in data.items())
    return text if len(text) < 200 else text[:197] + "..."
