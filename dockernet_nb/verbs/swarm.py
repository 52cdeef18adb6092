"""Several hosts: engine nodes, a swarm across them, and a node going away (services: :mod:`.services`,
the picture of it all: :mod:`.swarm_topology`).

The nodes are engines in containers (docker-in-docker, :mod:`dockernet_nb.engine.spawn.nodes`) on
a course network that plays the hosts' LAN, the *uplink*. Each verb says what it did as the docker
commands a learner would type: ``docker -H tcp://NODE-ADDRESS:2375 ...`` asks a node's engine,
``docker exec NODE-CONTAINER ...`` runs something in the node itself. Everything inside a node goes
when the node goes (``dnb.cleanup()``).

"""

from __future__ import annotations

import ipaddress
import os
import shlex
import time
from collections.abc import Sequence
from typing import Any

import pandas as pd

from dockernet_nb.display.progress import shows_progress
from dockernet_nb.engine import commands, images
from dockernet_nb.engine import swarm as nodes_edge
from dockernet_nb.engine.connection import client, engine_errors
from dockernet_nb.engine.kind import engine_kind
from dockernet_nb.errors import EngineError, InvalidInput, NotFound
from dockernet_nb.replay import recordable

__all__ = [
    "start_nodes",
    "swarm_init",
    "swarm_nodes",
    "stop_node",
]

# Overlay subnets come from this pool: inside 172.16.0.0/16, which Docker's default pools never
# hand out, and clear of the uplink network (swarm's own default, 10.0.0.0/8, is this machine's).
POOL_CANDIDATES = ("172.16.0.0/18", "172.16.64.0/18", "172.16.128.0/18")
POOL_MASK = 24
HEARTBEAT_SECONDS = 2  # how often workers report to the manager (Docker's default is 5 s)


# --- nodes ---------------------------------------------------------------------------------------


def _node_run_command(name: str, container: str, *, cgroup_v2: bool) -> tuple[str, str]:
    """The ``docker run`` that starts a node as :func:`dind.start_engine` does (essential, full)."""
    dind, node_engines = nodes_edge.spawn()
    head = [
        "docker", "run", "-d", "--name", container, "--hostname", name, "--network", dind.NETWORK,
        "--cap-add", "ALL", "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
        "--security-opt", "systempaths=unconfined", "--device-cgroup-rule", "a *:* rwm", "--tmpfs", "/run",
    ]
    cgroups = ["--cgroupns", "private"] if cgroup_v2 else ["-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw"]
    daemon = [dind.ENGINE_TAG, "dockerd", f"--host=tcp://0.0.0.0:{dind.PORT}", "--tls=false"]
    essential = [*head, *cgroups, "-v", "/var/lib/docker", *daemon]
    full = [
        *head, *cgroups, "-v", f"{container}-data:/var/lib/docker", "--tmpfs", "/tmp", "--dns", "127.0.0.1",
        "--label", f"{node_engines.NODE}={name}", *daemon, "--host=unix:///var/run/docker.sock",
        f"--bip={dind.INNER_BIP}", f"--default-address-pool={dind.INNER_POOL}",
    ]
    return shlex.join(essential), shlex.join(full)


def _describe_start(count: int = 3, **_: Any) -> tuple[str, float]:
    return f"starting {count} engine nodes", 12.0


