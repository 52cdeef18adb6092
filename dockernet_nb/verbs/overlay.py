"""An overlay network across the nodes: containers on it, what they see, and VXLAN on the wire.

Containers here run on a node's engine (``dnb.node_run("node2", ...)``) and are found by name on
whichever node runs them. The probes run the container's own tools (busybox ``ip``, ``ping``) and
hand the text to the course's parsers; :func:`capture_vxlan` runs tcpdump in a node, on its uplink, and
reads its capture file with the course's pcap parser.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Sequence
from typing import Any

import pandas as pd

from dockernet_nb.display.progress import shows_progress
from dockernet_nb.engine import commands, labels
from dockernet_nb.engine import swarm as nodes_edge
from dockernet_nb.errors import CommandTimeout, ContainerNotFound, EngineError, InvalidInput
from dockernet_nb.parsers import ip_addr, ip_route, pcap
from dockernet_nb.parsers import ping as ping_parser
from dockernet_nb.records import CommandResult, ContainerHandle, NetworkHandle
from dockernet_nb.replay import recordable
from dockernet_nb.verbs.containers import argv_of
from dockernet_nb.verbs.swarm import images_module_resolve

__all__ = [
    "create_overlay",
    "node_networks",
    "node_run",
    "node_exec",
    "node_ping",
    "node_interfaces",
    "node_routes",
    "capture_vxlan",
]

VNI_OPTION = "com.docker.network.driver.overlay.vxlanid_list"
UPLINK = "eth0"  # a node's interface on the nodes' LAN
VXLAN_PORT = 4789
CAPTURE = "/tmp/dnb-vxlan.pcap"


def _vni(attrs: dict[str, Any]) -> int | None:
    value = str((attrs.get("Options") or {}).get(VNI_OPTION, "")).split(",")[0]
    return int(value) if value.isdigit() else None


def _subnet(attrs: dict[str, Any]) -> tuple[str | None, str | None]:
    for config in (attrs.get("IPAM") or {}).get("Config") or []:
        if ":" not in config.get("Subnet", ":"):
            return config.get("Subnet"), config.get("Gateway")
    return None, None


@recordable
def create_overlay(name: str = "lab", *, attachable: bool = True) -> NetworkHandle:
    """An overlay network across the swarm, created on its manager (``docker network create -d overlay``).

    ``attachable=True`` lets plain containers (``dnb.node_run``) join it, not only services. Its subnet
    comes from the swarm's address pool; its VXLAN id (VNI) from the manager. The handle's ``id`` is the
    swarm's (25 letters and digits, not hex). Re-running returns the network that exists.
    """
    if not labels.valid_name(name):
        raise InvalidInput(f"{name!r} is not a valid network name: use letters, digits, '_', '.' or '-'.")
    lead = nodes_edge.manager()
    words = ["network", "create", "--driver", "overlay", *(["--attachable"] if attachable else []), name]
    nodes_edge.note_on(lead, *words, full=shlex.join(["docker", "-H", lead.docker_host, *words[:-1], "--label", "dockernet-nb=1", name]))
    with nodes_edge.node_errors(lead.name, f"creating overlay network {name}"):
        found = [n for n in lead.client().networks.list(names=[name]) if n.name == name]
        network = found[0] if found else lead.client().networks.create(
            name, driver="overlay", attachable=attachable, labels=labels.labels_for(name)
        )
        network.reload()
    subnet, gateway = _subnet(network.attrs)
    return NetworkHandle(
        name=name, docker_name=name, id=network.id, driver=network.attrs.get("Driver", ""), subnet=subnet, gateway=gateway
    )


@recordable
def node_networks(node: str) -> pd.DataFrame:
    """The networks one node's engine knows (``docker network ls``): name, driver, scope, subnet, gateway, vni.

    A worker learns an overlay network only when a container there joins it.
    """
    found = nodes_edge.node(node)
    nodes_edge.note_on(found, "network", "ls")
    rows = []
    with nodes_edge.node_errors(node, "listing its networks"):
        for network in found.client().networks.list():
            network.reload()
            subnet, gateway = _subnet(network.attrs)
            rows.append(
                {
                    "name": network.name,
                    "driver": network.attrs.get("Driver", ""),
                    "scope": network.attrs.get("Scope", ""),
                    "subnet": subnet or "",
                    "gateway": gateway or "",
                    "vni": _vni(network.attrs),
                }
            )
    frame = pd.DataFrame(rows, columns=["name", "driver", "scope", "subnet", "gateway", "vni"])
    frame["vni"] = frame["vni"].astype("Int64")
    return frame.sort_values("name", ignore_index=True)


def _remove_everywhere(name: str) -> None:
    """Make room for a re-run: the session's container of that name goes, on whichever node it runs."""
    import docker.errors

    for found in nodes_edge.nodes():
        with nodes_edge.node_errors(found.name, f"looking for an earlier {name}"):
            try:
                old = found.client().containers.get(name)
            except docker.errors.NotFound:
                continue
            if old.name == name and labels.is_course(old.labels):
                nodes_edge.note_on(found, "rm", "-f", name)
                old.remove(force=True)


