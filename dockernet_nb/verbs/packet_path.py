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
from dockernet_nb.verbs import containers
from dockernet_nb.verbs.common import Container, name_of
from dockernet_nb.verbs.host import docker_proxies

__all__ = ["packet_path"]

HOST, REMOTE = "host", "remote"
REMOTE_SOURCE = "another machine"  # not an address: matches no -s rule, as a stranger's address would not
REMOTE_IFACE = "the host's network card"  # not a bridge: matches every "! -i <bridge>" and no "-i <bridge>"
UNSPECIFIED = ("", "0.0.0.0", "::")
_LEGACY_WARNING = "iptables-legacy tables present"


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
    return Picture(draw_packet_path(path, title=title), docker=path.docker, text=path.summary())


def _host_rules() -> pd.DataFrame:
    """Every table of the host's iptables (``iptables-save`` on the host's network stack, read only)."""
    argv = ["iptables-save"]
    result = containers.run_helper("debian", argv, net="host", cap_drop=["ALL"], cap_add=["NET_ADMIN", "NET_RAW"])
    if _LEGACY_WARNING in result.output:
        result = containers.run_helper(
            "debian", ["iptables-legacy-save"], net="host", cap_drop=["ALL"], cap_add=["NET_ADMIN", "NET_RAW"]
        )
    if not result.ok:
        raise InvalidInput(f"Could not read the host's iptables (exit code {result.exit_code}): {result.output.strip()[:200]}")
    return iptables.parse(result.stdout)


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
    published = f"{host_ip or '0.0.0.0'}:{host_port}" if chosen and live.get(inner) else ""
    server_port = int(inner.split("/")[0])

    proxies = docker_proxies()
    rules = _host_rules()
    proxy = _proxy_for(proxies, host_ip or "0.0.0.0", host_port) if published else None
    dnat = rules[(rules["table"] == "nat") & (rules["target"] == "DNAT") & (rules["dport"] == str(host_port))]
    to_ip = str(proxy.container_ip) if proxy is not None else (str(dnat["to"].iloc[0]).rsplit(":", 1)[0] if len(dnat) else "")

    networks = (attrs.get("NetworkSettings") or {}).get("Networks") or {}
    server_net = next((e for e in networks.values() if e.get("IPAddress") and e.get("IPAddress") == to_ip), None)
    server_net = server_net or next((e for e in networks.values() if e.get("IPAddress")), None)
    net_name, bridge, gateway = _bridge_of(server_net["NetworkID"]) if server_net else ("none", "", "")
    server_ip = server_net.get("IPAddress", "") if server_net else ""
    host_addresses = {gateway} | {host_ip}

    # The client: where it sends from, and where its first packet enters the host.
    client_ip, client_net, client_iface, client_gateway = "", "", "", ""
    client_attrs = None if client in (HOST, REMOTE) else _inspect(client)
    client_mode = ((client_attrs or {}).get("HostConfig") or {}).get("NetworkMode") or ""
    as_host = client == HOST or client_mode == "host"
    if client_attrs is not None and not as_host:
        on = {k: v for k, v in ((client_attrs.get("NetworkSettings") or {}).get("Networks") or {}).items() if v.get("IPAddress")}
        wanted = address or (host_ip if host_ip not in UNSPECIFIED and not _is_loopback(host_ip) else None)
        endpoint = next((e for e in on.values() if wanted and e.get("Gateway") == wanted), None)
        endpoint = endpoint or on.get(client_mode) or next(iter(on.values()), None)
        if endpoint is not None:
            client_net, client_iface, client_gateway = _bridge_of(endpoint["NetworkID"])
            client_ip = endpoint["IPAddress"]
            host_addresses.add(client_gateway)
    if address:
        dst = address
    elif host_ip in UNSPECIFIED:
        dst = client_gateway if client_gateway else ("127.0.0.1" if as_host else "the host's own address")
    else:
        dst = host_ip

    path = dict(
        server=server, server_ip=server_ip, server_port=server_port, server_network=net_name, server_bridge=bridge,
        server_gateway=gateway, published=published, client=HOST if client == HOST else client,
        client_network="host" if as_host and client != HOST else client_net, target=f"{dst}:{host_port}",
        proxy=f"{proxy.host_ip}:{proxy.host_port} -> {proxy.container_ip}:{proxy.container_port}" if proxy is not None else "",
        dnat_rule=str(dnat["rule"].iloc[0]) if len(dnat) else "", engine=kind.version, where=kind.where,
    )
    if client_attrs is not None and not as_host and not client_ip:
        return _done(path, "none", f"{client} is on no network, so it cannot reach the host at all", client_ip="")

    if as_host:
        src = "127.0.0.1" if _is_loopback(dst) else dst  # the host sends from the address it connects to
        packet = Packet(src=src, dst=dst, dport=host_port, in_iface="", local_src=True)
        first = ("OUTPUT", "OUTPUT")
    elif client == REMOTE:
        packet = Packet(src=REMOTE_SOURCE, dst=dst, dport=host_port, in_iface=REMOTE_IFACE)
        first = ("PREROUTING", "PREROUTING")
    else:
        if _is_loopback(dst):
            return _done(
                path, "none", f"127.0.0.1 in a container is the container's own loopback: {client} cannot reach the "
                "host's 127.0.0.1, where the port is published", client_ip=client_ip,
            )
        packet = Packet(src=client_ip, dst=dst, dport=host_port, in_iface=client_iface)
        first = ("PREROUTING", "PREROUTING")
    path.update(client_ip=packet.src if client != REMOTE else REMOTE_SOURCE, client_iface=packet.in_iface)
    local = _is_loopback(dst) or dst in host_addresses or client == REMOTE or dst == "the host's own address"
    packet = Packet(**{**packet.__dict__, "local_dst": local})
    if not local:
        return _done(path, "none", f"{dst} is not an address of the host that the course knows (its loopback and its "
                     "bridges' gateways): this picture follows connections to the host")

    steps: list[PathStep] = []
    raw = walk(rules, "raw", first[0], packet, detours=False)
    steps += raw.steps
    if raw.target in ("DROP", "REJECT"):
        return _done(path, "none", f"the raw table drops it before anything else looks at it ({raw.steps[-1].rule})",
                     steps=steps)
    nat = walk(rules, "nat", first[1], packet)
    steps += nat.steps
    if nat.target == "DNAT":
        return _dnat(path, rules, packet, nat, steps, as_host, bridge, gateway)
    if proxy is not None:
        if not as_host:  # delivered to the host itself: Docker writes no INPUT rules, a host firewall may
            delivered = walk(rules, "filter", "INPUT", packet, detours=False)
            steps += delivered.steps
            if delivered.target in ("DROP", "REJECT"):
                return _done(path, "none", f"{_no_dnat_reason(nat, packet)}; the host's own firewall then drops it "
                             "before docker-proxy sees it", steps=steps)
        return _done(path, "docker-proxy", _no_dnat_reason(nat, packet) + f"; docker-proxy listens on {proxy.host_ip}:"
                     f"{proxy.host_port} and opens its own connection to {proxy.container_ip}:{proxy.container_port}",
                     steps=steps, seen_ip=gateway, port_kept=False)
    why = f"nothing listens on {dst}:{host_port} and no rule rewrites it"
    if not published:
        why += f" ({server} publishes no port {host_port}" + (": it is on no network)" if not networks or not server_ip else ")")
    return _done(path, "none", why, steps=steps)


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
            return _done(path, "none", f"DNAT rewrites it, then the filter table drops it ({decided})", steps=steps)
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

