"""Containers: run, exec, connect, disconnect, logs, stop, rm, list; always labelled, always bounded in time.

Every verb acts only on course containers (see :mod:`dockernet_nb.engine.objects`); ``run`` takes
only the options :mod:`dockernet_nb.engine.policy` allows. A command that runs past its timeout is
stopped from inside its own container, never by a process id the engine reported (that number belongs
to the engine's pid namespace, which on Docker Desktop or a remote engine is not this machine's).
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import shlex
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Literal, overload

import pandas as pd

from dockernet_nb.engine import commands, images, labels, policy
from dockernet_nb.engine.connection import client, engine_errors
from dockernet_nb.engine.objects import container_handle, find_container, find_network, network_docker_name
from dockernet_nb.engine.ports import parse_ports
from dockernet_nb.errors import CommandTimeout, ContainerNotFound, EngineError, InvalidInput, NameInUse, NotFound
from dockernet_nb.records import CommandResult, ContainerHandle, NetworkHandle
from dockernet_nb.replay import recordable

__all__ = ["run", "exec", "connect", "disconnect", "logs", "stop", "rm", "containers"]

Command = str | Sequence[str] | None
ContainerRef = str | ContainerHandle

LOCAL_RESOLVER = "127.0.0.1"
CONTAINER_COLUMNS = ["name", "image", "status", "networks", "addresses", "ports", "docker_name", "id"]
EXEC_MARKER = "DOCKERNET_NB_EXEC"
# Kills every process that inherited this exec's marker, from inside the container (sh, tr, grep:
# busybox and Debian have them). TOKEN is replaced by a random hex string.
_KILL_BY_MARKER = (
    "for d in /proc/[0-9]*; do "
    "if tr '\\0' '\\n' < $d/environ 2>/dev/null | grep -qx '" + EXEC_MARKER + "=TOKEN'; "
    "then kill -KILL ${d#/proc/} 2>/dev/null; fi; done"
)


def argv_of(command: Command) -> list[str] | None:
    """A command given as a string (split like a shell) or a list of words -> the list of words."""
    if command is None:
        return None
    if isinstance(command, str):
        try:
            return shlex.split(command)
        except ValueError as e:
            raise InvalidInput(f"Could not split the command {command!r} into words ({e}); check its quotes.") from e
    if not isinstance(command, Sequence) or not all(isinstance(word, str) for word in command):
        raise InvalidInput(f"A command list must hold only strings, got {command!r}.")
    return list(command)


def _display(argv: list[str] | None, image: str = "") -> str:
    return shlex.join(argv) if argv else f"({image} default command)"


def _check_timeout(timeout: object) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise InvalidInput(f"timeout must be a positive number of seconds, like timeout=30; got {timeout!r}.")
    return float(timeout)


def _remove_quietly(docker_name: str) -> None:
    """Remove a course container if it exists (a run that failed or was interrupted half-way)."""
    try:
        with engine_errors(f"removing {docker_name}", missing=ContainerNotFound, what=docker_name):
            client().api.remove_container(docker_name, force=True)
    except NotFound:
        pass


def _make_room(docker_name: str) -> None:
    """Make room for a re-run: remove this session's previous container of that name (course ones only)."""
    with engine_errors(f"looking for an earlier {docker_name}"):
        found = client().containers.list(all=True, filters={"name": f"^/{re.escape(docker_name)}$"}, ignore_removed=True)
    for container in found:
        if not labels.is_course(container.labels):
            raise NameInUse(
                f"A container called {docker_name!r} exists and the course did not start it; it is left alone. "
                "Pick another name."
            )
        commands.note(commands.join("docker", "rm", "-f", docker_name))
        _remove_quietly(docker_name)


def _check_ip(ip: str) -> None:
    try:
        ipaddress.IPv4Address(ip)
    except ValueError as e:
        raise InvalidInput(f"ip {ip!r} is not an IPv4 address; write it like '172.30.5.10'.") from e


def _mode_target(mode: str | None, what: str) -> str | None:
    """``container:NAME`` (pid or net mode) -> ``container:<engine id>`` of a course container."""
    if mode is None or not str(mode).startswith("container:"):
        return mode
    target = find_container(str(mode).split(":", 1)[1], docker_command=f"docker run --{what} {mode} ...")
    return f"container:{target.id}"


