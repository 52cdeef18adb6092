"""``dnb.packet_path()``: which way a connection to a published port takes, read from the engine, and drawn.

:func:`read_packet_path` asks the engine what it set up for one published port: the server
container's address and network (``docker inspect``), the docker-proxy process that listens on the
published address, if any (:func:`dockernet_nb.verbs.host.docker_proxies`), and the host's iptables
rules (``iptables-save`` on the host's network stack). It then walks those rules with the connection's
first packet (:mod:`dockernet_nb.netfilter`) to find which way the connection goes: through
docker-proxy, through the kernel's DNAT, or nowhere. Nothing is sent: the lesson connects for real
and compares. :func:`dockernet_nb.display.packet_path.draw_packet_path` draws the answer.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import Any

import pandas as pd

from dockernet_nb.display.packet_path import draw_packet_path
from dockernet_nb.display.picture import Picture
from dockernet_nb.engine import commands, labels
from dockernet_nb.engine.connection import client as engine_client
from dockernet_nb.engine.connection import engine_errors
from dockernet_nb.engine.kind import engine_kind
from dockernet_nb.engine.objects import find_container, ipam_of, net_short_name
from dockernet_nb.errors import InvalidInput
from dockernet_nb.netfilter import Packet, Verdict, walk
from dockernet_nb.parsers import iptables
from dockernet_nb.records import PacketPath, PathStep
from dockernet_nb.replay import recordable
from dockernet_nb.verbs.common import Container, name_of
from dockernet_nb.verbs.firewall import host_rules_text
from dockernet_nb.verbs.host import docker_proxies

__all__ = ["packet_path"]

HOST, REMOTE = "host", "remote"
REMOTE_SOURCE = "another machine"  # not an address: matches no -s rule, as a stranger's address would not
REMOTE_IFACE = "the host's network card"  # not a bridge: matches every "! -i <bridge>" and no "-i <bridge>"
UNSPECIFIED = ("", "0.0.0.0", "::")


def packet_path(
    server: Container,
    *,
    port: int | None = None,
    client: Container = HOST,
    address: str | None = None,
    title: str | None = None,
) -> Picture:
    """Draw the way a connection from ``client`` to ``server``'s published ``port`` takes, from the engine.

    ``port`` is the published host port (default: the only one ``server`` publishes). ``client`` is
    ``"host"`` (a program on the engine's host), ``"remote"`` (another machine, worked out from the
    rules: the course never sends packets off this machine) or one of this session's containers.
    ``address`` is where the client connects (default: the published address; a container connects to
    its network's gateway when the port is published on every address). Boxes and arrows show
    client -> published address -> docker-proxy or DNAT -> bridge -> server, each with its real address.
    Example::

        >>> dnb.packet_path("web", port=8007)                              # doctest: +SKIP
        $ docker inspect nat-3f2a9c1b-web
        ...
    """
    path = read_packet_path(name_of(server), port=port, client=name_of(client), address=address)
    replayed = getattr(path, "_note", None)  # a recorded answer says so, as tables do
    text = f"{replayed}\n{path.summary()}" if replayed else path.summary()
    return Picture(draw_packet_path(path, title=title), docker=path.docker, text=text)


def _host_rules() -> pd.DataFrame:
    """Every table of the host's iptables (``iptables-save`` on the host's network stack, read only)."""
    return iptables.parse(host_rules_text().stdout)


def _bridge_of(network_id: str) -> tuple[str, str, str]:
    """(learner-facing name, bridge interface on the host, gateway) of a network, by id."""
    api = engine_client().api
    with engine_errors(f"inspecting network {network_id[:12]}"):
        attrs = api.inspect_network(network_id)
    commands.note(commands.join("docker", "network", "inspect", attrs["Name"]))
    options = attrs.get("Options") or {}
    bridge = options.get("com.docker.network.bridge.name") or ("docker0" if attrs["Name"] == "bridge" else f"br-{attrs['Id'][:12]}")
    name = attrs["Name"] if attrs["Name"] in labels.BUILTIN_NETWORKS else net_short_name(attrs["Name"])
    return name, bridge, ipam_of(attrs)[1] or ""


def _inspect(ref: str) -> dict[str, Any]:
    found = find_container(ref)
    with engine_errors(f"inspecting container {found.name}"):
        found.reload()
    commands.note(commands.join("docker", "inspect", found.name))
    return found.attrs


def _bindings(attrs: dict[str, Any]) -> list[tuple[str, str, int]]:
    """(container port like '8000/tcp', host address, host port): live ones, else the ones asked for."""
    live = (attrs.get("NetworkSettings") or {}).get("Ports") or {}
    asked = (attrs.get("HostConfig") or {}).get("PortBindings") or {}
    found = []
    for source in (live, asked):
        for inner, bindings in source.items():
            for binding in bindings or []:
                if str(binding.get("HostPort") or "").isdigit():
                    item = (inner, binding.get("HostIp") or "", int(binding["HostPort"]))
                    if item not in found:
                        found.append(item)
        if found:
            break
    return found


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _proxy_for(proxies: pd.DataFrame, ip: str, port: int) -> Any | None:
    """The docker-proxy row that accepts connections for ``ip:port`` (its own address or every address)."""
    rows = proxies[(proxies["host_port"] == port) & (proxies["proto"].fillna("tcp") == "tcp")]
    for row in rows.itertuples(index=False):
        if str(row.host_ip) == ip or str(row.host_ip) in UNSPECIFIED:
            return row
    return None


@dataclasses.dataclass(frozen=True)
class Setup:
    """What the engine reported about one published port and one client (the input of :func:`trace`).

    ``client`` is "host", "remote" or a container's name; ``client_mode`` its network mode ("host" for
    a container on the host's network stack). ``address`` is where the client connects, when given.
    """

    server: str
    server_port: int
    host_ip: str
    host_port: int
    published: bool
    server_ip: str = ""
    server_network: str = ""
    server_bridge: str = ""
    server_gateway: str = ""
    client: str = HOST
    client_mode: str = ""
    client_ip: str = ""
    client_network: str = ""
    client_iface: str = ""
    client_gateway: str = ""
    address: str | None = None
    engine: str = ""
    where: str = ""


@recordable
def read_packet_path(server: str, *, port: int | None = None, client: str = HOST, address: str | None = None) -> PacketPath:
    """What the engine set up for ``server``'s published ``port`` and which way ``client``'s connection takes.

    See :func:`packet_path` for the arguments; the answer is a :class:`~dockernet_nb.records.PacketPath`.
    """
    kind = engine_kind()
    attrs = _inspect(server)
    bindings = _bindings(attrs)
    chosen = [b for b in bindings if port is None or b[2] == port]
    if port is None and len(chosen) != 1:
        listed = ", ".join(f"{ip or '0.0.0.0'}:{p}" for _, ip, p in bindings) or "none"
        raise InvalidInput(f"Which port? {server} publishes {listed}: name one, e.g. port={bindings[0][2] if bindings else 8000}.")
    inner, host_ip, host_port = chosen[0] if chosen else (f"{port}/tcp", "127.0.0.1", int(port or 0))
    live = (attrs.get("NetworkSettings") or {}).get("Ports") or {}
    proxies = docker_proxies()
    rules = _host_rules()

    # The network the published port forwards into: the one whose address docker-proxy or the DNAT rule names.
    forwards_to = {str(ip) for ip in proxies.loc[proxies["host_port"] == host_port, "container_ip"].dropna()}
    forwards_to |= {str(to).rsplit(":", 1)[0] for to in _dnat_rules(rules, host_ip, host_port)["to"].dropna()}
    networks = {k: v for k, v in ((attrs.get("NetworkSettings") or {}).get("Networks") or {}).items() if v.get("IPAddress")}
    endpoint = next((e for e in networks.values() if e["IPAddress"] in forwards_to), next(iter(networks.values()), None))
    server_facts: dict[str, Any] = {}
    if endpoint is not None:
        name, bridge, gateway = _bridge_of(endpoint["NetworkID"])
        server_facts = dict(server_ip=endpoint["IPAddress"], server_network=name, server_bridge=bridge, server_gateway=gateway)

    client_facts: dict[str, Any] = {}
    if client not in (HOST, REMOTE):
        client_attrs = _inspect(client)
        mode = ((client_attrs.get("HostConfig") or {}).get("NetworkMode")) or ""
        client_facts["client_mode"] = mode
        on = {k: v for k, v in ((client_attrs.get("NetworkSettings") or {}).get("Networks") or {}).items() if v.get("IPAddress")}
        wanted = address or (host_ip if host_ip not in UNSPECIFIED and not _is_loopback(host_ip) else None)
        chosen_net = next((e for e in on.values() if wanted and e.get("Gateway") == wanted), None)
        chosen_net = chosen_net or on.get(mode) or next(iter(on.values()), None)
        if mode != "host" and chosen_net is not None:
            name, bridge, gateway = _bridge_of(chosen_net["NetworkID"])
            client_facts.update(client_ip=chosen_net["IPAddress"], client_network=name, client_iface=bridge,
                                client_gateway=gateway)
    setup = Setup(
        server=server, server_port=int(inner.split("/")[0]), host_ip=host_ip, host_port=host_port,
        published=bool(chosen and live.get(inner)), client=client, address=address, engine=kind.version,
        where=kind.where, **server_facts, **client_facts,
    )
    return trace(setup, rules, proxies)


def _dnat_rules(rules: pd.DataFrame, host_ip: str, host_port: int) -> pd.DataFrame:
    """The nat rules that DNAT ``host_ip:host_port`` (a rule without -d covers every address)."""
    nat = rules[(rules["table"] == "nat") & (rules["target"] == "DNAT") & (rules["dport"] == str(host_port))]
    destination = nat["destination"].fillna("")
    keep = (destination == "") if host_ip in UNSPECIFIED else destination.isin([f"{host_ip}/32", host_ip, ""])
    return nat[keep]


def trace(setup: Setup, rules: pd.DataFrame, proxies: pd.DataFrame) -> PacketPath:
    """Which way the client's connection takes, from what the engine reported; pure (tested on recorded rules).

    ``rules``: the host's ``iptables-save`` as parsed by :mod:`dockernet_nb.parsers.iptables`;
    ``proxies``: :mod:`dockernet_nb.parsers.docker_proxy`'s table.
    """
    as_host = setup.client == HOST or setup.client_mode == "host"
    published_proxy = _proxy_for(proxies, setup.host_ip or "0.0.0.0", setup.host_port) if setup.published else None
    dnat = _dnat_rules(rules, setup.host_ip, setup.host_port) if setup.published else rules.iloc[0:0]
    if setup.address:
        dst = setup.address
    elif setup.host_ip in UNSPECIFIED:
        dst = setup.client_gateway or ("127.0.0.1" if as_host else "the host's own address")
    else:
        dst = setup.host_ip
    path: dict[str, Any] = dict(
        server=setup.server, server_ip=setup.server_ip, server_port=setup.server_port,
        server_network=setup.server_network, server_bridge=setup.server_bridge, server_gateway=setup.server_gateway,
        published=f"{setup.host_ip or '0.0.0.0'}:{setup.host_port}" if setup.published else "",
        client=setup.client, client_network="host" if as_host and setup.client != HOST else setup.client_network,
        target=f"{dst}:{setup.host_port}", dnat_rule=str(dnat["rule"].iloc[0]) if len(dnat) else "",
        proxy=_proxy_text(published_proxy), engine=setup.engine, where=setup.where,
    )
    if setup.client not in (HOST, REMOTE) and not as_host and not setup.client_ip:
        return _done(path, "none", f"{setup.client} is on no network, so it cannot reach the host at all", stops="client")
    if as_host:
        src = "127.0.0.1" if _is_loopback(dst) else dst  # the host sends from the address it connects to
        packet = Packet(src=src, dst=dst, dport=setup.host_port, local_src=True)
        hook = "OUTPUT"
    elif setup.client == REMOTE:
        packet = Packet(src=REMOTE_SOURCE, dst=dst, dport=setup.host_port, in_iface=REMOTE_IFACE)
        hook = "PREROUTING"
    else:
        packet = Packet(src=setup.client_ip, dst=dst, dport=setup.host_port, in_iface=setup.client_iface)
        hook = "PREROUTING"
    path.update(client_ip=packet.src, client_iface=packet.in_iface)
    if hook == "PREROUTING" and setup.client != REMOTE and _is_loopback(dst):
        return _done(path, "none", f"127.0.0.1 in a container is the container's own loopback: {setup.client} cannot "
                     "reach the host's 127.0.0.1, where the port is published", stops="client")
    known = {setup.server_gateway, setup.client_gateway, setup.host_ip} - {""}
    local = _is_loopback(dst) or dst in known or setup.client == REMOTE or not _is_address(dst)
    if not local:
        return _done(path, "none", f"{dst} is not an address of the host that the course knows (its loopback and its "
                     "bridges' gateways): this picture follows connections to the host", stops="client")

    steps: list[PathStep] = []
    raw = walk(rules, "raw", hook, packet, detours=False)
    steps += raw.steps
    if raw.target in ("DROP", "REJECT"):
        return _done(path, "none", f"the raw table drops it before anything else looks at it ({raw.steps[-1].rule})",
                     steps=steps, stops="client")
    nat = walk(rules, "nat", hook, packet)
    steps += nat.steps
    if nat.target == "DNAT":
        return _dnat(path, rules, packet, nat, steps, as_host, setup.server_bridge, setup.server_gateway)
    proxy = _proxy_for(proxies, dst, setup.host_port)
    if proxy is not None:
        if not as_host:  # delivered to the host itself: Docker writes no INPUT rules, a host firewall may
            delivered = walk(rules, "filter", "INPUT", packet, detours=False)
            steps += delivered.steps
            if delivered.target in ("DROP", "REJECT"):
                return _done(path, "none", f"{_no_dnat_reason(nat, packet)}; the host's own firewall then drops it "
                             "before docker-proxy sees it", steps=steps, stops="host")
        return _done(path, "docker-proxy", _no_dnat_reason(nat, packet) + f"; docker-proxy listens on {proxy.host_ip}:"
                     f"{proxy.host_port} and opens its own connection to {proxy.container_ip}:{proxy.container_port}",
                     steps=steps, seen_ip=setup.server_gateway, port_kept=False, proxy=_proxy_text(proxy))
    why = f"nothing listens on {dst}:{setup.host_port} and no rule rewrites it"
    if not setup.published:
        why += f" ({setup.server} publishes no port {setup.host_port}" + ("; it is on no network)" if not setup.server_ip else ")")
    elif published_proxy is not None:
        why += f" (docker-proxy listens on {published_proxy.host_ip} only)"
    return _done(path, "none", why, steps=steps, stops="host")


def _proxy_text(proxy: Any | None) -> str:
    return f"{proxy.host_ip}:{proxy.host_port} -> {proxy.container_ip}:{proxy.container_port}" if proxy is not None else ""


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _no_dnat_reason(nat: Verdict, packet: Packet) -> str:
    returned = [s for s in nat.steps if s.outcome == "return"]
    if returned:
        return f"no DNAT: {returned[-1].rule} sends packets from {packet.in_iface} back before the DNAT rule"
    missed = [s for s in nat.steps if s.outcome == "no match"]
    if missed:
        return f"no DNAT: the packet never enters Docker's chain ({missed[0].rule} does not match it)"
    return "no DNAT rule matches it"


def _dnat(path: dict, rules: pd.DataFrame, packet: Packet, nat: Verdict, steps: list[PathStep], as_host: bool,
          bridge: str, gateway: str) -> PacketPath:
    to_ip, _, to_port = nat.to.rpartition(":")
    moved = Packet(**{**packet.__dict__, "dst": to_ip, "dport": int(to_port or packet.dport), "out_iface": bridge,
                      "local_dst": False})
    if not as_host:  # a packet from elsewhere is forwarded through the host: the filter table's FORWARD chain
        forward = walk(rules, "filter", "FORWARD", moved, detours=False)
        steps += forward.steps
        if forward.target in ("DROP", "REJECT"):
            decided = forward.steps[-1].rule if forward.steps and not forward.by_policy else f"the FORWARD policy {forward.target}"
            return _done(path, "none", f"DNAT rewrites it, then the filter table drops it ({decided})", steps=steps, stops="filter")
    post = walk(rules, "nat", "POSTROUTING", moved, detours=False)
    steps += post.steps
    masqueraded = post.target in ("MASQUERADE", "SNAT")
    seen = (post.to.split(":")[0] if post.to else gateway) if masqueraded else packet.src
    why = f"the DNAT rule rewrites the destination to {nat.to}"
    if masqueraded:
        why += f"; {post.steps[-1].rule} then rewrites the source to {seen}"
    return _done(path, "dnat", why, steps=steps, seen_ip=seen, port_kept=True)


def _done(path: dict, way: str, why: str, *, steps: list[PathStep] | None = None, **more: Any) -> PacketPath:
    return PacketPath(**{**path, **more, "way": way, "why": why, "steps": tuple(steps or ())})

