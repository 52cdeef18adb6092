"""A lesson's engine nodes: docker-in-docker engines that play the hosts of a multi-host lesson.

Each node is an engine container of :mod:`.dind` on the engines network, its hostname the node's
name (``node1``). Nodes are the only containers the course starts with broad privileges (see
:mod:`.dind` for exactly which), and they carry, next to the engine labels, the labels of the kernel
session that started them (course, session, lesson, owner, name) and :data:`NODE`:

- :func:`remove_nodes` (called by ``dnb.cleanup()``) removes this session's nodes: container,
  volume (the images and everything the node's engine made) and, on cgroup v1, its empty groups;
- :func:`remove_stale_nodes` (for ``dockernet-nb clean``) removes the nodes of kernels that no
  longer run, judged by the owner label as for every other course object;
- the engines network goes when no engine container uses it any more.

Nothing without these labels is ever touched. Nodes start in parallel and get only the images a
lesson names. Their resolver is the node's own loopback (``--dns 127.0.0.1``), where nothing
listens: no name lookup from a node, or from a container inside one, leaves this machine.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import docker
import docker.errors
from docker.models.containers import Container

from dockernet_nb.engine import labels
from dockernet_nb.engine.spawn import dind
from dockernet_nb.engine.spawn.cleanup import remove_engines_network
from dockernet_nb.engine.spawn.common import ENGINE, EngineStartError, host_client, is_course
from dockernet_nb.errors import ContainerNotFound, EngineError, InvalidInput

__all__ = [
    "NODE",
    "Node",
    "engine_name",
    "find_nodes",
    "find_node",
    "kill_node",
    "list_nodes",
    "remove_nodes",
    "remove_stale_nodes",
    "start_nodes",
]

NODE = "dockernet-nb.node"  # on a node's container and volume: the node's name in its lesson
NODE_DNS = ("127.0.0.1",)
_LESSON_CHARS = 16
_cache: dict[str, dind.DindEngine] = {}  # container id -> its engine handle (a restarted node has a new id)
_cache_lock = threading.Lock()


@dataclasses.dataclass(frozen=True)
class Node:
    """A running node: its name in the lesson and how to reach its engine."""

    name: str
    engine: dind.DindEngine
    container_id: str

    @property
    def address(self) -> str:
        """The node's address on the engines network (its uplink, eth0 inside the node)."""
        return self.engine.address

    @property
    def docker_host(self) -> str:
        return self.engine.docker_host

    @property
    def container(self) -> str:
        """The node's container name on the host engine."""
        return self.engine.container

    def client(self) -> docker.DockerClient:
        return _client(self.engine)


_clients: dict[str, docker.DockerClient] = {}


def _client(engine: dind.DindEngine) -> docker.DockerClient:
    with _cache_lock:
        found = _clients.get(engine.docker_host)
        if found is None:
            found = _clients[engine.docker_host] = engine.client(timeout=60)
        return found


def engine_name(node: str, *, lesson: str | None = None, session: str | None = None) -> str:
    """The engine name of ``node`` in this session: ``multihost-3f2a9c1b-node1``."""
    if not labels.valid_name(node) or not node.islower() or len(node) > 12:
        raise InvalidInput(f"A node name is up to 12 lower-case letters, digits, '.', '_' or '-', like 'node1'; got {node!r}.")
    lesson = (lesson or labels.lesson()).lower()[:_LESSON_CHARS]
    return f"{lesson}-{session or labels.session_id()}-{node}"


def node_labels(node: str) -> dict[str, str]:
    """The session's labels plus the node's name: what makes cleanup find this node."""
    return {**labels.labels_for(node), NODE: node}


def _is_node(found_labels: dict[str, str] | None) -> bool:
    return bool(found_labels) and labels.is_course(found_labels) and NODE in (found_labels or {}) and ENGINE in (found_labels or {})


def start_nodes(
    names: Sequence[str],
    *,
    images: Sequence[str] = (),
    client: docker.DockerClient | None = None,
    timeout: float = 120,
) -> list[Node]:
    """Start (or reach) this session's nodes ``names`` and load ``images`` into each, mostly in parallel.

    All or nothing: when one node cannot start, the ones this call started are removed again and
    the error says why. Nodes that kernels which no longer run left behind are removed first.
    """
    client = client or host_client()
    remove_stale_nodes(client=client)
    existing = {node.name for node in find_nodes(client=client)}
    # Each node's container starts after the one before it, so on a fresh network node1 gets the first
    # free address, node2 the next, ...: the same addresses run after run (a recorded lesson and its
    # replayed exercises agree). The slow part, waiting for each engine and loading its images, overlaps.
    started = {node: threading.Event() for node in names}

    def one(node: str) -> dind.DindEngine:
        before = names.index(node)
        if before:
            started[names[before - 1]].wait(timeout=timeout)
        try:
            return dind.start_engine(
                engine_name(node),
                images=images,
                labels=node_labels(node),
                hostname=node,
                dns=NODE_DNS,
                timeout=timeout,
                client=host_client(),  # one client per thread
                on_started=started[node].set,
            )
        finally:
            started[node].set()

    with ThreadPoolExecutor(max_workers=max(1, len(names))) as pool:
        futures = {node: pool.submit(one, node) for node in names}
        errors: dict[str, Exception] = {}
        for node, future in futures.items():
            try:
                future.result()
            except Exception as err:  # every failure waits until the other nodes are undone
                errors[node] = err
    if errors:
        remove_nodes(only=[node for node in names if node not in existing], client=client)
        node, first = next(iter(errors.items()))
        raise EngineError(f"node {node} did not start, so the nodes started with it were removed again: {first}") from first
    found = {node.name: node for node in find_nodes(client=client)}
    return [found[node] for node in names]


