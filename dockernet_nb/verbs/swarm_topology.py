"""The swarm as a picture: the nodes as hosts on their LAN, the overlay networks across them, the containers on each.

:func:`read_swarm_snapshot` asks the host engine for the nodes and each node's engine for its overlays and
containers; :func:`swarm_topology` draws what it found (:mod:`dockernet_nb.display.swarm`).
"""

from __future__ import annotations

import shlex
from typing import Any

from dockernet_nb.display.picture import Picture
from dockernet_nb.display.swarm import draw_swarm
from dockernet_nb.engine import commands, labels
from dockernet_nb.engine import swarm as nodes_edge
from dockernet_nb.engine.connection import client
from dockernet_nb.engine.objects import ipam_of
from dockernet_nb.errors import EngineError
from dockernet_nb.records import ContainerNode, Endpoint, HostNode, NetworkBox, SwarmSnapshot
from dockernet_nb.replay import recordable
from dockernet_nb.verbs.swarm import swarm_nodes, uplink_subnet

__all__ = ["swarm_topology", "read_swarm_snapshot"]


def swarm_topology(*, services: bool = False, title: str | None = None) -> Picture:
    """Draw the nodes as hosts on their LAN, the overlay networks across them and the containers on each.

    ``services=True`` also draws the services' replicas. Example::

        >>> dnb.swarm_topology()          # doctest: +SKIP
    """
    snapshot = read_swarm_snapshot(services=services)
    return Picture(draw_swarm(snapshot, title=title), docker=snapshot.docker)


@recordable
def read_swarm_snapshot(*, services: bool = False) -> SwarmSnapshot:
    """What the engines report about this session's nodes, their LAN, overlays and containers."""
    dind, node_engines = nodes_edge.spawn()
    commands.note(shlex.join(["docker", "ps", "--filter", f"label={node_engines.NODE}"]))
    listed = node_engines.list_nodes(client=client())
    uplink = NetworkBox(name="")
    subnet = uplink_subnet()
    if subnet is not None:
        uplink = NetworkBox(name=dind.NETWORK, driver="bridge", subnet=str(subnet), gateway=str(subnet[1]), internal=True)
    running = {node.name: node for node in nodes_edge.nodes()}
    roles: dict[str, tuple[str, str]] = {}
    try:
        lead: nodes_edge.Node | None = nodes_edge.manager()
    except EngineError:
        lead = None
    if lead is not None:
        for row in swarm_nodes().itertuples():
            roles[str(row.node)] = (str(row.role), str(row.status))
    hosts = []
    for row in listed:
        node = running.get(row["name"])
        role, state = roles.get(row["name"], ("", "running" if node else row["state"]))
        hosts.append(HostNode(row["name"], row["address"], role, state, node.engine.version if node else ""))
    networks: dict[str, NetworkBox] = {}
    vnis: dict[str, int] = {}
    containers, endpoints, placement = [], [], {}
    for name, node in sorted(running.items()):
        nodes_edge.note_on(node, "ps")
        with nodes_edge.node_errors(name, "listing its containers"):
            found = node.client().containers.list()
            overlays = {n.id: n for n in node.client().networks.list(filters={"driver": "overlay"})}
            for overlay in overlays.values():
                overlay.reload()  # the listing leaves out options such as the VNI
        image_names = _image_names(node)
        for container in found:
            course = labels.is_course(container.labels)
            service = container.labels.get("com.docker.swarm.service.name")
            if not course or (service and not services):
                continue
            shown = container.name if not service else _replica_name(container)
            settings = container.attrs.get("NetworkSettings", {}).get("Networks") or {}
            joined = False
            for net_name, endpoint in sorted(settings.items()):
                overlay = overlays.get(endpoint.get("NetworkID", ""))
                if overlay is None or net_name == "ingress":
                    continue
                subnet_, gateway = ipam_of(overlay.attrs)
                networks[net_name] = NetworkBox(name=net_name, driver="overlay", subnet=subnet_, gateway=gateway)
                vni = (overlay.attrs.get("Options") or {}).get("com.docker.network.driver.overlay.vxlanid_list", "")
                if vni.split(",")[0].isdigit():
                    vnis[net_name] = int(vni.split(",")[0])
                endpoints.append(Endpoint(shown, net_name, endpoint.get("IPAddress") or "", endpoint.get("IPPrefixLen") or None))
                joined = True
            if joined:
                image = (container.attrs.get("Config") or {}).get("Image", "")
                containers.append(ContainerNode(shown, image_names.get(image, image), container.status, (), ""))
                placement[shown] = name
    return SwarmSnapshot(
        title=f"Lesson {labels.lesson()!r}: {len(hosts)} nodes (session {labels.session_id()})",
        uplink=uplink,
        nodes=tuple(hosts),
        networks=tuple(sorted(networks.values(), key=lambda n: n.name)),
        containers=tuple(sorted(containers, key=lambda c: (placement[c.name], c.name))),
        endpoints=tuple(sorted(endpoints, key=lambda e: (e.container, e.network))),
        placement=placement,
        vnis=vnis,
    )


def _replica_name(container: Any) -> str:
    service = container.labels.get("com.docker.swarm.service.name", "")
    slot = container.labels.get("com.docker.swarm.task.name", "").split(".")[1:2]
    return f"{service}.{slot[0]}" if slot and slot[0].isdigit() else f"{service}@{container.attrs['Config'].get('Hostname', '')}"


def _image_names(node: nodes_edge.Node) -> dict[str, str]:
    """Course image tags and ids on a node -> the images' short names (busybox)."""
    from dockernet_nb.engine.images import CATALOG

    by_tag = {course.tag: course.name for course in CATALOG}
    names = dict(by_tag)
    with nodes_edge.node_errors(node.name, "listing its images"):
        for image in node.client().images.list():
            for tag in image.tags:
                if tag in by_tag:
                    names[str(image.id)] = by_tag[tag]
    return names
