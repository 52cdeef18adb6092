"""Parse ``getent hosts NAME`` and ``getent ahosts[v4|v6] NAME``: the addresses a name resolves to, in order.

``getent`` asks the C library's resolver, as any program in the container would (``/etc/hosts``
first, then the DNS server in ``/etc/resolv.conf``), so the order of the rows is the order a client
tries the addresses in.

* ``hosts``: one line per address, ``ADDRESS  NAME [ALIAS ...]``.
* ``ahosts``: each address three times (``STREAM``, ``DGRAM``, ``RAW``), the canonical name on
  the first line only; the rows keep each address once, in the order it first appears.

Schema:

======= ====== ===============================================================
column  dtype  meaning
======= ====== ===============================================================
address string the address (IPv4 or IPv6)
family  Int64  4 or 6
names   string the names printed beside it, space-separated; <NA> when none
======= ====== ===============================================================

``df.attrs["dialect"]`` is ``"hosts"`` or ``"ahosts"`` (``None`` for empty input). A name that does
not resolve prints nothing (exit code 2): zero rows. A line that does not start with an address
raises ParseError.

Example::

    >>> df = parse("172.24.0.3      STREAM search\\n172.24.0.3      DGRAM  \\n172.24.0.2      STREAM \\n")
    >>> df[["address", "names"]].values.tolist()
    [['172.24.0.3', 'search'], ['172.24.0.2', <NA>]]
"""

from __future__ import annotations

import ipaddress

import pandas as pd

from dockernet_nb.parsers._common import Row, parse_error, typed_frame

__all__ = ["parse", "SCHEMA", "COMMAND"]

COMMAND = "getent hosts"
SCHEMA = {"address": "string", "family": "Int64", "names": "string"}
_SOCKTYPES = {"STREAM", "DGRAM", "RAW"}


def _address(word: str, line: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        return ipaddress.ip_address(word)
    except ValueError as e:
        raise parse_error(COMMAND, line, "line does not start with an address") from e


def parse(text: str) -> pd.DataFrame:
    """``getent hosts`` / ``getent ahosts`` output -> one row per address, in the order printed."""
    rows: list[Row] = []
    seen: dict[str, Row] = {}
    dialect = None
    for line in text.splitlines():
        words = line.split()
        if not words:
            continue
        address = _address(words[0], line)
        names = words[1:]
        if names and names[0] in _SOCKTYPES:
            dialect = "ahosts"
            names = names[1:]
        else:
            dialect = dialect or "hosts"
        key = str(address)
        if key in seen:
            if names and not seen[key].get("names"):
                seen[key]["names"] = " ".join(names)
            continue
        row: Row = {"address": key, "family": str(address.version), "names": " ".join(names) or None}
        seen[key] = row
        rows.append(row)
    frame = typed_frame(rows, SCHEMA)
    frame.attrs["dialect"] = dialect
    return frame
