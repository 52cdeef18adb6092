"""Finding course containers and networks on the engine, and never a learner's own by mistake.

A verb names a container or network by its short name (``"web"``), by its engine-side name
(``"bridge-3f2a9c1b-web"``) or by a handle. The look-up:

1. this session's object of that short name (``<lesson>-<session>-<name>``);
2. an object whose engine-side name is exactly the given one, if it carries the course label;
3. anything else of that exact name is the learner's own: refused with a :class:`NameInUse`
   error that gives the plain docker command, unless the verb only reads and the learner asked for
   it explicitly (``foreign_ok``).

Names are compared exactly: Docker would also resolve a bare name as an id prefix (``db`` could be
container ``db41c...``), which the course never follows. Docker's built-in networks (``bridge``,
``host``, ``none``) are Docker's, not a learner's: containers may join them, the course never
removes them.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from dockernet_nb.engine import labels
from dockernet_nb.engine.connection import client, engine_errors
from dockernet_nb.errors import ContainerNotFound, InvalidInput, NameInUse, NetworkNotFound, NotFound
from dockernet_nb.records import ContainerHandle, NetworkHandle

__all__ = [
    "find_container",
    "find_network",
    "network_docker_name",
    "container_handle",
    "network_handle",
    "ipam_of",
    "ipam6_of",
    "net_short_name",
    "remove_container",
]


def _exact(kind: str, name: str) -> Any | None:
    """The SDK object named exactly ``name`` (never an id-prefix match), or None."""
    getter = client().containers.get if kind == "container" else client().networks.get
    missing = ContainerNotFound if kind == "container" else NetworkNotFound
    try:
        with engine_errors(f"looking up {kind} {name}", missing=missing, what=name):
            found = getter(name)
    except NotFound:
        return None
    return found if found.name == name else None


def _labels_of(kind: str, found: Any) -> dict[str, str]:
    if kind == "container":
        return found.labels or {}
    return found.attrs.get("Labels") or {}


def _find(kind: str, ref: str, docker_command: str, foreign_ok: bool) -> Any:
    own = _exact(kind, labels.docker_name(ref)) if labels.valid_name(ref) else None
    if own is not None and labels.is_course(_labels_of(kind, own)):
        return own
    named = own or _exact(kind, ref)
    if named is None:
        return None
    if labels.is_course(_labels_of(kind, named)) or foreign_ok:
        return named
    raise NameInUse(
        f"The {kind} {named.name!r} was not made by this course, so the course will not touch it "
        f"(after a kernel restart, run the cells that create the lesson's own {ref!r} again). "
        f"If you meant your own {kind}, use Docker directly: {docker_command}"
    )


def find_container(ref: str | ContainerHandle, *, docker_command: str = "", foreign_ok: bool = False) -> Any:
    """The SDK container of a course container named ``ref`` (short name, engine-side name or handle).

    ``docker_command`` is the plain command the error offers when ``ref`` names a learner's own
    container; ``foreign_ok=True`` (read-only verbs, asked explicitly) returns such a container instead.
    """
    if isinstance(ref, ContainerHandle):
        ref = ref.docker_name
    if not isinstance(ref, str) or not ref:
        raise InvalidInput(f"Expected a container name or handle, got {ref!r}.")
    found = _find("container", ref, docker_command or f"docker inspect {ref}", foreign_ok)
    if found is None:
        raise ContainerNotFound(
            f"No container named {ref!r} in this session. Start one with dnb.run(..., name={ref!r}, detach=True); "
            "dnb.containers() lists the ones this session runs."
        )
    return found


def find_network(ref: str | NetworkHandle, *, docker_command: str = "", foreign_ok: bool = False) -> Any:
    """The SDK network of a course network (or a built-in one) named ``ref``; see :func:`find_container`."""
    if isinstance(ref, NetworkHandle):
        ref = ref.docker_name
    if not isinstance(ref, str) or not ref:
        raise InvalidInput(f"Expected a network name or handle, got {ref!r}.")
    if ref in labels.BUILTIN_NETWORKS:
        found = _exact("network", ref)
    else:
        found = _find("network", ref, docker_command or f"docker network inspect {ref}", foreign_ok)
    if found is None:
        raise NetworkNotFound(
            f"No network named {ref!r} in this session. Create it with dnb.create_net({ref!r}) or list them with dnb.networks()."
        )
    return found


def network_docker_name(net: str | NetworkHandle, *, docker_command: str = "") -> str:
    """The engine's name for a course network or a built-in one (it must exist)."""
    if isinstance(net, str) and net in labels.BUILTIN_NETWORKS:
        return net
    return find_network(net, docker_command=docker_command).name


