"""Parse ``ifconfig`` output: one row per interface.

Two dialects, detected from the text:

* ``busybox``: the old net-tools layout (``eth0      Link encap:Ethernet  HWaddr 02:42:AC:11:00:02``,
  ``inet addr:172.17.0.2  Bcast:172.17.255.255  Mask:255.255.0.0``, ``MTU:1500``, ``RX bytes:200``).
* ``net-tools``: net-tools 2.x (``eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500``,
  ``inet 172.17.0.2  netmask 255.255.0.0  broadcast ...``, ``ether 02:42:ac:11:00:02``).

Schema (shared with :mod:`dockernet_nb.parsers.ip_addr`):

=============== ======= ==========================================================
column          dtype   meaning
=============== ======= ==========================================================
name            string  interface name
mac             string  Ethernet address, lower-case; <NA> for loopback and others
ipv4            string  IPv4 address (ifconfig shows only the primary one)
prefixlen       Int64   prefix length computed from the netmask
broadcast       string  IPv4 broadcast address
mtu             Int64   MTU
up              boolean the UP flag is set
ipv6            string  space-separated ``addr/prefixlen`` entries in text order; <NA> if none
rx_packets      Int64   received packets
rx_bytes        Int64   received bytes
tx_packets      Int64   transmitted packets
tx_bytes        Int64   transmitted bytes
ipv6_global     string  the global ones of ``ipv6`` (unique local fd00::/8 included), same
                        form and order; <NA> if none
ipv6_link_local string  the link-local ones (fe80::/10); <NA> if none
=============== ======= ==========================================================

``df.attrs["dialect"]`` is ``"busybox"`` or ``"net-tools"`` (``None`` for empty input).

``ifconfig eth0`` on a missing interface prints ``ifconfig: eth0: error fetching interface
information: Device not found`` (busybox) or the same without the ``ifconfig:`` prefix
(net-tools). Such lines mean "no such interface": they add no row, so text made only of them
gives an empty frame. The caller still has the raw text to show the message.

Indented detail lines with no column here (``RX errors ...``, ``collisions:0``) are skipped;
a non-indented line that is neither an interface header nor that error raises ParseError.

Example::

    >>> df = parse("lo        Link encap:Local Loopback\\n"
    ...            "          inet addr:127.0.0.1  Mask:255.0.0.0\\n"
    ...            "          UP LOOPBACK RUNNING  MTU:65536  Metric:1\\n")
    >>> df.attrs["dialect"]
    'busybox'
    >>> print(df[["name", "ipv4", "prefixlen", "mtu", "up", "mac"]].to_string(index=False))
    name      ipv4  prefixlen   mtu   up  mac
      lo 127.0.0.1          8 65536 True <NA>
"""

from __future__ import annotations

import re

import pandas as pd

from dockernet_nb.parsers._common import (
    INTERFACE_SCHEMA,
    IPV4_PATTERN,
    Row,
    add_ipv6,
    first_line,
    netmask_to_prefixlen,
    parse_error,
    typed_frame,
)

__all__ = ["parse", "SCHEMA", "COMMAND"]

COMMAND = "ifconfig"
SCHEMA = INTERFACE_SCHEMA

def _ipv4(row: Row, line: str, address: str, netmask: str | None, broadcast: str | None) -> None:
    """The interface's IPv4 address, its prefix length from the netmask; the first one only (the schema has
    room for the primary address, and ifconfig shows only that)."""
    if row.get("ipv4") is not None:
        return
    row["ipv4"], row["broadcast"] = address, broadcast
    if netmask is not None:
        try:
            row["prefixlen"] = netmask_to_prefixlen(netmask)
        except ValueError as e:  # e.g. a line cut inside the mask: 255.255.255.12
            raise parse_error(COMMAND, line, f"invalid netmask {netmask}") from e


# --- busybox (the old net-tools layout) -------------------------------------------------------------

_BB_HEADER = re.compile(r"^(?P<name>\S+)\s+Link encap:(?P<encap>.+?)(?:\s+HWaddr\s+(?P<mac>\S+))?\s*$")
_BB_INET = re.compile(rf"^\s+inet addr:(?P<addr>{IPV4_PATTERN})")
_BB_BCAST = re.compile(rf"\sBcast:(?P<bcast>{IPV4_PATTERN})\b")
_BB_MASK = re.compile(rf"\sMask:(?P<mask>{IPV4_PATTERN})\b")
_BB_INET6 = re.compile(r"^\s+inet6 addr:\s*(?P<addr>\S+/\d+)\s")  # "\s": not cut mid-prefix
_BB_FLAGS = re.compile(r"^\s+(?P<flags>.*?)\s*MTU:(?P<mtu>\d+)")
_BB_COUNTER = re.compile(r"\b(?P<dir>RX|TX) (?P<what>packets|bytes):(?P<n>\d+)")


