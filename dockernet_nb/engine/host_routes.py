"""The engine host's own routes, where the course can see them: so a course subnet never hides a LAN or a VPN.

A course network whose subnet covers a route the host already has (a VPN's 172.20.0.0/16, a LAN)
would send that traffic into the bridge instead. What can be checked depends on where the engine runs:

- a local engine on Linux (DOCKER_HOST unset or a unix socket, not Docker Desktop): the routing table
  of this network namespace (``/proc/net/route``, ``/proc/net/ipv6_route``), which is the engine's;
- Docker Desktop or a remote engine: this machine's routes say nothing about the engine's host, so
  only the engine's own networks are checked (Docker refuses overlaps with those itself).

Routes on Docker's own bridges (``docker0``, ``br-*``) and default routes are not counted: the first
are the engine's networks, the second cover everything.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import struct
import sys
from pathlib import Path

__all__ = ["host_route_prefixes", "routes_are_visible", "parse_proc_route", "parse_proc_ipv6_route"]

Prefix = ipaddress.IPv4Network | ipaddress.IPv6Network
DOCKER_BRIDGES = ("docker0", "br-")


def routes_are_visible(operating_system: str = "") -> bool:
    """True when this process shares the engine's network namespace (a local Linux engine, not Desktop)."""
    host = os.environ.get("DOCKER_HOST", "")
    if host and not host.startswith("unix://"):
        return False
    return sys.platform == "linux" and "Docker Desktop" not in operating_system


def parse_proc_route(text: str) -> list[tuple[str, Prefix]]:
    """``/proc/net/route`` -> [(interface, IPv4 prefix)], little-endian hex as the kernel prints it."""
    found = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        destination = socket.inet_ntoa(struct.pack("<I", int(fields[1], 16)))
        mask = socket.inet_ntoa(struct.pack("<I", int(fields[7], 16)))
        found.append((fields[0], ipaddress.ip_network(f"{destination}/{mask}", strict=False)))
    return found


def parse_proc_ipv6_route(text: str) -> list[tuple[str, Prefix]]:
    """``/proc/net/ipv6_route`` -> [(interface, IPv6 prefix)]."""
    found = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 10:
            continue
        address = ipaddress.IPv6Address(bytes.fromhex(fields[0]))
        found.append((fields[9], ipaddress.ip_network(f"{address}/{int(fields[1], 16)}", strict=False)))
    return found


def host_route_prefixes(proc: Path = Path("/proc/net")) -> list[Prefix]:
    """Prefixes the engine host routes somewhere other than Docker's bridges (empty where not visible)."""
    prefixes: list[Prefix] = []
    for name, parse in (("route", parse_proc_route), ("ipv6_route", parse_proc_ipv6_route)):
        try:
            text = (proc / name).read_text()
        except OSError:
            continue
        for interface, prefix in parse(text):
            if prefix.prefixlen == 0 or interface.startswith(DOCKER_BRIDGES):
                continue
            if prefix.is_link_local or prefix.is_multicast or prefix.is_loopback:
                continue
            if prefix.version == 6 and prefix.prefixlen == 128:
                continue  # the host's own addresses (the kernel lists them beside its routes)
            prefixes.append(prefix)
    return prefixes
