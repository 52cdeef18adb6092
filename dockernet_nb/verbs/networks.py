"""Networks: create, list, remove, with course labels and subnets kept inside 172.16.0.0/12."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

import pandas as pd

from dockernet_nb.engine import commands, labels
from dockernet_nb.engine.connection import client, engine_errors
from dockernet_nb.engine.host_routes import host_route_prefixes, routes_are_visible
from dockernet_nb.engine.objects import find_network, ipam_of, network_handle
from dockernet_nb.errors import EngineError, InvalidInput, NameInUse, NotFound
from dockernet_nb.records import NetworkHandle
from dockernet_nb.replay import recordable

__all__ = ["create_net", "remove_net", "networks"]

# Where the course takes subnets when none is given: the upper half of Docker's own 172.16.0.0/12 pool,
# in /24s, so course networks never drift into 192.168.0.0/16 the way Docker's default pools do.
COURSE_POOL = ipaddress.ip_network("172.24.0.0/13")
# Subnets a learner may name without saying any_subnet=True: private ranges nobody routes outside a site.
ALLOWED_RANGES = (ipaddress.ip_network("172.16.0.0/12"), ipaddress.ip_network("fd00::/8"))
# IPv6 subnets the course takes when none is given: /64s of a unique local /48 of its own.
COURSE_POOL6 = ipaddress.ip_network("fdd0:d0c:4e42::/48")
NETWORK_COLUMNS = ["name", "network_id", "driver", "scope", "subnet", "gateway", "internal", "docker_name"]


def _check_subnet(subnet: str | None, gateway: str | None, any_subnet: bool = False) -> None:
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
        raise InvalidInput(f"{subnet!r} is not a subnet ({e}).{hint} Write it like '172.30.5.0/24'.") from e
    if not any_subnet and not any(parsed.version == r.version and parsed.subnet_of(r) for r in ALLOWED_RANGES):  # type: ignore[arg-type]
        raise InvalidInput(
            f"{subnet} is outside the course's ranges (172.16.0.0/12 for IPv4, fd00::/8 for IPv6), where it could "
            "hide a real network this machine reaches. Pick a subnet inside them, e.g. '172.30.5.0/24', or pass "
            "any_subnet=True if you are sure nothing else uses it."
        )
    if gateway is not None:
        try:
            gw = ipaddress.ip_address(gateway)
        except ValueError as e:
            raise InvalidInput(f"gateway {gateway!r} is not an IP address; write it like '172.30.5.1'.") from e
        if gw not in parsed:
            raise InvalidInput(f"gateway {gateway} is outside the subnet {subnet}; pick an address inside it.")


def _used_subnets() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Subnets of the engine's networks, and the engine host's own routes where the course can see them."""
    used: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    with engine_errors("listing networks"):
        for network in client().api.networks():
            for config in (network.get("IPAM") or {}).get("Config") or []:
                try:
                    used.append(ipaddress.ip_network(config["Subnet"], strict=False))
                except (KeyError, ValueError):
                    pass
    if routes_are_visible():
        used += host_route_prefixes()
    return used


def _free_subnets(pool: ipaddress.IPv4Network | ipaddress.IPv6Network = COURSE_POOL):
    used = _used_subnets()
    for candidate in pool.subnets(new_prefix=24 if pool.version == 4 else 64):
        if not any(candidate.overlaps(u) for u in used if u.version == candidate.version):
            yield candidate


