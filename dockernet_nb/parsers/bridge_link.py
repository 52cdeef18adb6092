"""Parse ``bridge -j link`` (iproute2 JSON) or ``bridge link`` text: one row per bridge port.

Which interfaces are plugged into which bridge, and whether the bridge forwards through them. Run in
the host's network view (``--net host``) it shows each container's veth in its network's bridge.

========= ======= ====================================================================
column    dtype   meaning
========= ======= ====================================================================
interface string  the port: a veth, a VXLAN device, ... (without the ``@if1272`` suffix)
ifindex   Int64   its index in this network namespace
iflink    Int64   the index of its peer (a veth's other end, usually in a container's
                  namespace); <NA> when it has none
master    string  the bridge it is plugged into
state     string  the port's STP state: ``forwarding``, ``blocking``, ``listening``,
                  ``learning``, ``disabled``
mtu       Int64   MTU
priority  Int64   the port's STP priority
cost      Int64   the port's STP path cost
up        boolean the port's UP flag is set
========= ======= ====================================================================

Dialect (``df.attrs["dialect"]``): ``"json"`` when the text starts with ``[``, else ``"text"``;
``None`` for empty input. ``[]`` (no bridge has a port here) gives zero rows. A text line that is not
a port line (``1273: veth7d2eeca@if1272: <...> mtu 1500 master docker0 state forwarding ...``)
raises ParseError.

Example::

    >>> df = parse("1273: veth7d2eeca@if1272: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master docker0"
    ...            " state forwarding priority 32 cost 2 \\n")
    >>> print(df[["interface", "iflink", "master", "state"]].to_string(index=False))
      interface  iflink  master      state
    veth7d2eeca    1272 docker0 forwarding
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from dockernet_nb.parsers._common import (
    Row,
    first_line,
    json_list,
    parse_error,
    text_or_json,
)

__all__ = ["parse", "SCHEMA", "COMMAND"]

COMMAND = "bridge link"
SCHEMA = {
    "interface": "string",
    "ifindex": "Int64",
    "iflink": "Int64",
    "master": "string",
    "state": "string",
    "mtu": "Int64",
    "priority": "Int64",
    "cost": "Int64",
    "up": "boolean",
}

_LINE = re.compile(r"^(?P<ifindex>\d+):\s+(?P<name>[^\s@:]+)(?:@(?P<link>[^\s:]+))?:\s+<(?P<flags>[^>]*)>(?P<rest>.*)$")
_WORD_AFTER = {key: re.compile(rf"\b{key} (?P<value>\S+)") for key in ("mtu", "master", "state", "priority", "cost")}
_PEER_INDEX = re.compile(r"^if(?P<index>\d+)$")


def _iflink(link: Any) -> str | None:
    m = _PEER_INDEX.match(str(link)) if link is not None else None
    return m["index"] if m else None


def _text_rows(text: str) -> list[Row]:
    rows: list[Row] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        m = _LINE.match(line)
        if m is None:
            raise parse_error(COMMAND, line, "not a bridge port line")
        row: Row = {"interface": m["name"], "ifindex": m["ifindex"], "iflink": _iflink(m["link"])}
        for key, pattern in _WORD_AFTER.items():
            found = pattern.search(m["rest"])
            row[key] = found["value"] if found else None
        row["up"] = "true" if "UP" in m["flags"].split(",") else "false"
        rows.append(row)
    return rows


def _json_rows(text: str) -> list[Row]:
    data = json_list(text, COMMAND, "bridge ports")
    rows: list[Row] = []
    try:
        for item in data:
            row: Row = {"interface": str(item["ifname"]), "ifindex": str(item["ifindex"]), "iflink": _iflink(item.get("link"))}
            for key in ("master", "state", "mtu", "priority", "cost"):
                row[key] = None if item.get(key) is None else str(item[key])
            row["up"] = "true" if "UP" in item.get("flags", []) else "false"
            rows.append(row)
    except (AttributeError, TypeError, KeyError) as e:
        raise parse_error(COMMAND, first_line(text), f"unexpected JSON shape ({e!r})") from e
    return rows


def parse(text: str) -> pd.DataFrame:
    """Parse ``bridge link`` text or ``bridge -j link`` JSON into one row per bridge port."""
    return text_or_json(text, SCHEMA, _text_rows, _json_rows)
