"""Parse FRRouting's ``vtysh -c "show ip ospf neighbor json"``: one row per OSPF neighbour.

Recorded from FRR 8.4 in the course's ``frr`` image. Schema:

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

Dialect: vtysh prints a JSON object; ``df.attrs["dialect"]`` is ``"json"`` (``None`` for empty
input). ``{}`` (OSPF not configured) gives zero rows. Text that is not a JSON object, or JSON of
another shape (``% Unknown command``, ``ospfd is not running``, the routing table's JSON), raises
ParseError. FRR 7.x key names (``state``, ``priority``) are read as well as 8.x ones.

Example::

    >>> text = ('{"neighbors": {"0.0.0.2": [{"priority": 1, "nbrState": "Full/-", "address": "172.24.1.3",'
    ...         ' "ifaceName": "eth0:172.24.1.2", "upTimeInMsec": 5000, "deadTimeMsecs": 3154}]}}')
    >>> print(parse(text)[["neighbor_id", "state", "role", "address", "iface"]].to_string(index=False))
    neighbor_id state role    address iface
        0.0.0.2  Full <NA> 172.24.1.3  eth0
"""

from __future__ import annotations

import pandas as pd

from dockernet_nb.parsers._common import Row
from dockernet_nb.parsers._vtysh import first_of, vtysh_frame

__all__ = ["parse", "SCHEMA", "COMMAND"]

COMMAND = "show ip ospf neighbor json"
SCHEMA = {
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

# FRR has renamed keys between releases (7.x "state", 8.x "nbrState" beside it): first one present wins.
_KEYS = {
    "priority": ("nbrPriority", "priority"),
    "state": ("nbrState", "state"),
    "address": ("ifaceAddress", "address"),
    "up_ms": ("upTimeInMsec",),
    "dead_ms": ("routerDeadIntervalTimerDueMsec", "deadTimeMsecs"),
    "retransmit": ("linkStateRetransmissionListCounter", "retransmitCounter"),
    "request": ("linkStateRequestListCounter", "requestCounter"),
    "db_summary": ("databaseSummaryListCounter", "dbSummaryCounter"),
}


def _rows(data: dict) -> list[Row]:
    neighbors = data.get("neighbors", {})
    if set(data) - {"neighbors"} or not isinstance(neighbors, dict):
        raise TypeError("expected {'neighbors': {router_id: [...]}}")
    rows: list[Row] = []
    for neighbor_id, entries in neighbors.items():
        if not isinstance(entries, list):
            raise TypeError(f"neighbour {neighbor_id}: expected a list")
        for item in entries:
            row: Row = {"neighbor_id": neighbor_id}
            row.update({column: first_of(item, keys) for column, keys in _KEYS.items()})
            state, _, role = (row["state"] or "").partition("/")
            row["state"] = state or None
            row["role"] = role if role and role != "-" else None
            iface, _, local = str(item.get("ifaceName", "")).partition(":")
            row["iface"] = iface or None
            row["local_address"] = local or None
            rows.append(row)
    return rows


def parse(text: str) -> pd.DataFrame:
    """``show ip ospf neighbor json`` -> one row per neighbour (see the module docstring)."""
    return vtysh_frame(text, COMMAND, _rows, SCHEMA)
