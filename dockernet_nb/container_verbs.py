"""Containers: run, exec, connect, disconnect, logs, stop, rm, list; always labelled, always bounded in time."""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import shlex
import socket
import threading
from collections.abc import Mapping, Sequence

import pandas as pd
import requests.exceptions

from dockernet_nb import images, labels
from dockernet_nb.replay import recordable
from dockernet_nb.engine import client, engine_errors, engine_host
from dockernet_nb.errors import (
    CommandTimeout,
    ContainerNotFound,
    EngineError,
    InvalidInput,
    NameInUse,
)
from dockernet_nb.network_verbs import network_docker_name
from dockernet_nb.records import CommandResult, ContainerHandle, NetworkHandle

__all__ = [
    "run",
    "exec",
    "connect",
    "disconnect",
    "logs",
    "stop",
    "rm",
    "containers",
    "find_container",
    "parse_ports",
]

Command = str | Sequence[str] | None
ContainerRef = str | ContainerHandle

LOCAL_RESOLVER = "127.0.0.1"
CONTAINER_COLUMNS = ["name", "image", "status", "networks", "addresses", "ports", "docker_name", "id"]
_PORT = re.compile(r"^(?:(?P<host_ip>\[[0-9a-fA-F:]+\]|\d{1,3}(?:\.\d{1,3}){3}):)?(?:(?P<host_port>\d+):)?(?P<port>\d+)(?:/(?P<proto>tcp|udp|sctp))?$")


def _argv(command: Command) -> list[str] | None:
    if command is None:
        return None
    if isinstance(command, str):
        try:
            return shlex.split(command)
        except ValueError as e:
            raise InvalidInput(f"Could not split the command {command!r} into words ({e}); check its quotes.") from None
    if not all(isinstance(word, str) for word in command):
        raise InvalidInput(f"A command list must hold only strings, got {command!r}.")
    return list(command)


def _display(argv: list[str] | None, image: str = "") -> str:
    return shlex.join(argv) if argv else f"({image} default command)"


def default_publish_ip() -> str:
    """Where published ports bind unless a lesson names an address: the engine host's loopback.

    For a remote engine (DOCKER_HOST=tcp://host or ssh://host) loopback would be out of reach, so the
    port binds to the address the course reaches that engine at; DOCKERNET_NB_PUBLISH_IP overrides both.
    """
    forced = os.environ.get("DOCKERNET_NB_PUBLISH_IP", "").strip()
    if forced:
        return forced
    host = engine_host()
    if host in ("127.0.0.1", "localhost", "::1"):
        return "127.0.0.1"
    try:
        return socket.gethostbyname(host)
    except OSError:
        return "127.0.0.1"


def parse_ports(ports: str | Sequence[str] | Mapping | None) -> dict[str, tuple[str, int] | list]:
    """Turn "8000:8000", ["8080:80/udp"] or {8000: 8000} into the SDK's ports dict.

    A published port binds to the engine host's loopback (see :func:`default_publish_ip`) unless the
    caller names a host address ("0.0.0.0:8000:8000"): the course never opens a port to the whole
    network behind your back.
    """
    if ports is None:
        return {}
    default_ip = default_publish_ip()
    if isinstance(ports, Mapping):
        result = {}
        for inner, outer in ports.items():
            inner_key = str(inner) if "/" in str(inner) else f"{inner}/tcp"
            if isinstance(outer, tuple):
                result[inner_key] = (str(outer[0]), _port_number(outer[1], ports))
            else:
                result[inner_key] = (default_ip, _port_number(outer, ports))
            _port_number(inner_key.split("/")[0], ports)
        return result
    specs = [ports] if isinstance(ports, str) else list(ports)
    result = {}
    for spec in specs:
        match = _PORT.match(str(spec).strip())
        if not match:
            raise InvalidInput(
                f"Port spec {spec!r} is not understood. Write 'HOST_PORT:CONTAINER_PORT' like '8000:8000', "
                "optionally 'HOST_IP:HOST_PORT:CONTAINER_PORT', or a dict {8000: 8000}."
            )
        inner = f"{_port_number(match['port'], spec)}/{match['proto'] or 'tcp'}"
        host_ip = (match["host_ip"] or default_ip).strip("[]")
        host_port = _port_number(match["host_port"] or match["port"], spec)
        result[inner] = (host_ip, host_port)
    return result