@recordable
def create_net(
    name: str,
    *,
    driver: str = "bridge",
    subnet: str | None = None,
    gateway: str | None = None,
    internal: bool = False,
    options: Mapping[str, str] | None = None,
    any_subnet: bool = False,
    ipv6: bool = False,
    subnet6: str | None = None,
) -> NetworkHandle:
    """Create a network (or reuse the one this session already made with that name), like ``docker network create``.

    Without ``subnet`` the course picks a free /24 in 172.24.0.0/13 that neither another network nor
    (on a local Linux engine) one of the host's own routes uses. A ``subnet`` must lie in 172.16.0.0/12
    or fd00::/8 unless ``any_subnet=True``. ``options`` are driver options (``-o KEY=VALUE``), e.g.
    ``{"com.docker.network.bridge.gateway_mode_ipv4": "nat-unprotected"}``. ``ipv6=True`` makes it
    dual-stack with a free /64 of fdd0:d0c:4e42::/48 (or ``subnet6``, inside fd00::/8).
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
    _check_subnet(subnet, gateway, any_subnet)
    if subnet6 is not None:
        _check_subnet(subnet6, None, any_subnet)
        ipv6 = True
    if options is not None and not (isinstance(options, Mapping) and all(isinstance(v, str) for v in options.values())):
        raise InvalidInput(f"options must be a dict of strings like {{'com.docker.network.bridge.name': 'br-lab'}}, got {options!r}.")
    wanted = {str(k): v for k, v in (options or {}).items()}
    docker_name = labels.docker_name(name)
    existing = _existing(docker_name)
    if existing is not None:
        if not labels.is_course(existing.attrs.get("Labels")):
            raise NameInUse(
                f"A network called {docker_name!r} exists and the course did not create it; it is left alone. "
                "Pick another name."
            )
        handle = network_handle(existing)
        same = handle.driver == driver and handle.internal == internal and subnet in (None, handle.subnet)
        same = same and wanted.items() <= (existing.attrs.get("Options") or {}).items()
        same = same and bool(existing.attrs.get("EnableIPv6")) == ipv6 and subnet6 in (None, handle.subnet6)
        if same and gateway in (None, handle.gateway):
            return handle
        remove_net(name)
    if subnet6 is not None and not any_subnet:
        # Docker checks its own networks only; a /64 this machine routes itself (fd00::/64 here) would be hidden.
        taken = [u for u in _used_subnets() if u.version == 6 and u.overlaps(ipaddress.ip_network(subnet6))]
        if taken:
            raise InvalidInput(
                f"{subnet6} overlaps {taken[0]}, which a network or this machine's own routes already use. "
                "Pick another /64 inside fd00::/8, e.g. 'fd42:1::/64', or leave subnet6 out."
            )
    return _create(name, docker_name, driver, subnet, gateway, internal, wanted, subnet6 if subnet6 else ipv6)


def _existing(docker_name: str):
    """The network with exactly this Docker name, or None (the engine's name filter matches substrings)."""
    with engine_errors(f"looking up network {docker_name}"):
        for network in client().networks.list(names=[docker_name]):
            if network.name == docker_name:
                network.reload()
                return network
    return None


def _create(name, docker_name, driver, subnet, gateway, internal, options, ipv6: bool | str = False) -> NetworkHandle:
    import docker.types

    candidates = [ipaddress.ip_network(subnet)] if subnet else _free_subnets()
    candidates6 = iter([ipaddress.ip_network(ipv6)]) if isinstance(ipv6, str) else _free_subnets(COURSE_POOL6)
    last_error: Exception | None = None
    for attempt, candidate in enumerate(candidates):
        if attempt >= 20:
            break
        pools = [docker.types.IPAMPool(subnet=str(candidate), gateway=gateway)]
        candidate6 = next(candidates6) if ipv6 else None
        if candidate6 is not None:
            pools.append(docker.types.IPAMPool(subnet=str(candidate6)))
        try:
            with engine_errors(f"creating network {name}"):
                network = client().networks.create(
                    docker_name,
                    driver=driver,
                    internal=internal,
                    ipam=docker.types.IPAMConfig(pool_configs=pools),
                    enable_ipv6=bool(ipv6),
                    labels=labels.labels_for(name),
                    options=options or None,
                    check_duplicate=True,
                )
        except NotFound as e:
            raise InvalidInput(f"Docker has no network driver {driver!r}; use 'bridge', 'macvlan' or 'ipvlan'.") from e
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
                ) from e
            if "plugin" in text or "driver" in text:
                raise InvalidInput(f"Docker has no network driver {driver!r}; use 'bridge', 'macvlan' or 'ipvlan'.") from e
            raise
        network.reload()
        subnets = [str(candidate)] + ([str(candidate6)] if candidate6 is not None else [])
        _note_create(docker_name, driver, subnets, gateway, internal, options, labels.labels_for(name))
        return network_handle(network)
    raise InvalidInput(f"Could not find a free subnet for {name!r}: {last_error}")


def _note_create(docker_name, driver, subnets, gateway, internal, options, object_labels) -> None:
    words = ["docker", "network", "create"] + (["-d", driver] if driver != "bridge" else [])
    words += ["--ipv6"] if len(subnets) > 1 else []
    words += [w for subnet in subnets for w in ("--subnet", subnet)]
    words += (["--gateway", gateway] if gateway else []) + (["--internal"] if internal else [])
    for key, value in (options or {}).items():
        words += ["-o", f"{key}={value}"]
    course = [word for key, value in object_labels.items() for word in ("--label", f"{key}={value}")]
    commands.note(commands.join(*words, docker_name), commands.join(*words, *course, docker_name))


@recordable
def remove_net(name: str | NetworkHandle) -> None:
    """Remove a network the course made. A network the course did not make is never removed."""
    network = find_network(name, docker_command=f"docker network rm {name}")
    if not labels.is_course(network.attrs.get("Labels")):
        raise NameInUse(
            f"Network {network.name!r} is one of Docker's own, so the course will not remove it."
        )
    commands.note(commands.join("docker", "network", "rm", network.name))
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
    commands.note("docker network ls")
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
