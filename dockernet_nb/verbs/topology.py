"""``dnb.topology()``: read what this session runs from the engine, and draw it.

:func:`read_snapshot` asks the engine and returns the snapshot that
:func:`dockernet_nb.display.topology.draw_topology` draws.
"""

from __future__ import annotations

import dataclasses

from dockernet_nb.display.picture import Picture
from dockernet_nb.display.topology import draw_topology
from dockernet_nb.engine import commands, labels
from dockernet_nb.engine.connection import client, engine_errors
from dockernet_nb.engine.objects import ipam_of
from dockernet_nb.errors import NotFound
from dockernet_nb.records import ContainerNode, Endpoint, NetworkBox, TopologySnapshot
from dockernet_nb.replay import recordable

__all__ = ["topology"]

BUILTIN_WITHOUT_SWITCH = ("none", "host")  # "networks" that are not a switch a container plugs into


def topology(*, all_sessions: bool = False, title: str | None = None) -> Picture:
    """Draw this session's networks and containers, their addresses, and the host.

    Each network is a wide box (name, subnet, gateway); each container a node joined to every network
    it is on, at the address it has there; the host joins each bridge network at its gateway.
    ``all_sessions=True`` draws every course object on the engine (other kernels' too).
    Example::

        >>> dnb.topology()        # doctest: +SKIP
        $ docker network ls --filter label=dockernet-nb.session=3f2a9c1b
        ...
    """
    snapshot = read_snapshot(all_sessions=all_sessions)
    return Picture(draw_topology(snapshot, title=title), docker=snapshot.docker)


def _course_image_names() -> dict[str, str]:
    from dockernet_nb.engine.images import CATALOG

    return {image.tag: image.name for image in CATALOG}


def _port_lines(ports: dict | None) -> list[str]:
    lines = []
    for inner, bindings in sorted((ports or {}).items()):
        for binding in bindings or []:
            host_ip = binding.get("HostIp") or "0.0.0.0"
            host_ip = f"[{host_ip}]" if ":" in host_ip else host_ip
            line = f"{host_ip}:{binding.get('HostPort')} -> {inner}"
            if line not in lines:
                lines.append(line)
    return lines


@recordable
def read_snapshot(*, all_sessions: bool = False) -> TopologySnapshot:
    """What the engine reports about this session's networks and containers, as a typed snapshot.

    Networks the session made, plus any other network one of its containers joined (typically
    Docker's default ``bridge``). ``all_sessions=True``: every course object, named by its Docker name.
    """
    selector = labels.COURSE if all_sessions else f"{labels.SESSION}={labels.session_id()}"
    commands.note(commands.join("docker", "network", "ls", "--filter", f"label={selector}"))
    commands.note(commands.join("docker", "ps", "-a", "--filter", f"label={selector}"))
    api = client().api
    with engine_errors("listing the course's networks and containers"):
        raw_networks = api.networks(filters={"label": selector})
        listed = api.containers(all=True, filters={"label": selector})
    inspected = []
    for entry in listed:
        try:
            with engine_errors(f"inspecting container {entry['Id'][:12]}"):
                inspected.append(api.inspect_container(entry["Id"]))
        except NotFound:
            continue  # removed between the listing and now: it is simply not in the picture
    if inspected:
        commands.note(commands.join("docker", "inspect", *(attrs["Name"].lstrip("/") for attrs in inspected)))

    def own_name(docker_name: str, object_labels: dict | None) -> str:
        return docker_name if all_sessions else labels.short_name(docker_name, object_labels)

    networks: dict[str, NetworkBox] = {}  # by network id
    for attrs in raw_networks:
        if labels.is_course(attrs.get("Labels")):
            networks[attrs["Id"]] = _network_entry(own_name(attrs["Name"], attrs.get("Labels")), attrs)

    images = _course_image_names()
    names_by_docker_name = {
        attrs["Name"].lstrip("/"): own_name(attrs["Name"].lstrip("/"), attrs["Config"].get("Labels")) for attrs in inspected
    }
    containers, endpoints = [], []
    for attrs in inspected:
        docker_name = attrs["Name"].lstrip("/")
        name = names_by_docker_name[docker_name]
        settings = attrs.get("NetworkSettings") or {}
        mode = (attrs.get("HostConfig") or {}).get("NetworkMode") or ""
        for net_docker_name, endpoint in sorted((settings.get("Networks") or {}).items()):
            if net_docker_name in BUILTIN_WITHOUT_SWITCH:
                continue
            net_id = endpoint.get("NetworkID") or ""
            if net_id not in networks:
                try:
                    with engine_errors(f"inspecting network {net_docker_name}"):
                        net_attrs = api.inspect_network(net_id or net_docker_name)
                except NotFound:
                    continue
                net_id = net_attrs["Id"]
                networks[net_id] = _network_entry(own_name(net_attrs["Name"], net_attrs.get("Labels")), net_attrs)
            if not networks[net_id].gateway and endpoint.get("Gateway"):
                # The engine reports the gateway per endpoint even where IPAM left it out (internal networks).
                networks[net_id] = dataclasses.replace(networks[net_id], gateway=endpoint["Gateway"])
            endpoints.append(
                Endpoint(
                    container=name,
                    network=networks[net_id].name,
                    ipv4=endpoint.get("IPAddress") or "",
                    prefixlen=endpoint.get("IPPrefixLen") or None,
                )
            )
        if mode.startswith("container:"):
            other = mode.split(":", 1)[1]
            mode = "container:" + names_by_docker_name.get(other, other[:12])
        elif mode not in BUILTIN_WITHOUT_SWITCH:
            mode = next((e.network for e in endpoints if e.container == name), mode)
        image = (attrs.get("Config") or {}).get("Image", "")
        containers.append(
            ContainerNode(
                name=name,
                image=images.get(image, image),
                status=(attrs.get("State") or {}).get("Status", ""),
                ports=tuple(_port_lines(settings.get("Ports"))),
                network_mode=mode,
            )
        )
    session = "all sessions" if all_sessions else f"session {labels.session_id()}"
    return TopologySnapshot(
        title=f"Lesson {labels.lesson()!r} ({session})",
        networks=tuple(sorted(networks.values(), key=lambda n: n.name)),
        containers=tuple(sorted(containers, key=lambda c: c.name)),
        endpoints=tuple(sorted(endpoints, key=lambda e: (e.container, e.network))),
    )


def _network_entry(name: str, attrs: dict) -> NetworkBox:
    subnet, gateway = ipam_of(attrs)
    return NetworkBox(
        name=name, driver=attrs.get("Driver") or "", subnet=subnet, gateway=gateway, internal=bool(attrs.get("Internal"))
    )
