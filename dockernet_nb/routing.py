"""Routers, firewalls, a routing daemon and the host's NAT table: the verbs of lessons 05-07.

Lesson 05 builds a router between two LANs and a firewall on it, lesson 06 lets FRRouting's OSPF find
the routes, lesson 07 follows a published port into the host's NAT rules. Each verb runs the command a
learner would type (``iptables-save``, ``nc``, ``vtysh``, ``ps``) in a container and hands the text to
a pure parser, so every answer is a DataFrame that came from the engine just now. Example::

    >>> dnb.iptables_rules("router")                                   # doctest: +SKIP
    >>> dnb.reachability(["alice"], {"bob": "172.24.2.3", "web:8000": "172.24.2.5:8000"})  # doctest: +SKIP
"""

from __future__ import annotations

import ipaddress
import os
import re
import shlex
import sys
import time
from collections.abc import Mapping, Sequence

import pandas as pd

from dockernet_nb import container_verbs, labels, probes
from dockernet_nb.engine import client, engine_errors
from dockernet_nb.errors import CommandTimeout, InvalidInput
from dockernet_nb.parsers import frr, ip_addr, iptables
from dockernet_nb.records import CommandResult, ContainerHandle, NetworkHandle
from dockernet_nb.replay import recordable
from dockernet_nb.widgets import shows_progress

__all__ = [
    "iptables_rules",
    "host_iptables_rules",
    "add_rule",
    "drop_default_route",
    "reachability",
    "plot_reachability",
    "connections",
    "wait_for_port",
    "docker_proxies",
    "kvm_preflight",
    "wait_for_frr",
    "configure_ospf",
    "ospf_neighbours",
    "ospf_routes",
    "wait_for_ospf",
]

Container = str | ContainerHandle
Net = str | NetworkHandle

CONNECTION_COLUMNS = {"server": "string", "server_port": "Int64", "client": "string", "client_port": "Int64"}
PROXY_COLUMNS = {
    "pid": "Int64",
    "proto": "string",
    "host_ip": "string",
    "host_port": "Int64",
    "container_ip": "string",
    "container_port": "Int64",
}
# The uptime image logs "connect to 172.17.0.2:8000 from 172.17.0.1:39122" for every visitor.
_CONNECTION = re.compile(
    r"connect to (?P<server>[\d.]+):(?P<server_port>\d+) from (?P<client>[\d.]+):(?P<client_port>\d+)"
)
_LEGACY_WARNING = "iptables-legacy tables present"
KVM_GET_API_VERSION = 0xAE00  # ioctl number from <linux/kvm.h>; every KVM answers 12


def _name(container: Container) -> str:
    return container.name if isinstance(container, ContainerHandle) else str(container)


def _net_name(net: Net) -> str:
    return net.name if isinstance(net, NetworkHandle) else str(net)


def _checked(result: CommandResult, what: str, container: Container) -> CommandResult:
    """Turn a failed helper command into an error that says what to fix."""
    if result.ok:
        return result
    text = result.output.strip()
    if "Permission denied" in text or "Operation not permitted" in text or "you must be root" in text:
        raise InvalidInput(
            f"{_name(container)} may not {what}: start it with cap_add=['NET_ADMIN'] "
            f"(the kernel said: {text.splitlines()[-1] if text else 'permission denied'})."
        )
    raise InvalidInput(f"`{result.command}` in {_name(container)} failed (exit code {result.exit_code}): {text[:300]}")


# --- iptables ------------------------------------------------------------------------------------


def _rules(text: str, table: str, chain: str | None) -> pd.DataFrame:
    frame = iptables.parse(text)
    frame = frame[frame["table"] == table] if frame.attrs.get("dialect") == "iptables-save" else frame
    if chain is not None:
        frame = frame[frame["chain"] == chain]
    frame = frame.reset_index(drop=True)
    frame.attrs["raw"] = text
    return frame


