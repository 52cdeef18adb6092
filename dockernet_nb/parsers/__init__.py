"""Pure parsers: command output text -> pandas DataFrame, one module per command.

Each module exposes ``parse(text: str) -> pandas.DataFrame`` with a fixed schema (``SCHEMA``,
column -> dtype): empty input gives zero rows with every column, and text that matches no
known dialect raises :class:`dockernet_nb.errors.ParseError`. Nothing here talks to Docker;
the only dependencies are pandas and the standard library.

=========== ============================================================
module      parses
=========== ============================================================
ifconfig    busybox and net-tools ``ifconfig``
ip_addr     ``ip addr`` text (iproute2, busybox) and ``ip -j addr`` JSON
route       ``route -n``
ip_route    ``ip route`` text and ``ip -j route`` JSON (route -n schema)
ping        busybox and iputils ``ping``
iptables    ``iptables-save`` and ``iptables -S``
=========== ============================================================

Example::

    >>> from dockernet_nb.parsers import route
    >>> route.parse("").columns.tolist()
    ['destination', 'gateway', 'genmask', 'flags', 'metric', 'iface']
"""

from __future__ import annotations

from dockernet_nb.parsers import ifconfig, ip_addr, ip_route, iptables, ping, route

__all__ = ["ifconfig", "ip_addr", "ip_route", "iptables", "ping", "route"]
