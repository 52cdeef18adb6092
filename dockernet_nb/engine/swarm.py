"""The edge between the multi-host verbs and the engines inside a lesson's nodes.

The notebook's engine (``connection.client()``) runs the nodes; each node runs an engine of its own,
reached over TCP (:mod:`dockernet_nb.engine.spawn.nodes`). Here: finding this session's nodes and
the swarm's manager, finding a container by name on whichever node runs it, translating a node
engine's errors, and writing the docker command that does each step (``docker -H tcp://ADDRESS:2375
...`` for a node's engine, ``docker exec NODE-CONTAINER ...`` for the node itself).
"""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any

from dockernet_nb.engine import commands
from dockernet_nb.engine.connection import client
from dockernet_nb.errors import CommandTimeout, ContainerNotFound, DockernetError, EngineError, EngineUnavailable, NotFound
from dockernet_nb.records import CommandResult

if TYPE_CHECKING:
    import docker.errors

    from dockernet_nb.engine.spawn.nodes import Node

__all__ = [
    "Node",
    "spawn",
    "node",
    "nodes",
    "manager",
    "locate",
    "node_errors",
    "note_on",
    "note_in",
    "exec_in_node",
    "exec_in_container",
    "read_in_node",
    "swarm_state",
]


def spawn() -> tuple[ModuleType, ModuleType]:
    """The modules that start engines in containers (:mod:`.spawn.dind`, :mod:`.spawn.nodes`), imported on first use.

    They are made for Linux and macOS (file locks, namespaces for the local engines beside them); on
    Windows the multi-host lesson replays but starts no nodes.
    """
    try:
        from dockernet_nb.engine.spawn import dind, nodes
    except ImportError as err:
        raise EngineError(
            "The multi-host lesson starts Docker engines in containers, which the course does from Linux or macOS. "
            "On this system, read the lesson in replay mode (DOCKERNET_NB_MODE=replay)."
        ) from err
    return dind, nodes


def nodes() -> list[Node]:
    """This session's running nodes, by name."""
    _, node_engines = spawn()
    with node_errors("the host engine", "looking for this session's nodes"):
        return node_engines.find_nodes(client=client())


def node(name: str) -> Node:
    """This session's running node ``name``."""
    for found in nodes():
        if found.name == name:
            return found
    raise ContainerNotFound(
        f"No running node named {name!r} in this session. Start the nodes with dnb.start_nodes() "
        "(after a kernel restart, run the lesson's cells from the top)."
    )


def _swarm(found: Node) -> dict[str, Any]:
    with node_errors(found.name, "asking its engine about its swarm"):
        return dict(found.client().info().get("Swarm") or {})


def manager() -> Node:
    """The node that manages this session's swarm (the one whose engine can change it)."""
    for found in nodes():
        if _swarm(found).get("ControlAvailable"):
            return found
    raise EngineError("No node of this session manages a swarm yet: form one with dnb.swarm_init().")


def swarm_state(found: Node) -> dict[str, Any]:
    """What a node's engine says about its swarm: LocalNodeState, NodeID, ControlAvailable, ..."""
    return _swarm(found)


def locate(container: str) -> tuple[Node, Any]:
    """The node running course container ``container`` (by name), and the SDK container there."""
    if not isinstance(container, str) or not container:
        raise ContainerNotFound(f"Expected a container name, got {container!r}.")
    import docker.errors

    for found in nodes():
        with node_errors(found.name, f"looking for {container}"):
            try:
                target = found.client().containers.get(container)
            except docker.errors.NotFound:
                continue
        if target.name == container:
            return found, target
    raise ContainerNotFound(
        f"No container named {container!r} runs on this session's nodes. Start one with "
        f"dnb.node_run('node1', 'busybox', 'sleep 3600', name={container!r})."
    )


