"""FRRouting and OSPF: start, configure and watch routing daemons in ``frr`` containers (lesson 06).

Each verb runs ``vtysh`` in a router container and hands its JSON to a ``dockernet_nb.parsers.frr_*`` parser;
names of course containers and networks are added to the addresses FRR reports. Example::

    >>> dnb.wait_for_ospf(["r1", "r2", "r3"])                                   # doctest: +SKIP
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Sequence

import pandas as pd

from dockernet_nb.display.progress import shows_progress
from dockernet_nb.engine import labels
from dockernet_nb.engine.connection import client, engine_errors
from dockernet_nb.engine.objects import container_handle, ipam_of
from dockernet_nb.errors import CommandTimeout, InvalidInput
from dockernet_nb.parsers import frr_ospf_neighbors, frr_routes, ip_addr
from dockernet_nb.records import CommandResult
from dockernet_nb.replay import recordable
from dockernet_nb.verbs import containers
from dockernet_nb.verbs.common import Container, Net, addresses_of, name_of, net_name_of
from dockernet_nb.verbs.lookups import subnet_of

__all__ = ["wait_for_frr", "configure_ospf", "ospf_neighbours", "ospf_routes", "wait_for_ospf"]


def _vtysh(router: Container, *commands: str, timeout: float = 15) -> CommandResult:
    argv = ["vtysh"]
    for command in commands:
        argv += ["-c", command]
    return containers.exec(router, argv, timeout=timeout)


@shows_progress(lambda router, **_: (f"waiting for FRR's daemons in {router}", 5.0))
@recordable
def wait_for_frr(router: Container, *, timeout: float = 30) -> None:
    """Wait until FRR's zebra and ospfd answer in ``router`` (they start a second or two after the container).

    Raises :class:`dnb.CommandTimeout` with what to check when they do not come up: FRR's daemons
    refuse to start without ``cap_add=["NET_ADMIN", "SYS_ADMIN"]``. Example::

        >>> dnb.wait_for_frr("r1")                                                 # doctest: +SKIP
    """
    deadline = time.monotonic() + timeout
    while True:
        result = _vtysh(router, "show daemons")
        running = set(result.stdout.split())
        if {"zebra", "ospfd"} <= running:
            return None
        if result.exit_code in (126, 127):
            raise InvalidInput(f"{name_of(router)} has no vtysh: start it from the 'frr' image.")
        if time.monotonic() > deadline:
            raise CommandTimeout(
                f"FRR's zebra and ospfd did not come up in {name_of(router)} within {timeout} s "
                f"(running: {', '.join(sorted(running)) or 'none'}). They need cap_add=['NET_ADMIN', 'SYS_ADMIN'] "
                "(zebra asks for both when it starts); check how the router was started."
            )
        time.sleep(0.3)


def _interfaces_by_address(container: Container) -> dict[str, str]:
    result = containers.exec(container, ["ip", "-j", "addr"])
    frame = ip_addr.parse(result.stdout)
    return {row.ipv4: row.name for row in frame.itertuples() if not pd.isna(row.ipv4)}


@recordable
def configure_ospf(
    router: Container,
    nets: Sequence[Net],
    *,
    router_id: str,
    point_to_point: Sequence[Net] = (),
    hello: int = 1,
    dead: int = 4,
) -> CommandResult:
    """Switch OSPF on in an FRR router for the given networks, through one ``vtysh`` call.

    For each network the router is on, the interface facing it gets short timers (a hello every
    ``hello`` s, a neighbour declared dead after ``dead`` s of silence, the same on both ends or no
    adjacency forms), and ``point_to_point`` networks get ``ip ospf network point-to-point`` (two
    routers, no designated-router election). Then ``router ospf`` gets the router ID, timers that make
    it announce a change and recompute its routes at once (FRR's defaults wait up to 5 s, which calms a
    large network whose links flap), and one ``network SUBNET area 0`` line per network. Returns the
    vtysh run, whose ``command`` shows every line. Safe to run again, e.g. after a reconnect gave the
    router a new interface. Example::

        >>> dnb.configure_ospf("r1", ["n12", "n13", "lan1"], router_id="0.0.0.1", point_to_point=["n12", "n13"])  # doctest: +SKIP
    """
    try:
        ipaddress.IPv4Address(router_id)
    except ValueError:
        raise InvalidInput(f"router_id {router_id!r} must look like an IPv4 address, e.g. '0.0.0.1'.") from None
    if not (isinstance(hello, int) and isinstance(dead, int) and 1 <= hello < dead <= 65535):
        raise InvalidInput(f"hello ({hello!r}) and dead ({dead!r}) must be whole seconds with hello < dead.")
    wait_for_frr(router)
    names = [net_name_of(n) for n in nets]
    p2p = {net_name_of(n) for n in point_to_point}
    if p2p - set(names):
        raise InvalidInput(f"point_to_point names networks not in nets: {sorted(p2p - set(names))}.")
    addresses = addresses_of(router)
    interfaces = _interfaces_by_address(router)
    commands = ["configure terminal"]
    for net in names:
        if net not in addresses:
            raise InvalidInput(f"{name_of(router)} is not on {net} (it is on {', '.join(addresses) or 'no network'}).")
        iface = interfaces.get(addresses[net])
        if iface is None:
            raise InvalidInput(f"{name_of(router)} has no interface with its {net} address {addresses[net]} yet.")
        commands += [f"interface {iface}", f"ip ospf hello-interval {hello}", f"ip ospf dead-interval {dead}"]
        if net in p2p:
            commands.append("ip ospf network point-to-point")
        commands.append("exit")
    commands += ["router ospf", f"ospf router-id {router_id}"]
    commands += ["timers throttle spf 0 50 500", "timers throttle lsa all 0", "timers lsa min-arrival 0"]
    commands += [f"network {subnet_of(net)} area 0" for net in names]
    result = _vtysh(router, *commands)
    complaints = [line for line in result.output.splitlines() if line.startswith("%")]
    if not result.ok or complaints:
        raise InvalidInput(f"vtysh in {name_of(router)} refused the configuration: {' '.join(complaints) or result.output[:300]}")
    return result


def _session_maps() -> tuple[dict[str, str], dict[str, str]]:
    """{address: container name} and {subnet: network name} for this session's objects."""
    session = {"label": f"{labels.SESSION}={labels.session_id()}"}
    by_address: dict[str, str] = {}
    with engine_errors("listing this session's containers"):
        for container in client().containers.list(filters=session):
            item = container_handle(container)
            by_address.update({ip: item.name for ip in item.addresses.values() if ip})
    by_subnet: dict[str, str] = {}
    with engine_errors("listing this session's networks"):
        for attrs in client().api.networks(filters=session):
            subnet, _ = ipam_of(attrs)
            if subnet:
                by_subnet[subnet] = labels.short_name(attrs["Name"], attrs.get("Labels"))
    return by_address, by_subnet


