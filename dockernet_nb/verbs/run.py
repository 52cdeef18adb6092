"""``dnb.run``: start a container like ``docker run``, labelled, bounded in time, with only the options the policy allows.

Whatever goes wrong between create and the end, an interrupt (Ctrl-C) included, the container is
removed before the error goes on. The verbs' own helpers use :func:`run_helper` for options a learner
cannot pass (see :mod:`dockernet_nb.engine.policy`).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any, Literal, overload

from dockernet_nb.engine import commands, images, labels, policy
from dockernet_nb.engine.connection import client, engine_errors
from dockernet_nb.engine.objects import container_handle, find_container, network_docker_name
from dockernet_nb.engine.ports import parse_ports
from dockernet_nb.errors import CommandTimeout, EngineError, InvalidInput, NameInUse
from dockernet_nb.records import CommandResult, ContainerHandle, NetworkHandle
from dockernet_nb.replay import recordable
from dockernet_nb.verbs.common import Command, argv_of, check_ipv4, checked_timeout, remove_quietly, shown_command

__all__ = ["run"]

LOCAL_RESOLVER = "127.0.0.1"


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
        remove_quietly(docker_name)


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
    limit = checked_timeout(timeout)
    if env is not None and not isinstance(env, Mapping):
        raise InvalidInput(f"env must be a dict like {{'PORT': '8000'}}, got {env!r}.")
    plain = f"docker run {'-d ' if detach else '--rm '}... {image} {shown_command(argv, image)}"
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
            check_ipv4(ip)
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
            with engine_errors(f"starting {shown_command(argv, image)}"):
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
        remove_quietly(docker_name)
        raise


def _wait_and_collect(container: Any, argv: list[str] | None, image: str, timeout: float) -> CommandResult:
    import requests.exceptions

    shown = shown_command(argv, image)
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
        remove_quietly(container.name)
