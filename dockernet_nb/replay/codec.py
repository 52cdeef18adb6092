"""Recorded answers as plain JSON, and back: only data, only the course's own record classes.

A recording may come from anywhere a learner points ``DOCKERNET_NB_RECORDINGS`` at, so decoding
trusts nothing in it: a record is rebuilt only from the fixed table :data:`RECORD_TYPES`, each field
checked against the class's annotations; a frame's dtypes come from a fixed set; an error's class
must be one of the course's. Anything else raises :class:`RecordingError` naming what was wrong;
nothing in a recording can name code to import or run.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

import pandas as pd

from dockernet_nb import errors
from dockernet_nb.errors import RecordingError
from dockernet_nb.records import RECORD_TYPES
from dockernet_nb.replay.replayed import Replayed, ReplayedFrame, ReplayedText

__all__ = ["encode", "decode", "check", "FRAME_DTYPES"]

FRAME_DTYPES = frozenset({"string", "Int64", "float64", "boolean", "object", "bool", "int64", "str"})
_SCALARS = (type(None), bool, int, float, str)


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _json_safe(dataclasses.asdict(value))
    return value


def encode(result: Any) -> dict:
    """A verb's result as JSON data (``{"type": ..., ...}``)."""
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
        return {"type": "str", "text": str.__str__(result)}
    if isinstance(result, (bool, int, float)):
        return {"type": "scalar", "value": result}
    if type(result).__name__ in RECORD_TYPES and dataclasses.is_dataclass(result) and not isinstance(result, type):
        return {"type": "record", "record": type(result).__name__, "fields": _json_safe(dataclasses.asdict(result))}
    if isinstance(result, dict):
        return {"type": "dict", "value": _json_safe(result)}
    if isinstance(result, list):
        return {"type": "list", "value": _json_safe(result)}
    raise TypeError(f"cannot record a {type(result).__name__}")


def _is_json(value: Any, depth: int = 0) -> bool:
    if depth > 20:
        return False
    if isinstance(value, _SCALARS):
        return True
    if isinstance(value, list):
        return all(_is_json(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v, depth + 1) for k, v in value.items())
    return False


