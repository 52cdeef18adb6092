"""Networks: create, list, remove, with course labels and subnets kept inside 172.16.0.0/12."""

from __future__ import annotations

import ipaddress

import pandas as pd

from dockernet_nb import labels
from dockernet_nb.replay import recordable
from dockernet_nb.engine import client, engine_errors
from dockernet_nb.errors import EngineError, InvalidInput, NameInUse, NetworkNotFound, NotFound
from dockernet_nb.records import NetworkHandle

__all__ = ["create_net", "remove_net", "networks", "find_network", "network_docker_name"]

# Where the course takes subnets when none is given: the upper half of Docker's own 172.16.0.0/12 pool,
# in /24s, so course networks never drift into 192.168.0.0/16 the way Docker's default pools do.
COURSE_POOL = ipaddress.ip_network("172.24.0.0/13")
NETWORK_COLUMNS = ["name", "network_id", "driver", "scope", "subnet", "gateway", "internal", "docker_name"]


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


def find_network(net: str | NetworkHandle):
    """The SDK network object for a learner-facing name, a Docker name, or a handle."""
    candidates = [net.docker_name] if isinstance(net, NetworkHandle) else _candidates(str(net))
    for candidate in candidates:
        try:
            with engine_errors(f"looking up network {candidate}", missing=NetworkNotFound, what=candidate):
                return client().networks.get(candidate)
        except NetworkNotFound:
            continue
    raise NetworkNotFound(
        f"No network named {str(net)!r}. Create it with dnb.create_net({str(net)!r}) or list them with dnb.networks()."
    )


def _candidates(name: str) -> list[str]:
    if name in labels.BUILTIN_NETWORKS:
        return [name]
    return [labels.docker_name(name), name]


def network_docker_name(net: str | NetworkHandle) -> str:
    """The engine's name for ``net`` (must exist, except the built-in ones)."""
    if isinstance(net, NetworkHandle):
        return net.docker_name
    if net in labels.BUILTIN_NETWORKS:
        return net
    return find_network(net).name


def _handle(network) -> NetworkHandle:
    attrs = network.attrs
    subnet, gateway = ipam_of(attrs)
    return NetworkHandle(
        name=labels.short_name(network.name, attrs.get("Labels")),
        docker_name=network.name,
        id=network.id[:12],
        driver=attrs.get("Driver", ""),
        subnet=subnet,
        gateway=gateway,
        internal=bool(attrs.get("Internal")),
    )


def _check_subnet(subnet: str | None, gateway: str | None) -> None:
    if subnet is None:
        if gateway is not None:
            raise InvalidInput("A gateway needs a subnet to live in: pass subnet= too, e.g. subnet='172.30.5.0/24'.")
        return
    try:
        parsed = ipaddress.ip_network(subnet, strict=True)
    except ValueError as e:
        hint = ""
        try:
            hint = f" Did you mean {ipaddress.ip_network(subnet, strict=False)}?"
        except ValueError:
            pass
        raise InvalidInput(f"{subnet!r} is not a subnet ({e}).{hint} Write it like '172.30.5.0/24'.") from None
    if gateway is not None:
        try:
            gw = ipaddress.ip_address(gateway)
        except ValueError:
            raise InvalidInput(f"gateway {gateway!r} is not an IP address; write it like '172.30.5.1'.") from None
        if gw not in parsed:
            raise InvalidInput(f"gateway {gateway} is outside the subnet {subnet}; pick an address inside it.")


def _used_subnets() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    used = []
    with engine_errors("listing networks"):
        for network in client().api.networks():
            for config in (network.get("IPAM") or {}).get("Config") or []:
                try:
                    used.append(ipaddress.ip_network(config["Subnet"], strict=False))
                except (KeyError, ValueError):
                    pass
    return used


def _free_subnets():
    used = _used_subnets()
    for candidate in COURSE_POOL.subnets(new_prefix=24):
        if not any(candidate.overlaps(u) for u in used if u.version == 4):
            yield candidate