@recordable
def node_run(node: str, image: str, command: str | Sequence[str] | None = None, *, name: str, net: str | None = None) -> ContainerHandle:
    """Start a container on ``node``'s engine (``docker -H tcp://NODE:2375 run -d ...``), on overlay ``net``.

    ``name`` is also its name in the overlay's DNS, so containers on other nodes reach it by name.
    Re-running replaces the container of that name (on whichever node it ran). Example::

        >>> dnb.node_run("node2", "busybox", "sleep 3600", name="beta", net="lab")    # doctest: +SKIP
    """
    if not labels.valid_name(name):
        raise InvalidInput(f"{name!r} is not a valid container name: use letters, digits, '_', '.' or '-'.")
    argv = argv_of(command)
    found = nodes_edge.node(node)
    tag = images_module_resolve(image)
    _remove_everywhere(name)
    head = ["run", "-d", "--name", name, *(["--network", net] if net else [])]
    tail = [tag, *(argv or [])]
    course = ["--dns", "127.0.0.1", "--dns-option", "ndots:1", "--label", "dockernet-nb=1"]
    nodes_edge.note_on(found, *head, *tail, full=shlex.join(["docker", "-H", found.docker_host, *head, *course, *tail]))
    with nodes_edge.node_errors(node, f"starting {name}"):
        container = found.client().containers.run(
            tag, argv, name=name, network=net, detach=True, labels=labels.labels_for(name),
            dns=["127.0.0.1"], dns_opt=["ndots:1"],
        )
        container.reload()
    networks = container.attrs.get("NetworkSettings", {}).get("Networks") or {}
    return ContainerHandle(
        name=name,
        docker_name=name,
        id=container.id[:12],
        image=tag,
        status=container.status,
        addresses={net_name: endpoint.get("IPAddress") or "" for net_name, endpoint in networks.items()},
    )


@recordable
def node_exec(container: str, command: str | Sequence[str], *, timeout: float = 30) -> CommandResult:
    """Run ``command`` in ``container`` on whichever node runs it (``docker -H ... exec``)."""
    argv = argv_of(command)
    if not argv:
        raise InvalidInput("Give a command to run, like 'ip route'.")
    return nodes_edge.exec_in_container(container, argv, timeout=timeout)


def _probe(container: str, argv: list[str], parse: Any) -> pd.DataFrame:
    result = nodes_edge.exec_in_container(container, argv, timeout=15)
    if not result.ok:
        raise InvalidInput(f"`{result.command}` in {container} failed (exit code {result.exit_code}): {result.output.strip()[:300]}")
    frame = parse(result.stdout)
    frame.attrs["raw"] = result.output
    frame.attrs["command"] = result.command
    return frame


@recordable
def node_interfaces(container: str) -> pd.DataFrame:
    """The interfaces of ``container`` on a node (``ip addr``): name, mac, ipv4, prefixlen, mtu, up, ..."""
    return _probe(container, ["ip", "addr"], ip_addr.parse)


@recordable
def node_routes(container: str) -> pd.DataFrame:
    """The routing table of ``container`` on a node (``ip route``), in ``route -n``'s columns."""
    return _probe(container, ["ip", "route"], ip_route.parse)


def _describe_ping(source: str, destination: str, *, count: int = 3, **_: Any) -> tuple[str, float]:
    return f"ping -c {count} {destination} from {source}", float(count)


