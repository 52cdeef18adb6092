"""Pure parsers: command output -> pandas DataFrame, one module per command.

Each module exposes ``parse(text) -> pandas.DataFrame`` with a fixed schema (``SCHEMA``,
column -> dtype) and the command it reads (``COMMAND``): empty input gives zero rows with every
column, and text that matches no known dialect raises :class:`dockernet_nb.errors.ParseError`
quoting the offending line. Nothing here talks to Docker; the dependencies are pandas and the
standard library, and dpkt for ``pcap`` (which takes the capture file's bytes and imports dpkt on
its first call).

================== ============================================================
module             parses
================== ============================================================
ifconfig           busybox and net-tools ``ifconfig``
ip_addr            ``ip addr`` text (iproute2, busybox) and ``ip -j addr`` JSON
route              ``route -n``
ip_route           ``ip route`` text and ``ip -j route`` JSON (route -n schema)
ping               busybox and iputils ``ping``
iptables           ``iptables-save`` and ``iptables -S``
frr_ospf_neighbors FRR's ``vtysh -c "show ip ospf neighbor json"``
frr_routes         FRR's ``vtysh -c "show ip route json"``
uptime_log         the course's uptime server log (``docker logs``)
docker_proxy       ``ps -C docker-proxy -o pid=,args=``
ip_link            ``ip link`` text and ``ip -j -d link`` JSON: veth peers, kinds, masters
bridge_link        ``bridge link`` text and ``bridge -j link`` JSON: bridge ports
bridge_fdb         ``bridge fdb show`` text and ``bridge -j fdb show`` JSON
pcap               a ``tcpdump -w`` capture file (pcap, pcapng): one row per packet
getent             ``getent hosts|ahosts NAME``: the addresses a name resolves to, in order
compose_ps         ``docker compose ps --format json``: a project's containers
compose_progress   ``docker compose --progress json``: what up or down did to each object
================== ============================================================

Example::

    >>> from dockernet_nb.parsers import route
    >>> route.parse("").columns.tolist()
    ['destination', 'gateway', 'genmask', 'flags', 'metric', 'iface']
"""

from __future__ import annotations

from dockernet_nb.parsers import (
    bridge_fdb,
    bridge_link,
    compose_progress,
    compose_ps,
    docker_proxy,
    frr_ospf_neighbors,
    frr_routes,
    getent,
    ifconfig,
    ip_addr,
    ip_link,
    ip_route,
    iptables,
    pcap,
    ping,
    route,
    uptime_log,
)

__all__ = [
    "bridge_fdb",
    "bridge_link",
    "compose_progress",
    "compose_ps",
    "docker_proxy",
    "frr_ospf_neighbors",
    "frr_routes",
    "getent",
    "ifconfig",
    "ip_addr",
    "ip_link",
    "ip_route",
    "iptables",
    "pcap",
    "ping",
    "route",
    "uptime_log",
]