@shows_progress(_describe_start)
@recordable
def start_nodes(count: int = 3, *, images: Sequence[str] = ("busybox",)) -> pd.DataFrame:
    """Start ``count`` engine nodes, ``node1`` to ``nodeN``, in parallel, with ``images`` loaded into each.

    Each node is a container running Docker Engine 28 (docker-in-docker) on the course network
    ``dockernet-nb-engines``, the nodes' shared LAN. A node needs broad privileges (every capability but
    SYS_RESOURCE, no seccomp or AppArmor confinement, all devices): the one place the course asks for
    them. Re-running the cell reaches the nodes that already run. One row per node: its name, address
    on the LAN, engine version and the host's cgroup version. Example::

        >>> dnb.start_nodes(3)           # doctest: +SKIP
            node       address        engine cgroup ...
        0  node1  172.16.200.2  28.5.2+dfsg4     v1 ...
    """
    _, node_engines = nodes_edge.spawn()
    from dockernet_nb.engine.spawn.common import EngineStartError

    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 5:
        raise InvalidInput(f"count must be a whole number of nodes from 1 to 5, got {count!r}.")
    names = [f"node{i}" for i in range(1, count + 1)]
    tags = [images_module_resolve(image) for image in images]
    kind = engine_kind()
    if kind.remote:
        raise EngineError(
            "This lesson's nodes are engines in containers on your engine, and this kernel talks to each of them at "
            f"its own address. Your engine is remote ({os.environ.get('DOCKER_HOST', '')}): those addresses stay on "
            "its machine, out of this kernel's reach (and the course never opens a node's engine to the network). "
            "Run the lesson with an engine on this machine (Docker Engine or Docker Desktop), or read it in replay "
            "mode: DOCKERNET_NB_MODE=replay."
        )
    cgroup_v2 = kind.cgroup_version == "2"
    started = time.monotonic()
    try:
        with nodes_edge.node_errors("the host engine", "starting the nodes"):
            found = node_engines.start_nodes(names, images=tags, client=client())
    except EngineStartError as err:
        raise EngineError(f"The nodes did not start: {err}") from err
    seconds = time.monotonic() - started
    rows = []
    for node in found:
        essential, full = _node_run_command(node.name, node.container, cgroup_v2=cgroup_v2)
        commands.note(essential, full)
        rows.append(
            {
                "node": node.name,
                "address": node.address,
                "engine": node.engine.version,
                "cgroup": "v2" if cgroup_v2 else "v1",
                "container": node.container,
            }
        )
    for node in found:
        for tag in tags:
            commands.note(f"docker save {tag} | docker -H {node.docker_host} load")
    frame = pd.DataFrame(rows, columns=["node", "address", "engine", "cgroup", "container"])
    frame.attrs["seconds"] = round(seconds, 1)
    return frame


def images_module_resolve(image: str) -> str:
    """A lesson's short image name (``busybox``) as the course tag; only course images go into nodes."""
    tag = images.resolve(image)
    if tag == image and not image.startswith("dockernet-nb/"):
        raise InvalidInput(f"Nodes get course images only (busybox, debian, ...); {image!r} is not one.")
    return tag


# --- the swarm -----------------------------------------------------------------------------------


def uplink_subnet() -> ipaddress.IPv4Network | None:
    """The IPv4 subnet of the nodes' LAN, or None while their network does not exist."""
    dind, _ = nodes_edge.spawn()
    try:
        with engine_errors("looking at the nodes' network"):
            attrs = client().api.inspect_network(dind.NETWORK)
    except NotFound:
        return None
    for config in (attrs.get("IPAM") or {}).get("Config") or []:
        subnet = ipaddress.ip_network(config.get("Subnet", "0.0.0.0/32"), strict=False)
        if isinstance(subnet, ipaddress.IPv4Network):
            return subnet
    return None


def _pool() -> str:
    uplink = uplink_subnet()
    for candidate in POOL_CANDIDATES:
        if uplink is None or not ipaddress.ip_network(candidate).overlaps(uplink):
            return candidate
    raise EngineError(f"no pool in {', '.join(POOL_CANDIDATES)} is clear of the nodes' network {uplink}")


