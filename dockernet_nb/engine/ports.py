"""Published ports: ``"8000:8000"``, ``["8080:80/udp"]`` or ``{8000: 8000}`` -> the SDK's ports dict.

A published port binds to the engine host's loopback unless the caller names a host address: the
course never opens a port to the whole network behind the learner's back.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping, Sequence

from dockernet_nb.engine.connection import engine_host
from dockernet_nb.errors import InvalidInput

__all__ = ["parse_ports", "default_publish_ip"]

_PORT = re.compile(r"^(?:(?P<host_ip>\[[0-9a-fA-F:]+\]|\d{1,3}(?:\.\d{1,3}){3}):)?(?:(?P<host_port>\d+):)?(?P<port>\d+)(?:/(?P<proto>tcp|udp|sctp))?$")


def default_publish_ip() -> str:
    """Where published ports bind unless a lesson names an address: the engine host's loopback.

    For a remote engine (DOCKER_HOST=tcp://host or ssh://host) loopback would be out of reach, so the
    port binds to the address the course reaches that engine at; DOCKERNET_NB_PUBLISH_IP overrides both.
    """
    forced = os.environ.get("DOCKERNET_NB_PUBLISH_IP", "").strip()
    if forced:
        return forced
    host = engine_host()
    if host in ("127.0.0.1", "localhost", "::1"):
        return "127.0.0.1"
    try:
        return socket.gethostbyname(host)
    except OSError:
        return "127.0.0.1"


Binding = tuple[str, int]


def parse_ports(ports: str | Sequence[str] | Mapping | None) -> dict[str, Binding | list[Binding]]:
    """Turn "8000:8000", ["8080:80/udp"] or {8000: 8000} into the SDK's ports dict.

    A published port binds to the engine host's loopback (see :func:`default_publish_ip`) unless the
    caller names a host address ("0.0.0.0:8000:8000"): the course never opens a port to the whole
    network behind your back. One container port published on two host addresses
    (["8000:8000", "172.24.3.1:8000:8000"]) gets a list of bindings, as the SDK expects.
    """
    if ports is None:
        return {}
    default_ip = default_publish_ip()
    if isinstance(ports, Mapping):
        result: dict[str, Binding | list[Binding]] = {}
        for inner, outer in ports.items():
            inner_key = str(inner) if "/" in str(inner) else f"{inner}/tcp"
            if isinstance(outer, tuple):
                result[inner_key] = (str(outer[0]), _port_number(outer[1], ports))
            else:
                result[inner_key] = (default_ip, _port_number(outer, ports))
            _port_number(inner_key.split("/")[0], ports)
        return result
    specs = [ports] if isinstance(ports, str) else list(ports)
    result = {}
    for spec in specs:
        match = _PORT.match(str(spec).strip())
        if not match:
            raise InvalidInput(
                f"Port spec {spec!r} is not understood. Write 'HOST_PORT:CONTAINER_PORT' like '8000:8000', "
                "optionally 'HOST_IP:HOST_PORT:CONTAINER_PORT', or a dict {8000: 8000}."
            )
        inner = f"{_port_number(match['port'], spec)}/{match['proto'] or 'tcp'}"
        host_ip = (match["host_ip"] or default_ip).strip("[]")
        host_port = _port_number(match["host_port"] or match["port"], spec)
        if inner in result:
            earlier = result[inner]
            result[inner] = [*(earlier if isinstance(earlier, list) else [earlier]), (host_ip, host_port)]
        else:
            result[inner] = (host_ip, host_port)
    return result


def _port_number(value, spec) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if not 1 <= number <= 65535:
        raise InvalidInput(f"Port {value!r} in {spec!r} is not a port number (1-65535).")
    return number