@shows_progress(_describe_ping)
@recordable
def node_ping(source: str, destination: str, *, count: int = 3) -> pd.DataFrame:
    """Ping ``destination`` (a name or address) from ``source`` on a node: one row per reply.

    The summary (transmitted, received, loss, round trips, error) is in ``.summary``.
    """
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 20:
        raise InvalidInput(f"count must be a whole number from 1 to 20, got {count!r}.")
    if not destination or str(destination).startswith("-"):
        raise InvalidInput(f"{destination!r} is not a host name or address to ping.")
    # Swarm spreads a new container's name to the other nodes' DNS by gossip, a moment after it starts:
    # until then ping says "bad address" without sending anything. Wait for the name (at most 20 s).
    deadline = time.monotonic() + 20
    while True:
        result = nodes_edge.exec_in_container(source, ["ping", "-c", str(count), str(destination)], timeout=count + 15)
        if "bad address" not in result.output or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    frame = ping_parser.parse(result.output)
    frame.attrs["raw"] = result.output
    frame.attrs["command"] = result.command
    summary = frame.attrs.setdefault("summary", {})
    summary["destination"] = summary.get("destination") or str(destination)
    summary["source"] = source
    return frame


def _wait_for(found: nodes_edge.Node, test: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        code, _ = nodes_edge.exec_in_node(found, ["sh", "-c", test], timeout=5)
        if code == 0:
            return True
        time.sleep(0.1)
    return False


def _describe_capture(node: str, source: str, destination: str, *, count: int = 2, **_: Any) -> tuple[str, float]:
    return f"capturing VXLAN on {node}'s uplink while {source} pings {destination}", count + 3.0


@shows_progress(_describe_capture)
@recordable
def capture_vxlan(node: str, source: str, destination: str, *, count: int = 2) -> pd.DataFrame:
    """Capture the VXLAN packets on ``node``'s uplink (eth0) while ``source`` pings ``destination``.

    tcpdump runs in the node itself, on the interface that joins it to the other nodes, keeps only UDP
    port 4789 and writes a capture file; the course reads that file (:mod:`dockernet_nb.parsers.pcap`):
    one row per packet, with the outer addresses (node to node), the VXLAN id (vni) and the frame
    inside (container to container). ``.raw`` is tcpdump's own decode of the same file
    (``tcpdump -nn -e -v -r``).
    """
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 10:
        raise InvalidInput(f"count must be a whole number from 1 to 10, got {count!r}.")
    found = nodes_edge.node(node)
    packets = 2 * count  # each echo request and its reply
    listen = [
        "tcpdump", "-i", UPLINK, "-nn", "-U", "-c", str(packets), "-w", CAPTURE, "udp", "port", str(VXLAN_PORT),
    ]
    nodes_edge.note_in(found, *listen)
    start = (
        f"rm -f {CAPTURE} /tmp/dnb-vxlan.err; "
        f"( timeout {count + 10} {shlex.join(listen)} > /tmp/dnb-vxlan.err 2>&1 & echo $! > /tmp/dnb-vxlan.pid )"
    )
    nodes_edge.exec_in_node(found, ["sh", "-c", start], timeout=10)
    if not _wait_for(found, "grep -q 'listening on' /tmp/dnb-vxlan.err", 10):
        _, why = nodes_edge.exec_in_node(found, ["cat", "/tmp/dnb-vxlan.err"], timeout=5)
        raise EngineError(f"tcpdump did not start in {node}: {why.strip()[:300]}")
    try:
        nodes_edge.exec_in_container(source, ["ping", "-c", str(count), destination], timeout=count + 15)
    except (ContainerNotFound, CommandTimeout):
        nodes_edge.exec_in_node(found, ["sh", "-c", "kill $(cat /tmp/dnb-vxlan.pid) 2>/dev/null"], timeout=5)
        raise
    # tcpdump stops by itself after the expected packets and says so; whatever it has after a few
    # seconds is the answer. (Its exit, not its pid, is watched: an orphan is never reaped in a node.)
    if not _wait_for(found, "grep -q 'packets captured' /tmp/dnb-vxlan.err", 5):
        nodes_edge.exec_in_node(found, ["sh", "-c", "kill $(cat /tmp/dnb-vxlan.pid) 2>/dev/null; sleep 0.2"], timeout=5)
    commands.note(shlex.join(["docker", "cp", f"{found.container}:{CAPTURE}", "."]))
    data = nodes_edge.read_in_node(found, CAPTURE)
    decode = ["tcpdump", "-nn", "-e", "-v", "-r", CAPTURE]
    nodes_edge.note_in(found, *decode)
    code, text = nodes_edge.exec_in_node(found, ["sh", "-c", f"{shlex.join(decode)} 2>/dev/null"], timeout=10)
    if code != 0:
        raise EngineError(f"tcpdump could not read its capture in {node} (exit code {code}): {text.strip()[:300]}")
    frame = pcap.parse(data)
    frame.attrs["raw"] = text
    frame.attrs["node"] = node
    frame.attrs["interface"] = UPLINK
    return frame
