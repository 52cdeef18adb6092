"""Parse ``ip addr`` output (iproute2 or busybox text, or iproute2 ``ip -j addr`` JSON).

One row per interface, with the same schema as :mod:`dockernet_nb.parsers.ifconfig`:

=============== ======= ==============================================================
column          dtype   meaning
=============== ======= ==============================================================
name            string  interface name, without the ``@ifN`` peer suffix
mac             string  ``link/ether`` address, lower-case; <NA> for loopback and others
ipv4            string  first IPv4 address
prefixlen       Int64   its prefix length
broadcast       string  its broadcast address (``brd``)
mtu             Int64   MTU
up              boolean the UP flag is set
ipv6            string  space-separated ``addr/prefixlen`` entries in text order; <NA> if none
rx_packets      Int64   received packets, only with ``ip -s`` / ``ip -j -s``; else <NA>
rx_bytes        Int64   received bytes (same)
tx_packets      Int64   transmitted packets (same)
tx_bytes        Int64   transmitted bytes (same)
ipv6_global     string  the global ones of ``ipv6`` (unique local fd00::/8 included), same
                        form and order; <NA> if none
ipv6_link_local string  the link-local ones (fe80::/10); <NA> if none
=============== ======= ==============================================================

Dialect (``df.attrs["dialect"]``): ``"json"`` when the text starts with ``[``, else ``"text"``
(busybox and iproute2 text share one layout; busybox only drops ``state``/``group``).
``None`` for empty input.

``ip addr show eth0`` on a missing interface prints ``Device "eth0" does not exist.``
(iproute2) or ``ip: can't find device 'eth0'`` (busybox): no row, like ifconfig's
"Device not found". The one-line ``ip -o`` form is not supported (ParseError).

Example::

    >>> df = parse("2: eth0@if5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue\\n"
    ...            "    link/ether 02:42:ac:12:00:02 brd ff:ff:ff:ff:ff:ff\\n"
    ...            "    inet 172.18.0.2/16 brd 172.18.255.255 scope global eth0\\n")
    >>> print(df[["name", "mac", "ipv4", "prefixlen", "rx_bytes"]].to_string(index=False))
    name               mac       ipv4  prefixlen  rx_bytes
    eth0 02:42:ac:12:00:02 172.18.0.2         16      <NA>
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from dockernet_nb.parsers._common import (
    INTERFACE_SCHEMA,
    IP_NO_DEVICE,
    IPV4_PATTERN,
    Row,
    add_ipv6,
    first_line,
    from_json_list,
    parse_error,
    text_or_json,
)

__all__ = ["parse", "SCHEMA", "COMMAND"]

COMMAND = "ip addr"
SCHEMA = INTERFACE_SCHEMA
# The counters of ``ip -s`` the schema keeps, per direction: rx_packets, rx_bytes, tx_packets, tx_bytes.
_COUNTERS = ("packets", "bytes")

_HEADER = re.compile(r"^\d+:\s+(?P<name>[^\s@:]+)(?:@\S+?)?:\s+<(?P<flags>[^>]*)>(?P<rest>.*)$")
_MTU = re.compile(r"\bmtu (?P<mtu>\d+)")
_LINK = re.compile(r"^\s+link/(?P<type>\S+)(?:\s+(?P<addr>\S+))?")
# The address is always followed by brd/scope: requiring the space rejects a line cut mid-prefix.
_INET = re.compile(rf"^\s+inet (?P<addr>{IPV4_PATTERN})(?:/(?P<plen>\d+))?\s")
_BRD = re.compile(rf"\sbrd (?P<brd>{IPV4_PATTERN})\b")
_INET6 = re.compile(r"^\s+inet6 (?P<addr>\S+/\d+)\s")
_STATS_HEADER = re.compile(r"^\s+(?P<dir>RX|TX):\s+(?P<names>.+)$")


def _text_rows(text: str) -> list[Row]:
    lines = text.splitlines()
    if not any(_HEADER.match(line) or IP_NO_DEVICE.match(line) for line in lines):
        raise parse_error(COMMAND, first_line(text))
    rows: list[Row] = []
    stats_names: tuple[str, list[str]] | None = None  # an "RX:" header waits for its numbers line
    for line in lines:
        if not line.strip():
            continue
        if not line[0].isspace():
            stats_names = None
            if IP_NO_DEVICE.match(line):
                continue
            m = _HEADER.match(line)
            if not m:
                raise parse_error(COMMAND, line, "unexpected line in ip addr output")
            mtu = _MTU.search(m["rest"])
            up = "UP" in m["flags"].split(",")
            rows.append({"name": m["name"], "mtu": mtu["mtu"] if mtu else None, "up": "true" if up else "false"})
            continue
        if not rows:
            raise parse_error(COMMAND, line, "detail line before any interface header")
        row = rows[-1]
        if stats_names is not None:
            # "RX:  bytes packets errors ..." is followed by a line of numbers in the same order.
            direction, names = stats_names
            stats_names = None
            values = dict(zip(names, line.split(), strict=False))  # a cut line has fewer numbers
            for what in _COUNTERS:
                if values.get(what, "").isdigit():
                    row[f"{direction}_{what}"] = values[what]
        elif m := _STATS_HEADER.match(line):
            stats_names = (m["dir"].lower(), m["names"].split())
        elif m := _LINK.match(line):
            if m["type"] == "ether" and m["addr"]:
                row["mac"] = m["addr"].lower()
        elif m := _INET.match(line):
            if row.get("ipv4") is None:  # the schema has room for the primary address only
                row["ipv4"] = m["addr"]
                row["prefixlen"] = m["plen"] or "32"
                brd = _BRD.search(line)
                row["broadcast"] = brd["brd"] if brd else None
        elif m := _INET6.match(line):
            add_ipv6(row, m["addr"], COMMAND, line)
        # valid_lft, altname, ... carry nothing for the schema.
    return rows


def _json_rows(text: str) -> list[Row]:
    # Older iproute2 emits {} too.
    return from_json_list(text, COMMAND, "interfaces", lambda data: [_json_row(item) for item in data if "ifname" in item])


def _json_row(item: dict[str, Any]) -> Row:
    flags = item.get("flags", [])
    is_ether = item.get("link_type") == "ether" and item.get("address")
    row: Row = {
        "name": str(item["ifname"]),
        "mtu": str(item["mtu"]) if "mtu" in item else None,
        "up": "true" if "UP" in flags else "false",
        "mac": str(item["address"]).lower() if is_ether else None,
    }
    for addr in item.get("addr_info", []):
        if addr.get("family") == "inet" and row.get("ipv4") is None:
            row["ipv4"] = addr.get("local")
            row["prefixlen"] = str(addr["prefixlen"]) if "prefixlen" in addr else None
            row["broadcast"] = addr.get("broadcast")
        elif addr.get("family") == "inet6" and "local" in addr:
            entry = f"{addr['local']}/{addr.get('prefixlen', 128)}"
            add_ipv6(row, entry, COMMAND, entry)
    # "stats64" since iproute2 5.x, "stats" before; absent without -s.
    stats = item.get("stats64") or item.get("stats") or {}
    for direction in ("rx", "tx"):
        for what in _COUNTERS:
            value = stats.get(direction, {}).get(what)
            row[f"{direction}_{what}"] = None if value is None else str(value)
    return row


def parse(text: str) -> pd.DataFrame:
    """Parse ``ip addr`` / ``ip -s addr`` text or ``ip -j [-s] addr`` JSON into one row per interface."""
    return text_or_json(text, SCHEMA, _text_rows, _json_rows)
