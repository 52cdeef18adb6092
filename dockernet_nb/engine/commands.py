"""The docker commands behind each verb, so a learner sees what to type in a terminal to do the same.

While a verb runs, every action the course asks of the engine is noted here as the ``docker`` command
that does the same thing with the real engine-side names: the *essential* command (what a learner
would type) and the *full* one with every option the course adds (labels, DNS pointed at loopback,
ports bound to 127.0.0.1). :func:`dockernet_nb.replay.recordable` collects the notes of the outermost
verb and attaches them to its result, so a verb made of several steps shows each step.
"""

from __future__ import annotations

import contextlib
import shlex
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from dockernet_nb.records import DockerCommand

__all__ = ["collecting", "note", "run_command", "join"]

_local = threading.local()


@contextlib.contextmanager
def collecting() -> Iterator[list[DockerCommand]]:
    """Collect the notes made while inside (the outermost verb's; nested verbs add to the same list)."""
    outer = getattr(_local, "steps", None)
    if outer is not None:
        yield outer
        return
    _local.steps = []
    try:
        yield _local.steps
    finally:
        _local.steps = None


def note(essential: str, full: str | None = None) -> None:
    """Note one docker command (once: a wait loop asking the same thing again adds nothing new)."""
    steps = getattr(_local, "steps", None)
    if steps is None:
        return
    command = DockerCommand(essential=essential, full=full or essential)
    if command not in steps:
        steps.append(command)


def join(*words: str) -> str:
    """Words as a shell would need them quoted."""
    return shlex.join(words)


def _publish_flags(ports: Mapping[str, Any] | None) -> tuple[list[str], list[str]]:
    essential, full = [], []
    for inner, bindings in (ports or {}).items():
        port, _, proto = inner.partition("/")
        suffix = "" if proto in ("", "tcp") else f"/{proto}"
        for binding in bindings if isinstance(bindings, list) else [bindings]:
            host_ip, host_port = binding if isinstance(binding, tuple) else ("", binding)
            loopback = host_ip in ("", "127.0.0.1")
            if loopback:  # the course's own choice of address: the essential command leaves it out
                essential += ["-p", f"{host_port}:{port}{suffix}"]
            else:
                address = f"[{host_ip}]" if ":" in str(host_ip) else host_ip
                essential += ["-p", f"{address}:{host_port}:{port}{suffix}"]
            address = f"[{host_ip}]" if ":" in str(host_ip) else host_ip
            full += ["-p", f"{address}:{host_port}:{port}{suffix}" if host_ip else f"{host_port}:{port}{suffix}"]
    return essential, full


def run_command(image: str, argv: Sequence[str] | None, options: Mapping[str, Any]) -> DockerCommand:
    """The ``docker run`` that matches the SDK ``options`` the course passes to ``containers.create``."""
    head = ["docker", "run", "-d" if options.get("detach_for_learner") else "--rm"]
    common: list[str] = ["--name", options["name"]] if options.get("named") else []
    if options.get("network_mode"):
        common += ["--network", str(options["network_mode"])]
    elif options.get("network"):
        common += ["--network", str(options["network"])]
    for alias in options.get("aliases") or ():
        common += ["--network-alias", alias]
    if options.get("ip"):
        common += ["--ip", str(options["ip"])]
    for flag, key in (("--cap-add", "cap_add"), ("--cap-drop", "cap_drop")):
        for value in options.get(key) or ():
            common += [flag, value]
    for key, value in (options.get("sysctls") or {}).items():
        common += ["--sysctl", f"{key}={value}"]
    for key, value in (options.get("environment") or {}).items():
        common += ["-e", f"{key}={value}"]
    if options.get("pid_mode"):
        common += ["--pid", str(options["pid_mode"])]
    if options.get("hostname"):
        common += ["--hostname", str(options["hostname"])]
    for host, address in (options.get("extra_hosts") or {}).items():
        common += ["--add-host", f"{host}:{address}"]
    if options.get("user"):
        common += ["--user", str(options["user"])]
    if options.get("read_only"):
        common += ["--read-only"]
    publish_essential, publish_full = _publish_flags(options.get("ports"))
    course_only: list[str] = []
    for key, value in (options.get("labels") or {}).items():
        course_only += ["--label", f"{key}={value}"]
    learners_dns = options.get("learners_dns") or []
    for server in learners_dns:
        common += ["--dns", server]
    for server in [] if learners_dns else options.get("dns") or ():
        course_only += ["--dns", server]
    for option in options.get("dns_opt") or ():
        course_only += ["--dns-option", option]
    tail = [str(options["image_tag"]), *(argv or [])]
    return DockerCommand(
        essential=shlex.join([*head, *common, *publish_essential, *tail]),
        full=shlex.join([*head, *common, *publish_full, *course_only, *tail]),
    )