@recordable
def iptables_rules(container: Container, *, table: str = "filter", chain: str | None = None) -> pd.DataFrame:
    """The rules of one iptables table in a running container (``iptables-save -t TABLE``), one row each.

    The columns are those of :mod:`dockernet_nb.parsers.iptables`; the chain policies are in
    ``frame.attrs["policies"]``. The container needs ``cap_add=["NET_ADMIN"]`` to read its tables.
    Example::

        >>> dnb.iptables_rules("router")[["chain", "target", "protocol", "dport"]]     # doctest: +SKIP
               chain  target protocol dport
        0    FORWARD  ACCEPT      tcp  8000
    """
    result = _checked(container_verbs.exec(container, ["iptables-save", "-t", table]), "read iptables", container)
    return _rules(result.stdout, table, chain)


@recordable
def host_iptables_rules(*, table: str = "nat", chain: str | None = None) -> pd.DataFrame:
    """The engine host's own iptables rules, read by a one-off debian container on the host network.

    Docker writes its rules for networks and published ports here. The helper container shares the
    host's network stack (``net="host"``) and may read it (``cap_add=["NET_ADMIN"]``); it changes nothing.
    Example::

        >>> dnb.host_iptables_rules(table="nat", chain="DOCKER")                # doctest: +SKIP
    """
    command = ["iptables-save", "-t", table]
    result = container_verbs.run("debian", command, net="host", cap_add=["NET_ADMIN"])
    if _LEGACY_WARNING in result.output:
        # The host keeps its rules with the legacy backend: read those instead of the empty nft view.
        result = container_verbs.run("debian", ["iptables-legacy-save", "-t", table], net="host", cap_add=["NET_ADMIN"])
    _checked(result, "read the host's iptables", "the host helper")
    return _rules(result.stdout, table, chain)


def _check_form(rule: str) -> tuple[list[str], list[str]]:
    """``-A FORWARD ...`` / ``-I FORWARD [n] ...`` -> (the words to add it, the rule without the verb).

    The second list starts with the chain: ``["-C", *it]`` tests for the rule, ``["-D", *it]`` deletes it.
    """
    try:
        words = shlex.split(rule)
    except ValueError as e:
        raise InvalidInput(f"Could not split the rule {rule!r} into words ({e}); check its quotes.") from None
    if len(words) < 3 or words[0] not in ("-A", "-I"):
        raise InvalidInput(f"Write the rule as iptables would after the table, e.g. '-A FORWARD -p tcp --dport 6379 -j REJECT'; got {rule!r}.")
    rest = words[2:]
    if words[0] == "-I" and rest and rest[0].isdigit():
        rest = rest[1:]
    return words, [words[1], *rest]


@recordable
def add_rule(container: Container, rule: str, *, table: str = "filter") -> pd.DataFrame:
    """Add an iptables rule in a container unless an identical one is there; return the table's rules.

    ``rule`` is what follows ``iptables -t TABLE``. ``-A CHAIN ...`` appends, unless ``iptables -C``
    finds the same rule in the chain already; ``-I CHAIN [N] ...`` inserts at position N (default 1)
    after deleting any copy of the same rule further down. Either way running the cell again leaves one
    copy, where the rule asked for it. Example::

        >>> dnb.add_rule("router", "-A FORWARD -p tcp --dport 6379 -j REJECT --reject-with tcp-reset")  # doctest: +SKIP
    """
    add, same = _check_form(rule)
    iptables = ["iptables", "-t", table]
    if add[0] == "-I":
        for _ in range(20):  # -D removes one copy at a time
            if not container_verbs.exec(container, [*iptables, "-D", *same]).ok:
                break
    elif container_verbs.exec(container, [*iptables, "-C", *same]).ok:
        return iptables_rules(container, table=table)
    _checked(container_verbs.exec(container, [*iptables, *add]), "change iptables", container)
    return iptables_rules(container, table=table)


# --- routes and reachability ---------------------------------------------------------------------


@recordable
def drop_default_route(container: Container) -> pd.DataFrame:
    """Delete the container's default route(s); return its routing table afterwards.

    Docker gives every container on a bridge network a default route through the host. In the routing
    lessons nothing may leave through it: a packet for an address no route covers is refused at once
    ("Network is unreachable") instead of wandering off. Needs ``cap_add=["NET_ADMIN"]``; harmless
    when there is no default route. Example::

        >>> dnb.drop_default_route("alice")                                    # doctest: +SKIP
    """
    for _ in range(4):  # a container on several networks can have more than one
        shown = container_verbs.exec(container, ["ip", "route", "show", "default"])
        if not shown.stdout.strip():
            break
        _checked(container_verbs.exec(container, ["ip", "route", "del", "default"]), "change its routes", container)
    return probes.inspect_routes(container)