def _port_number(value, spec) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if not 1 <= number <= 65535:
        raise InvalidInput(f"Port {value!r} in {spec!r} is not a port number (1-65535).")
    return number


def find_container(ref: ContainerRef):
    """The SDK container for a learner-facing name, a Docker name or id, or a handle."""
    if isinstance(ref, ContainerHandle):
        candidates = [ref.docker_name]
    elif isinstance(ref, str) and ref:
        candidates = [labels.docker_name(ref), ref]
    else:
        raise InvalidInput(f"Expected a container name or handle, got {ref!r}.")
    for candidate in candidates:
        try:
            with engine_errors(f"looking up container {candidate}", missing=ContainerNotFound, what=candidate):
                return client().containers.get(candidate)
        except ContainerNotFound:
            continue
    raise ContainerNotFound(
        f"No container named {str(ref)!r}. Start one with dnb.run(..., name={str(ref)!r}, detach=True); "
        "dnb.containers() lists the ones this session runs."
    )


def _require_course(container, verb: str) -> None:
    if not labels.is_course(container.labels):
        raise NameInUse(
            f"Container {container.name!r} was not started by the course, so the course will not {verb} it. "
            f"If it is yours: docker {verb} {container.name}"
        )


def handle(container) -> ContainerHandle:
    container.reload()
    attrs = container.attrs
    nets = (attrs.get("NetworkSettings") or {}).get("Networks") or {}
    addresses = {}
    for net_name, endpoint in nets.items():
        addresses[_net_short_name(net_name)] = endpoint.get("IPAddress") or ""
    ports = {}
    for inner, bindings in ((attrs.get("NetworkSettings") or {}).get("Ports") or {}).items():
        for binding in bindings or []:
            ports[inner] = f"{binding.get('HostIp')}:{binding.get('HostPort')}"
    image = (attrs.get("Config") or {}).get("Image", "")
    return ContainerHandle(
        name=labels.short_name(container.name, container.labels),
        docker_name=container.name,
        id=container.id[:12],
        image=image,
        status=container.status,
        addresses=addresses,
        ports=ports,
    )


def _net_short_name(docker_name: str) -> str:
    own = labels.prefix()
    return docker_name[len(own):] if docker_name.startswith(own) else docker_name


def _remove_if_course(docker_name: str) -> None:
    """Make room for a re-run: remove this session's previous container of that name."""
    found = client().containers.list(all=True, filters={"name": f"^/{re.escape(docker_name)}$"})
    for container in found:
        _require_course(container, "replace")
        with engine_errors(f"removing the previous {docker_name}"):
            container.remove(force=True)


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
) -> CommandResult | ContainerHandle:
    """Run a container, like ``docker run``.

    In the foreground it waits (at most ``timeout`` seconds), removes the container and returns a
    :class:`CommandResult`; with ``detach=True`` it returns a :class:`ContainerHandle`.
    Example::

        >>> dnb.run("busybox", "ifconfig", net="none")          # doctest: +SKIP
        $ ifconfig   (exit code 0)
        lo        Link encap:Local Loopback ...
    """
    argv = _argv(command)
    if name is not None and (not isinstance(name, str) or not labels.valid_name(name)):
        raise InvalidInput(f"{name!r} is not a valid container name: use letters, digits, '_', '.' or '-'.")
    if timeout is None or timeout <= 0:
        raise InvalidInput(f"timeout must be a positive number of seconds, got {timeout!r}.")
    short = name or f"run-{secrets.token_hex(3)}"
    docker_name = labels.docker_name(short)
    network = network_docker_name(net) if net is not None else None
    publish = parse_ports(ports)
    kwargs = {
        "name": docker_name,
        "labels": labels.labels_for(short),
        "detach": True,
        "ports": publish or None,
        "cap_add": list(cap_add) if cap_add else None,
        "sysctls": dict(sysctls) if sysctls else None,
        "environment": dict(env) if env else None,
        "pid_mode": pid,
        # Names the embedded DNS does not know are forwarded to the container's resolver; pointing that
        # at the container's own loopback keeps every lookup on this machine (the network rule).
        "dns": [LOCAL_RESOLVER],
        # ndots:1 makes an unknown one-word name fail at once instead of after a 10 s forwarding timeout.
        "dns_opt": ["ndots:1"],
    }
    if network:
        kwargs["network"] = network
        if network not in labels.BUILTIN_NETWORKS and name:
            kwargs["networking_config"] = {network: client().api.create_endpoint_config(aliases=[short])}
    if name:
        _remove_if_course(docker_name)
    tag = images.resolve(image)
    with engine_errors(f"creating a container from {image}"):
        container = client().containers.create(tag, argv, **{k: v for k, v in kwargs.items() if v is not None})
    try:
        with engine_errors(f"starting {_display(argv, image)}"):
            container.start()
    except EngineError as e:
        container.remove(force=True)
        if "executable file not found" in str(e) and argv:
            raise InvalidInput(
                f"There is no program {argv[0]!r} in the image {image!r}. Check the spelling, or use an image "
                "that has it (the course images: busybox, debian, redis, uptime)."
            ) from None
        raise
    except Exception:
        container.remove(force=True)
        raise
    if detach:
        return handle(container)
    return _wait_and_collect(container, argv, image, timeout)


