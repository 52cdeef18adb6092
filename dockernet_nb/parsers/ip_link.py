"""Parse ``ip -j -d link`` (iproute2 JSON) or ``ip link`` text: one row per network interface.

What an interface *is* and what it is plugged into, rather than its addresses (that is
:mod:`dockernet_nb.parsers.ip_addr`): the two ends of a veth pair, the bridge a port belongs to.

============ ======= ====================================================================
column       dtype   meaning
============ ======= ====================================================================
name         string  interface name, without the ``@if1278`` peer suffix
ifindex      Int64   its index in this network namespace
iflink       Int64   the index of its peer (a veth's other end) or lower device; in another
                     namespace when ``link_netnsid`` is set. <NA> when it has none
link_netnsid Int64   the namespace the peer lives in, as numbered from here; <NA> when the
                     peer is in this namespace or there is none
kind         string  ``veth``, ``bridge``, ``vxlan``, ``dummy``, ...; <NA> for loopback and
                     physical devices. Only ``ip -d`` prints it: <NA> without ``-d``
master       string  the bridge (or bond) it is plugged into; <NA> if none
mac          string  ``link/ether`` address, lower-case; <NA> for loopback and others
mtu          Int64   MTU
state        string  operational state: ``UP``, ``DOWN``, ``UNKNOWN`` (loopback, tunnels),
                     ``LOWERLAYERDOWN``; <NA> from busybox, which does not print it
up           boolean the UP flag is set (administratively up)
============ ======= ====================================================================

Dialect (``df.attrs["dialect"]``): ``"json"`` when the text starts with ``[``, else ``"text"``
(iproute2 and busybox ``ip link``, with or without ``-d``); ``None`` for empty input. In text,
``eth0@if1278`` gives ``iflink`` 1278; a peer named instead (``veth1@veth0``, same namespace) is
looked up among the listed interfaces, as iproute2's JSON ``"link"`` is. With ``-d``, the kind is the
first word of the line after ``link/...`` (``veth``, ``bridge forward_delay ...``); a port's
``bridge_slave ...`` line is not a kind.

``ip link show eth9`` on a missing interface prints ``Device "eth9" does not exist.`` (busybox:
``ip: can't find device 'eth9'``): no row. A line that is neither an interface header, one of its
detail lines nor that message raises ParseError.

Example::

    >>> df = parse('[{"ifindex": 7, "link_index": 8, "ifname": "eth0", "flags": ["UP"], "mtu": 1500,'
    ...            ' "operstate": "UP", "link_type": "ether", "address": "02:42:ac:11:00:02",'
    ...            ' "link_netnsid": 0, "linkinfo": {"info_kind": "veth"}}]')
    >>> print(df[["name", "ifindex", "iflink", "link_netnsid", "kind", "mac"]].to_string(index=False))
    name  ifindex  iflink  link_netnsid kind               mac
    eth0        7       8             0 veth 02:42:ac:11:00:02
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from dockernet_nb.parsers._common import (
    IP_HEADER,
    IP_NO_DEVICE,
    Row,
    first_line,
    from_json_list,
    parse_error,
    peer_ifindex,
    text_or_json,
    words_after,
)

__all__ = ["parse", "SCHEMA", "COMMAND"]

COMMAND = "ip link"
SCHEMA = {
    "name": "string",
    "ifindex": "Int64",
    "iflink": "Int64",
    "link_netnsid": "Int64",
    "kind": "string",
    "master": "string",
    "mac": "string",
    "mtu": "Int64",
    "state": "string",
    "up": "boolean",
}

_WORDS = ("mtu", "master", "state")  # taken from the header line: "... mtu 1500 ... master br0 state UP"
_LINK = re.compile(r"^\s+link/(?P<type>\S+)(?:\s+(?P<addr>[0-9A-Fa-f:]+))?")
_NETNSID = re.compile(r"\blink-netnsid (?P<id>\d+)")
# Detail lines of -d whose first word is not a kind.
_NOT_KINDS = {"altname", "alias", "vf", "prop", "addrgenmode"}


def _resolve_links(rows: list[Row], links: list[str | None]) -> None:
    """``"if1278"`` -> 1278; a peer's name -> its ifindex when it is listed here; NONE -> <NA>."""
    index_of = {row["name"]: row["ifindex"] for row in rows}
    for row, link in zip(rows, links, strict=True):
        if link is None or link == "NONE":
            continue
        if link in index_of:
            row["iflink"] = index_of[link]
        elif (index := peer_ifindex(link)) is not None:
            row["iflink"] = index


def _text_rows(text: str) -> list[Row]:
    lines = text.splitlines()
    if not any(IP_HEADER.match(line) or IP_NO_DEVICE.match(line) for line in lines):
        raise parse_error(COMMAND, first_line(text))
    rows: list[Row] = []
    links: list[str | None] = []
    after_link_line = False  # the next detail line (with -d) starts with the kind
    for line in lines:
        if not line.strip():
            continue
        if not line[0].isspace():
            if IP_NO_DEVICE.match(line):
                continue
            m = IP_HEADER.match(line)
            if not m:
                raise parse_error(COMMAND, line, "unexpected line in ip link output")
            row: Row = {"name": m["name"], "ifindex": m["ifindex"], **words_after(m["rest"], _WORDS)}
            row["up"] = "true" if "UP" in m["flags"].split(",") else "false"
            rows.append(row)
            links.append(m["link"])
            after_link_line = False
            continue
        if not rows:
            raise parse_error(COMMAND, line, "detail line before any interface header")
        row = rows[-1]
        if m := _LINK.match(line):
            if m["type"] == "ether" and m["addr"]:
                row["mac"] = m["addr"].lower()
            if netnsid := _NETNSID.search(line):
                row["link_netnsid"] = netnsid["id"]
            after_link_line = True
        elif after_link_line:
            after_link_line = False
            word = line.split()[0]
            if re.fullmatch(r"[a-z][a-z0-9_]*", word) and not word.endswith("_slave") and word not in _NOT_KINDS:
                row["kind"] = word
    _resolve_links(rows, links)
    return rows


def _json_row(item: dict[str, Any]) -> tuple[Row, str | None]:
    is_ether = item.get("link_type") == "ether" and item.get("address")
    linkinfo = item.get("linkinfo") or {}
    row: Row = {
        "name": str(item["ifname"]),
        "ifindex": str(item["ifindex"]),
        "iflink": str(item["link_index"]) if item.get("link_index") is not None else None,
        "link_netnsid": str(item["link_netnsid"]) if item.get("link_netnsid") is not None else None,
        "kind": linkinfo.get("info_kind"),
        "master": item.get("master"),
        "mac": str(item["address"]).lower() if is_ether else None,
        "mtu": str(item["mtu"]) if "mtu" in item else None,
        "state": item.get("operstate"),
        "up": "true" if "UP" in item.get("flags", []) else "false",
    }
    # Without a namespace id iproute2 names the peer ("link": "veth0", or "if12" when unknown).
    return row, None if row["iflink"] is not None else item.get("link")


def _json_rows(text: str) -> list[Row]:
    # Older iproute2 emits {} too.
    pairs = from_json_list(text, COMMAND, "interfaces", lambda data: [_json_row(item) for item in data if "ifname" in item])
    rows = [row for row, _ in pairs]
    _resolve_links(rows, [link for _, link in pairs])
    return rows


def parse(text: str) -> pd.DataFrame:
    """Parse ``ip [-d] link`` text or ``ip -j [-d] link`` JSON into one row per interface."""
    return text_or_json(text, SCHEMA, _text_rows, _json_rows)
