"""Servers in containers: who connected to them, and waiting until they listen."""

from __future__ import annotations

import time

import pandas as pd

from dockernet_nb.errors import CommandTimeout, InvalidInput
from dockernet_nb.parsers import uptime_log
from dockernet_nb.replay import recordable
from dockernet_nb.verbs import containers
from dockernet_nb.verbs.common import Container, name_of

__all__ = ["connections", "wait_for_port"]


@recordable
def connections(container: Container) -> pd.DataFrame:
    """The visitors an ``uptime`` server logged, oldest first: server, server_port, client, client_port.

    Example::

        >>> dnb.connections("web").tail(1)                              # doctest: +SKIP
               server  server_port      client  client_port
        0  172.24.2.5         8000  172.24.1.3        51234
    """
    log = containers.logs(container)
    frame = uptime_log.parse(log.output)
    frame.attrs["raw"] = log.output
    return frame


@recordable
def wait_for_port(container: Container, port: int, *, timeout: float = 15) -> None:
    """Wait until a server inside ``container`` accepts connections on ``port`` (asked from inside).

    A server needs a moment after its container starts; this polls ``nc -z 127.0.0.1 PORT`` in the
    container and raises :class:`dnb.CommandTimeout` after ``timeout`` seconds. Example::

        >>> dnb.wait_for_port("web", 8000)                                  # doctest: +SKIP
    """
    deadline = time.monotonic() + timeout
    while True:
        result = containers.exec(container, ["nc", "-z", "-w", "1", "127.0.0.1", str(port)], timeout=10)
        if result.ok:
            return None
        if result.exit_code in (126, 127):
            raise InvalidInput(f"{name_of(container)} has no nc to test its port with.")
        if time.monotonic() > deadline:
            raise CommandTimeout(f"Nothing in {name_of(container)} accepted connections on port {port} within {timeout} s.")
        time.sleep(0.2)

