"""Parse ``ip route`` text or ``ip -j route`` JSON onto the ``route -n`` schema: one row per route.

The columns are those of :mod:`dockernet_nb.parsers.route`, so both commands can be compared
side by side:

=========== ====== ==================================================================
column      dtype  meaning
=========== ====== ==================================================================
destination string destination network; ``default`` becomes ``0.0.0.0``. IPv6: the
                   prefix as ``route -n -A inet6`` prints it (``fd00:dead:beef::/64``,
                   default ``::/0``)
gateway     string ``via`` address, else ``0.0.0.0`` (IPv6: ``::``): directly attached
genmask     string netmask from the prefix length (``/16`` -> ``255.255.0.0``; none = /32);
                   <NA> for IPv6, whose prefix length is in ``destination``
flags       string as ``route -n`` would print them: ``U``, plus ``G`` with a gateway,
                   plus ``H`` for a host route (/32, IPv6 /128)
metric      Int64  ``metric N``, else 0 (what ``route -n`` shows)
iface       string ``dev`` interface
=========== ====== ==================================================================

Mapping examples: ``default via 172.17.0.1 dev eth0`` -> ``0.0.0.0 172.17.0.1 0.0.0.0 UG 0 eth0``;
``172.17.0.0/16 dev eth0 proto kernel scope link src 172.17.0.2`` ->
``172.17.0.0 0.0.0.0 255.255.0.0 U 0 eth0``; from ``ip -6 route``,
``default via fd00:dead:beef::1 dev eth0 metric 1024 pref medium`` -> ``::/0 fd00:dead:beef::1 <NA>
UG 1024 eth0``.

Unicast routes of both families become rows (``ip route`` prints IPv4 only, ``ip -6 route`` IPv6
only); special types (``local``, ``broadcast``, ``multicast``, ``unreachable``, ``blackhole``, ...)
are skipped, as ``route -n`` does not show them either. ``default`` belongs to the family of its
gateway, or without one to that of the other routes printed with it. A multipath route gives one
row per ``nexthop``.

Dialect (``df.attrs["dialect"]``): ``"json"`` when the text starts with ``[``, else ``"text"``
(busybox and iproute2 text parse alike); ``None`` for empty input. A text line that does not
start with a destination, or a route with no ``dev`` (a truncated line), raises ParseError.

Example::

    >>> print(parse("default via 172.17.0.1 dev eth0 \\n").to_string(index=False))
    destination    gateway genmask flags  metric iface
        0.0.0.0 172.17.0.1 0.0.0.0    UG       0  eth0
"""

from __future__ import annotations

import ipaddress
from itertools import pairwise

import pandas as pd

from dockernet_nb.parsers._common import ROUTE_SCHEMA, Row, from_json_list, parse_error, prefixlen_to_netmask, text_or_json

__all__ = ["parse", "SCHEMA", "COMMAND"]

COMMAND = "ip route"
SCHEMA = ROUTE_SCHEMA

# Route types ip prints before the destination; only unicast maps onto route -n.
_TYPES = {"unicast", "local", "broadcast", "multicast", "anycast", "unreachable", "blackhole", "prohibit", "throw", "nat"}


# (family, network, prefix length, gateway, dev, metric); family None: "default", decided later.
_Route = tuple[int | None, str, int, str | None, str, str | None]


def _destination(dst: str) -> tuple[int | None, str, int]:
    """``"default"``/``"a.b.c.d[/n]"``/``"x::y[/n]"`` -> (family, network, prefixlen). ValueError otherwise."""
    if dst == "default":
        return None, "", 0
    address, _, plen = dst.partition("/")
    family, bits = (6, 128) if ":" in address else (4, 32)
    ipaddress.ip_address(address)  # validates; ValueError for garbage
    prefixlen = int(plen) if plen else bits
    if not 0 <= prefixlen <= bits:
        raise ValueError(dst)
    return family, address, prefixlen


def _rows_of(routes: list[_Route]) -> list[Row]:
    """Routes -> rows, each ``default`` given its family: its gateway's, else the other routes'."""
    printed = {family for family, *_ in routes if family is not None}
    rows: list[Row] = []
    for family, network, prefixlen, gateway, dev, metric in routes:
        if family is None:
            family = (6 if ":" in gateway else 4) if gateway else (6 if printed == {6} else 4)
        if family == 6:
            rows.append(_row6(network or "::", prefixlen, gateway, dev, metric))
        else:
            rows.append(_row(network or "0.0.0.0", prefixlen, gateway, dev, metric))
    return rows


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


def _row6(network: str, prefixlen: int, gateway: str | None, dev: str, metric: str | None) -> Row:
    flags = "U" + ("G" if gateway else "") + ("H" if prefixlen == 128 else "")
    return {
        "destination": f"{network}/{prefixlen}",
        "gateway": gateway or "::",
        "genmask": None,
        "flags": flags,
        "metric": metric or "0",
        "iface": dev,
    }


def _options(tokens: list[str]) -> dict[str, str]:
    """``["via", "1.2.3.4", "dev", "eth0"]`` -> {"via": ..., "dev": ...} for the keywords we use."""
    return {key: value for key, value in pairwise(tokens) if key in {"via", "dev", "metric"}}


def _text_rows(text: str) -> list[Row]:
    routes: list[_Route] = []
    # A route line with neither dev nor via heads a multipath route: "nexthop" lines follow.
    head: tuple[str, tuple[int | None, str, int], str | None] | None = None  # (line, destination, metric)
    head_hops = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        tokens = line.split()
        if line[0].isspace() and tokens[0] == "nexthop" and head is not None:
            head_hops += 1
            _, (family, network, prefixlen), metric = head
            opts = _options(tokens)
            if "dev" in opts:
                routes.append((family, network, prefixlen, opts.get("via"), opts["dev"], metric))
            continue
        if head is not None and head_hops == 0:
            raise parse_error(COMMAND, head[0], "route without a dev (truncated?)")
        head = None
        if tokens[0] in _TYPES and len(tokens) > 1:
            if tokens[0] != "unicast":
                continue
            tokens = tokens[1:]
        try:
            family, network, prefixlen = _destination(tokens[0])
        except ValueError as e:
            raise parse_error(COMMAND, line, "line does not start with a route destination") from e
        opts = _options(tokens[1:])
        if "dev" not in opts and "via" not in opts:
            head, head_hops = (line, (family, network, prefixlen), opts.get("metric")), 0
        elif "dev" not in opts:
            raise parse_error(COMMAND, line, "route without a dev (truncated?)")
        else:
            routes.append((family, network, prefixlen, opts.get("via"), opts["dev"], opts.get("metric")))
    if head is not None and head_hops == 0:
        raise parse_error(COMMAND, head[0], "route without a dev (truncated?)")
    return _rows_of(routes)


def _json_routes(data: list[dict]) -> list[_Route]:
    routes: list[_Route] = []
    for item in data:
        if item.get("type", "unicast") != "unicast":
            continue
        family, network, prefixlen = _destination(str(item["dst"]))
        metric = str(item["metric"]) if "metric" in item else None
        for hop in item.get("nexthops") or [item]:
            routes.append((family, network, prefixlen, hop.get("gateway"), str(hop["dev"]), metric))
    return routes


def _json_rows(text: str) -> list[Row]:
    return _rows_of(from_json_list(text, COMMAND, "routes", _json_routes))


def parse(text: str) -> pd.DataFrame:
    """Parse ``ip [-6] route`` text or ``ip -j [-6] route`` JSON into route -n shaped rows."""
    return text_or_json(text, SCHEMA, _text_rows, _json_rows)