def _conforms(value: Any, hint: Any) -> bool:
    """Does plain JSON ``value`` fit the annotation ``hint`` (str, int, bool, X | None, dict/list/tuple of them, a record)?"""
    origin = typing.get_origin(hint)
    if hint is Any:
        return _is_json(value)
    if origin in (typing.Union, types.UnionType):
        return any(_conforms(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is dict or hint is dict:
        args = typing.get_args(hint) or (str, Any)
        return isinstance(value, dict) and all(_conforms(k, args[0]) and _conforms(v, args[1]) for k, v in value.items())
    if origin in (list, tuple) or hint in (list, tuple):
        items = [a for a in typing.get_args(hint) if a is not Ellipsis] or [Any]
        return isinstance(value, list) and all(_conforms(v, items[0]) for v in value)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(hint, type) and hint.__name__ in RECORD_TYPES:
        return isinstance(value, dict) and _fields_fit(hint, value) is None
    if isinstance(hint, type):
        return isinstance(value, hint)
    return False


def _fields_fit(cls: type, fields: Any) -> str | None:
    """None when ``fields`` can build ``cls``; else what is wrong."""
    if not isinstance(fields, dict):
        return "its fields are not an object"
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    required = {f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    if set(fields) - names:
        return f"unknown fields {sorted(set(fields) - names)}"
    if required - set(fields):
        return f"missing fields {sorted(required - set(fields))}"
    for name, value in fields.items():
        if not _conforms(value, hints[name]):
            return f"field {name!r} does not hold a {hints[name]}"
    return None


def _build(cls: type, fields: dict) -> Any:
    """A record from checked fields; nested records are built the same way."""
    hints = typing.get_type_hints(cls)
    built = {}
    for name, value in fields.items():
        hint = hints[name]
        inner = [a for a in typing.get_args(hint) if isinstance(a, type) and a.__name__ in RECORD_TYPES]
        if isinstance(hint, type) and hint.__name__ in RECORD_TYPES:
            value = _build(hint, value)
        elif inner and isinstance(value, list):
            value = tuple(_build(inner[0], v) for v in value)
        elif typing.get_origin(hint) is tuple and isinstance(value, list):
            value = tuple(value)
        built[name] = value
    return cls(**built)


def check(stored: Any) -> str | None:
    """None when ``stored`` is a well-formed recorded answer; else what is wrong with it."""
    if not isinstance(stored, dict) or not isinstance(stored.get("type"), str):
        return "it is not an object with a 'type'"
    kind = stored["type"]
    if kind == "none":
        return None
    if kind == "error":
        cls = getattr(errors, str(stored.get("class")), None)
        if not (isinstance(cls, type) and issubclass(cls, errors.DockernetError)):
            return f"{stored.get('class')!r} is not one of the course's errors"
        return None if isinstance(stored.get("message"), str) else "the error has no message"
    if kind == "frame":
        columns, dtypes, rows = stored.get("columns"), stored.get("dtypes"), stored.get("rows")
        if not (isinstance(columns, list) and all(isinstance(c, str) for c in columns)):
            return "the frame's columns are not a list of names"
        if not (isinstance(dtypes, dict) and set(dtypes) <= set(columns) and set(dtypes.values()) <= FRAME_DTYPES):
            return f"the frame's dtypes are not among {sorted(FRAME_DTYPES)}"
        if not (isinstance(rows, list) and all(isinstance(r, list) and len(r) == len(columns) for r in rows)):
            return "the frame's rows do not match its columns"
        if not all(isinstance(cell, _SCALARS) for row in rows for cell in row):
            return "a frame cell is not a plain value"
        return None if _is_json(stored.get("attrs", {})) else "the frame's attrs are not plain data"
    if kind == "str":
        return None if isinstance(stored.get("text"), str) else "the text is missing"
    if kind in ("scalar", "dict", "list"):
        value = stored.get("value")
        fits = {"scalar": isinstance(value, (bool, int, float)), "dict": isinstance(value, dict), "list": isinstance(value, list)}
        return None if fits[kind] and _is_json(value) else f"the {kind} value is not plain data"
    if kind == "record":
        cls = RECORD_TYPES.get(str(stored.get("record")))
        if cls is None:
            return f"{stored.get('record')!r} is not one of the course's records ({', '.join(sorted(RECORD_TYPES))})"
        problem = _fields_fit(cls, stored.get("fields"))
        return None if problem is None else f"a {cls.__name__} with {problem}"
    return f"{kind!r} is not a kind of recorded answer"


def decode(stored: dict, note: str) -> Any:
    """A recorded answer (already :func:`check`-ed) as the verb returned it, marked as replayed."""
    problem = check(stored)
    if problem is not None:
        raise RecordingError(f"A recorded answer is not usable: {problem}.")
    kind = stored["type"]
    if kind == "none":
        return None
    if kind == "error":
        raise getattr(errors, stored["class"])(f"{note}\n{stored['message']}")
    if kind == "frame":
        frame = pd.DataFrame(stored["rows"], columns=stored["columns"])
        for column, dtype in stored["dtypes"].items():
            try:
                frame[column] = frame[column].astype(dtype)
            except (TypeError, ValueError):
                pass
        replayed = ReplayedFrame(frame)
        replayed.attrs.update(stored.get("attrs", {}))
        replayed.attrs["replayed"] = note
        return replayed
    if kind == "str":
        return ReplayedText(stored["text"], note)
    if kind in ("scalar", "dict", "list"):
        return stored["value"]
    return Replayed(_build(RECORD_TYPES[stored["record"]], stored["fields"]), note)