def _target(spec: str) -> tuple[str, int | None]:
    host, sep, port = spec.rpartition(":")
    if not sep:
        return spec, None
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise InvalidInput(f"{spec!r}: write a target as 'ADDRESS' (ping) or 'ADDRESS:PORT' (TCP connect).")
    return host, int(port)


def _describe_reachability(sources, targets, **_) -> tuple[str, float]:
    pairs = len(sources) * len(targets) if hasattr(sources, "__len__") and hasattr(targets, "__len__") else 4
    return f"probing who reaches whom ({pairs} attempts)", 0.5 * pairs


@shows_progress(_describe_reachability)
@recordable
def reachability(
    sources: Sequence[Container],
    targets: Mapping[str, str] | Sequence[str],
    *,
    port: int | None = None,
    timeout: float = 2,
) -> pd.DataFrame:
    """Who reaches whom: one row per source container, one boolean column per target.

    A target is ``"ADDRESS"`` (one ping, ``ping -c 1 -W TIMEOUT``) or ``"ADDRESS:PORT"`` (a TCP
    connection attempt, ``nc -z -w TIMEOUT``), tried from inside each source just now; ``port`` applies
    to targets without one. Give targets as ``{"label": "address[:port]"}`` to name the columns. What
    each attempt said is in ``frame.attrs["details"]``. Example::

        >>> dnb.reachability(["alice", "bob"], {"db:6379": "172.24.2.4:6379", "bob": "172.24.2.3"})  # doctest: +SKIP
            from  db:6379   bob
        0  alice    False  True
        1    bob     True  True
    """
    if isinstance(sources, (str, ContainerHandle)):
        sources = [sources]
    named = dict(targets) if isinstance(targets, Mapping) else {str(t): str(t) for t in targets}
    if not sources or not named:
        raise InvalidInput("reachability needs at least one source container and one target.")
    if not isinstance(timeout, (int, float)) or not 0 < timeout <= 30:
        raise InvalidInput(f"timeout must be a number of seconds from 1 to 30, got {timeout!r}.")
    wait = str(max(1, round(timeout)))
    rows, details = [], []
    for source in sources:
        row: dict[str, object] = {"from": _name(source)}
        for label, spec in named.items():
            host, own_port = _target(str(spec))
            target_port = own_port or port
            if target_port is None:
                command = ["ping", "-c", "1", "-W", wait, host]
            else:
                command = ["nc", "-z", "-w", wait, host, str(target_port)]
            result = container_verbs.exec(source, command, timeout=timeout + 10)
            if result.exit_code in (126, 127):
                raise InvalidInput(f"{_name(source)} has no {command[0]}; use a debian-based container as a source.")
            row[label] = result.ok
            details.append({"from": _name(source), "to": label, "command": result.command,
                            "exit_code": result.exit_code, "output": result.output.strip()})
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["from", *named])
    for label in named:
        frame[label] = frame[label].astype(bool)
    frame.attrs["details"] = details
    return frame


