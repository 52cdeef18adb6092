"""What a learner-facing ``run()`` may ask the engine for, and why the rest is refused.

The course runs with root's power over the learner's Docker, so the options a notebook cell can pass
are limited to what the lessons need:

- capabilities: ``NET_ADMIN`` (routes, iptables, interfaces in the container's own network namespace),
  ``NET_RAW`` (raw sockets: ping, tcpdump) and ``SYS_ADMIN`` (FRRouting's zebra, network namespaces
  made by hand); never ``ALL`` or anything that reaches the host (modules, raw I/O, ptrace, ...);
- sysctls: only ``net.*`` keys, which Docker sets inside the container's own network namespace;
- ``pid``: only ``container:<a course container>``; the host's process table (``pid="host"``) lets
  a root container signal the host's processes, so only the course's own read-only helpers use it
  (as user nobody);
- ``net="host"``: allowed without extra capabilities (the container sees the host's interfaces and
  ports but cannot change them); with ``NET_ADMIN``/``SYS_ADMIN`` it could rewrite the host's firewall
  and routes, so that combination is refused; ``net="container:<x>"`` only for a course container.

Engine containers the course starts itself (docker-in-docker engines for tests and the multi-host
lesson's nodes) need far more; they are started only by :mod:`dockernet_nb.engine.spawn.dind` (the
nodes through :mod:`dockernet_nb.engine.spawn.nodes`), from the course's engine image, never through
these options.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence

from dockernet_nb.errors import InvalidInput

__all__ = ["ALLOWED_CAPABILITIES", "check_capabilities", "check_sysctls", "check_modes", "check_dns", "check_hosts", "check_hostname", "on_this_machine"]

ALLOWED_CAPABILITIES = {
    "NET_ADMIN": "change routes, iptables and interfaces inside the container's own network namespace",
    "NET_RAW": "raw sockets, as ping and tcpdump use",
    "SYS_ADMIN": "what FRRouting's zebra and `ip netns` need inside the container",
}
HOST_CHANGING = {"NET_ADMIN", "SYS_ADMIN"}


def _plain(docker_command: str) -> str:
    return f" If you really want this on your own Docker, run it yourself: {docker_command}"


def check_capabilities(cap_add: Sequence[str] | None, *, docker_command: str) -> list[str]:
    """The capabilities, upper-cased without ``CAP_``; anything outside :data:`ALLOWED_CAPABILITIES` is refused."""
    if cap_add is None:
        return []
    if isinstance(cap_add, str) or not all(isinstance(c, str) for c in cap_add):
        raise InvalidInput(f"cap_add must be a list of capability names like ['NET_ADMIN'], got {cap_add!r}.")
    wanted = [c.upper().removeprefix("CAP_") for c in cap_add]
    refused = [c for c in wanted if c not in ALLOWED_CAPABILITIES]
    if refused:
        allowed = "; ".join(f"{name}: {why}" for name, why in ALLOWED_CAPABILITIES.items())
        raise InvalidInput(
            f"The course does not start containers with {', '.join(refused)}: it would give the container power "
            f"over the engine's host, and no lesson needs it. Allowed: {allowed}." + _plain(docker_command)
        )
    return wanted


def check_sysctls(sysctls: Mapping[str, str] | None, *, docker_command: str) -> dict[str, str]:
    """Only ``net.*`` sysctls, which Docker applies inside the container's own network namespace."""
    if sysctls is None:
        return {}
    if not isinstance(sysctls, Mapping):
        raise InvalidInput(f"sysctls must be a dict like {{'net.ipv4.ip_forward': '1'}}, got {sysctls!r}.")
    refused = [key for key in sysctls if not str(key).startswith("net.")]
    if refused:
        raise InvalidInput(
            f"The course sets only net.* sysctls (they stay inside the container's network namespace); "
            f"{', '.join(map(str, refused))} would not." + _plain(docker_command)
        )
    return {str(k): str(v) for k, v in sysctls.items()}


def check_modes(*, net: str | None, pid: str | None, capabilities: Sequence[str], docker_command: str) -> None:
    """Refuse ``pid="host"`` and ``net="host"`` with capabilities that change the host."""
    if pid is not None and not str(pid).startswith("container:"):
        raise InvalidInput(
            f"pid={pid!r}: the course shares a process table only with another course container "
            "(pid='container:NAME'); with the host's (pid='host') a root container could signal every process "
            "on the machine. dnb.docker_proxies() shows the host's docker-proxy processes safely." + _plain(docker_command)
        )
    if net == "host" and HOST_CHANGING & set(capabilities):
        raise InvalidInput(
            f"net='host' with {', '.join(sorted(HOST_CHANGING & set(capabilities)))} would let the container change "
            "the host's own routes and firewall. Read them with dnb.host_iptables_rules(), or use a course network."
            + _plain(docker_command)
        )


# Addresses a container may be pointed at for names: this machine's own ranges, never the outside.
LOCAL_RANGES = tuple(
    ipaddress.ip_network(n) for n in ("127.0.0.0/8", "172.16.0.0/12", "::1/128", "fd00::/8")
)


def on_this_machine(address: str) -> bool:
    """True for an address in the ranges the course keeps to (loopback, Docker's 172.16.0.0/12, fd00::/8)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in LOCAL_RANGES)


def check_dns(servers: Sequence[str], *, docker_command: str) -> list[str]:
    """DNS servers for ``--dns``: only addresses on this machine, so a lookup never leaves it."""
    if isinstance(servers, str) or not all(isinstance(s, str) for s in servers):
        raise InvalidInput(f"dns must be a list of addresses like ['172.24.0.5'], got {servers!r}.")
    outside = [s for s in servers if not on_this_machine(s)]
    if outside:
        raise InvalidInput(
            f"The course points containers only at DNS servers on this machine (a course container, 127.0.0.1); "
            f"{', '.join(outside)} is not one." + _plain(docker_command)
        )
    return list(servers)


def check_hosts(hosts: Mapping[str, str] | None, *, docker_command: str) -> dict[str, str]:
    """``--add-host`` entries: a name and an address on this machine, or ``host-gateway``."""
    if hosts is None:
        return {}
    if not isinstance(hosts, Mapping):
        raise InvalidInput(f"add_hosts must be a dict like {{'db.local': '172.24.0.5'}}, got {hosts!r}.")
    for host, address in hosts.items():
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]*", str(host)):
            raise InvalidInput(f"{host!r} is not a host name for add_hosts.")
        if address != "host-gateway" and not on_this_machine(str(address)):
            raise InvalidInput(
                f"add_hosts: {address!r} is not 'host-gateway' or an address on this machine." + _plain(docker_command)
            )
    return {str(k): str(v) for k, v in hosts.items()}


def check_hostname(hostname: str | None) -> str | None:
    if hostname is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]{0,62}", str(hostname)):
        raise InvalidInput(f"{hostname!r} is not a host name: letters, digits, '-' and '.'.")
    return hostname
