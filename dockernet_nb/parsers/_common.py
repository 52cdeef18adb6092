"""Helpers shared by the parsers: schemas, the one typing step, and ParseError messages.

Every parser first collects plain strings (``dict[str, str | None]`` per row, like
kellyjonbrazil/jc) and hands them to :func:`typed_frame`, the only place where text becomes
numbers and booleans. That keeps the per-command code about *reading* text and guarantees a
fixed schema: the same columns with the same dtypes whatever the input, even zero rows.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

import pandas as pd

from dockernet_nb.errors import ParseError

__all__ = [
    "Row",
    "Schema",
    "INTERFACE_SCHEMA",
    "ROUTE_SCHEMA",
    "IP_NO_DEVICE",
    "IP_HEADER",
    "IPV4_PATTERN",
    "add_ipv6",
    "typed_frame",
    "text_or_json",
    "from_json_list",
    "words_after",
    "peer_ifindex",
    "parse_error",
    "first_line",
    "netmask_to_prefixlen",
    "prefixlen_to_netmask",
]

Row = dict[str, str | None]
Schema = Mapping[str, str]

# Shared by ifconfig and ip_addr so a notebook can compare or concatenate the two.
INTERFACE_SCHEMA: Schema = {
    "name": "string",
    "mac": "string",
    "ipv4": "string",
    "prefixlen": "Int64",
    "broadcast": "string",
    "mtu": "Int64",
    "up": "boolean",
    "ipv6": "string",
    "rx_packets": "Int64",
    "rx_bytes": "Int64",
    "tx_packets": "Int64",
    "tx_bytes": "Int64",
    # Appended, so the columns before them keep their places: ipv6 split by what the address is for.
    "ipv6_global": "string",
    "ipv6_link_local": "string",
}

# Shared by route (route -n) and ip_route: ip route is mapped onto route -n's columns.
ROUTE_SCHEMA: Schema = {
    "destination": "string",
    "gateway": "string",
    "genmask": "string",
    "flags": "string",
    "metric": "Int64",
    "iface": "string",
}

# A dotted-quad IPv4 address, for building the parsers' patterns (ifconfig, ip addr).
IPV4_PATTERN = r"\d{1,3}(?:\.\d{1,3}){3}"

# ``ip addr show eth9`` / ``ip link show eth9`` on a missing interface (iproute2, busybox): no row.
IP_NO_DEVICE = re.compile(r"^(?:Device \".*\" does not exist\.|ip: can't find device '.*')\s*$")

# An interface's header line in ``ip link`` and ``bridge link`` (iproute2, busybox):
# "1273: veth7d2eeca@if1272: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master docker0 state forwarding ..."
IP_HEADER = re.compile(r"^(?P<ifindex>\d+):\s+(?P<name>[^\s@:]+)(?:@(?P<link>[^\s:]+))?:\s+<(?P<flags>[^>]*)>(?P<rest>.*)$")

_PEER_INDEX = re.compile(r"^if(?P<index>\d+)$")

_MAX_QUOTE = 60


# The one typing step: text -> number or boolean, per dtype (strings stay strings).
_CONVERTERS: dict[str, Callable[[str], object]] = {
    "Int64": int,
    "float64": float,
    "boolean": {"true": True, "false": False}.__getitem__,
}


def typed_frame(rows: Sequence[Row], schema: Schema) -> pd.DataFrame:
    """Turn string rows into a frame with exactly ``schema``'s columns and dtypes.

    Missing keys and ``None`` become ``<NA>`` (``NaN`` for float64). Booleans are spelled
    ``"true"``/``"false"`` in the string rows.
    """
    columns = {}
    for col, dtype in schema.items():
        texts = [row.get(col) for row in rows]
        convert = _CONVERTERS.get(dtype)
        if convert is None:
            columns[col] = pd.Series(texts, dtype=dtype)
        else:
            columns[col] = pd.Series([None if text is None else convert(text) for text in texts], dtype=dtype)
    return pd.DataFrame(columns, columns=list(schema))


def text_or_json(
    text: str, schema: Schema, text_rows: Callable[[str], list[Row]], json_rows: Callable[[str], list[Row]]
) -> pd.DataFrame:
    """iproute2 answers in text or, with -j, in JSON: pick the reader by the first character."""
    if not text.strip():
        dialect, rows = None, []
    elif text.lstrip().startswith("["):
        dialect, rows = "json", json_rows(text)
    else:
        dialect, rows = "text", text_rows(text)
    frame = typed_frame(rows, schema)
    frame.attrs["dialect"] = dialect
    return frame


T = TypeVar("T")

# What reading an unexpected JSON shape raises: a missing key, a list where an object was, a bad value.
_SHAPE_ERRORS = (AttributeError, TypeError, KeyError, ValueError)


def from_json_list(text: str, command: str, of_what: str, read: Callable[[list[dict]], T]) -> T:
    """``read`` applied to the JSON of ``ip -j ...`` (a list of objects); any other JSON, or a shape ``read``
    does not expect (a missing key, a wrong type), raises a ParseError naming the command."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise parse_error(command, first_line(text), f"invalid JSON ({e.msg})") from e
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise parse_error(command, first_line(text), f"JSON is not a list of {of_what}")
    try:
        return read(data)
    except _SHAPE_ERRORS as e:
        raise parse_error(command, first_line(text), f"unexpected JSON shape ({e!r})") from e