def _busybox_line(row: Row, line: str) -> None:
    if m := _BB_INET.match(line):
        mask, bcast = _BB_MASK.search(line), _BB_BCAST.search(line)
        _ipv4(row, line, m["addr"], mask["mask"] if mask else None, bcast["bcast"] if bcast else None)
    elif m := _BB_INET6.match(line):
        add_ipv6(row, m["addr"], COMMAND, line)
    elif m := _BB_FLAGS.match(line):
        row["mtu"] = m["mtu"]
        row["up"] = "true" if "UP" in m["flags"].split() else "false"
    else:
        # "RX packets:2 errors:0 ..." and "RX bytes:200 (200.0 B)  TX bytes:0 (0.0 B)"
        for c in _BB_COUNTER.finditer(line):
            row[f"{c['dir'].lower()}_{c['what']}"] = c["n"]


# --- net-tools 2.x ---------------------------------------------------------------------------------

_NT_HEADER = re.compile(r"^(?P<name>\S+): flags=\d+<(?P<flags>[^>]*)>\s+mtu\s+(?P<mtu>\d+)")
_NT_INET = re.compile(rf"^\s+inet (?P<addr>{IPV4_PATTERN})\s+netmask (?P<mask>{IPV4_PATTERN})(?:\s+broadcast (?P<bcast>{IPV4_PATTERN}))?")
_NT_INET6 = re.compile(r"^\s+inet6 (?P<addr>\S+)\s+prefixlen (?P<plen>\d+)\s")
_NT_ETHER = re.compile(r"^\s+ether (?P<mac>[0-9A-Fa-f:]{17})\b")
_NT_COUNTER = re.compile(r"^\s+(?P<dir>RX|TX) packets (?P<packets>\d+)\s+bytes (?P<bytes>\d+)")


def _net_tools_line(row: Row, line: str) -> None:
    if m := _NT_INET.match(line):
        _ipv4(row, line, m["addr"], m["mask"], m["bcast"])
    elif m := _NT_INET6.match(line):
        add_ipv6(row, f"{m['addr']}/{m['plen']}", COMMAND, line)
    elif m := _NT_ETHER.match(line):
        row["mac"] = m["mac"].lower()
    elif m := _NT_COUNTER.match(line):
        direction = m["dir"].lower()
        row[f"{direction}_packets"] = m["packets"]
        row[f"{direction}_bytes"] = m["bytes"]


# --- either dialect --------------------------------------------------------------------------------

# An interface that does not exist (see the module docstring).
_DEVICE_ERROR = re.compile(r"^(?P<prefix>ifconfig: )?\S+: error fetching interface information: ")


def _detect(lines: list[str]) -> str | None:
    """Dialect from the first line that only one dialect could print."""
    for line in lines:
        if _BB_HEADER.match(line):
            return "busybox"
        if _NT_HEADER.match(line):
            return "net-tools"
        error = _DEVICE_ERROR.match(line)
        if error:
            # Only busybox prefixes the message with the applet name.
            return "busybox" if error.group("prefix") else "net-tools"
    return None


def _header_row(dialect: str, line: str) -> Row | None:
    if dialect == "busybox":
        m = _BB_HEADER.match(line)
        if not m:
            return None
        # Only Ethernet has a MAC worth showing; loopback prints none, tunnels print zeros.
        mac = m["mac"].lower() if m["mac"] and m["encap"].strip() == "Ethernet" else None
        return {"name": m["name"], "mac": mac}
    m = _NT_HEADER.match(line)
    if not m:
        return None
    return {"name": m["name"], "mtu": m["mtu"], "up": "true" if "UP" in m["flags"].split(",") else "false"}


def _strings(text: str) -> tuple[str | None, list[Row]]:
    lines = text.splitlines()
    dialect = _detect(lines)
    if dialect is None:
        raise parse_error(COMMAND, first_line(text))
    detail = _busybox_line if dialect == "busybox" else _net_tools_line
    rows: list[Row] = []
    for line in lines:
        if not line.strip():
            continue
        if line[0].isspace():
            if not rows:
                raise parse_error(COMMAND, line, "detail line before any interface header")
            detail(rows[-1], line)
            continue
        if _DEVICE_ERROR.match(line):
            continue  # "Device not found": no interface, no row (see module docstring)
        row = _header_row(dialect, line)
        if row is None:
            raise parse_error(COMMAND, line, f"unexpected line in {dialect} ifconfig output")
        rows.append(row)
    return dialect, rows


def parse(text: str) -> pd.DataFrame:
    """Parse ifconfig output (busybox or net-tools) into one row per interface."""
    dialect, rows = (None, []) if not text.strip() else _strings(text)
    df = typed_frame(rows, SCHEMA)
    df.attrs["dialect"] = dialect
    return df
