"""Several hosts: engine nodes, a swarm across them, services on it, and a node going away.

The nodes are engines in containers (docker-in-docker, :mod:`dockernet_nb.engine.spawn.nodes`) on
a course network that plays the hosts' LAN, the *uplink*. Each verb says what it did as the docker
commands a learner would type: ``docker -H tcp://NODE-ADDRESS:2375 ...`` asks a node's engine,
``docker exec NODE-CONTAINER ...`` runs something in the node itself. Everything inside a node goes
when the node goes (``dnb.cleanup()``).

Services answer on port 8000 with one line, ``<service> replica on <node>`` (their hostname is their
node's name), so a table of answers shows who answered.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import shlex
import time
from collections.abc import Sequence
from typing import Any

import docker.errors
import pandas as pd
from docker.types import DNSConfig, EndpointSpec, ServiceMode

from dockernet_nb.display.picture import Picture
from dockernet_nb.display.progress import shows_progress
from dockernet_nb.display.swarm import draw_swarm
from dockernet_nb.engine import commands, images, labels
from dockernet_nb.engine import swarm as nodes_edge
from dockernet_nb.engine.connection import client, engine_errors
from dockernet_nb.engine.kind import engine_kind
from dockernet_nb.errors import EngineError, InvalidInput, NotFound
from dockernet_nb.records import ContainerNode, Endpoint, HostNode, NetworkBox, SwarmSnapshot
from dockernet_nb.replay import recordable
from dockernet_nb.verbs import containers as container_verbs

__all__ = [
    "start_nodes",
    "swarm_init",
    "swarm_nodes",
    "stop_node",
    "create_service",
    "service_tasks",
    "service_answers",
    "reach_service",
    "ipvs_support",
    "node_requests",
    "swarm_topology",
    "read_swarm_snapshot",
]

SERVICE_PORT = 8000
# Overlay subnets come from this pool: inside 172.16.0.0/16, which Docker's default pools never
# hand out, and clear of the uplink network (swarm's own default, 10.0.0.0/8, is this machine's).
POOL_CANDIDATES = ("172.16.0.0/18", "172.16.64.0/18", "172.16.128.0/18")
POOL_MASK = 24
HEARTBEAT_SECONDS = 2  # how often workers report to the manager (Docker's default is 5 s)
_SERVER = 'mkdir -p /www && echo "{service} replica on $(hostname)" > /www/index.html && exec httpd -f -p {port} -h /www'
_SPEC = "dockernet-nb.spec"  # a service's label: a digest of what it was created with


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


def _uplink_subnet() -> ipaddress.IPv4Network | None:
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
    uplink = _uplink_subnet()
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


# --- services ------------------------------------------------------------------------------------


def _task_name(service: str, task: dict[str, Any], hostname: str) -> str:
    slot = task.get("Slot")
    return f"{service}.{slot}" if slot else f"{service}@{hostname}"


def _read_tasks(lead: nodes_edge.Node, service: str) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, dict]]:
    with nodes_edge.node_errors(lead.name, f"reading service {service}"):
        try:
            found = lead.client().services.get(service)
        except docker.errors.NotFound as err:
            raise NotFound(f"No service named {service!r} in this swarm; create it with dnb.create_service({service!r}).") from err
        tasks = found.tasks()
        by_id = {n.id: n.attrs for n in lead.client().nodes.list()}
    return found.attrs, tasks, by_id


def _converged(spec: dict[str, Any], rows: list[dict[str, Any]], ready: set[str]) -> bool:
    """Every replica that should run runs on a node that is up.

    A replicated service wants its number of replicas; a global one a task on every node its
    constraints allow, which are the nodes the manager gave a task to.
    """
    mode = (spec.get("Spec") or {}).get("Mode") or {}
    wanted = [r for r in rows if r["desired"] == "running" and r["node"] in ready]
    running = [r for r in wanted if r["state"] == "running"]
    if "Global" in mode:
        return bool(wanted) and len(running) == len(wanted)
    return len(running) >= int((mode.get("Replicated") or {}).get("Replicas", 1))


def _task_rows(service: str, tasks: list[dict[str, Any]], by_id: dict[str, dict]) -> list[dict[str, Any]]:
    rows = []
    for task in tasks:
        node = by_id.get(task.get("NodeID", ""), {})
        hostname = (node.get("Description") or {}).get("Hostname", "")
        address = ""
        for attachment in task.get("NetworksAttachments") or []:
            if attachment["Network"]["Spec"]["Name"] != "ingress" and attachment.get("Addresses"):
                address = attachment["Addresses"][0].split("/")[0]
                break
        status = task.get("Status") or {}
        rows.append(
            {
                "task": _task_name(service, task, hostname),
                "node": hostname,
                "desired": task.get("DesiredState", ""),
                "state": status.get("State", ""),
                "address": address,
                "error": status.get("Err", "") or "",
                "_updated": task.get("UpdatedAt", ""),
            }
        )
    return rows


@recordable
def service_tasks(service: str, *, wait: bool = True, timeout: float = 60) -> pd.DataFrame:
    """``docker service ps``: one row per task (replica), on which node, desired and actual state, address.

    Sorted by node (``docker service ps`` sorts by task), so tables compare from run to run.

    With ``wait`` (default) it first waits, at most ``timeout`` seconds, until every replica that should
    run runs on a node that is up. Older tasks (shut down, failed) stay in the table, as in Docker's.
    """
    lead = nodes_edge.manager()
    nodes_edge.note_on(lead, "service", "ps", service)
    deadline = time.monotonic() + timeout
    while True:
        spec, tasks, by_id = _read_tasks(lead, service)
        rows = _task_rows(service, tasks, by_id)
        ready = {n["Description"]["Hostname"] for n in by_id.values() if n["Status"]["State"] == "ready"}
        if not wait or _converged(spec, rows, ready) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    order = {"running": 0}
    # By node, then task: which slot lands on which node is the scheduler's choice, the nodes are not.
    rows.sort(key=lambda r: (r["node"], order.get(r["desired"], 1), r["task"], r["_updated"]))
    columns = ["task", "node", "desired", "state", "address", "error"]
    return pd.DataFrame([{k: r[k] for k in columns} for r in rows], columns=columns)


def _describe_service(name: str, **_: Any) -> tuple[str, float]:
    return f"creating service {name} and waiting for its replicas", 4.0


@shows_progress(_describe_service)
@recordable
def create_service(
    name: str,
    *,
    replicas: int = 3,
    net: str = "lab",
    endpoint_mode: str = "dnsrr",
    mode: str = "replicated",
    publish: int | None = None,
    publish_mode: str = "host",
    image: str = "busybox",
    constraints: Sequence[str] = (),
) -> pd.DataFrame:
    """A service of small web servers that answer on port 8000 with ``<name> replica on <node>``.

    ``endpoint_mode``: ``"dnsrr"`` (the name resolves to every replica's address) or ``"vip"`` (to one
    virtual address that IPVS balances). ``mode="global"`` runs one replica per node. ``publish``: a
    port on the nodes, ``publish_mode`` ``"host"`` (each node with a replica opens it itself) or
    ``"ingress"`` (the routing mesh: every node answers, through IPVS). ``constraints`` limit where
    replicas may run (``["node.role==worker"]``). Returns the tasks once they run.
    Re-running with the same options keeps the service; other options replace it.
    """
    if endpoint_mode not in ("dnsrr", "vip") or mode not in ("replicated", "global") or publish_mode not in ("host", "ingress"):
        raise InvalidInput("endpoint_mode is 'dnsrr' or 'vip', mode 'replicated' or 'global', publish_mode 'host' or 'ingress'.")
    if not labels.valid_name(name):
        raise InvalidInput(f"{name!r} is not a valid service name: use letters, digits, '_', '.' or '-'.")
    lead = nodes_edge.manager()
    tag = images_module_resolve(image)
    with nodes_edge.node_errors(lead.name, f"looking for image {tag}"):
        image_id = lead.client().images.get(tag).id
    options = {"replicas": replicas, "net": net, "endpoint_mode": endpoint_mode, "mode": mode, "publish": publish,
               "publish_mode": publish_mode, "image": image_id, "constraints": list(constraints)}
    digest = hashlib.sha256(json.dumps(options, sort_keys=True).encode()).hexdigest()[:16]
    hostname = "{{.Node.Hostname}}"
    command = ["sh", "-c", _SERVER.format(service=name, port=SERVICE_PORT)]
    words = ["service", "create", "--name", name]
    words += ["--mode", "global"] if mode == "global" else ["--replicas", str(replicas)]
    words += ["--network", net, "--endpoint-mode", endpoint_mode, "--hostname", hostname]
    for constraint in constraints:
        words += ["--constraint", constraint]
    if publish is not None:
        words += ["--publish", f"mode={publish_mode},published={publish},target={SERVICE_PORT}"]
    # By image id: a tag would make each node first ask a registry for it (and wait for no answer).
    words += ["--dns", "127.0.0.1", "--no-resolve-image", image_id, *command]
    with nodes_edge.node_errors(lead.name, f"creating service {name}"):
        try:
            existing = lead.client().services.get(name)
        except docker.errors.NotFound:
            existing = None
        if existing is not None and existing.attrs["Spec"].get("Labels", {}).get(_SPEC) != digest:
            nodes_edge.note_on(lead, "service", "rm", name)
            existing.remove()
            existing = None
            time.sleep(1)  # the old tasks' addresses are freed a moment after
        if existing is None:
            ports = {publish: (SERVICE_PORT, "tcp", publish_mode)} if publish is not None else None
            lead.client().services.create(
                image_id,
                command,
                name=name,
                networks=[net],
                mode=ServiceMode(mode, replicas if mode == "replicated" else None),
                endpoint_spec=EndpointSpec(mode=endpoint_mode, ports=ports),
                hostname=hostname,
                labels={**labels.labels_for(name), _SPEC: digest},
                container_labels=labels.labels_for(name),
                dns_config=DNSConfig(nameservers=["127.0.0.1"]),
                constraints=list(constraints) or None,
            )
    nodes_edge.note_on(lead, *words)
    tasks = service_tasks(name)
    _wait_until_serving(lead, name)
    return tasks


def _wait_until_serving(lead: nodes_edge.Node, service: str, *, seconds: float = 20) -> None:
    """Wait (bounded) until every running replica's server answers inside its own container.

    A task is "running" once its container started, a moment before its web server listens; a lesson
    that asks the service at once must find it listening.
    """
    deadline = time.monotonic() + seconds
    by_name = {node.name: node for node in nodes_edge.nodes()}
    _, tasks, nodes_by_id = _read_tasks(lead, service)
    pending = []
    for task in tasks:
        status = task.get("Status") or {}
        hostname = (nodes_by_id.get(task.get("NodeID", ""), {}).get("Description") or {}).get("Hostname", "")
        container = (status.get("ContainerStatus") or {}).get("ContainerID")
        if task.get("DesiredState") == "running" and status.get("State") == "running" and container and hostname in by_name:
            pending.append((by_name[hostname], container))
    probe = ["timeout", "2", "wget", "-qO-", f"http://127.0.0.1:{SERVICE_PORT}/"]
    while pending and time.monotonic() < deadline:
        still = []
        for node, container in pending:
            with nodes_edge.node_errors(node.name, f"asking a replica of {service}"):
                try:
                    answered = node.client().containers.get(container).exec_run(probe).exit_code == 0
                except docker.errors.NotFound:
                    answered = True  # gone meanwhile: nothing to wait for
            if not answered:
                still.append((node, container))
        pending = still
        if pending:
            time.sleep(0.2)


def _wait_for_names(client_container: str, service: str, expected: set[str], *, seconds: float = 15) -> None:
    """Wait (bounded) until Docker's DNS in ``client_container`` names exactly the replicas in ``expected``.

    The replicas' names travel between nodes by gossip: they reach a client on another node a moment
    after the replicas run, and a lost node's replicas leave its answers a moment after the node.
    """
    deadline = time.monotonic() + seconds
    while expected and time.monotonic() < deadline:
        if set(_lookup(client_container, service)) == expected:
            return
        time.sleep(0.3)


def _running_addresses(service: str) -> set[str]:
    """The overlay addresses of ``service``'s replicas that run on nodes that are up."""
    _, tasks, by_id = _read_tasks(nodes_edge.manager(), service)
    ready = {n["Description"]["Hostname"] for n in by_id.values() if n["Status"]["State"] == "ready"}
    return {
        row["address"] for row in _task_rows(service, tasks, by_id)
        if row["desired"] == "running" and row["state"] == "running" and row["node"] in ready and row["address"]
    }