@recordable
def create_net(
    name: str,
    *,
    driver: str = "bridge",
    subnet: str | None = None,
    gateway: str | None = None,
    internal: bool = False,
) -> NetworkHandle:
    """Create a network (or reuse the one this session already made with that name).

    Example::

        >>> dnb.create_net("mynet")               # doctest: +SKIP
        NetworkHandle(name='mynet', driver='bridge', subnet='172.24.0.0/24', ...)
    """
    if not isinstance(name, str) or not labels.valid_name(name):
        raise InvalidInput(
            f"{name!r} is not a valid network name: use letters, digits, '_', '.' or '-', starting with a letter or digit."
        )
    if name in labels.BUILTIN_NETWORKS:
        raise InvalidInput(f"{name!r} is one of Docker's built-in networks; pick another name, e.g. 'my{name}'.")
    _check_subnet(subnet, gateway)
    docker_name = labels.docker_name(name)
    existing = _existing(docker_name)
    if existing is not None:
        if not labels.is_course(existing.attrs.get("Labels")):
            raise NameInUse(
                f"A network called {docker_name!r} exists and the course did not create it; it is left alone. "
                "Pick another name."
            )
        handle = _handle(existing)
        same = handle.driver == driver and handle.internal == internal and subnet in (None, handle.subnet)
        if same and gateway in (None, handle.gateway):
            return handle
        remove_net(name)
    return _create(name, docker_name, driver, subnet, gateway, internal)


def _existing(docker_name: str):
    """The network with exactly this Docker name, or None (the engine's name filter matches substrings)."""
    with engine_errors(f"looking up network {docker_name}"):
        for network in client().networks.list(names=[docker_name]):
            if network.name == docker_name:
                network.reload()
                return network
    return None


def _create(name, docker_name, driver, subnet, gateway, internal) -> NetworkHandle:
    import docker.types

    candidates = [ipaddress.ip_network(subnet)] if subnet else _free_subnets()
    last_error: Exception | None = None
    for attempt, candidate in enumerate(candidates):
        if attempt >= 20:
            break
        pool = docker.types.IPAMPool(subnet=str(candidate), gateway=gateway)
        try:
            with engine_errors(f"creating network {name}"):
                network = client().networks.create(
                    docker_name,
                    driver=driver,
                    internal=internal,
                    ipam=docker.types.IPAMConfig(pool_configs=[pool]),
                    labels=labels.labels_for(name),
                    check_duplicate=True,
                )
        except NotFound:
            raise InvalidInput(f"Docker has no network driver {driver!r}; use 'bridge', 'macvlan' or 'ipvlan'.") from None
        except EngineError as e:
            last_error = e
            text = str(e).lower()
            if "overlap" in text and subnet is None:
                continue  # another session took this /24 a moment ago: try the next one
            if "overlap" in text:
                raise InvalidInput(
                    f"Subnet {subnet} overlaps a network that already exists. Pick another /24 inside "
                    "172.16.0.0/12, or leave subnet out and the course picks a free one. "
                    "dnb.networks(all=True) shows what is taken."
                ) from None
            if "plugin" in text or "driver" in text:
                raise InvalidInput(f"Docker has no network driver {driver!r}; use 'bridge', 'macvlan' or 'ipvlan'.") from None
            raise
        network.reload()
        return _handle(network)
    raise InvalidInput(f"Could not find a free subnet for {name!r}: {last_error}")


@recordable
def remove_net(name: str | NetworkHandle) -> None:
    """Remove a network the course made. A network the course did not make is never removed."""
    network = find_network(name)
    if not labels.is_course(network.attrs.get("Labels")):
        raise NameInUse(
            f"Network {network.name!r} was not created by the course, so the course will not remove it. "
            f"If it is yours and you want it gone: docker network rm {network.name}"
        )
    with engine_errors(f"removing network {name}"):
        network.reload()
        for container_id in (network.attrs.get("Containers") or {}):
            network.disconnect(container_id, force=True)
        network.remove()


@recordable
def networks(*, all: bool = False) -> pd.DataFrame:  # noqa: A002 - mirrors `docker ps --all`
    """Networks like ``docker network ls``, plus subnet and gateway.

    By default: Docker's built-in networks and the ones this session made; ``all=True``: every network.
    """
    with engine_errors("listing networks"):
        found = client().api.networks()
    rows = []
    for attrs in found:
        own = (attrs.get("Labels") or {}).get(labels.SESSION) == labels.session_id()
        if not (all or own or attrs["Name"] in labels.BUILTIN_NETWORKS):
            continue
        subnet, gateway = ipam_of(attrs)
        rows.append(
            {
                "name": labels.short_name(attrs["Name"], attrs.get("Labels")) if own else attrs["Name"],
                "network_id": attrs["Id"][:12],
                "driver": attrs.get("Driver"),
                "scope": attrs.get("Scope"),
                "subnet": subnet,
                "gateway": gateway,
                "internal": bool(attrs.get("Internal")),
                "docker_name": attrs["Name"],
            }
        )
    frame = pd.DataFrame(rows, columns=NETWORK_COLUMNS)
    return frame.sort_values("name", ignore_index=True)
