"""The way a new connection to a published port takes, rule by rule (``dnb.packet_path``)."""

from __future__ import annotations

import dataclasses

from dockernet_nb.records.commands import DockerCommand

__all__ = ["PathStep", "PacketPath"]


@dataclasses.dataclass(frozen=True)
class PathStep:
    """One iptables rule the first packet of a connection met: its table, chain, the rule as
    ``iptables-save`` prints it, and what it did ("jump to DOCKER", "return", "DNAT to ...", "no match")."""

    table: str
    chain: str
    rule: str
    outcome: str


@dataclasses.dataclass(frozen=True)
class PacketPath:
    """The way a new connection to a published port takes, as the engine set it up (``dnb.packet_path``).

    ``client`` is "host" (a program on the engine's host), "remote" (another machine: worked out from the
    rules, never sent) or a container's name. ``way`` is "docker-proxy" (a program on the host accepts
    the connection and opens its own), "dnat" (the kernel rewrites the destination) or "none" (nothing
    takes it: ``why`` says what stops it, ``stops`` where: "client" before the host, "host" at the host,
    "filter" in the filter table after DNAT). ``seen_ip`` is the visitor address the server will log;
    ``port_kept``: whether it also sees the client's own port. ``steps`` are the rules that decided.
    """

    server: str
    server_ip: str = ""
    server_port: int | None = None
    server_network: str = ""
    server_bridge: str = ""
    server_gateway: str = ""
    published: str = ""
    client: str = "host"
    client_ip: str = ""
    client_network: str = ""
    client_iface: str = ""
    target: str = ""
    way: str = "none"
    why: str = ""
    stops: str = ""
    proxy: str = ""
    dnat_rule: str = ""
    seen_ip: str = ""
    port_kept: bool = False
    steps: tuple[PathStep, ...] = ()
    engine: str = ""
    where: str = ""
    docker: tuple[DockerCommand, ...] = ()

    def summary(self) -> str:
        """The path in one line: client -> address -> way -> bridge -> server, and what the server sees."""
        who = {"host": "a program on the host", "remote": "another machine"}.get(self.client, f"container {self.client}")
        if self.way == "none":
            return f"{who} -> {self.target}: stops there ({self.why})"
        way = "docker-proxy" if self.way == "docker-proxy" else "kernel DNAT"
        port = "its own port" if self.port_kept else "a port of docker-proxy's own" if self.way == "docker-proxy" else "a new port"
        seen = f"{self.seen_ip} and {port}"
        if self.client == "remote" and self.seen_ip == self.client_ip:
            seen = "the other machine's own address and port"
        return (
            f"{who} -> {self.target} -> {way} -> {self.server_bridge} ({self.server_gateway}) -> "
            f"{self.server} {self.server_ip}:{self.server_port}; {self.server} sees {seen}"
        )
