"""Parse FRRouting's ``vtysh`` JSON: OSPF neighbours and the routing table, one frame each.

Two commands, two functions, two fixed schemas (recorded from FRR 8.4 in the course's ``frr`` image):

``vtysh -c "show ip ospf neighbor json"`` -> :func:`parse_neighbors`, one row per neighbour:

============== ======= ===============================================================
column         dtype   meaning
============== ======= ===============================================================
neighbor_id    string  the neighbour's OSPF router ID (``0.0.0.2``)
priority       Int64   its priority for the DR election
state          string  adjacency state: ``Full``, ``2-Way``, ``Init``, ``ExStart``, ...
role           string  its role on that network: ``DR``, ``Backup``, ``DROther``;
                       <NA> on a point-to-point link (FRR prints ``Full/-``)
address        string  the neighbour's address on the shared network
iface          string  our interface towards it (``eth0``)
local_address  string  our address on that interface
up_ms          Int64   milliseconds since the adjacency came up (<NA> before Full)
dead_ms        Int64   milliseconds left before it is declared dead without a hello
retransmit     Int64   link-state retransmission list length
request        Int64   link-state request list length
db_summary     Int64   database summary list length
============== ======= ===============================================================

``vtysh -c "show ip route json"`` -> :func:`parse_routes`, one row per route and next hop (a route
with two equal-cost next hops gives two rows, as ``ip route`` does):

=================== ======= ==========================================================
column              dtype   meaning
=================== ======= ==========================================================
prefix              string  destination, ``172.24.5.0/24``
prefix_len          Int64   its prefix length
protocol            string  who put it there: ``connected``, ``kernel``, ``static``, ``ospf``
selected            boolean the best route for this prefix (``>`` in the text form)
installed           boolean written into the kernel's table (``*`` in the text form)
distance            Int64   administrative distance (OSPF 110, connected 0)
metric              Int64   the protocol's cost
nexthop             string  next hop address; <NA> when directly connected
iface               string  outgoing interface
directly_connected  boolean the prefix is on this interface
active              boolean this next hop is usable
fib                 boolean this next hop is in the kernel's table
uptime              string  how long the route has existed (``00:01:05``)
=================== ======= ==========================================================

Dialect: both commands print a JSON object; ``df.attrs["dialect"]`` is ``"json"`` (``None`` for empty
input). An empty object ``{}`` is a normal answer (OSPF not configured, or no routes) and gives zero
rows. Text that is not a JSON object, or JSON of another shape (vtysh's ``% Unknown command``, ``ospfd
is not running``, a cut-off answer) raises ParseError. Nothing here runs vtysh.

Example::

    >>> text = ('{"neighbors": {"0.0.0.2": [{"priority": 1, "nbrState": "Full/-", "address": "172.24.1.3",'
    ...         ' "ifaceName": "eth0:172.24.1.2", "upTimeInMsec": 5000, "deadTimeMsecs": 3154}]}}')
    >>> print(parse_neighbors(text)[["neighbor_id", "state", "role", "address", "iface"]].to_string(index=False))
    neighbor_id state role    address iface
        0.0.0.2  Full <NA> 172.24.1.3  eth0
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from dockernet_nb.parsers._common import Row, first_line, parse_error, typed_frame

__all__ = ["parse_neighbors", "parse_routes", "NEIGHBOR_SCHEMA", "ROUTE_SCHEMA", "COMMANDS"]

COMMANDS = {"neighbors": "show ip ospf neighbor json", "routes": "show ip route json"}

NEIGHBOR_SCHEMA = {
    "neighbor_id": "string",
    "priority": "Int64",
    "state": "string",
    "role": "string",
    "address": "string",
    "iface": "string",
    "local_address": "string",
    "up_ms": "Int64",
    "dead_ms": "Int64",
    "retransmit": "Int64",
    "request": "Int64",
    "db_summary": "Int64",
}

ROUTE_SCHEMA = {
    "prefix": "string",
    "prefix_len": "Int64",
    "protocol": "string",
    "selected": "boolean",
    "installed": "boolean",
    "distance": "Int64",
    "metric": "Int64",
    "nexthop": "string",
    "iface": "string",
    "directly_connected": "boolean",
    "active": "boolean",
    "fib": "boolean",
    "uptime": "string",
}

# FRR has renamed keys between releases (7.x "state", 8.x "nbrState" beside it): first one present wins.
_NEIGHBOR_KEYS = {
    "priority": ("nbrPriority", "priority"),
    "state": ("nbrState", "state"),
    "address": ("ifaceAddress", "address"),
    "up_ms": ("upTimeInMsec",),
    "dead_ms": ("routerDeadIntervalTimerDueMsec", "deadTimeMsecs"),
    "retransmit": ("linkStateRetransmissionListCounter", "retransmitCounter"),
    "request": ("linkStateRequestListCounter", "requestCounter"),
    "db_summary": ("databaseSummaryListCounter", "dbSummaryCounter"),
}


def _text(value: Any) -> str | None:
    """A JSON scalar as the string typed_frame expects (booleans spelled true/false)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        raise TypeError(f"expected a scalar, got {type(value).__name__}")
    return str(value)


