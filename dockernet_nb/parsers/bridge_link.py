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

from typing import Any

import pandas as pd

from dockernet_nb.parsers._common import IP_HEADER, Row, from_json_list, parse_error, peer_ifindex, text_or_json, words_after

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

_WORDS = ("mtu", "master", "state", "priority", "cost")


def _text_rows(text: str) -> list[Row]:
    rows: list[Row] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        m = IP_HEADER.match(line)
        if m is None:
            raise parse_error(COMMAND, line, "not a bridge port line")
        row: Row = {"interface": m["name"], "ifindex": m["ifindex"], "iflink": peer_ifindex(m["link"])}
        row.update(words_after(m["rest"], _WORDS))
        row["up"] = "true" if "UP" in m["flags"].split(",") else "false"
        rows.append(row)
    return rows


def _json_row(item: dict[str, Any]) -> Row:
    row: Row = {"interface": str(item["ifname"]), "ifindex": str(item["ifindex"]), "iflink": peer_ifindex(item.get("link"))}
    for key in _WORDS:
        row[key] = None if item.get(key) is None else str(item[key])
    row["up"] = "true" if "UP" in item.get("flags", []) else "false"
    return row


def _json_rows(text: str) -> list[Row]:
    return from_json_list(text, COMMAND, "bridge ports", lambda data: [_json_row(item) for item in data])


def parse(text: str) -> pd.DataFrame:
    """Parse ``bridge link`` text or ``bridge -j link`` JSON into one row per bridge port."""
    return text_or_json(text, SCHEMA, _text_rows, _json_rows)
