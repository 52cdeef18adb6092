"""Parse FRRouting's ``vtysh -c "show ip route json"``: one row per route and next hop.

Recorded from FRR 8.4 in the course's ``frr`` image. A route with two equal-cost next hops gives
two rows, as ``ip route`` does. Schema:

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

Dialect: vtysh prints a JSON object; ``df.attrs["dialect"]`` is ``"json"`` (``None`` for empty
input). ``{}`` (no routes) gives zero rows. Text that is not a JSON object, or JSON of another
shape (``zebra is not running``, a cut-off answer, the OSPF neighbour table's JSON), raises
ParseError.

Example::

    >>> text = ('{"172.24.5.0/24": [{"prefix": "172.24.5.0/24", "prefixLen": 24, "protocol": "ospf",'
    ...         ' "selected": true, "installed": true, "distance": 110, "metric": 20,'
    ...         ' "nexthops": [{"ip": "172.24.1.3", "interfaceName": "eth0", "active": true, "fib": true}]}]}')
    >>> print(parse(text)[["prefix", "protocol", "metric", "nexthop", "iface"]].to_string(index=False))
           prefix protocol  metric    nexthop iface
    172.24.5.0/24     ospf      20 172.24.1.3  eth0
"""

from __future__ import annotations

import pandas as pd

from dockernet_nb.parsers._common import Row
from dockernet_nb.parsers._vtysh import scalar, vtysh_frame

__all__ = ["parse", "SCHEMA", "COMMAND"]

COMMAND = "show ip route json"
SCHEMA = {
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


def _rows(data: dict) -> list[Row]:
    rows: list[Row] = []
    for prefix, entries in data.items():
        if not isinstance(entries, list):
            raise TypeError(f"{prefix}: expected a list of routes")
        for route in entries:
            base: Row = {
                "prefix": scalar(route.get("prefix", prefix)),
                "prefix_len": scalar(route.get("prefixLen", prefix.rpartition("/")[2] or None)),
                "protocol": scalar(route["protocol"]),
                "selected": scalar(bool(route.get("selected", False))),
                "installed": scalar(bool(route.get("installed", False))),
                "distance": scalar(route.get("distance")),
                "metric": scalar(route.get("metric")),
                "uptime": scalar(route.get("uptime")),
            }
            for hop in route.get("nexthops") or [{}]:
                row = dict(base)
                row["nexthop"] = scalar(hop.get("ip"))
                row["iface"] = scalar(hop.get("interfaceName"))
                row["directly_connected"] = scalar(bool(hop.get("directlyConnected", False)))
                row["active"] = scalar(bool(hop.get("active", False)))
                row["fib"] = scalar(bool(hop.get("fib", False)))
                rows.append(row)
    return rows


def parse(text: str) -> pd.DataFrame:
    """``show ip route json`` -> one row per route and next hop (see the module docstring)."""
    return vtysh_frame(text, COMMAND, _rows, SCHEMA)