def _network_of(address: object, by_subnet: dict[str, str]) -> str | None:
    if address is None or pd.isna(address):
        return None
    ip = ipaddress.IPv4Address(str(address))
    for subnet, name in by_subnet.items():
        if ip in ipaddress.IPv4Network(subnet):
            return name
    return None


def _vtysh_json(router: Container, command: str, parse) -> pd.DataFrame:
    result = _vtysh(router, command)
    if not result.ok or "is not running" in result.output:
        raise InvalidInput(
            f"vtysh in {name_of(router)} could not answer {command!r}: {result.output.strip()[:200]} "
            "(is it an 'frr' router started with cap_add=['NET_ADMIN', 'SYS_ADMIN']?)"
        )
    frame = parse(result.stdout)
    frame.attrs["raw"] = result.stdout
    return frame


def _neighbours(router: Container, maps) -> pd.DataFrame:
    by_address, by_subnet = maps
    frame = _vtysh_json(router, frr_ospf_neighbors.COMMAND, frr_ospf_neighbors.parse)
    frame.insert(0, "router", name_of(router))
    frame.insert(2, "neighbour", pd.Series([by_address.get(a) for a in frame["address"]], dtype="string"))
    frame.insert(3, "network", pd.Series([_network_of(a, by_subnet) for a in frame["address"]], dtype="string"))
    return frame.sort_values(["neighbor_id", "iface"], ignore_index=True)


@recordable
def ospf_neighbours(router: Container) -> pd.DataFrame:
    """The OSPF neighbours of an FRR router (``show ip ospf neighbor json``), one row each.

    The parser's columns (:mod:`dockernet_nb.parsers.frr_ospf_neighbors`) plus ``router`` (asked),
    ``neighbour`` (the course container with that address) and ``network`` (the course network the
    adjacency runs over). Example::

        >>> dnb.ospf_neighbours("r1")[["neighbor_id", "neighbour", "state", "network"]]   # doctest: +SKIP
          neighbor_id neighbour state network
        0     0.0.0.2        r2  Full     n12
    """
    return _neighbours(router, _session_maps())


