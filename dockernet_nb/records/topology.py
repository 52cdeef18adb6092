"""The topology snapshot: networks, containers, their addresses and veth pairs; the multi-host picture's nodes."""

from __future__ import annotations

import dataclasses

from dockernet_nb.records.commands import DockerCommand

__all__ = ["NetworkBox", "ContainerNode", "Endpoint", "VethLink", "TopologySnapshot", "HostNode", "SwarmSnapshot"]


@dataclasses.dataclass(frozen=True)
class NetworkBox:
    """A network in the topology picture: a wide box with its name, subnet and gateway."""

    name: str
    driver: str = "bridge"
    subnet: str | None = None
    gateway: str | None = None
    internal: bool = False
    bridge: str = ""  # the Linux bridge behind a bridge network (docker0, br-<id>); "" when not known


@dataclasses.dataclass(frozen=True)
class ContainerNode:
    """A container in the topology picture; ``network_mode`` is "none", "host", "container:<name>" or a network."""

    name: str
    image: str = ""
    status: str = "running"
    ports: tuple[str, ...] = ()
    network_mode: str = ""


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """A container's address on one network ("" for a stopped container)."""

    container: str
    network: str
    ipv4: str = ""
    prefixlen: int | None = None


@dataclasses.dataclass(frozen=True)
class VethLink:
    """One veth pair: a container's interface (``eth0``) and its other end (``veth...``) plugged into a bridge."""

    container: str
    network: str
    interface: str
    peer: str
    bridge: str = ""


@dataclasses.dataclass(frozen=True)
class TopologySnapshot:
    """What the engine reported about a session's networks and containers, learner-facing names throughout.

    ``links`` (veth pairs) are filled only when the picture should show the plumbing; ``host`` names
    the machine that holds the bridges when it is not the engine's host (a lab container).
    """

    title: str = ""
    networks: tuple[NetworkBox, ...] = ()
    containers: tuple[ContainerNode, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    docker: tuple[DockerCommand, ...] = ()
    links: tuple[VethLink, ...] = ()
    host: str = ""



@dataclasses.dataclass(frozen=True)
class HostNode:
    """An engine node in the multi-host picture: a host with an engine of its own.

    ``role`` is "manager", "worker" or "" (not in a swarm); ``state`` what the swarm (or, outside a
    swarm, the node's container) says: "ready", "down", "running", "exited".
    """

    name: str
    address: str = ""  # on the uplink network (eth0 inside the node)
    role: str = ""
    state: str = ""
    engine: str = ""


@dataclasses.dataclass(frozen=True)
class SwarmSnapshot:
    """The nodes of a multi-host lesson, the network joining them, and the overlays and containers on them.

    ``placement`` maps each container to the node it runs on; ``vnis`` each overlay to its VXLAN id.
    """

    title: str = ""
    uplink: NetworkBox = NetworkBox(name="")
    nodes: tuple[HostNode, ...] = ()
    networks: tuple[NetworkBox, ...] = ()
    containers: tuple[ContainerNode, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    placement: dict[str, str] = dataclasses.field(default_factory=dict)
    vnis: dict[str, int] = dataclasses.field(default_factory=dict)
    docker: tuple[DockerCommand, ...] = ()