def _answers(client_container: str, url: str, attempts: int) -> list[str]:
    # One line per attempt, empty when nothing answered within 3 s.
    script = f'for i in $(seq {attempts}); do echo "$(timeout 3 wget -qO- {url} 2>/dev/null | head -n 1)"; done'
    result = nodes_edge.exec_in_container(client_container, ["sh", "-c", script], timeout=attempts * 4 + 5)
    return [line.strip() or "(no answer)" for line in result.stdout.splitlines()][:attempts]


def _describe_who(client_container: str, service: str, **_: Any) -> tuple[str, float]:
    return f"asking {service} from {client_container}, again and again", 4.0


@shows_progress(_describe_who)
@recordable
def service_answers(client_container: str, service: str, *, batch: int = 12, batches: int = 3) -> pd.DataFrame:
    """Ask ``service`` on port 8000 from ``client_container`` again and again: one row per attempt, who answered.

    Each attempt is a new connection to the service's *name*, so each one asks Docker's DNS again. It
    asks in batches of ``batch`` until a replica on every node that runs one has answered (at most
    ``batches`` batches). ``answered_by`` is what the replica said (``web replica on node2``);
    ``.attrs["nodes"]`` lists the nodes that run a replica.
    """
    lead = nodes_edge.manager()
    spec, tasks, by_id = _read_tasks(lead, service)
    ready = {n["Description"]["Hostname"] for n in by_id.values() if n["Status"]["State"] == "ready"}
    rows = [
        row for row in _task_rows(service, tasks, by_id)
        if row["desired"] == "running" and row["state"] == "running" and row["node"] in ready
    ]
    running = {row["node"] for row in rows}
    if (spec.get("Spec") or {}).get("EndpointSpec", {}).get("Mode") == "dnsrr":
        _wait_for_names(client_container, service, {row["address"] for row in rows if row["address"]})
    url = f"http://{service}:{SERVICE_PORT}/"
    expected = {f"{service} replica on {node}" for node in running}
    seen: list[str] = []
    for _ in range(batches):
        seen += _answers(client_container, url, batch)
        if expected <= set(seen):
            break
    frame = pd.DataFrame(
        [{"attempt": i + 1, "answered_by": who} for i, who in enumerate(seen)], columns=["attempt", "answered_by"]
    )
    frame.attrs["nodes"] = sorted(running)
    return frame