def _wait_and_collect(container, argv, image, timeout) -> CommandResult:
    shown = _display(argv, image)
    try:
        try:
            status = container.wait(timeout=timeout)
        except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError) as e:
            if isinstance(e, requests.exceptions.ReadTimeout) or "timed out" in str(e).lower():
                raise CommandTimeout(
                    f"`{shown}` was still running after {timeout} s, so its container was killed and removed. "
                    "Pass a larger timeout=, or make the command end by itself (e.g. ping -c 4)."
                ) from None
            with engine_errors(f"waiting for {shown}"):
                raise
        with engine_errors(f"reading the output of {shown}"):
            stdout = container.logs(stdout=True, stderr=False).decode("utf-8", "replace")
            stderr = container.logs(stdout=False, stderr=True).decode("utf-8", "replace")
        return CommandResult(command=shown, exit_code=int(status.get("StatusCode", -1)), stdout=stdout, stderr=stderr)
    finally:
        with engine_errors(f"removing the container of {shown}"):
            container.remove(force=True)


@recordable
def exec(container: ContainerRef, command: Command, *, timeout: float = 30) -> CommandResult:  # noqa: A001
    """Run a command in a running container, like ``docker exec``.

    Example::

        >>> dnb.exec("redis", "redis-cli ping")      # doctest: +SKIP
        $ redis-cli ping   (exit code 0)
        PONG
    """
    argv = _argv(command)
    if not argv:
        raise InvalidInput("exec needs a command, e.g. dnb.exec('redis', 'redis-cli ping').")
    target = find_container(container)
    shown = shlex.join(argv)
    api = client().api
    with engine_errors(f"running {shown} in {target.name}"):
        exec_id = api.exec_create(target.id, argv, stdout=True, stderr=True)["Id"]
    outcome: dict = {}

    def _start() -> None:
        try:
            outcome["streams"] = api.exec_start(exec_id, demux=True)
        except Exception as e:  # handed to the caller's thread below
            outcome["error"] = e

    worker = threading.Thread(target=_start, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        _kill_exec(api, exec_id)
        raise CommandTimeout(
            f"`{shown}` in {target.name} was still running after {timeout} s and was stopped. "
            "Pass a larger timeout=, or make the command end by itself (e.g. ping -c 4)."
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


def _kill_exec(api, exec_id: str) -> None:
    """Stop a runaway exec'd process: by its host pid where the engine is local (Docker has no exec kill)."""
    try:
        pid = api.exec_inspect(exec_id).get("Pid")
        host = os.environ.get("DOCKER_HOST", "")
        if pid and (host == "" or host.startswith("unix://")):
            os.kill(int(pid), 9)
    except (OSError, ValueError, Exception):  # best effort: the timeout error is what matters
        pass


@recordable
def connect(
    container: ContainerRef,
    net: str | NetworkHandle,
    *,
    aliases: Sequence[str] | None = None,
    ip: str | None = None,
) -> ContainerHandle:
    """Attach a running container to another network (``docker network connect``)."""
    from dockernet_nb.network_verbs import find_network

    target = find_container(container)
    network = find_network(net)
    if ip is not None:
        try:
            ipaddress.IPv4Address(ip)
        except ValueError:
            raise InvalidInput(f"ip {ip!r} is not an IPv4 address; write it like '172.30.5.10'.") from None
    short = labels.short_name(target.name, target.labels)
    with engine_errors(f"looking at {net}"):
        network.reload()
    if target.id in (network.attrs.get("Containers") or {}):
        return handle(target)  # already there: re-running the cell is harmless
    try:
        with engine_errors(f"connecting {short} to {net}"):
            network.connect(target, aliases=list(aliases) if aliases else [short], ipv4_address=ip)
    except EngineError as e:
        text = str(e)
        if "does not belong to any of this network's subnets" in text or "user specified IP address" in text:
            subnets = [c.get("Subnet") for c in (network.attrs.get("IPAM") or {}).get("Config") or []]
            raise InvalidInput(f"{ip} is not inside {net}'s subnet {', '.join(subnets)}; pick an address in it.") from None
        if "conflicts with existing route" in text:
            raise InvalidInput(
                f"{short} already has a route into {net}'s subnet (a routing daemon or `ip route add` made it), "
                f"so Docker will not plug {net} in. Remove that route in the container first, then connect again "
                f"(engine 20.10 may still list {short} on {net} without an interface: then start {short} anew)."
            ) from None
        raise
    return handle(target)


@recordable
def disconnect(container: ContainerRef, net: str | NetworkHandle) -> ContainerHandle:
    """Detach a running container from a network (``docker network disconnect``)."""
    from dockernet_nb.network_verbs import find_network

    target = find_container(container)
    network = find_network(net)
    with engine_errors(f"disconnecting {target.name} from {net}"):
        target.reload()
        if network.name not in (target.attrs.get("NetworkSettings") or {}).get("Networks", {}):
            return handle(target)  # already gone: re-running the cell is harmless
        network.disconnect(target)
    return handle(target)


@recordable
def logs(container: ContainerRef, *, tail: int | None = None) -> CommandResult:
    """What a container has printed so far (``docker logs``), stdout and stderr apart."""
    target = find_container(container)
    options = {"tail": tail} if tail else {}
    with engine_errors(f"reading the logs of {target.name}"):
        stdout = target.logs(stdout=True, stderr=False, **options).decode("utf-8", "replace")
        stderr = target.logs(stdout=False, stderr=True, **options).decode("utf-8", "replace")
    short = labels.short_name(target.name, target.labels)
    return CommandResult(command=f"docker logs {short}", exit_code=0, stdout=stdout, stderr=stderr)


@recordable
def stop(container: ContainerRef, *, timeout: int = 3, missing_ok: bool = False) -> ContainerHandle | None:
    """Stop a course container (``docker stop``); it can be inspected or removed afterwards.

    With ``missing_ok=True`` a container that is already gone is not an error (returns None).
    """
    try:
        target = find_container(container)
    except ContainerNotFound:
        if missing_ok:
            return None
        raise
    _require_course(target, "stop")
    with engine_errors(f"stopping {target.name}"):
        target.stop(timeout=timeout)
    return handle(target)


@recordable
def rm(container: ContainerRef, *, missing_ok: bool = False) -> str | None:
    """Remove a course container, running or not (``docker rm -f``). Returns its name.

    With ``missing_ok=True`` a container that is already gone is not an error (returns None).
    """
    try:
        target = find_container(container)
    except ContainerNotFound:
        if missing_ok:
            return None
        raise
    _require_course(target, "rm")
    short = labels.short_name(target.name, target.labels)
    with engine_errors(f"removing {target.name}"):
        target.remove(force=True)
    return short


@recordable
def containers(*, all: bool = False) -> pd.DataFrame:  # noqa: A002 - mirrors `docker ps --all`
    """Containers like ``docker ps -a``: this session's by default, every one with ``all=True``."""
    filters = {} if all else {"label": f"{labels.SESSION}={labels.session_id()}"}
    with engine_errors("listing containers"):
        found = client().containers.list(all=True, filters=filters)
    rows = []
    for container in found:
        item = handle(container)
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
