"""Containers: exec, connect, disconnect, logs, stop, rm, list; only course containers, always bounded in time.

Every verb acts only on course containers (see :mod:`dockernet_nb.engine.objects`). A command that runs
past its timeout is stopped from inside its own container, never by a process id the engine reported
(that number belongs to the engine's pid namespace, which on Docker Desktop or a remote engine is not
this machine's). ``dnb.run`` lives in :mod:`dockernet_nb.verbs.run`.
"""

from __future__ import annotations

import secrets
import shlex
import threading
from collections.abc import Sequence
from typing import Any

import pandas as pd

from dockernet_nb.engine import commands, labels
from dockernet_nb.engine.connection import client, engine_errors
from dockernet_nb.engine.objects import container_handle, find_container, find_network
from dockernet_nb.errors import CommandTimeout, ContainerNotFound, EngineError, InvalidInput, NotFound
from dockernet_nb.records import CommandResult, ContainerHandle, NetworkHandle
from dockernet_nb.replay import recordable
from dockernet_nb.verbs.common import Command, argv_of, check_ipv4, checked_timeout, remove_quietly
from dockernet_nb.verbs.run import run, run_helper  # noqa: F401 - verbs and checks call containers.run

__all__ = ["exec", "connect", "disconnect", "logs", "stop", "rm", "containers"]

ContainerRef = str | ContainerHandle

CONTAINER_COLUMNS = ["name", "image", "status", "networks", "addresses", "ports", "docker_name", "id"]
EXEC_MARKER = "DOCKERNET_NB_EXEC"
# Kills every process that inherited this exec's marker, from inside the container (sh, tr, grep:
# busybox and Debian have them). TOKEN is replaced by a random hex string.
_KILL_BY_MARKER = (
    "for d in /proc/[0-9]*; do "
    "if tr '\\0' '\\n' < $d/environ 2>/dev/null | grep -qx '" + EXEC_MARKER + "=TOKEN'; "
    "then kill -KILL ${d#/proc/} 2>/dev/null; fi; done"
)


@recordable
def exec(container: ContainerRef, command: Command, *, timeout: float = 30) -> CommandResult:  # noqa: A001
    """Run a command in a running course container, like ``docker exec``.

    A command still running after ``timeout`` seconds is killed from inside the container (with every
    process it started) and :class:`CommandTimeout` says so. Example::

        >>> dnb.exec("redis", "redis-cli ping")      # doctest: +SKIP
        $ redis-cli ping   (exit code 0)
        PONG
    """
    argv = argv_of(command)
    if not argv:
        raise InvalidInput("exec needs a command, e.g. dnb.exec('redis', 'redis-cli ping').")
    limit = checked_timeout(timeout)
    shown = shlex.join(argv)
    target = find_container(container, docker_command=f"docker exec {container} {shown}")
    commands.note(commands.join("docker", "exec", target.name, *argv))
    api = client().api
    token = secrets.token_hex(8)
    with engine_errors(f"running {shown} in {target.name}"):
        exec_id = api.exec_create(target.id, argv, stdout=True, stderr=True, environment={EXEC_MARKER: token})["Id"]
    outcome: dict[str, Any] = {}

    def _start() -> None:
        try:
            outcome["streams"] = api.exec_start(exec_id, demux=True)
        except Exception as e:  # handed to the caller's thread below
            outcome["error"] = e

    worker = threading.Thread(target=_start, daemon=True)
    worker.start()
    try:
        worker.join(limit)
    except BaseException:
        _kill_marked(target, token)  # Ctrl-C: the command must not run on unseen
        raise
    if worker.is_alive():
        stopped = _kill_marked(target, token)
        raise CommandTimeout(
            f"`{shown}` in {target.name} was still running after {limit:g} s and "
            + ("was stopped. " if stopped else f"could not be stopped from inside (try: docker restart {target.name}). ")
            + "Pass a larger timeout=, or make the command end by itself (e.g. ping -c 4)."
        )
    if "error" in outcome:
        with engine_errors(f"running {shown} in {target.name}"):
            raise outcome["error"]
    stdout, stderr = outcome["streams"]
    with engine_errors(f"reading the exit code of {shown}"):
        exit_code = api.exec_inspect(exec_id).get("ExitCode")
    return CommandResult(
        command=shown,
        exit_code=-1 if exit_code is None else int(exit_code),
        stdout=(stdout or b"").decode("utf-8", "replace"),
        stderr=(stderr or b"").decode("utf-8", "replace"),
    )


def _kill_marked(target: Any, token: str) -> bool:
    """Kill, inside ``target``, every process carrying this exec's marker; True when that ran."""
    script = _KILL_BY_MARKER.replace("TOKEN", token)
    try:
        with engine_errors(f"stopping a command in {target.name}"):
            result = target.exec_run(["sh", "-c", script], user="0")
    except (NotFound, EngineError):
        return False
    return result.exit_code == 0