def _engine_of(container: Container, client: docker.DockerClient) -> dind.DindEngine:
    with _cache_lock:
        cached = _cache.get(container.id)
    if cached is not None:
        return cached
    engine = dind.reach_engine(container.labels[ENGINE], timeout=30, client=client)
    with _cache_lock:
        _cache[container.id] = engine
    return engine


def _node_containers(client: docker.DockerClient, *, session: str | None) -> list[Container]:
    selector = [NODE, f"{labels.SESSION}={session}"] if session else [NODE]
    # ignore_removed: another kernel's cleanup may remove a container between the listing and its inspection.
    found = client.containers.list(all=True, filters={"label": selector}, ignore_removed=True)
    return [c for c in found if _is_node(c.labels)]


def find_nodes(*, client: docker.DockerClient | None = None) -> list[Node]:
    """This session's running nodes, by name."""
    client = client or host_client()
    nodes = []
    for container in _node_containers(client, session=labels.session_id()):
        if container.status == "running":
            try:
                engine = _engine_of(container, client)
            except (ContainerNotFound, EngineStartError):
                continue  # going away as we look
            nodes.append(Node(container.labels[NODE], engine, container.id))
    return sorted(nodes, key=lambda n: n.name)


def find_node(name: str, *, client: docker.DockerClient | None = None) -> Node:
    """This session's running node ``name``; :class:`ContainerNotFound` when it does not run."""
    for node in find_nodes(client=client):
        if node.name == name:
            return node
    raise ContainerNotFound(f"No running node named {name!r} in this session. Start the nodes with dnb.start_nodes().")


def list_nodes(*, client: docker.DockerClient | None = None, session: str | None = None) -> list[dict[str, str]]:
    """This session's nodes (running or not): name, state, container, address (empty when stopped)."""
    client = client or host_client()
    rows = []
    for container in _node_containers(client, session=session or labels.session_id()):
        networks = container.attrs.get("NetworkSettings", {}).get("Networks") or {}
        rows.append(
            {
                "name": container.labels[NODE],
                "state": container.status,
                "container": container.name,
                "address": str((networks.get(dind.NETWORK) or {}).get("IPAddress") or ""),
            }
        )
    return sorted(rows, key=lambda r: r["name"])


def kill_node(name: str, *, client: docker.DockerClient | None = None) -> str:
    """Kill node ``name``'s container at once, as a host losing power would (its volume stays until cleanup)."""
    client = client or host_client()
    for container in _node_containers(client, session=labels.session_id()):
        if container.labels[NODE] == name:
            if container.status == "running":
                with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
                    container.kill()
            return str(container.name)
    raise ContainerNotFound(f"No node named {name!r} in this session.")


def _remove_one(client: docker.DockerClient, engine: str, container: Container | None) -> None:
    if container is not None:
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True)
    dind.remove_cgroups(engine)
    for volume in client.volumes.list(filters={"label": f"{ENGINE}={engine}"}):
        if _is_node(volume.attrs.get("Labels")) and is_course(volume.attrs.get("Labels"), ENGINE, engine):
            with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
                volume.remove(force=True)


def remove_nodes(
    *,
    session: str | None = None,
    only: Sequence[str] | None = None,
    stale: bool = False,
    everything: bool = False,
    dry_run: bool = False,
    client: docker.DockerClient | None = None,
) -> list[dict[str, str | bool]]:
    """Remove nodes and their volumes: this session's (default), ``stale`` ones, or ``everything``.

    ``only``: just these node names of the session. Selected by label only. Returns one row per
    removed (or, with ``dry_run``, removable) node: kind ``node``, name, docker_name (the
    container, or the volume when the container is already gone), session, lesson, owner_alive, id.
    """
    client = client or host_client()
    rows: dict[str, dict[str, str | bool]] = {}
    containers: dict[str, Container] = {}

    def wanted(found: dict[str, str]) -> bool:
        if everything:
            return True
        if stale:
            return not labels.owner_alive(found) and found.get(labels.SESSION) != labels.session_id()
        if found.get(labels.SESSION) != (session or labels.session_id()):
            return False
        return only is None or found.get(NODE) in only

    def row(found: dict[str, str], docker_name: str, object_id: str) -> dict[str, str | bool]:
        return {
            "kind": "node",
            "name": found.get(NODE, ""),
            "docker_name": docker_name,
            "session": found.get(labels.SESSION, ""),
            "lesson": found.get(labels.LESSON, ""),
            "owner_alive": labels.owner_alive(found),
            "id": object_id[:12],
        }

    for container in _node_containers(client, session=None):
        if wanted(container.labels):
            engine = container.labels[ENGINE]
            containers[engine] = container
            rows[engine] = row(container.labels, str(container.name), str(container.id))
    # A node whose container another cleanup removed still has its volume.
    for volume in client.volumes.list(filters={"label": NODE}):
        found = volume.attrs.get("Labels") or {}
        if _is_node(found) and wanted(found) and found[ENGINE] not in rows:
            rows[found[ENGINE]] = row(found, str(volume.name), "")
    if not dry_run and rows:
        with ThreadPoolExecutor(max_workers=len(rows)) as pool:
            for future in [pool.submit(_remove_one, client, engine, containers.get(engine)) for engine in rows]:
                future.result()
        remove_engines_network(client=client)  # once no engine container uses it (a test engine may)
    return [rows[engine] for engine in sorted(rows)]


def remove_stale_nodes(*, dry_run: bool = False, client: docker.DockerClient | None = None) -> list[dict[str, str | bool]]:
    """Remove the nodes (container, volume, cgroups) of kernels that no longer run: what
    ``dockernet-nb clean`` calls. Running kernels' nodes and anything unlabelled stay."""
    return remove_nodes(stale=True, dry_run=dry_run, client=client)
