"""Parse ``bridge -j fdb show`` (iproute2 JSON) or ``bridge fdb show`` text: one row per entry.

A bridge's forwarding database: which MAC address it has seen behind which port, plus the entries
every device keeps for itself (its own address, the multicast groups it listens to) and, on a VXLAN
device, where to send frames for an address (``dst``, the far tunnel end).

========= ====== ======================================================================
column    dtype  meaning
========= ====== ======================================================================
mac       string the MAC address, lower-case
interface string the device the entry belongs to (``dev``): a bridge port, the bridge
                 itself, a VXLAN device, ...
master    string the bridge whose table holds it; <NA> for a device's own entries
vlan      Int64  the VLAN (bridges with vlan_filtering only); <NA> otherwise
flags     string space-separated flags as printed: ``self`` (the device's own table),
                 ``extern_learn``, ``offload``, ``sticky``, ``router``; <NA> if none
state     string ``permanent`` (local or configured), ``static``, ``stale``; <NA> for an
                 address the bridge learned from traffic (iproute2 prints no state then)
dst       string VXLAN: the remote tunnel end for this MAC (``00:00:00:00:00:00`` is the
                 default destination); <NA> otherwise
========= ====== ======================================================================

Dialect (``df.attrs["dialect"]``): ``"json"`` when the text starts with ``[``, else ``"text"``;
``None`` for empty input. A text line that does not start with a MAC address and name its ``dev``
raises ParseError; words the schema has no column for (``nhid 3``, ``src_vni 42``) are skipped with
their value, unknown single words are kept in ``flags``.

Example::

    >>> df = parse("02:42:ac:1d:0d:02 dev vethf711d64 master dnbfx-br13 \\n"
    ...            "00:00:00:00:00:00 dev vxlan42 dst 172.29.13.6 via eth0 self permanent\\n")
    >>> print(df[["mac", "interface", "master", "flags", "state", "dst"]].to_string(index=False))
                  mac   interface     master flags     state         dst
    02:42:ac:1d:0d:02 vethf711d64 dnbfx-br13  <NA>      <NA>        <NA>
    00:00:00:00:00:00     vxlan42       <NA>  self permanent 172.29.13.6
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from dockernet_nb.parsers._common import Row, from_json_list, parse_error, text_or_json

__all__ = ["parse", "SCHEMA", "COMMAND"]

COMMAND = "bridge fdb show"
SCHEMA = {
    "mac": "string",
    "interface": "string",
    "master": "string",
    "vlan": "Int64",
    "flags": "string",
    "state": "string",
    "dst": "string",
}

_MAC = re.compile(r"^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$")
_STATES = {"permanent", "static", "stale", "noarp", "reachable", "incomplete", "delay", "probe", "failed"}
# Keyword -> column; keywords with a value but no column are skipped with it.
_VALUED = {"dev": "interface", "master": "master", "vlan": "vlan", "dst": "dst"}
_SKIPPED = {"via", "port", "vni", "src_vni", "nhid", "used", "updated"}


def _text_row(line: str) -> Row:
    words = line.split()
    if not words or not _MAC.match(words[0]):
        raise parse_error(COMMAND, line, "an fdb entry starts with a MAC address")
    row: Row = {"mac": words[0].lower()}
    flags: list[str] = []
    i = 1
    while i < len(words):
        word = words[i]
        if word in _VALUED or word in _SKIPPED:
            if i + 1 >= len(words):
                raise parse_error(COMMAND, line, f"{word} without a value")
            if word in _VALUED:
                row[_VALUED[word]] = words[i + 1]
            i += 2
            continue
        if word in _STATES:
            row["state"] = word
        else:
            flags.append(word)
        i += 1
    if row.get("interface") is None:
        raise parse_error(COMMAND, line, "an fdb entry without its dev")
    if row.get("vlan") is not None and not str(row["vlan"]).isdigit():
        raise parse_error(COMMAND, line, "a vlan that is not a number")
    row["flags"] = " ".join(flags) or None
    return row


def _text_rows(text: str) -> list[Row]:
    return [_text_row(line) for line in text.splitlines() if line.strip()]


def _json_row(item: dict[str, Any]) -> Row:
    flags = item.get("flags", [])
    if not isinstance(flags, list):
        raise TypeError("flags is not a list")
    return {
        "mac": str(item["mac"]).lower(),
        "interface": str(item["ifname"]),
        "master": item.get("master"),
        "vlan": None if item.get("vlan") is None else str(item["vlan"]),
        "flags": " ".join(map(str, flags)) or None,
        "state": item.get("state") or None,
        "dst": item.get("dst"),
    }


def _json_rows(text: str) -> list[Row]:
    return from_json_list(text, COMMAND, "fdb entries", lambda data: [_json_row(item) for item in data])


def parse(text: str) -> pd.DataFrame:
    """Parse ``bridge fdb show`` text or ``bridge -j fdb show`` JSON into one row per entry."""
    return text_or_json(text, SCHEMA, _text_rows, _json_rows)
