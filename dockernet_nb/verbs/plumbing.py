"""What a Docker network is made of on its host: veth pairs, bridges, the host's routes.

A container on a bridge network has an ``eth0`` that is one end of a *veth pair*; the other end,
``veth...``, lives in the host's network namespace and is plugged into the network's Linux bridge
(``docker0`` for the default network, ``br-<network id>`` for the others), whose own address is the
network's gateway. The two ends know each other by interface index: a veth's ``iflink`` is the index of
its peer (in the other namespace), so the container's ``iflink`` is the host veth's ``ifindex``.

The host's side is read by the course's own helper, a one-off debian container on the host's network
stack (``net="host"``, every capability dropped: reading links, bridges and routes needs none); each
container's side by ``ip link show`` inside it. :func:`veth_pairs` with ``inside=`` reads the same
from network namespaces built by hand inside a lab container, where the lab is the "host". Example::

    >>> dnb.veth_pairs()[["container", "interface", "veth", "bridge", "gateway"]]      # doctest: +SKIP
      container interface          veth              bridge     gateway
    0    client      eth0  veth2c4f0a1  br-5f81745e46a4  172.24.0.1
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from dockernet_nb.engine import labels
from dockernet_nb.engine.connection import client, engine_errors
from dockernet_nb.engine.objects import find_container, find_network, net_short_name
from dockernet_nb.errors import InvalidInput, NotFound
from dockernet_nb.parsers import bridge_fdb as fdb_parser
from dockernet_nb.parsers import bridge_link, ip_addr, ip_link, ip_route
from dockernet_nb.records import CommandResult, NetworkHandle
from dockernet_nb.replay import recordable
from dockernet_nb.verbs import containers
from dockernet_nb.verbs.common import Container, checked, name_of

__all__ = ["veth_pairs", "bridge_of", "bridge_links", "bridge_fdb", "host_routes", "PAIR_COLUMNS"]

PAIR_COLUMNS = {
    "container": "string",
    "network": "string",
    "interface": "string",
    "ifindex": "Int64",
    "iflink": "Int64",
    "address": "string",
    "mac": "string",
    "veth": "string",
    "veth_ifindex": "Int64",
    "veth_iflink": "Int64",
    "bridge": "string",
    "gateway": "string",
}
BRIDGE_OPTION = "com.docker.network.bridge.name"
_SECTION = "===="  # a line no ip or bridge command prints
_SKIPPED_MODES = ("host", "none")


def bridge_name(network_attrs: Mapping[str, Any]) -> str:
    """The Linux bridge behind a bridge network ("" for other drivers), from its inspect data.

    Docker names it ``br-`` and the first 12 digits of the network's id, unless the network was
    created with ``-o com.docker.network.bridge.name=...`` (the default network's is ``docker0``).
    """
    if network_attrs.get("Driver") != "bridge":
        return ""
    named = (network_attrs.get("Options") or {}).get(BRIDGE_OPTION)
    return str(named) if named else f"br-{str(network_attrs.get('Id', ''))[:12]}"


# --- reading: the host's side, a container's side ---------------------------------------------------


def read_host(*argvs: list[str]) -> list[str]:
    """The outputs of read-only commands run on the engine host's network stack, in order."""
    command = argvs[0] if len(argvs) == 1 else ["sh", "-c", f" && echo {_SECTION} && ".join(shlex.join(a) for a in argvs)]
    result = containers.run_helper("debian", command, net="host", cap_drop=["ALL"])
    checked(result, "read the host's network", "the host helper")
    parts = result.stdout.split(_SECTION + "\n")
    if len(parts) != len(argvs):
        raise InvalidInput(f"The host helper's answer was cut short ({len(parts)} of {len(argvs)} parts); run the cell again.")
    return parts


def _read_in(container: Container, argv: list[str], *, helper_ok: bool = True) -> CommandResult:
    """``argv`` in a running course container; in a helper sharing its network when it lacks the program."""
    result = containers.exec(container, argv)
    if helper_ok and (result.exit_code in (126, 127) or "executable file not found" in result.output):
        target = find_container(container)
        result = containers.run_helper("debian", argv, network_mode=f"container:{target.name}", cap_drop=["ALL"])
    return checked(result, f"run {argv[0]}", container)


def _blocks(text: str, names: set[str]) -> str:
    """The lines of ``ip link``/``ip addr`` text that belong to the interfaces ``names`` (header and details)."""
    kept, keep = [], False
    for line in text.splitlines():
        if line and not line[0].isspace():
            found = re.match(r"^\d+:\s+([^\s@:]+)", line)
            keep = bool(found and found.group(1) in names)
        if keep:
            kept.append(line)
    return "\n".join(kept)


# --- matching the two ends ------------------------------------------------------------------------


def match_pairs(
    sides: Sequence[tuple[str, pd.DataFrame, Mapping[str, tuple[str, str | None]]]],
    host: pd.DataFrame,
    gateways: Mapping[str, str],
) -> pd.DataFrame:
    """One row per interface of each side (loopback left out), with its veth peer on the host when it has one.

    ``sides``: (container or namespace name, its ``ip link`` frame, {bridge: (network, address)}).
    ``host``: the host's ``ip link`` frame. ``gateways``: {bridge: its IPv4 address}. An interface is
    paired with the host interface whose ``ifindex`` is the interface's ``iflink`` *and* whose ``iflink``
    is the interface's ``ifindex``: each end names the other. Pure: no engine.
    """
    by_index = {int(row.ifindex): row for row in host.itertuples() if not pd.isna(row.ifindex)}
    rows = []
    for name, links, networks in sides:
        for link in links.itertuples():
            if link.name == "lo":
                continue
            row: dict[str, Any] = {
                "container": name,
                "interface": link.name,
                "ifindex": link.ifindex,
                "iflink": link.iflink,
                "mac": link.mac,
            }
            peer = by_index.get(int(link.iflink)) if not pd.isna(link.iflink) else None
            if peer is not None and not pd.isna(peer.iflink) and int(peer.iflink) == int(link.ifindex):
                bridge = None if pd.isna(peer.master) else str(peer.master)
                row.update(veth=peer.name, veth_ifindex=peer.ifindex, veth_iflink=peer.iflink, bridge=bridge)
                if bridge is not None:
                    network, address = networks.get(bridge, (bridge, None))
                    row.update(network=network, address=address, gateway=gateways.get(bridge))
            rows.append(row)
    frame = pd.DataFrame(rows, columns=list(PAIR_COLUMNS))
    return frame.astype(PAIR_COLUMNS).sort_values(["container", "interface"], ignore_index=True)


def _gateways(addresses: pd.DataFrame, bridges: set[str]) -> dict[str, str]:
    found = addresses[addresses["name"].isin(bridges) & addresses["ipv4"].notna()]
    return {str(r.name): str(r.ipv4) for r in found.drop_duplicates("name").itertuples()}


def _session_containers() -> list[dict[str, Any]]:
    """Inspect data of this session's running containers that have a network of their own."""
    api = client().api
    selector = f"{labels.SESSION}={labels.session_id()}"
    with engine_errors("listing this session's containers"):
        listed = api.containers(filters={"label": selector, "status": "running"})
    found = []
    for entry in listed:
        try:
            with engine_errors(f"inspecting container {entry['Id'][:12]}"):
                attrs = api.inspect_container(entry["Id"])
        except NotFound:
            continue  # removed meanwhile
        mode = str((attrs.get("HostConfig") or {}).get("NetworkMode") or "")
        if mode in _SKIPPED_MODES or mode.startswith("container:"):
            continue
        found.append(attrs)
    return sorted(found, key=lambda a: a["Name"])


def _bridges_of(attrs: Mapping[str, Any], cache: dict[str, dict]) -> dict[str, tuple[str, str | None]]:
    """{bridge: (network's learner-facing name, the container's address/prefix there)} of one container."""
    found = {}
    api = client().api
    for net_name, endpoint in ((attrs.get("NetworkSettings") or {}).get("Networks") or {}).items():
        net_id = endpoint.get("NetworkID") or net_name
        if net_id not in cache:
            try:
                with engine_errors(f"inspecting network {net_name}"):
                    cache[net_id] = api.inspect_network(net_id)
            except NotFound:
                continue
        bridge = bridge_name(cache[net_id])
        if bridge:
            shown = (
                labels.short_name(net_name, cache[net_id].get("Labels"))
                if labels.is_course(cache[net_id].get("Labels"))
                else net_short_name(net_name)
            )
            address = f"{endpoint['IPAddress']}/{endpoint.get('IPPrefixLen')}" if endpoint.get("IPAddress") else None
            found[bridge] = (shown, address)
    return found


def _docker_pairs() -> pd.DataFrame:
    sides: list[tuple[str, pd.DataFrame, Mapping[str, tuple[str, str | None]]]] = []
    texts: list[str] = []
    cache: dict[str, dict] = {}
    for attrs in _session_containers():
        docker_name = attrs["Name"].lstrip("/")
        name = labels.short_name(docker_name, (attrs.get("Config") or {}).get("Labels"))
        text = _read_in(docker_name, ["ip", "link", "show"]).stdout
        sides.append((name, ip_link.parse(text), _bridges_of(attrs, cache)))
        texts.append(f"# in {name}: ip link show\n{text.rstrip()}")
    host_links, host_addresses = read_host(["ip", "link", "show"], ["ip", "-4", "addr", "show"])
    host = ip_link.parse(host_links)
    bridges = {bridge for _, _, networks in sides for bridge in networks}
    frame = match_pairs(sides, host, _gateways(ip_addr.parse(host_addresses), bridges))
    shown = set(frame["veth"].dropna()) | set(frame["bridge"].dropna())
    texts.append(f"# on the host: ip link show (the peers and their bridges)\n{_blocks(host_links, shown)}")
    frame.attrs["raw"] = "\n".join(texts) + "\n"
    return frame


def _namespace_pairs(inside: Container, namespaces: Mapping[str, int]) -> pd.DataFrame:
    if not isinstance(namespaces, Mapping) or not namespaces:
        raise InvalidInput("namespaces= names the namespaces built by hand and a process in each, like {'red': 13, 'blue': 14}.")
    sides, texts = [], []
    for name, pid in namespaces.items():
        if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 1:
            raise InvalidInput(f"namespaces[{name!r}] should be the process id that holds the namespace (a number), got {pid!r}.")
        enter = ["nsenter", f"--net=/proc/{pid}/ns/net"]
        links_text = _read_in(inside, [*enter, "ip", "link", "show"], helper_ok=False).stdout
        addresses = ip_addr.parse(_read_in(inside, [*enter, "ip", "-4", "addr", "show"], helper_ok=False).stdout)
        sides.append((str(name), ip_link.parse(links_text), addresses))
        texts.append(f"# in namespace {name} (process {pid}): ip link show\n{links_text.rstrip()}")
    lab_links = _read_in(inside, ["ip", "link", "show"], helper_ok=False).stdout
    lab_addresses = ip_addr.parse(_read_in(inside, ["ip", "-4", "addr", "show"], helper_ok=False).stdout)
    host = ip_link.parse(lab_links)
    bridges = set(host["master"].dropna())
    gateways = _gateways(lab_addresses, bridges)
    # Without Docker there is no network name: the bridge is the network. Addresses come from each namespace.
    paired: list[tuple[str, pd.DataFrame, Mapping[str, tuple[str, str | None]]]] = []
    for name, links, addresses in sides:
        by_interface = {str(r.name): f"{r.ipv4}/{r.prefixlen}" for r in addresses.dropna(subset=["ipv4"]).itertuples()}
        networks: dict[str, tuple[str, str | None]] = {}
        for link in links.itertuples():
            peer = host[(host["ifindex"] == link.iflink)] if not pd.isna(link.iflink) else host.iloc[0:0]
            if not peer.empty and not pd.isna(peer["master"].iloc[0]):
                networks[str(peer["master"].iloc[0])] = (str(peer["master"].iloc[0]), by_interface.get(str(link.name)))
        paired.append((name, links, networks))
    frame = match_pairs(paired, host, gateways)
    shown = set(frame["veth"].dropna()) | set(frame["bridge"].dropna())
    texts.append(f"# in {name_of(inside)} (the namespaces' host): ip link show\n{_blocks(lab_links, shown)}")
    frame.attrs["raw"] = "\n".join(texts) + "\n"
    return frame


@recordable
def veth_pairs(*, inside: Container | None = None, namespaces: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Each container interface and the host-side end of its veth pair, the bridge that end is plugged into,
    and the bridge's address (the network's gateway): one row per interface of this session's containers.

    Columns: ``container``, ``network``, ``interface`` (``eth0``) with its ``ifindex`` and ``iflink`` (the
    peer's index), ``address``, then the host's end: ``veth`` with ``veth_ifindex`` and ``veth_iflink``,
    ``bridge`` (``docker0``, ``br-<id>``) and ``gateway`` (the bridge's IPv4 address). An interface that is
    not one end of a veth pair (macvlan) has no host columns. ``.raw`` holds the ``ip link`` texts.

    ``inside="lab", namespaces={"red": 13, ...}``: the same for network namespaces built by hand inside
    the lab container, each named with a process that lives in it; the lab is then the host, and the
    bridge names the network. Example::

        >>> dnb.veth_pairs()                                    # doctest: +SKIP
        >>> dnb.veth_pairs(inside="lab", namespaces={"red": red, "blue": blue})   # doctest: +SKIP
    """
    if inside is None:
        if namespaces is not None:
            raise InvalidInput("namespaces= goes with inside=, the container the namespaces were built in.")
        return _docker_pairs()
    return _namespace_pairs(inside, namespaces or {})


def _network_bridge(net: str | NetworkHandle) -> tuple[str, str]:
    """(learner-facing name, bridge) of a network, which must be a bridge network."""
    network = find_network(net, docker_command=f"docker network inspect {net}")
    bridge = bridge_name(network.attrs)
    if not bridge:
        raise InvalidInput(f"{net} uses the {network.attrs.get('Driver')} driver: it has no Linux bridge on the host.")
    return labels.short_name(network.name, network.attrs.get("Labels")), bridge


def _session_bridges() -> dict[str, str]:
    """{bridge: network name} of this session's bridge networks and the ones its containers joined."""
    api = client().api
    selector = f"{labels.SESSION}={labels.session_id()}"
    with engine_errors("listing this session's networks"):
        listed = api.networks(filters={"label": selector})
    found = {bridge_name(n): labels.short_name(n["Name"], n.get("Labels")) for n in listed if bridge_name(n)}
    cache: dict[str, dict] = {}
    for attrs in _session_containers():
        for bridge, (network, _) in _bridges_of(attrs, cache).items():
            found.setdefault(bridge, network)
    return found


def _bridges(net: str | NetworkHandle | None) -> dict[str, str]:
    if net is None:
        return _session_bridges()
    name, bridge = _network_bridge(net)
    return {bridge: name}


@recordable
def bridge_of(net: str | NetworkHandle) -> str:
    """The name of the Linux bridge behind a bridge network (``docker0``, ``br-<first 12 digits of its id>``).

    Example::

        >>> dnb.bridge_of("bridge")                       # doctest: +SKIP
        'docker0'
    """
    return _network_bridge(net)[1]


def _with_network(frame: pd.DataFrame, column: str, bridges: Mapping[str, str], text: str) -> pd.DataFrame:
    kept = frame[frame[column].isin(list(bridges))].reset_index(drop=True)
    kept.insert(0, "network", kept[column].map(dict(bridges)).astype("string"))
    kept.attrs.update(frame.attrs)
    kept.attrs["raw"] = (
        "\n".join(line for line in text.splitlines() if any(re.search(rf"\b{re.escape(b)}\b", line) for b in bridges)) + "\n"
    )
    return kept


@recordable
def bridge_links(net: str | NetworkHandle | None = None) -> pd.DataFrame:
    """The ports of the host's bridges (``bridge link show``): which veths are plugged into which bridge.

    ``net``: one network's bridge; by default those of this session's networks. The columns are those of
    :mod:`dockernet_nb.parsers.bridge_link` after a ``network`` column. Example::

        >>> dnb.bridge_links("lan")[["network", "interface", "master", "state"]]   # doctest: +SKIP
    """
    bridges = _bridges(net)
    (text,) = read_host(["bridge", "link", "show"])
    return _with_network(bridge_link.parse(text), "master", bridges, text)


@recordable
def bridge_fdb(net: str | NetworkHandle | None = None) -> pd.DataFrame:
    """The host bridges' forwarding tables (``bridge fdb show``): which MAC address the bridge saw behind
    which port. Entries without a ``state`` were learned from traffic; ``permanent`` ones are the ports' own.

    ``net``: one network's bridge; by default those of this session's networks. Columns: a ``network``
    column, then those of :mod:`dockernet_nb.parsers.bridge_fdb`. Example::

        >>> dnb.bridge_fdb("lan")                                    # doctest: +SKIP
    """
    bridges = _bridges(net)
    (text,) = read_host(["bridge", "fdb", "show"])
    frame = fdb_parser.parse(text)
    # The bridge's table lists entries by port ("master br-x"); the bridge device's own entries name it as dev.
    frame["master"] = frame["master"].fillna(frame["interface"].where(frame["interface"].isin(list(bridges))))
    return _with_network(frame, "master", bridges, text)


@recordable
def host_routes(net: str | NetworkHandle | None = None) -> pd.DataFrame:
    """The engine host's routing table (``ip route show``), read by the course's host helper.

    Docker adds one route per bridge network: its subnet is directly on its bridge (``dev br-...``).
    ``net`` keeps the routes through that network's bridge. Columns as ``route -n`` (see
    :mod:`dockernet_nb.parsers.ip_route`). Example::

        >>> dnb.host_routes("lan")                                   # doctest: +SKIP
          destination  gateway        genmask flags  metric            iface
        0  172.24.0.0  0.0.0.0  255.255.255.0     U    <NA>  br-5f81745e46a4
    """
    (text,) = read_host(["ip", "route", "show"])
    frame = ip_route.parse(text)
    frame.attrs["raw"] = text
    if net is None:
        return frame
    return _with_network(frame, "iface", _bridges(net), text)