def plot_reachability(frame: pd.DataFrame, *, title: str = "Who reaches whom"):
    """A green/red grid of a :func:`reachability` frame: sources down, targets across.

    Example::

        >>> dnb.plot_reachability(dnb.reachability(["alice"], ["172.24.2.3"]))   # doctest: +SKIP
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    targets = [c for c in frame.columns if c != "from"]
    values = frame[targets].astype(float).to_numpy() if targets else [[]]
    fig, ax = plt.subplots(figsize=(1.6 * max(len(targets), 1) + 1.5, 0.7 * max(len(frame), 1) + 1.2))
    ax.imshow(values, cmap=ListedColormap(["#ef9a9a", "#a5d6a7"]), vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(targets)), targets)
    ax.set_yticks(range(len(frame)), frame["from"])
    for i, row in enumerate(frame[targets].itertuples(index=False)):
        for j, ok in enumerate(row):
            ax.text(j, i, "reaches" if ok else "no", ha="center", va="center", fontsize=9)
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


@recordable
def connections(container: Container) -> pd.DataFrame:
    """The visitors an ``uptime`` server logged, oldest first: server, server_port, client, client_port.

    Example::

        >>> dnb.connections("web").tail(1)                              # doctest: +SKIP
               server  server_port      client  client_port
        0  172.24.2.5         8000  172.24.1.3        51234
    """
    log = container_verbs.logs(container)
    rows = [m.groupdict() for m in _CONNECTION.finditer(log.output)]
    frame = pd.DataFrame({c: pd.Series([r[c] for r in rows], dtype="string") for c in CONNECTION_COLUMNS})
    for column, dtype in CONNECTION_COLUMNS.items():
        frame[column] = frame[column].astype(dtype)
    return frame


@recordable
def wait_for_port(container: Container, port: int, *, timeout: float = 15) -> None:
    """Wait until a server inside ``container`` accepts connections on ``port`` (asked from inside).

    A server needs a moment after its container starts; this polls ``nc -z 127.0.0.1 PORT`` in the
    container and raises :class:`dnb.CommandTimeout` after ``timeout`` seconds. Example::

        >>> dnb.wait_for_port("web", 8000)                                  # doctest: +SKIP
    """
    deadline = time.monotonic() + timeout
    while True:
        result = container_verbs.exec(container, ["nc", "-z", "-w", "1", "127.0.0.1", str(port)], timeout=10)
        if result.ok:
            return None
        if result.exit_code in (126, 127):
            raise InvalidInput(f"{_name(container)} has no nc to test its port with.")
        if time.monotonic() > deadline:
            raise CommandTimeout(f"Nothing in {_name(container)} accepted connections on port {port} within {timeout} s.")
        time.sleep(0.2)


# --- the host: docker-proxy and KVM --------------------------------------------------------------


def _proxy_rows(text: str) -> list[dict[str, str | None]]:
    rows = []
    for line in text.splitlines():
        words = line.split()
        if len(words) < 2 or not words[0].isdigit() or not words[1].endswith("docker-proxy"):
            continue
        options = dict(zip(words[2::2], words[3::2]))
        rows.append(
            {
                "pid": words[0],
                "proto": options.get("-proto"),
                "host_ip": options.get("-host-ip"),
                "host_port": options.get("-host-port"),
                "container_ip": options.get("-container-ip"),
                "container_port": options.get("-container-port"),
            }
        )
    return rows


@recordable
def docker_proxies(*, host_port: int | None = None) -> pd.DataFrame:
    """The engine host's docker-proxy processes (one per published port and address), from ``ps``.

    A one-off debian container that shares the host's process table (``pid="host"``) runs
    ``ps -C docker-proxy``, which lists those processes and nothing else. ``host_port`` keeps only
    the proxies of that host port. Example::

        >>> dnb.docker_proxies(host_port=8007)                                   # doctest: +SKIP
           pid proto    host_ip  host_port container_ip  container_port
        0  4711   tcp  127.0.0.1       8007   172.17.0.2            8000
    """
    result = container_verbs.run("debian", ["ps", "-C", "docker-proxy", "-o", "pid=,args="], net="host", pid="host")
    rows = _proxy_rows(result.stdout)
    frame = pd.DataFrame({c: pd.Series([r[c] for r in rows], dtype="string") for c in PROXY_COLUMNS})
    for column, dtype in PROXY_COLUMNS.items():
        frame[column] = frame[column].astype(dtype)
    if host_port is not None:
        frame = frame[frame["host_port"] == host_port].reset_index(drop=True)
    return frame


def _engine_here() -> tuple[bool, str]:
    """Whether the engine's host is this machine, and why (or why not)."""
    host = os.environ.get("DOCKER_HOST", "")
    if host and not host.startswith(("unix://", "npipe://")):
        return False, f"DOCKER_HOST={host}: the checks below would have to run on that host"
    if sys.platform != "linux":
        return False, "Docker Desktop runs the engine in its own Linux VM: the checks would have to run inside it"
    return True, "DOCKER_HOST is unset or a local socket, on Linux"


