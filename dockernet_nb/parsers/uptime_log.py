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
connection line but does not finish like one (a log cut in the middle of a line) raises
ParseError. IPv6 visitors are logged in brackets (``from [fd00::1]:41000``) and parse too.

Example::

    >>> df = parse("listening on 0.0.0.0:8000 ...\\nconnect to 172.17.0.2:8000 from 172.17.0.1:39122\\n")
    >>> df.loc[0, ["client", "client_port"]].tolist()
    ['172.17.0.1', 39122]
"""

from __future__ import annotations

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


def _row(match: re.Match[str]) -> Row:
    found = match.groupdict()
    return {
        "server": found["server4"] or found["server6"],
        "server_port": found["server_port"],
        "client": found["client4"] or found["client6"],
        "client_port": found["client_port"],
    }


def parse(text: str) -> pd.DataFrame:
    """The server's log -> one row per connection, oldest first."""
    rows: list[Row] = []
    for line in text.splitlines():
        if not line.startswith("connect to "):
            continue
        match = _CONNECTION.match(line)
        if match is None:
            raise parse_error(COMMAND, line, "a connection line that does not end like one")
        rows.append(_row(match))
    return typed_frame(rows, SCHEMA)