def words_after(text: str, keys: Iterable[str]) -> Row:
    """The word after each key in an iproute2 line: ``"mtu 1500 master docker0"`` gives
    ``{"mtu": "1500", "master": "docker0"}`` for those keys, None for a key that is absent."""
    found = {key: re.search(rf"\b{key} (?P<value>\S+)", text) for key in keys}
    return {key: m["value"] if m else None for key, m in found.items()}


def peer_ifindex(link: object) -> str | None:
    """The peer's index in iproute2's ``eth0@if1278`` (text) or ``"link": "if1278"`` (JSON): ``"1278"``."""
    m = _PEER_INDEX.match(str(link)) if link is not None else None
    return m["index"] if m else None


def add_ipv6(row: Row, entry: str, command: str, line: str) -> None:
    """Append ``addr/prefixlen`` to the row's ``ipv6`` and to ``ipv6_global`` or ``ipv6_link_local``.

    Link-local is fe80::/10; global is every other address but loopback, multicast and ``::``:
    unique local addresses (fd00::/8) included, as the kernel's ``scope global`` has them.
    """
    try:
        address = ipaddress.IPv6Address(entry.partition("/")[0])
    except ValueError as e:
        raise parse_error(command, line, f"not an IPv6 address: {entry}") from e
    columns = ["ipv6"]
    if address.is_link_local:
        columns.append("ipv6_link_local")
    elif not (address.is_loopback or address.is_multicast or address.is_unspecified):
        columns.append("ipv6_global")
    for column in columns:
        row[column] = f"{row[column]} {entry}" if row.get(column) else entry


def first_line(text: str) -> str:
    """The first non-blank line: what a ParseError quotes when no dialect matched at all."""
    for line in text.splitlines():
        if line.strip():
            return line
    return text


def parse_error(command: str, line: str, why: str = "output matches no known dialect") -> ParseError:
    """A ParseError naming the command and quoting the offending line, cut to a readable length."""
    shown = line if len(line) <= _MAX_QUOTE else line[: _MAX_QUOTE - 3] + "..."
    return ParseError(f"{command}: {why}; first offending line: {shown!r}")


def netmask_to_prefixlen(netmask: str) -> str:
    """``"255.255.0.0"`` -> ``"16"`` (kept as a string: typing happens in typed_frame)."""
    return str(ipaddress.IPv4Network(f"0.0.0.0/{netmask}").prefixlen)


def prefixlen_to_netmask(prefixlen: int) -> str:
    """``16`` -> ``"255.255.0.0"``."""
    return str(ipaddress.IPv4Network(f"0.0.0.0/{prefixlen}").netmask)