def _lookup(client_container: str, name: str) -> list[str]:
    result = nodes_edge.exec_in_container(client_container, ["nslookup", name], timeout=10)
    found, after_name = [], False
    for line in result.stdout.splitlines():
        if line.startswith("Name:"):
            after_name = True
        elif after_name and line.startswith("Address:"):
            found.append(line.split(":", 1)[1].strip().split()[0])
    return sorted(set(found), key=lambda a: ipaddress.ip_address(a))


@recordable
def reach_service(client_container: str, service: str) -> pd.DataFrame:
    """How ``client_container`` reaches ``service``: by its name, and by ``tasks.<name>``.

    For each name: the addresses Docker's DNS gives (``nslookup``), and whether a request to port 8000
    got an answer within 3 s, and from whom. In VIP mode the name gives one virtual address that only
    IPVS can forward; ``tasks.<name>`` gives the replicas' own addresses in any mode.
    """
    _wait_for_names(client_container, f"tasks.{service}", _running_addresses(service))
    rows = []
    for name in (service, f"tasks.{service}"):
        addresses = _lookup(client_container, name)
        answer = _answers(client_container, f"http://{name}:{SERVICE_PORT}/", 1)[0]
        rows.append(
            {
                "name": name,
                "resolves_to": " ".join(addresses),
                "answered": answer != "(no answer)",
                "answered_by": answer if answer != "(no answer)" else "",
            }
        )
    return pd.DataFrame(rows, columns=["name", "resolves_to", "answered", "answered_by"])


