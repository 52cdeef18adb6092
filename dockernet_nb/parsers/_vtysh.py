"""What the two FRR parsers share: reading ``vtysh ... json`` answers into a fixed-schema frame.

vtysh prints one JSON object per command. An empty object ``{}`` is a normal answer (OSPF not
configured, no routes) and gives zero rows; text that is not a JSON object, or an object of another
shape (``% Unknown command``, ``ospfd is not running``, a cut-off answer), raises ParseError quoting
the first line. ``df.attrs["dialect"]`` is ``"json"`` (``None`` for empty input).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd

from dockernet_nb.parsers._common import Row, Schema, first_line, parse_error, typed_frame

__all__ = ["scalar", "first_of", "vtysh_frame"]


def scalar(value: Any) -> str | None:
    """A JSON scalar as the string typed_frame expects (booleans spelled true/false)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        raise TypeError(f"expected a scalar, got {type(value).__name__}")
    return str(value)


def first_of(item: dict, keys: tuple[str, ...]) -> str | None:
    """The first of ``keys`` present in ``item`` (FRR renames keys between releases)."""
    for key in keys:
        if key in item:
            return scalar(item[key])
    return None


def _load(text: str, command: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise parse_error(command, first_line(text), f"not JSON ({e.msg})") from e
    if not isinstance(data, dict):
        raise parse_error(command, first_line(text), "JSON is not an object")
    return data


def vtysh_frame(text: str, command: str, rows_of: Callable[[dict], list[Row]], schema: Schema) -> pd.DataFrame:
    """``rows_of(the JSON object)`` typed with ``schema``; any shape error becomes a ParseError."""
    if not text.strip():
        df = typed_frame([], schema)
        df.attrs["dialect"] = None
        return df
    data = _load(text, command)
    try:
        df = typed_frame(rows_of(data), schema)
    except (AttributeError, TypeError, KeyError, ValueError) as e:
        raise parse_error(command, first_line(text), f"unexpected JSON shape ({e})") from e
    df.attrs["dialect"] = "json"
    return df
