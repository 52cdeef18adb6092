"""Parse Compose's ``--progress json`` events: what ``up`` or ``down`` did to each object.

Compose 2.24 and newer, given ``--progress json``, print one JSON object per event, for example
``{"id":"Container shop-web-1","status":"Started"}`` or ``{"id":"Network shop_front",
"status":"Removed"}``. An object goes through several statuses (Creating, Created, Starting,
Started); the row keeps the last one.

Schema:

====== ====== ===================================================================
column dtype  meaning
====== ====== ===================================================================
kind   string ``Container``, ``Network``, ``Volume``, ``Image``, ...
name   string the object's name on the engine
status string its last status (``Started``, ``Healthy``, ``Removed``, ...; a failed step's status
              is the engine's error text)
====== ====== ===================================================================

Rows come in the order each object first appears. Lines without an ``id`` carry no row:
``{"error": true, "message": ...}`` lines (what failed, once more, at the end) are collected in
``df.attrs["errors"]``. A line that is not a JSON object raises ParseError.

Example::

    >>> df = parse('{"id":"Network shop_front","status":"Removing"}\\n{"id":"Network shop_front","status":"Removed"}\\n')
    >>> df.values.tolist()
    [['Network', 'shop_front', 'Removed']]
"""

from __future__ import annotations

import json

import pandas as pd

from dockernet_nb.parsers._common import Row, parse_error, typed_frame

__all__ = ["parse", "SCHEMA", "COMMAND"]

COMMAND = "docker compose --progress json"
SCHEMA = {"kind": "string", "name": "string", "status": "string"}


def parse(text: str) -> pd.DataFrame:
    """Compose's JSON progress lines -> one row per object, with its last status."""
    rows: dict[str, Row] = {}
    errors: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError as e:
            raise parse_error(COMMAND, line, f"not a JSON event ({e.msg})") from e
        if not isinstance(event, dict):
            raise parse_error(COMMAND, line, "not a JSON object")
        ident = str(event.get("id") or "")
        kind, _, name = ident.partition(" ")
        if not name:
            if event.get("error") and event.get("message"):
                errors.append(str(event["message"]))
            continue
        row = rows.setdefault(ident, {"kind": kind, "name": name.strip()})
        if event.get("status"):
            row["status"] = str(event["status"])
    frame = typed_frame(list(rows.values()), SCHEMA)
    frame.attrs["errors"] = errors
    return frame
