"""Parse ``ip route`` text or ``ip -j route`` JSON onto the ``route -n`` schema: one row per route.

The columns are those of :mod:`dockernet_nb.parsers.route`, so both commands can be compared
side by side:

=========== ====== ==================================================================
column      dtype  meaning
=========== ====== ==================================================================
destination string destination network; ``default`` becomes ``0.0.0.0``
gateway     string ``via`` address, else ``0.0.0.0`` (directly attached)
genmask     string netmask from the prefix length (``/16`` -> ``255.255.0.0``; none = /32)
flags       string as ``route -n`` would print them: ``U``, plus ``G`` with a gateway,
                   plus ``H`` for a host route (/32)
metric      Int64  ``metric N``, else 0 (what ``route -n`` shows)
iface       string ``dev`` interface
=========== ====== ==================================================================

Mapping examples: ``default via 172.17.0.1 dev eth0`` -> ``0.0.0.0 172.17.0.1 0.0.0.0 UG 0 eth0``;
``172.17.0.0/16 dev eth0 proto kernel scope link src 172.17.0.2`` ->
``172.17.0.0 0.0.0.0 255.255.0.0 U 0 eth0``.

Only IPv4 unicast routes become rows: IPv6 routes (``ip -6 route``) and special types
(``local``, ``broadcast``, ``unreachable``, ``blackhole``, ...) are skipped, as ``route -n`` does
not show them either. A multipath route gives one row per ``nexthop``.

Dialect (``df.attrs["dialect"]``): ``"json"`` when the text starts with ``[``, else ``"text"``
(busybox and iproute2 text parse alike); ``None`` for empty input. A text line that does not
start with a destination, or an IPv4 route with no ``dev`` (a truncated line), raises ParseError.

Example::

    >>> print(parse("default via 172.17.0.1 dev eth0 \\n").to_string(index=False))
    destination    gateway genmask flags  metric iface
        0.0.0.0 172.17.0.1 0.0.0.0    UG       0  eth0
"""

from __future__ import annotations

import ipaddress

import pandas as pd

from dockernet_nb.parsers._common import ROUTE_SCHEMA, Row, first_line, json_list, parse_error, prefixlen_to_netmask, text_or_json

__all__ = ["parse", "SCHEMA", "COMMAND"]

COMMAND = "ip route"
SCHEMA = ROUTE_SCHEMA

# Route types ip prints before the destination; only unicast maps onto route -n.
_TYPES = {"unicast", "local", "broadcast", "multicast", "anycast", "unreachable", "blackhole", "prohibit", "throw", "nat"}


def _destination(dst: str) -> tuple[str, int] | None:
    """``"default"``/``"a.b.c.d[/n]"`` -> (network, prefixlen); None for IPv6. Raises ValueError otherwise."""
    if dst == "default":
        return "0.0.0.0", 0
    address, _, plen = dst.partition("/")
    if ":" in address:
        return None
    ipaddress.IPv4Address(address)  # validates; ValueError for garbage
    prefixlen = int(plen) if plen else 32
    if not 0 <= prefixlen <= 32:
        raise ValueError(dst)
    return address, prefixlen


def _row(network: str, prefixlen: int, gateway: str | None, dev: str, metric: str | None) -> Row:
    flags = "U" + ("G" if gateway else "") + ("H" if prefixlen == 32 else "")
    return {
        "destination": network,
        "gateway": gateway or "0.0.0.0",
        "genmask": prefixlen_to_netmask(prefixlen),
        "flags": flags,
        "metric": metric or "0",
        "iface": dev,
    }


def _options(tokens: list[str]) -> dict[str, str]:
    """``["via", "1.2.3.4", "dev", "eth0"]`` -> {"via": ..., "dev": ...} for the keywords we use."""
    return {key: value for key, value in zip(tokens, tokens[1:]) if key in {"via", "dev", "metric"}}


def _text_rows(text: str) -> list[Row]:
    rows: list[Row] = []
    # A route line with neither dev nor via heads a multipath route: "nexthop" lines follow.
    head: tuple[str, tuple[str, int] | None, str | None] | None = None  # (line, destination, metric)
    head_hops = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        tokens = line.split()
        if line[0].isspace() and tokens[0] == "nexthop" and head is not None:
            head_hops += 1
            _, dest, metric = head
            opts = _options(tokens)
            if dest is not None and "dev" in opts and ":" not in opts.get("via", ""):
                rows.append(_row(dest[0], dest[1], opts.get("via"), opts["dev"], metric))
            continue
        if head is not None and head_hops == 0:
            raise parse_error(COMMAND, head[0], "route without a dev (truncated?)")
        head = None
        if tokens[0] in _TYPES and len(tokens) > 1:
            if tokens[0] != "unicast":
                continue
            tokens = tokens[1:]
        try:
            dest = _destination(tokens[0])
        except ValueError as e:
            raise parse_error(COMMAND, line, "line does not start with a route destination") from e
        opts = _options(tokens[1:])
        if "dev" not in opts and "via" not in opts:
            head, head_hops = (line, dest, opts.get("metric")), 0
        elif dest is None or ":" in opts.get("via", ""):
            continue  # IPv6 route
        elif "dev" not in opts:
            raise parse_error(COMMAND, line, "route without a dev (truncated?)")
        else:
            rows.append(_row(dest[0], dest[1], opts.get("via"), opts["dev"], opts.get("metric")))
    if head is not None and head_hops == 0:
        raise parse_error(COMMAND, head[0], "route without a dev (truncated?)")
    return rows


def _json_rows(text: str) -> list[Row]:
    data = json_list(text, COMMAND, "routes")
    rows: list[Row] = []
    try:
        for item in data:
            if item.get("type", "unicast") != "unicast":
                continue
            dest = _destination(str(item["dst"]))
            if dest is None:
                continue  # IPv6 route
            metric = str(item["metric"]) if "metric" in item else None
            hops = item.get("nexthops") or [item]
            for hop in hops:
                gateway = hop.get("gateway")
                if gateway and ":" in gateway:
                    continue
                rows.append(_row(dest[0], dest[1], gateway, str(hop["dev"]), metric))
    except (AttributeError, TypeError, KeyError, ValueError) as e:
        raise parse_error(COMMAND, first_line(text), f"unexpected JSON shape ({e!r})") from e
    return rows


def parse(text: str) -> pd.DataFrame:
    """Parse ``ip route`` text or ``ip -j route`` JSON into route -n shaped rows (IPv4 only)."""
    return text_or_json(text, SCHEMA, _text_rows, _json_rows)