def kvm_preflight() -> pd.DataFrame:
    """Could vrnetlab's router VMs run here? One row per check: check, ok, detail.

    vrnetlab boots a vendor's router image as a virtual machine inside a container, which needs KVM on
    the engine's host. For a local engine this looks at /dev/kvm here: it exists, opens read-write,
    and answers KVM's API-version call. For a remote engine (DOCKER_HOST), or Docker Desktop's engine in
    its own VM, nothing here says anything about the engine's host, and the rows say so. Example::

        >>> dnb.kvm_preflight()                                                    # doctest: +SKIP
    """
    rows = []
    local, why = _engine_here()
    rows.append({"check": "the engine runs on this machine", "ok": local, "detail": why})
    if not local:
        for check in ("/dev/kvm exists", "/dev/kvm opens read-write", "KVM answers"):
            rows.append({"check": check, "ok": False, "detail": "not checked: it is about the engine's host, not this one"})
        return pd.DataFrame(rows)
    import fcntl  # only reached on Linux; imported here so the package still loads on Windows

    exists = os.path.exists("/dev/kvm")
    rows.append({"check": "/dev/kvm exists", "ok": exists,
                 "detail": "the kernel offers KVM" if exists else "no KVM device: no hardware virtualisation for VMs"})
    fd = None
    try:
        if exists:
            fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
        rows.append({"check": "/dev/kvm opens read-write", "ok": fd is not None,
                     "detail": "opened by this notebook's user" if fd is not None else "skipped: no device"})
    except OSError as e:
        rows.append({"check": "/dev/kvm opens read-write", "ok": False,
                     "detail": f"{e.strerror} for this notebook's user; a privileged container (root) may still "
                     "use it, but the next check cannot run"})
    try:
        version = fcntl.ioctl(fd, KVM_GET_API_VERSION) if fd is not None else None
        rows.append({"check": "KVM answers", "ok": version == 12,
                     "detail": f"KVM API version {version}" if version is not None else "skipped: not opened"})
    except OSError as e:
        rows.append({"check": "KVM answers", "ok": False, "detail": f"the API-version call failed: {e.strerror}"})
    finally:
        if fd is not None:
            os.close(fd)
    return pd.DataFrame(rows)


# --- FRRouting and OSPF --------------------------------------------------------------------------


def _vtysh(router: Container, *commands: str, timeout: float = 15) -> CommandResult:
    argv = ["vtysh"]
    for command in commands:
        argv += ["-c", command]
    return container_verbs.exec(router, argv, timeout=timeout)


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
            raise InvalidInput(f"{_name(router)} has no vtysh: start it from the 'frr' image.")
        if time.monotonic() > deadline:
            raise CommandTimeout(
                f"FRR's zebra and ospfd did not come up in {_name(router)} within {timeout} s "
                f"(running: {', '.join(sorted(running)) or 'none'}). They need cap_add=['NET_ADMIN', 'SYS_ADMIN'] "
                "(zebra asks for both when it starts); check how the router was started."
            )
        time.sleep(0.3)


def _interfaces_by_address(container: Container) -> dict[str, str]:
    result = container_verbs.exec(container, ["ip", "-j", "addr"])
    frame = ip_addr.parse(result.stdout)
    return {row.ipv4: row.name for row in frame.itertuples() if not pd.isna(row.ipv4)}


def _addresses(container: Container) -> dict[str, str]:
    return container_verbs.handle(container_verbs.find_container(container)).addresses


def _ipv4_subnet(network_attrs: dict) -> str | None:
    for config in (network_attrs.get("IPAM") or {}).get("Config") or []:
        if ":" not in config.get("Subnet", ":"):
            return config["Subnet"]
    return None