@overload
def run(
    image: str, command: Command = ..., *, name: str | None = ..., net: str | NetworkHandle | None = ...,
    detach: Literal[False] = ..., ports: str | Sequence[str] | Mapping | None = ..., cap_add: Sequence[str] | None = ...,
    sysctls: Mapping[str, str] | None = ..., env: Mapping[str, str] | None = ..., pid: str | None = ..., timeout: float = ...,
    aliases: Sequence[str] | None = ..., ip: str | None = ..., hostname: str | None = ..., dns: Sequence[str] | None = ...,
    add_hosts: Mapping[str, str] | None = ...,
) -> CommandResult: ...
@overload
def run(
    image: str, command: Command = ..., *, name: str | None = ..., net: str | NetworkHandle | None = ...,
    detach: Literal[True], ports: str | Sequence[str] | Mapping | None = ..., cap_add: Sequence[str] | None = ...,
    sysctls: Mapping[str, str] | None = ..., env: Mapping[str, str] | None = ..., pid: str | None = ..., timeout: float = ...,
    aliases: Sequence[str] | None = ..., ip: str | None = ..., hostname: str | None = ..., dns: Sequence[str] | None = ...,
    add_hosts: Mapping[str, str] | None = ...,
) -> ContainerHandle: ...
@overload
def run(
    image: str, command: Command = ..., *, name: str | None = ..., net: str | NetworkHandle | None = ...,
    detach: bool, ports: str | Sequence[str] | Mapping | None = ..., cap_add: Sequence[str] | None = ...,
    sysctls: Mapping[str, str] | None = ..., env: Mapping[str, str] | None = ..., pid: str | None = ..., timeout: float = ...,
    aliases: Sequence[str] | None = ..., ip: str | None = ..., hostname: str | None = ..., dns: Sequence[str] | None = ...,
    add_hosts: Mapping[str, str] | None = ...,
) -> CommandResult | ContainerHandle: ...
@recordable
def run(
    image: str,
    command: Command = None,
    *,
    name: str | None = None,
    net: str | NetworkHandle | None = None,
    detach: bool = False,
    ports: str | Sequence[str] | Mapping | None = None,
    cap_add: Sequence[str] | None = None,
    sysctls: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    pid: str | None = None,
    timeout: float = 30,
    aliases: Sequence[str] | None = None,
    ip: str | None = None,
    hostname: str | None = None,
    dns: Sequence[str] | None = None,
    add_hosts: Mapping[str, str] | None = None,
) -> CommandResult | ContainerHandle:
    """Run a container, like ``docker run``.

    In the foreground it waits (at most ``timeout`` seconds), removes the container and returns a
    :class:`CommandResult`; with ``detach=True`` it returns a :class:`ContainerHandle`. Only the
    options :mod:`dockernet_nb.engine.policy` allows are accepted (``cap_add`` NET_ADMIN, NET_RAW,
    SYS_ADMIN; ``net.*`` sysctls; ``pid``/``net`` of ``container:NAME`` only for course containers).
    ``aliases`` are more names on ``net`` (``--network-alias``), ``ip`` a fixed address there (``--ip``);
    ``dns`` servers (``--dns``) and ``add_hosts`` entries (``--add-host NAME:ADDRESS``, ``"host-gateway"``
    allowed) must be addresses on this machine's private ranges, so no lookup leaves it.
    Example::

        >>> dnb.run("busybox", "ifconfig", net="none")          # doctest: +SKIP
        $ ifconfig   (exit code 0)
        lo        Link encap:Local Loopback ...
    """
    argv = argv_of(command)
    if name is not None and (not isinstance(name, str) or not labels.valid_name(name)):
        raise InvalidInput(f"{name!r} is not a valid container name: use letters, digits, '_', '.' or '-'.")
    limit = _check_timeout(timeout)
    if env is not None and not isinstance(env, Mapping):
        raise InvalidInput(f"env must be a dict like {{'PORT': '8000'}}, got {env!r}.")
    plain = f"docker run {'-d ' if detach else '--rm '}... {image} {_display(argv, image)}"
    capabilities = policy.check_capabilities(cap_add, docker_command=plain)
    net_name = str(net) if isinstance(net, str) else None
    policy.check_modes(net=net_name, pid=pid, capabilities=capabilities, docker_command=plain)
    spec: dict[str, Any] = {
        "hostname": policy.check_hostname(hostname),
        "extra_hosts": policy.check_hosts(add_hosts, docker_command=plain) or None,
        "ports": parse_ports(ports) or None,
        "cap_add": capabilities or None,
        "sysctls": policy.check_sysctls(sysctls, docker_command=plain) or None,
        "environment": {str(k): str(v) for k, v in env.items()} if env else None,
        "pid_mode": _mode_target(pid, "pid"),
    }
    if net_name is not None and net_name.startswith("container:"):
        spec["network_mode"] = _mode_target(net_name, "network")
        net = None
    if dns is not None:
        spec["dns"] = policy.check_dns(dns, docker_command=plain)
    return run_helper(
        image, argv, name=name, net=net, detach=detach, timeout=limit, aliases=aliases, ip=ip, **spec
    )