def _wait_ready(manager: nodes_edge.Node, expected: int, *, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with nodes_edge.node_errors(manager.name, "listing the swarm's nodes"):
            listed = manager.client().nodes.list()
        if sum(1 for n in listed if (n.attrs.get("Status") or {}).get("State") == "ready") >= expected:
            return
        time.sleep(0.3)


@recordable
def swarm_init(manager: str = "node1", *, workers: Sequence[str] = ("node2", "node3")) -> pd.DataFrame:
    """Form a swarm: ``manager`` initialises it, ``workers`` join; returns ``docker node ls`` as a table.

    The swarm takes its overlay subnets from a pool inside 172.16.0.0/16 (``--default-addr-pool``), not
    from swarm's default 10.0.0.0/8; workers report every 2 s (``--dispatcher-heartbeat``), so a node
    that goes away is noticed within seconds. Re-running leaves a formed swarm as it is.
    """
    lead = nodes_edge.node(manager)
    state = nodes_edge.swarm_state(lead)
    pool = _pool()
    if not state.get("ControlAvailable"):
        with nodes_edge.node_errors(manager, "initialising the swarm"):
            lead.client().swarm.init(
                advertise_addr=lead.address,
                listen_addr=f"{lead.address}:2377",
                default_addr_pool=[pool],
                subnet_size=POOL_MASK,
                dispatcher_heartbeat_period=HEARTBEAT_SECONDS * 1_000_000_000,
            )
    nodes_edge.note_on(
        lead, "swarm", "init", "--advertise-addr", lead.address, "--default-addr-pool", pool,
        "--default-addr-pool-mask-length", str(POOL_MASK), "--dispatcher-heartbeat", f"{HEARTBEAT_SECONDS}s",
    )
    with nodes_edge.node_errors(manager, "reading the join token"):
        lead.client().swarm.reload()
        token = lead.client().swarm.attrs["JoinTokens"]["Worker"]
        cluster = lead.client().swarm.attrs["ID"]
    for name in workers:
        worker = nodes_edge.node(name)
        joined = nodes_edge.swarm_state(worker)
        if joined.get("LocalNodeState") == "active" and (joined.get("Cluster") or {}).get("ID") == cluster:
            pass  # already a member of this swarm
        else:
            with nodes_edge.node_errors(name, "joining the swarm"):
                worker.client().swarm.join(
                    remote_addrs=[f"{lead.address}:2377"],
                    join_token=token,
                    advertise_addr=worker.address,
                    listen_addr=f"{worker.address}:2377",
                )
        token_command = shlex.join(["docker", "-H", lead.docker_host, "swarm", "join-token", "-q", "worker"])
        commands.note(
            shlex.join(["docker", "-H", worker.docker_host, "swarm", "join", "--token", "TOKEN", "--advertise-addr",
                        worker.address, f"{lead.address}:2377"]).replace("TOKEN", f'"$({token_command})"')
        )
    _wait_ready(lead, 1 + len(workers))
    for name in [manager, *workers]:
        _wait_for_networks(nodes_edge.node(name), ("ingress", "docker_gwbridge"))
    return swarm_nodes()


def _wait_for_networks(found: nodes_edge.Node, names: Sequence[str], *, seconds: float = 20) -> None:
    """Wait (bounded) until a node that joined has set up its swarm networks: it does so in the background."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with nodes_edge.node_errors(found.name, "listing its networks"):
            present = {n.name for n in found.client().networks.list()}
        if set(names) <= present:
            return
        time.sleep(0.2)


@recordable
def swarm_nodes() -> pd.DataFrame:
    """``docker node ls`` as a table: node, role, status, availability, manager status, address, engine."""
    lead = nodes_edge.manager()
    nodes_edge.note_on(lead, "node", "ls")
    with nodes_edge.node_errors(lead.name, "listing the swarm's nodes"):
        listed = lead.client().nodes.list()
    rows = []
    for item in listed:
        attrs = item.attrs
        manager_status = attrs.get("ManagerStatus") or {}
        leader = "Leader" if manager_status.get("Leader") else str(manager_status.get("Reachability", "")).capitalize()
        rows.append(
            {
                "node": attrs["Description"]["Hostname"],
                "role": attrs["Spec"]["Role"],
                "status": attrs["Status"]["State"],
                "availability": attrs["Spec"]["Availability"],
                "manager_status": leader,
                "address": attrs["Status"].get("Addr", ""),
                "engine": attrs["Description"].get("Engine", {}).get("EngineVersion", ""),
            }
        )
    columns = ["node", "role", "status", "availability", "manager_status", "address", "engine"]
    return pd.DataFrame(rows, columns=columns).sort_values("node", ignore_index=True)


def _describe_stop(node: str, **_: Any) -> tuple[str, float]:
    return f"{node} goes away; waiting for the manager to notice", 8.0


@shows_progress(_describe_stop)
@recordable
def stop_node(node: str, *, timeout: float = 60) -> pd.DataFrame:
    """Kill ``node``'s container, as a host losing power; wait until the manager marks it down.

    Returns ``docker node ls`` afterwards. The node's containers die with it; its data stays until
    ``dnb.cleanup()``. The manager cannot be stopped (the swarm would lose its only manager).
    """
    _, node_engines = nodes_edge.spawn()
    lead = nodes_edge.manager()
    if node == lead.name:
        raise InvalidInput(f"{node} is the swarm's only manager: without it nobody can reschedule anything. Stop a worker.")
    with nodes_edge.node_errors("the host engine", f"stopping {node}"):
        container = node_engines.kill_node(node, client=client())
    commands.note(shlex.join(["docker", "kill", container]))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        table = swarm_nodes()
        if (table.loc[table["node"] == node, "status"] == "down").all():
            return table
        time.sleep(0.5)
    return swarm_nodes()
