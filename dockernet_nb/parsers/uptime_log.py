"""Parse the log of the course's ``uptime`` server: one row per connection it accepted.

The server (socat, see the ``uptime`` course image) writes one line per visitor to stderr::

    connect to 172.17.0.2:8000 from 172.17.0.1:39122

Schema:

=========== ====== ==========================================================
column      dtype  meaning
=========== ====== ==========================================================
server      string the address the connection arrived at (the container's)
server_port Int64  the port it arrived at
client      string the address the server saw the connection come from
client_port Int64  the client's port
=========== ====== ==========================================================

Other lines (``listening on 0.0.0.0:8000 ...``) carry no row. A line that starts like a
connection line but does not finish like one (a log cut in the middle of a line), or whose
address is not one, raises ParseError.

A server listening on IPv6 (socat with ``SOCAT_DEFAULT_LISTEN_IP=6``) logs addresses in brackets,
written out in full: ``connect to [fd00:dead:beef:0000:0000:0000:0000:0007]:8000 from
[0000:0000:0000:0000:0000:ffff:ac1f:fa05]:34828``. They are shortened the usual way
(``fd00:dead:beef::7``), and an IPv4 visitor of such a server, which the socket sees as an
IPv4-mapped address, is written ``::ffff:172.31.250.5``.

Example::

    >>> df = parse("listening on 0.0.0.0:8000 ...\\nconnect to 172.17.0.2:8000 from 172.17.0.1:39122\\n")
    >>> print(df.to_string(index=False))
        server  server_port     client  client_port
    172.17.0.2         8000 172.17.0.1        39122
"""

from __future__ import annotations

import ipaddress
import re

import pandas as pd

from dockernet_nb.parsers._common import Row, parse_error, typed_frame

__all__ = ["parse", "SCHEMA", "COMMAND"]

COMMAND = "docker logs (uptime server)"
SCHEMA = {"server": "string", "server_port": "Int64", "client": "string", "client_port": "Int64"}

_ADDRESS = r"(?:\[(?P<{0}6>[0-9a-fA-F:.]+)\]|(?P<{0}4>[\d.]+))"
_CONNECTION = re.compile(
    rf"^connect to {_ADDRESS.format('server')}:(?P<server_port>\d+) from {_ADDRESS.format('client')}:(?P<client_port>\d+)\s*$"
)


def _address(ipv4: str | None, ipv6: str | None) -> str:
    """The address as written elsewhere in the course: IPv6 shortened, IPv4-mapped ones as ::ffff:a.b.c.d."""
    if ipv4 is not None:
        return str(ipaddress.IPv4Address(ipv4))
    address = ipaddress.IPv6Address(ipv6 or "")
    # Spelled out by hand: Python 3.13 changed str() of IPv4-mapped addresses; the course's should not.
    return f"::ffff:{address.ipv4_mapped}" if address.ipv4_mapped else address.compressed


def _row(line: str, match: re.Match[str]) -> Row:
    found = match.groupdict()
    try:
        server = _address(found["server4"], found["server6"])
        client = _address(found["client4"], found["client6"])
    except ValueError as e:
        raise parse_error(COMMAND, line, f"not an address ({e})") from e
    return {"server": server, "server_port": found["server_port"], "client": client, "client_port": found["client_port"]}


def parse(text: str) -> pd.DataFrame:
    """The server's log -> one row per connection, oldest first."""
    rows: list[Row] = []
    for line in text.splitlines():
        if not line.startswith("connect to "):
            continue
        match = _CONNECTION.match(line)
        if match is None:
            raise parse_error(COMMAND, line, "a connection line that does not end like one")
        rows.append(_row(line, match))
    return typed_frame(rows, SCHEMA)