def net_short_name(docker_name: str) -> str:
    """A network's learner-facing name: this session's prefix taken off."""
    own = labels.prefix()
    return docker_name[len(own):] if docker_name.startswith(own) else docker_name


def ipam_of(network_attrs: dict) -> tuple[str | None, str | None]:
    """(IPv4 subnet, gateway) of a network from its inspect data."""
    for config in (network_attrs.get("IPAM") or {}).get("Config") or []:
        subnet = config.get("Subnet", ":")
        if ":" not in subnet:  # the IPv4 entry
            gateway = config.get("Gateway")
            if not gateway and network_attrs.get("Driver") == "bridge":
                # Docker leaves Gateway out when it chose it: its default IPAM takes the first host.
                gateway = str(next(ipaddress.ip_network(subnet, strict=False).hosts()))
            return subnet, gateway
    return None, None


def ipam6_of(network_attrs: dict) -> tuple[str | None, str | None]:
    """(IPv6 subnet, gateway) of a dual-stack network from its inspect data."""
    for config in (network_attrs.get("IPAM") or {}).get("Config") or []:
        subnet = config.get("Subnet", "")
        if ":" in subnet:
            gateway = config.get("Gateway") or str(next(ipaddress.ip_network(subnet, strict=False).hosts()))
            return subnet, gateway
    return None, None


def container_handle(container: Any) -> ContainerHandle:
    """A fresh :class:`ContainerHandle` of an SDK container (reloaded: addresses change on connect)."""
    with engine_errors(f"looking at container {container.name}", missing=ContainerNotFound, what=container.name):
        container.reload()
    attrs = container.attrs
    nets = (attrs.get("NetworkSettings") or {}).get("Networks") or {}
    addresses = {net_short_name(name): endpoint.get("IPAddress") or "" for name, endpoint in nets.items()}
    addresses6 = {net_short_name(n): e["GlobalIPv6Address"] for n, e in nets.items() if e.get("GlobalIPv6Address")}
    ports = {}
    for inner, bindings in ((attrs.get("NetworkSettings") or {}).get("Ports") or {}).items():
        shown = [f"{b.get('HostIp')}:{b.get('HostPort')}" for b in bindings or []]
        if shown:
            ports[inner] = ", ".join(dict.fromkeys(shown))  # IPv4 and IPv6 bindings of 0.0.0.0 repeat
    return ContainerHandle(
        name=labels.short_name(container.name, container.labels),
        docker_name=container.name,
        id=container.id[:12],
        image=(attrs.get("Config") or {}).get("Image", ""),
        status=container.status,
        addresses=addresses,
        ports=ports,
        addresses6=addresses6,
    )


def network_handle(network: Any) -> NetworkHandle:
    """A :class:`NetworkHandle` of an SDK network."""
    attrs = network.attrs
    subnet, gateway = ipam_of(attrs)
    subnet6, gateway6 = ipam6_of(attrs)
    return NetworkHandle(
        name=labels.short_name(network.name, attrs.get("Labels")),
        docker_name=network.name,
        id=network.id[:12],
        driver=attrs.get("Driver", ""),
        subnet=subnet,
        gateway=gateway,
        internal=bool(attrs.get("Internal")),
        subnet6=subnet6,
        gateway6=gateway6,
    )


def remove_container(docker_name: str) -> None:
    """Remove a container by its engine-side name if it is still there (gone, or going already, is fine)."""
    import docker.errors

    try:
        with engine_errors(f"removing {docker_name}", missing=ContainerNotFound, what=docker_name):
            try:
                client().api.remove_container(docker_name, force=True)
            except docker.errors.APIError as e:
                if e.status_code != 409:  # 409: "removal ... is already in progress", by another clean-up
                    raise
    except NotFound:
        pass
