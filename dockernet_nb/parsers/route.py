"""Parse ``route -n`` output (busybox and net-tools print the same table): one row per route.

Schema (shared with :mod:`dockernet_nb.parsers.ip_route`):

=========== ====== ==================================================
column      dtype  meaning
=========== ====== ==================================================
destination string destination network (``0.0.0.0`` for the default)
gateway     string next hop, ``0.0.0.0`` when the network is directly attached
genmask     string netmask of the destination
flags       string route flags as printed (``U``, ``UG``, ``UH``, ...)
metric      Int64  route metric
iface       string outgoing interface
=========== ====== ==================================================

Columns are located by the header line (``Destination Gateway Genmask Flags Metric Ref Use
Iface``), so the wider ``route -ne`` tables parse too. A table with only its header (a container
run with ``--net none``) gives an empty frame. Only the IPv4 table is supported: ``route -n -A
inet6`` raises ParseError, as does a row whose field count does not match the header (a
truncated table).

Example::

    >>> df = parse("Kernel IP routing table\\n"
    ...            "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\\n"
    ...            "0.0.0.0         172.17.0.1      0.0.0.0         UG    0      0        0 eth0\\n")
    >>> print(df.to_string(index=False))
    destination    gateway genmask flags  metric iface
        0.0.0.0 172.17.0.1 0.0.0.0    UG       0  eth0
"""

from __future__ import annotations

import re

import pandas as pd

from dockernet_nb.parsers._common import ROUTE_SCHEMA, Row, first_line, parse_error, typed_frame

__all__ = ["parse", "SCHEMA", "COMMAND"]

COMMAND = "route -n"
SCHEMA = ROUTE_SCHEMA

_TITLE = re.compile(r"^Kernel IP routing table\s*$")
# Header word -> schema column; Ref and Use have no column.
_COLUMNS = {
    "Destination": "destination",
    "Gateway": "gateway",
    "Genmask": "genmask",
    "Flags": "flags",
    "Metric": "metric",
    "Iface": "iface",
}
_METRIC = re.compile(r"^\d+$")


def _strings(text: str) -> list[Row]:
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and _TITLE.match(lines[0]):
        lines = lines[1:]
    if not lines or not set(_COLUMNS) <= set(lines[0].split()):
        why = "only the IPv4 table is supported" if "IPv6" in text else "output matches no known dialect"
        raise parse_error(COMMAND, lines[0] if lines else first_line(text), why)
    header = lines[0].split()
    rows: list[Row] = []
    for line in lines[1:]:
        fields = line.split()
        if len(fields) != len(header):
            raise parse_error(COMMAND, line, f"expected {len(header)} fields like the header")
        row: Row = {_COLUMNS[name]: value for name, value in zip(header, fields, strict=True) if name in _COLUMNS}
        if not _METRIC.match(row["metric"] or ""):
            raise parse_error(COMMAND, line, "metric is not a number")
        rows.append(row)
    return rows


def parse(text: str) -> pd.DataFrame:
    """Parse ``route -n`` output into one row per IPv4 route."""
    rows = _strings(text) if text.strip() else []
    return typed_frame(rows, SCHEMA)