def _routes(router: Container, maps, protocol: str | None, selected: bool) -> pd.DataFrame:
    by_address, by_subnet = maps
    frame = _vtysh_json(router, frr_routes.COMMAND, frr_routes.parse)
    if protocol is not None:
        frame = frame[frame["protocol"] == protocol]
    if selected:
        frame = frame[frame["selected"].fillna(False)]
    frame = frame.reset_index(drop=True)
    frame.insert(0, "router", name_of(router))
    frame.insert(1, "network", pd.Series([by_subnet.get(p) for p in frame["prefix"]], dtype="string"))
    frame.insert(2, "via", pd.Series([by_address.get(h) if not pd.isna(h) else None for h in frame["nexthop"]], dtype="string"))
    # By name, not by address: which subnet each network got depends on what else runs on the engine.
    return frame.sort_values(["network", "prefix", "protocol", "via", "nexthop"], ignore_index=True, na_position="first")


@recordable
def ospf_routes(router: Container, *, protocol: str | None = None, selected: bool = True) -> pd.DataFrame:
    """An FRR router's routing table (``show ip route json``), one row per route and next hop.

    By default only the routes in use (``selected``); ``protocol="ospf"`` keeps those OSPF found. Adds
    ``router``, ``network`` (the course network of the prefix) and ``via`` (the course container that
    owns the next hop address) to the parser's columns. Example::

        >>> dnb.ospf_routes("r1", protocol="ospf")[["network", "via", "metric", "iface"]]   # doctest: +SKIP
          network via  metric iface
        0    lan2  r2      20  eth0
    """
    return _routes(router, _session_maps(), protocol, selected)


def _expected_neighbours(routers: list[str], addresses: dict[str, dict[str, str]]) -> dict[str, set[str]]:
    """For each router: the addresses of the other routers it shares a network with."""
    expected: dict[str, set[str]] = {r: set() for r in routers}
    for r in routers:
        for other in routers:
            if other == r:
                continue
            for net, ip in addresses[other].items():
                if net in addresses[r] and ip:
                    expected[r].add(ip)
    return expected


def _snapshot(routes: pd.DataFrame) -> frozenset:
    """What a routing table says, without its clocks: (prefix, protocol, metric, next hop) per row."""
    return frozenset(zip(routes["prefix"], routes["protocol"], routes["metric"], routes["nexthop"].fillna(""), strict=True))


@shows_progress(lambda routers, **_: ("waiting for OSPF neighbours and routes to settle", 15.0))
@recordable
def wait_for_ospf(routers: Sequence[Container], *, timeout: float = 60, settle: float = 1.5) -> pd.DataFrame:
    """Wait until OSPF has converged among ``routers``; return every router's neighbours.

    Converged means, for every router: a Full adjacency with each other router it shares a network
    with (and with nothing else), a selected route to every subnet any of the routers is on, no OSPF
    route through a neighbour that is not Full any more, and all of that unchanged for ``settle``
    seconds (a new adjacency changes the best paths a moment after it is Full). Polls twice a second;
    raises :class:`dnb.CommandTimeout` describing what is still missing after ``timeout`` seconds.
    Example::

        >>> dnb.wait_for_ospf(["r1", "r2", "r3"])                                   # doctest: +SKIP
    """
    names = [name_of(r) for r in routers]
    if not names:
        raise InvalidInput("wait_for_ospf needs at least one router.")
    deadline = time.monotonic() + timeout
    missing: list[str] = []
    stable_since: float | None = None
    last: dict[str, frozenset] | None = None
    while True:
        maps = _session_maps()
        addresses = {r: addresses_of(r) for r in names}
        expected = _expected_neighbours(names, addresses)
        subnets = {subnet_of(net) for r in names for net in addresses[r] if net not in labels.BUILTIN_NETWORKS}
        frames, missing, state = [], [], {}
        for r in names:
            neighbours = _neighbours(r, maps)
            full = set(neighbours.loc[neighbours["state"] == "Full", "address"].dropna())
            if full != expected[r]:
                missing.append(f"{r} has Full neighbours {sorted(full) or 'none'}, expects {sorted(expected[r]) or 'none'}")
            routes = _routes(r, maps, None, True)
            absent = subnets - set(routes["prefix"])
            if absent:
                missing.append(f"{r} has no route to {', '.join(sorted(absent))}")
            stale = routes[(routes["protocol"] == "ospf") & routes["nexthop"].notna() & ~routes["nexthop"].isin(full)]
            if not stale.empty:
                missing.append(f"{r} still routes via {', '.join(sorted(set(stale['nexthop'])))}, not a Full neighbour")
            frames.append(neighbours)
            state[r] = _snapshot(routes) | {("neighbour", a, 0, "") for a in full}
        now = time.monotonic()
        if missing:
            stable_since = None
        elif state != last or stable_since is None:
            stable_since = now
        elif now - stable_since >= settle:
            return pd.concat(frames, ignore_index=True)
        last = state
        if now > deadline:
            why = "; ".join(missing) or "the routes were still changing"
            raise CommandTimeout(f"OSPF had not converged after {timeout} s: {why}")
        time.sleep(0.5)
