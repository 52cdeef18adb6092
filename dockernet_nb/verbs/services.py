"""Services on the swarm of :mod:`.swarm`: replicas, who answers, and what works without IPVS.

Services answer on port 8000 with one line, ``<service> replica on <node>`` (their hostname is their
node's name), so a table of answers shows who answered. Each verb says what it did as the docker
commands a learner would type (``docker -H tcp://NODE-ADDRESS:2375 service ...``).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import time
from collections.abc import Sequence
from typing import Any

import pandas as pd

from dockernet_nb.display.progress import shows_progress
from dockernet_nb.engine import labels
from dockernet_nb.engine import swarm as nodes_edge
from dockernet_nb.engine.connection import client
from dockernet_nb.errors import InvalidInput, NotFound
from dockernet_nb.replay import recordable
from dockernet_nb.verbs import containers as container_verbs
from dockernet_nb.verbs.swarm import images_module_resolve

__all__ = [
    "create_service",
    "service_tasks",
    "service_answers",
    "reach_service",
    "ipvs_support",
    "node_requests",
]

SERVICE_PORT = 8000
_SERVER = 'mkdir -p /www && echo "{service} replica on $(hostname)" > /www/index.html && exec httpd -f -p {port} -h /www'
_SPEC = "dockernet-nb.spec"  # a service's label: a digest of what it was created with


def _task_name(service: str, task: dict[str, Any], hostname: str) -> str:
    slot = task.get("Slot")
    return f"{service}.{slot}" if slot else f"{service}@{hostname}"


def _read_tasks(lead: nodes_edge.Node, service: str) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, dict]]:
    import docker.errors  # the SDK on first use: replay mode never loads it

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
    import docker.errors
    from docker.types import DNSConfig, EndpointSpec, ServiceMode

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
    import docker.errors

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