@recordable
def connect(
    container: ContainerRef,
    net: str | NetworkHandle,
    *,
    aliases: Sequence[str] | None = None,
    ip: str | None = None,
) -> ContainerHandle:
    """Attach a running course container to a network (``docker network connect``)."""
    plain = f"docker network connect {net} {container}"
    target = find_container(container, docker_command=plain)
    network = find_network(net, docker_command=plain)
    if ip is not None:
        check_ipv4(ip)
    short = labels.short_name(target.name, target.labels)
    with engine_errors(f"looking at {net}"):
        network.reload()
    if target.id in (network.attrs.get("Containers") or {}):
        return container_handle(target)  # already there: re-running the cell is harmless
    # Docker keeps network-scoped names (aliases) for user-defined networks only.
    wanted = [] if network.name in labels.BUILTIN_NETWORKS else list(aliases) if aliases else [short]
    extra = [word for alias in wanted for word in ("--alias", alias)] + (["--ip", ip] if ip else [])
    commands.note(commands.join("docker", "network", "connect", *extra, network.name, target.name))
    try:
        with engine_errors(f"connecting {short} to {net}"):
            network.connect(target, aliases=wanted or None, ipv4_address=ip)
    except EngineError as e:
        text = str(e)
        if "does not belong to any of this network's subnets" in text or "user specified IP address" in text:
            subnets = [c.get("Subnet") for c in (network.attrs.get("IPAM") or {}).get("Config") or []]
            raise InvalidInput(f"{ip} is not inside {net}'s subnet {', '.join(subnets)}; pick an address in it.") from e
        if "conflicts with existing route" in text:
            raise InvalidInput(
                f"{short} already has a route into {net}'s subnet (a routing daemon or `ip route add` made it), "
                f"so Docker will not plug {net} in. Remove that route in the container first, then connect again "
                f"(engine 20.10 may still list {short} on {net} without an interface: then start {short} anew)."
            ) from e
        raise
    return container_handle(target)


@recordable
def disconnect(container: ContainerRef, net: str | NetworkHandle) -> ContainerHandle:
    """Detach a running course container from a network (``docker network disconnect``)."""
    plain = f"docker network disconnect {net} {container}"
    target = find_container(container, docker_command=plain)
    network = find_network(net, docker_command=plain)
    with engine_errors(f"disconnecting {target.name} from {net}"):
        target.reload()
        if network.name not in (target.attrs.get("NetworkSettings") or {}).get("Networks", {}):
            return container_handle(target)  # already gone: re-running the cell is harmless
        commands.note(commands.join("docker", "network", "disconnect", network.name, target.name))
        network.disconnect(target)
    return container_handle(target)


@recordable
def logs(container: ContainerRef, *, tail: int | None = None, foreign: bool = False) -> CommandResult:
    """What a container has printed so far (``docker logs``), stdout and stderr apart.

    Reads course containers; ``foreign=True`` also reads a container of yours that the course did not
    start, named exactly as Docker names it (the course only reads it).
    """
    target = find_container(container, docker_command=f"docker logs {container}", foreign_ok=foreign)
    options = {"tail": tail} if tail else {}
    commands.note(commands.join("docker", "logs", *(["--tail", str(tail)] if tail else []), target.name))
    with engine_errors(f"reading the logs of {target.name}"):
        stdout = target.logs(stdout=True, stderr=False, **options).decode("utf-8", "replace")
        stderr = target.logs(stdout=False, stderr=True, **options).decode("utf-8", "replace")
    short = labels.short_name(target.name, target.labels)
    return CommandResult(command=f"docker logs {short}", exit_code=0, stdout=stdout, stderr=stderr)


def _find_or_none(container: ContainerRef, verb: str, missing_ok: bool) -> Any | None:
    try:
        return find_container(container, docker_command=f"docker {verb} {container}")
    except ContainerNotFound:
        if missing_ok:
            return None
        raise


@recordable
def stop(container: ContainerRef, *, timeout: int = 3, missing_ok: bool = False) -> ContainerHandle | None:
    """Stop a course container (``docker stop``); it can be inspected or removed afterwards.

    With ``missing_ok=True`` a container that is already gone is not an error (returns None).
    """
    target = _find_or_none(container, "stop", missing_ok)
    if target is None:
        return None
    commands.note(commands.join("docker", "stop", "-t", str(timeout), target.name))
    with engine_errors(f"stopping {target.name}", missing=ContainerNotFound, what=target.name):
        target.stop(timeout=timeout)
    return container_handle(target)


@recordable
def rm(container: ContainerRef, *, missing_ok: bool = False) -> str | None:
    """Remove a course container, running or not (``docker rm -f``). Returns its name.

    With ``missing_ok=True`` a container that is already gone is not an error (returns None).
    """
    target = _find_or_none(container, "rm -f", missing_ok)
    if target is None:
        return None
    short = labels.short_name(target.name, target.labels)
    commands.note(commands.join("docker", "rm", "-f", target.name))
    remove_quietly(target.name)
    return short


@recordable
def containers(*, all: bool = False) -> pd.DataFrame:  # noqa: A002 - mirrors `docker ps --all`
    """Containers like ``docker ps -a``: this session's by default, every one on the engine with ``all=True``."""
    filters = {} if all else {"label": f"{labels.SESSION}={labels.session_id()}"}
    essential = ["docker", "ps", "-a"] + ([] if all else ["--filter", f"label={filters['label']}"])
    commands.note(commands.join(*essential))
    with engine_errors("listing containers"):
        found = client().containers.list(all=True, filters=filters, ignore_removed=True)
    rows = []
    for container in found:
        try:
            item = container_handle(container)
        except NotFound:
            continue  # removed between the listing and now: it is simply not listed
        rows.append(
            {
                "name": item.name,
                "image": item.image,
                "status": item.status,
                "networks": ", ".join(item.addresses),
                "addresses": ", ".join(ip for ip in item.addresses.values() if ip),
                "ports": ", ".join(f"{host}->{inner}" for inner, host in item.ports.items()),
                "docker_name": item.docker_name,
                "id": item.id,
            }
        )
    return pd.DataFrame(rows, columns=CONTAINER_COLUMNS).sort_values("name", ignore_index=True)