@recordable
def ipvs_support() -> pd.DataFrame:
    """Whether each running node's kernel offers IPVS, the load balancer behind swarm's VIPs and routing mesh.

    The nodes share the kernel of the machine the engine runs on. IPVS is there when ``/proc/net/ip_vs``
    exists: built into the kernel, or its module ``ip_vs`` loaded.
    """
    rows = []
    for node in nodes_edge.nodes():
        nodes_edge.note_in(node, "ls", "/proc/net/ip_vs")
        code, _ = nodes_edge.exec_in_node(node, ["test", "-e", "/proc/net/ip_vs"], timeout=10)
        rows.append(
            {
                "node": node.name,
                "ipvs": code == 0,
                "evidence": "/proc/net/ip_vs exists" if code == 0 else "no /proc/net/ip_vs",
            }
        )
    return pd.DataFrame(rows, columns=["node", "ipvs", "evidence"])


@recordable
def node_requests(port: int) -> pd.DataFrame:
    """Ask every node, at its own address on the LAN, for port ``port``: from outside the swarm.

    The client is a one-off busybox container, ``lan-client``, on the nodes' LAN and on no overlay: like
    a machine next to the hosts. One row per node: node, address, answered, answered_by.
    """
    dind, node_engines = nodes_edge.spawn()
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise InvalidInput(f"port must be a number from 1 to 65535, got {port!r}.")
    targets = [(row["name"], row["address"]) for row in node_engines.list_nodes(client=client())]
    running = [(name, address) for name, address in targets if address]
    if not running:
        raise NotFound("No node of this session runs: start them with dnb.start_nodes().")
    # All nodes at once (a node that does not answer costs its 3 s only once), then the answers in order.
    addresses = " ".join(address for _, address in running)
    script = (
        f"mkdir -p /tmp; for a in {addresses}; do (timeout 3 wget -qO- http://$a:{port}/ 2>/dev/null | head -n 1 > /tmp/$a) & done; "
        f'wait; for a in {addresses}; do echo "$(cat /tmp/$a)"; done'
    )
    result = container_verbs.run("busybox", ["sh", "-c", script], name="lan-client", net=dind.NETWORK, timeout=20)
    answers = [line.strip() for line in result.stdout.splitlines()] + [""] * len(running)
    rows = [
        {"node": name, "address": address, "answered": bool(answer), "answered_by": answer}
        for (name, address), answer in zip(running, answers[: len(running)], strict=True)
    ]
    rows += [{"node": name, "address": "", "answered": False, "answered_by": "(node down)"} for name, a in targets if not a]
    return pd.DataFrame(rows, columns=["node", "address", "answered", "answered_by"]).sort_values("node", ignore_index=True)


# --- the picture ---------------------------------------------------------------------------------


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
    subnet = _uplink_subnet()
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
                subnet_, gateway = _ipam(overlay.attrs)
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


def _ipam(attrs: dict[str, Any]) -> tuple[str | None, str | None]:
    for config in (attrs.get("IPAM") or {}).get("Config") or []:
        if ":" not in config.get("Subnet", ":"):
            return config.get("Subnet"), config.get("Gateway")
    return None, None