@overload
def run_helper(
    image: str, argv: list[str] | None, *, name: str | None = ..., net: str | NetworkHandle | None = ...,
    detach: Literal[False] = ..., timeout: float = ..., **options: Any,
) -> CommandResult: ...
@overload
def run_helper(
    image: str, argv: list[str] | None, *, name: str | None = ..., net: str | NetworkHandle | None = ...,
    detach: Literal[True], timeout: float = ..., **options: Any,
) -> ContainerHandle: ...
@overload
def run_helper(
    image: str, argv: list[str] | None, *, name: str | None = ..., net: str | NetworkHandle | None = ...,
    detach: bool, timeout: float = ..., **options: Any,
) -> CommandResult | ContainerHandle: ...
def run_helper(
    image: str,
    argv: list[str] | None,
    *,
    name: str | None = None,
    net: str | NetworkHandle | None = None,
    detach: bool = False,
    timeout: float = 30,
    aliases: Sequence[str] | None = None,
    ip: str | None = None,
    **options: Any,
) -> CommandResult | ContainerHandle:
    """Create, start and (unless ``detach``) wait for a labelled container with SDK ``options``.

    The verbs' own helpers call this directly with options a learner cannot pass to :func:`run` (for
    example the host's process table, as user nobody, for :func:`dockernet_nb.verbs.host.docker_proxies`);
    nothing a learner types reaches ``options`` unchecked. Whatever goes wrong on the way, an
    interrupt (Ctrl-C) included, the container is removed before the error goes on.
    """
    short = name or f"run-{secrets.token_hex(3)}"
    docker_name = labels.docker_name(short)
    learners_dns = options.pop("dns", None)
    kwargs: dict[str, Any] = {
        "name": docker_name,
        "labels": labels.labels_for(short),
        "detach": True,
        # Names the embedded DNS does not know are forwarded to the container's resolver; pointing that
        # at the container's own loopback keeps every lookup on this machine (the network rule).
        "dns": learners_dns or [LOCAL_RESOLVER],
        # ndots:1 makes an unknown one-word name fail at once instead of after a 10 s forwarding timeout.
        "dns_opt": ["ndots:1"],
        **{k: v for k, v in options.items() if v is not None},
    }
    if str(kwargs.get("network_mode", "")).startswith("container:"):
        # The container uses the other one's network stack, resolv.conf included: Docker refuses DNS options.
        del kwargs["dns"], kwargs["dns_opt"]
    if net is not None:
        network = network_docker_name(net, docker_command=f"docker run --network {net} ...")
        kwargs["network"] = network
        names = ([short] if name else []) + [str(a) for a in aliases or ()]
        if ip is not None:
            _check_ip(ip)
        if network not in labels.BUILTIN_NETWORKS and (names or ip):
            kwargs["networking_config"] = {
                network: client().api.create_endpoint_config(aliases=names or None, ipv4_address=ip)
            }
    elif aliases or ip:
        raise InvalidInput("aliases= and ip= belong to a network: pass net= too.")
    if name:
        _make_room(docker_name)
    tag = images.resolve(image)
    aliases = kwargs.get("networking_config", {}).get(kwargs.get("network"), {}).get("Aliases") or []
    shown = commands.run_command(
        image, argv, {**kwargs, "image_tag": tag, "named": bool(name), "detach_for_learner": detach, "aliases": aliases, "ip": ip,
         "learners_dns": learners_dns}
    )
    commands.note(shown.essential, shown.full)
    try:
        with engine_errors(f"creating a container from {image}"):
            container = client().containers.create(tag, argv, **kwargs)
        try:
            with engine_errors(f"starting {_display(argv, image)}"):
                container.start()
        except EngineError as e:
            if "executable file not found" in str(e) and argv:
                raise InvalidInput(
                    f"There is no program {argv[0]!r} in the image {image!r}. Check the spelling, or use an image "
                    "that has it (the course images: busybox, debian, redis, uptime, frr)."
                ) from e
            raise
        if detach:
            return container_handle(container)
        return _wait_and_collect(container, argv, image, timeout)
    except BaseException:
        # Ctrl-C or an error between create and the end: whatever was created goes too.
        _remove_quietly(docker_name)
        raise


def _wait_and_collect(container: Any, argv: list[str] | None, image: str, timeout: float) -> CommandResult:
    import requests.exceptions

    shown = _display(argv, image)
    try:
        try:
            status = container.wait(timeout=timeout)
        except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError) as e:
            if isinstance(e, requests.exceptions.ReadTimeout) or "timed out" in str(e).lower():
                raise CommandTimeout(
                    f"`{shown}` was still running after {timeout:g} s, so its container was killed and removed. "
                    "Pass a larger timeout=, or make the command end by itself (e.g. ping -c 4)."
                ) from e
            with engine_errors(f"waiting for {shown}"):
                raise
        with engine_errors(f"reading the output of {shown}"):
            stdout = container.logs(stdout=True, stderr=False).decode("utf-8", "replace")
            stderr = container.logs(stdout=False, stderr=True).decode("utf-8", "replace")
        return CommandResult(command=shown, exit_code=int(status.get("StatusCode", -1)), stdout=stdout, stderr=stderr)
    finally:
        _remove_quietly(container.name)


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
    limit = _check_timeout(timeout)
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
        _check_ip(ip)
    short = labels.short_name(target.name, target.labels)
    with engine_errors(f"looking at {net}"):
        network.reload()
    if target.id in (network.attrs.get("Containers") or {}):
        return container_handle(target)  # already there: re-running the cell is harmless
    wanted = list(aliases) if aliases else [short]
    extra = [word for alias in wanted for word in ("--alias", alias)] + (["--ip", ip] if ip else [])
    commands.note(commands.join("docker", "network", "connect", *extra, network.name, target.name))
    try:
        with engine_errors(f"connecting {short} to {net}"):
            network.connect(target, aliases=wanted, ipv4_address=ip)
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
    _remove_quietly(target.name)
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
