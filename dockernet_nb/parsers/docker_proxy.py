"""Parse ``ps -C docker-proxy -o pid=,args=``: one row per docker-proxy process.

Docker starts one ``docker-proxy`` per published port and host address (unless the engine runs with
``--userland-proxy=false``). Its command line names both ends::

    4711 /usr/sbin/docker-proxy -proto tcp -host-ip 127.0.0.1 -host-port 8007 -container-ip 172.17.0.2 -container-port 8000

Schema:

============== ====== ================================================
column         dtype  meaning
============== ====== ================================================
pid            Int64  the process id (in the engine host's pid namespace)
proto          string ``tcp``, ``udp`` or ``sctp``
host_ip        string the host address it listens on
host_port      Int64  the host port it listens on
container_ip   string where it forwards to
container_port Int64  the container port
============== ====== ================================================

Lines of other programs are skipped (``ps -C`` lists only docker-proxy, but a filter by hand may
not); a docker-proxy line without its process id, ``-host-port`` or ``-container-ip`` raises
ParseError. Newer engines add options (``-use-listen-fd``): they are ignored.

Example::

    >>> parse("4711 /usr/sbin/docker-proxy -proto tcp -host-ip 127.0.0.1 -host-port 8007 "
    ...       "-container-ip 172.17.0.2 -container-port 8000\\n").loc[0, "host_port"]
    np.int64(8007)
"""

from __future__ import annotations

import pandas as pd

from dockernet_nb.parsers._common import Row, parse_error, typed_frame

__all__ = ["parse", "SCHEMA", "COMMAND"]

COMMAND = "ps -C docker-proxy -o pid=,args="
SCHEMA = {
    "pid": "Int64",
    "proto": "string",
    "host_ip": "string",
    "host_port": "Int64",
    "container_ip": "string",
    "container_port": "Int64",
}
_OPTIONS = {
    "-proto": "proto",
    "-host-ip": "host_ip",
    "-host-port": "host_port",
    "-container-ip": "container_ip",
    "-container-port": "container_port",
}
_REQUIRED = ("host_port", "container_ip", "container_port")


def _row(line: str, words: list[str]) -> Row:
    row: Row = {"pid": words[0]}
    args = words[2:]
    for i, word in enumerate(args[:-1]):
        column = _OPTIONS.get(word)
        if column is not None:
            row[column] = args[i + 1]
    missing = [column for column in _REQUIRED if row.get(column) is None]
    if missing:
        raise parse_error(COMMAND, line, f"a docker-proxy without {', '.join(missing)}")
    if not str(row["host_port"]).isdigit() or not str(row["container_port"]).isdigit():
        raise parse_error(COMMAND, line, "a port that is not a number")
    return row


def parse(text: str) -> pd.DataFrame:
    """``ps`` lines -> one row per docker-proxy process."""
    rows: list[Row] = []
    for line in text.splitlines():
        words = line.split()
        if words and words[0].endswith("docker-proxy"):
            # "ps -o args=" without pid=: every line would lack its process id.
            raise parse_error(COMMAND, line, "no process id before docker-proxy (ps -o pid=,args=)")
        if len(words) < 2 or not words[1].endswith("docker-proxy"):
            continue
        if not words[0].isdigit():
            raise parse_error(COMMAND, line, "no process id before docker-proxy")
        rows.append(_row(line, words))
    return typed_frame(rows, SCHEMA)