def _first(item: dict, keys: tuple[str, ...]) -> str | None:
    for key in keys:
        if key in item:
            return _text(item[key])
    return None


def _load(text: str, command: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise parse_error(command, first_line(text), f"not JSON ({e.msg})") from e
    if not isinstance(data, dict):
        raise parse_error(command, first_line(text), "JSON is not an object")
    return data


def _neighbor_rows(data: dict) -> list[Row]:
    neighbors = data.get("neighbors", {})
    if set(data) - {"neighbors"} or not isinstance(neighbors, dict):
        raise TypeError("expected {'neighbors': {router_id: [...]}}")
    rows: list[Row] = []
    for neighbor_id, entries in neighbors.items():
        if not isinstance(entries, list):
            raise TypeError(f"neighbour {neighbor_id}: expected a list")
        for item in entries:
            row: Row = {"neighbor_id": neighbor_id}
            row.update({column: _first(item, keys) for column, keys in _NEIGHBOR_KEYS.items()})
            state, _, role = (row["state"] or "").partition("/")
            row["state"] = state or None
            row["role"] = role if role and role != "-" else None
            iface, _, local = str(item.get("ifaceName", "")).partition(":")
            row["iface"] = iface or None
            row["local_address"] = local or None
            rows.append(row)
    return rows


def _route_rows(data: dict) -> list[Row]:
    rows: list[Row] = []
    for prefix, entries in data.items():
        if not isinstance(entries, list):
            raise TypeError(f"{prefix}: expected a list of routes")
        for route in entries:
            base: Row = {
                "prefix": _text(route.get("prefix", prefix)),
                "prefix_len": _text(route.get("prefixLen", prefix.rpartition("/")[2] or None)),
                "protocol": _text(route["protocol"]),
                "selected": _text(bool(route.get("selected", False))),
                "installed": _text(bool(route.get("installed", False))),
                "distance": _text(route.get("distance")),
                "metric": _text(route.get("metric")),
                "uptime": _text(route.get("uptime")),
            }
            for hop in route.get("nexthops") or [{}]:
                row = dict(base)
                row["nexthop"] = _text(hop.get("ip"))
                row["iface"] = _text(hop.get("interfaceName"))
                row["directly_connected"] = _text(bool(hop.get("directlyConnected", False)))
                row["active"] = _text(bool(hop.get("active", False)))
                row["fib"] = _text(bool(hop.get("fib", False)))
                rows.append(row)
    return rows


def _parse(text: str, command: str, rows_of, schema: dict[str, str]) -> pd.DataFrame:
    if not text.strip():
        df = typed_frame([], schema)
        df.attrs["dialect"] = None
        return df
    data = _load(text, command)
    try:
        rows = rows_of(data)
        df = typed_frame(rows, schema)
    except (AttributeError, TypeError, KeyError, ValueError) as e:
        raise parse_error(command, first_line(text), f"unexpected JSON shape ({e})") from e
    df.attrs["dialect"] = "json"
    return df


def parse_neighbors(text: str) -> pd.DataFrame:
    """Parse ``show ip ospf neighbor json`` into one row per neighbour (see the module docstring)."""
    return _parse(text, COMMANDS["neighbors"], _neighbor_rows, NEIGHBOR_SCHEMA)


def parse_routes(text: str) -> pd.DataFrame:
    """Parse ``show ip route json`` into one row per route and next hop (see the module docstring)."""
    return _parse(text, COMMANDS["routes"], _route_rows, ROUTE_SCHEMA)