def _subnet_of(net: str) -> str:
    from dockernet_nb.network_verbs import find_network

    subnet = _ipv4_subnet(find_network(net).attrs)
    if subnet is None:
        raise InvalidInput(f"Network {net} has no IPv4 subnet.")
    return subnet


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
    names = [_net_name(n) for n in nets]
    p2p = {_net_name(n) for n in point_to_point}
    if p2p - set(names):
        raise InvalidInput(f"point_to_point names networks not in nets: {sorted(p2p - set(names))}.")
    addresses = _addresses(router)
    interfaces = _interfaces_by_address(router)
    commands = ["configure terminal"]
    for net in names:
        if net not in addresses:
            raise InvalidInput(f"{_name(router)} is not on {net} (it is on {', '.join(addresses) or 'no network'}).")
        iface = interfaces.get(addresses[net])
        if iface is None:
            raise InvalidInput(f"{_name(router)} has no interface with its {net} address {addresses[net]} yet.")
        commands += [f"interface {iface}", f"ip ospf hello-interval {hello}", f"ip ospf dead-interval {dead}"]
        if net in p2p:
            commands.append("ip ospf network point-to-point")
        commands.append("exit")
    commands += ["router ospf", f"ospf router-id {router_id}"]
    commands += ["timers throttle spf 0 50 500", "timers throttle lsa all 0", "timers lsa min-arrival 0"]
    commands += [f"network {_subnet_of(net)} area 0" for net in names]
    result = _vtysh(router, *commands)
    complaints = [line for line in result.output.splitlines() if line.startswith("%")]
    if not result.ok or complaints:
        raise InvalidInput(f"vtysh in {_name(router)} refused the configuration: {' '.join(complaints) or result.output[:300]}")
    return result


def _session_maps() -> tuple[dict[str, str], dict[str, str]]:
    """{address: container name} and {subnet: network name} for this session's objects."""
    session = {"label": f"{labels.SESSION}={labels.session_id()}"}
    by_address: dict[str, str] = {}
    with engine_errors("listing this session's containers"):
        for container in client().containers.list(filters=session):
            item = container_verbs.handle(container)
            by_address.update({ip: item.name for ip in item.addresses.values() if ip})
    by_subnet: dict[str, str] = {}
    with engine_errors("listing this session's networks"):
        for attrs in client().api.networks(filters=session):
            subnet = _ipv4_subnet(attrs)
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
            f"vtysh in {_name(router)} could not answer {command!r}: {result.output.strip()[:200]} "
            "(is it an 'frr' router started with cap_add=['NET_ADMIN', 'SYS_ADMIN']?)"
        )
    frame = parse(result.stdout)
    frame.attrs["raw"] = result.stdout
    return frame


def _neighbours(router: Container, maps) -> pd.DataFrame:
    by_address, by_subnet = maps
    frame = _vtysh_json(router, frr.COMMANDS["neighbors"], frr.parse_neighbors)
    frame.insert(0, "router", _name(router))
    frame.insert(2, "neighbour", pd.Series([by_address.get(a) for a in frame["address"]], dtype="string"))
    frame.insert(3, "network", pd.Series([_network_of(a, by_subnet) for a in frame["address"]], dtype="string"))
    return frame.sort_values(["neighbor_id", "iface"], ignore_index=True)


@recordable
def ospf_neighbours(router: Container) -> pd.DataFrame:
    """The OSPF neighbours of an FRR router (``show ip ospf neighbor json``), one row each.

    The parser's columns (:func:`dockernet_nb.parsers.frr.parse_neighbors`) plus ``router`` (asked),
    ``neighbour`` (the course container with that address) and ``network`` (the course network the
    adjacency runs over). Example::

        >>> dnb.ospf_neighbours("r1")[["neighbor_id", "neighbour", "state", "network"]]   # doctest: +SKIP
          neighbor_id neighbour state network
        0     0.0.0.2        r2  Full     n12
    """
    return _neighbours(router, _session_maps())


def _routes(router: Container, maps, protocol: str | None, selected: bool) -> pd.DataFrame:
    by_address, by_subnet = maps
    frame = _vtysh_json(router, frr.COMMANDS["routes"], frr.parse_routes)
    if protocol is not None:
        frame = frame[frame["protocol"] == protocol]
    if selected:
        frame = frame[frame["selected"].fillna(False)]
    frame = frame.reset_index(drop=True)
    frame.insert(0, "router", _name(router))
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
    return frozenset(zip(routes["prefix"], routes["protocol"], routes["metric"], routes["nexthop"].fillna("")))


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
    names = [_name(r) for r in routers]
    if not names:
        raise InvalidInput("wait_for_ospf needs at least one router.")
    deadline = time.monotonic() + timeout
    missing: list[str] = []
    stable_since: float | None = None
    last: dict[str, frozenset] | None = None
    while True:
        maps = _session_maps()
        addresses = {r: _addresses(r) for r in names}
        expected = _expected_neighbours(names, addresses)
        subnets = {_subnet_of(net) for r in names for net in addresses[r] if net not in labels.BUILTIN_NETWORKS}
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
