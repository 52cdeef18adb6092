"""Parse ``docker compose ps --format json``: one row per container of a Compose project.

Compose 2.21 and newer print one JSON object per line; older 2.x versions printed one JSON array.
Both parse. Each object carries, among others, ``Name``, ``Service``, ``State``, ``Health``,
``ExitCode``, ``Networks`` (comma-separated) and ``Publishers`` (the published ports).

Schema:

=========== ====== =================================================================
column      dtype  meaning
=========== ====== =================================================================
service     string the service the container belongs to
name        string the container's name on the engine (``<project>-<service>-<n>``)
state       string ``running``, ``exited``, ``created``, ...
health      string ``healthy``, ``starting``, ``unhealthy``; <NA> without a healthcheck
exit_code   Int64  the exit code (0 while running)
networks    string the engine's names of its networks, comma-separated, sorted
ports       string published ports as ``HOST_IP:HOST_PORT->PORT/PROTO``, comma-separated;
                   <NA> when none is published
image       string the image
=========== ====== =================================================================

Rows are sorted by service, then name (Compose lists in no fixed order). Empty input, or ``[]``:
zero rows. Text that is not JSON objects raises ParseError.

Example::

    >>> df = parse('{"Name":"shop-web-1","Service":"web","State":"running","Health":"","ExitCode":0,'
    ...            '"Networks":"shop_front","Publishers":[],"Image":"dockernet-nb/uptime:1"}\\n')
    >>> df[["service", "name", "state"]].values.tolist()
    [['web', 'shop-web-1', 'running']]
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from dockernet_nb.parsers._common import Row, first_line, parse_error, typed_frame

__all__ = ["parse", "SCHEMA", "COMMAND"]

COMMAND = "docker compose ps --format json"
SCHEMA = {
    "service": "string",
    "name": "string",
    "state": "string",
    "health": "string",
    "exit_code": "Int64",
    "networks": "string",
    "ports": "string",
    "image": "string",
}


def _objects(text: str) -> list[dict[str, Any]]:
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as e:
            raise parse_error(COMMAND, first_line(text), f"invalid JSON ({e.msg})") from e
    else:
        data = []
        for line in stripped.splitlines():
            if not line.strip():
                continue
            try:
                data.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise parse_error(COMMAND, line, f"invalid JSON ({e.msg})") from e
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise parse_error(COMMAND, first_line(text), "not a list of JSON objects")
    return data


def _ports(publishers: Any) -> str | None:
    shown = []
    for item in publishers or []:
        if not item.get("PublishedPort"):
            continue  # exposed only, not published
        address = str(item.get("URL") or "")
        address = f"[{address}]" if ":" in address else address
        shown.append(f"{address}:{item['PublishedPort']}->{item['TargetPort']}/{item.get('Protocol') or 'tcp'}")
    return ", ".join(shown) or None


def _row(item: dict[str, Any]) -> Row:
    networks = sorted(n for n in str(item.get("Networks") or "").split(",") if n)
    return {
        "service": str(item["Service"]),
        "name": str(item["Name"]),
        "state": str(item.get("State") or "") or None,
        "health": str(item.get("Health") or "") or None,
        "exit_code": str(int(item.get("ExitCode") or 0)),
        "networks": ",".join(networks) or None,
        "ports": _ports(item.get("Publishers")),
        "image": str(item.get("Image") or "") or None,
    }


def parse(text: str) -> pd.DataFrame:
    """``docker compose ps --format json`` (JSON lines or one array) -> one row per container."""
    if not text.strip():
        return typed_frame([], SCHEMA)
    try:
        rows = [_row(item) for item in _objects(text)]
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise parse_error(COMMAND, first_line(text), f"unexpected JSON shape ({e!r})") from e
    rows.sort(key=lambda row: (row["service"] or "", row["name"] or ""))
    return typed_frame(rows, SCHEMA)