@contextlib.contextmanager
def node_errors(where: str, action: str) -> Iterator[None]:
    """Translate a node engine's (or the host engine's) errors into the course's, naming the node."""
    # The SDK on first use only: replay mode, with no engine, never loads it.
    import docker.errors
    import requests.exceptions

    try:
        yield
    except DockernetError:
        raise
    except docker.errors.NotFound as err:
        raise NotFound(f"{where}: nothing of that name while {action} ({_why(err)}).") from err
    except docker.errors.APIError as err:
        raise EngineError(f"The engine of {where} refused {action}: {_why(err)}") from err
    except requests.exceptions.ReadTimeout as err:
        raise CommandTimeout(f"The engine of {where} gave no answer in time while {action}.") from err
    except (requests.exceptions.ConnectionError, ConnectionError) as err:
        raise EngineUnavailable(
            f"The engine of {where} does not answer (while {action}): has the node gone away? dnb.swarm_nodes() "
            "shows what the swarm knows."
        ) from err
    except docker.errors.DockerException as err:
        raise EngineError(f"Docker said, while {action} on {where}: {err}") from err


def _why(err: docker.errors.APIError) -> str:
    return (getattr(err, "explanation", None) or str(err)).strip()


def note_on(found: Node, *words: str, full: str | None = None) -> None:
    """Note ``docker -H tcp://NODE:2375 WORDS...``: what a learner types to ask that node's engine."""
    commands.note(shlex.join(["docker", "-H", found.docker_host, *words]), full)


def note_in(found: Node, *words: str) -> None:
    """Note ``docker exec NODE-CONTAINER WORDS...``: a command run in the node itself (its tcpdump, say)."""
    commands.note(shlex.join(["docker", "exec", found.container, *words]))


def exec_in_node(found: Node, argv: list[str], *, timeout: float = 30) -> tuple[int, str]:
    """Run ``argv`` in the node's own container (on the notebook's engine); (exit code, output).

    Bounded by ``timeout`` through the node's ``timeout`` command, so a stuck tool cannot hang a cell.
    """
    api = client().api
    with node_errors(found.name, f"running {argv[0]} in the node"):
        created = api.exec_create(found.container_id, ["timeout", str(max(1, int(timeout))), *argv])
        output = api.exec_start(created["Id"])
        code = api.exec_inspect(created["Id"]).get("ExitCode")
    text = output.decode("utf-8", "replace") if isinstance(output, bytes) else str(output)
    if code == 124:
        raise CommandTimeout(f"`{shlex.join(argv)}` in {found.name} was still running after {timeout:g} s and was stopped.")
    return int(code if code is not None else -1), text


def read_in_node(found: Node, path: str, *, timeout: float = 10) -> bytes:
    """The bytes of a file in the node's own container (``docker cp NODE:PATH .``)."""
    api = client().api
    with node_errors(found.name, f"reading {path} in the node"):
        created = api.exec_create(found.container_id, ["timeout", str(max(1, int(timeout))), "cat", path])
        stdout, stderr = api.exec_start(created["Id"], demux=True)
        code = api.exec_inspect(created["Id"]).get("ExitCode")
    if code != 0:
        raise EngineError(f"{path} could not be read in {found.name}: {(stderr or b'').decode(errors='replace').strip()[:300]}")
    return stdout or b""


TIMED_OUT = (124, 143)  # coreutils' timeout says 124; busybox's is killed by its own TERM (128 + 15)


def exec_in_container(container: str, argv: list[str], *, timeout: float = 30) -> CommandResult:
    """Run ``argv`` in course container ``container`` on whichever node runs it (``docker exec``).

    Bounded by the container's ``timeout`` command (busybox and Debian both have one). The docker
    command noted is the one a learner would type, without that wrapper.
    """
    found, target = locate(container)
    note_on(found, "exec", container, *argv)
    limit = max(1, int(timeout))
    with node_errors(found.name, f"running {argv[0]} in {container}"):
        result = target.exec_run(["timeout", str(limit), *argv], demux=True)
    stdout, stderr = result.output if isinstance(result.output, tuple) else (result.output, b"")
    code = int(result.exit_code if result.exit_code is not None else -1)
    shown = shlex.join(argv)
    if code in TIMED_OUT:
        raise CommandTimeout(f"`{shown}` in {container} was still running after {limit} s and was stopped.")
    return CommandResult(
        command=shown,
        exit_code=code,
        stdout=(stdout or b"").decode("utf-8", "replace"),
        stderr=(stderr or b"").decode("utf-8", "replace"),
    )
