"""Routes and reachability: take a default route away, and try who reaches whom.

Example::

    >>> dnb.reachability(["alice"], {"bob": "172.24.2.3", "web:8000": "172.24.2.5:8000"})  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import pandas as pd

from dockernet_nb.display.progress import shows_progress
from dockernet_nb.errors import CommandTimeout, InvalidInput
from dockernet_nb.records import ContainerHandle
from dockernet_nb.replay import recordable
from dockernet_nb.verbs import containers, probes
from dockernet_nb.verbs.common import Container, checked, name_of

__all__ = ["drop_default_route", "reachability", "wait_for_path"]


@recordable
def drop_default_route(container: Container) -> pd.DataFrame:
    """Delete the container's default route(s); return its routing table afterwards.

    Docker gives every container on a bridge network a default route through the host. In the routing
    lessons nothing may leave through it: a packet for an address no route covers is refused at once
    ("Network is unreachable") instead of wandering off. Needs ``cap_add=["NET_ADMIN"]``; harmless
    when there is no default route. Example::

        >>> dnb.drop_default_route("alice")                                    # doctest: +SKIP
    """
    for _ in range(4):  # a container on several networks can have more than one
        shown = containers.exec(container, ["ip", "route", "show", "default"])
        if not shown.stdout.strip():
            break
        checked(containers.exec(container, ["ip", "route", "del", "default"]), "change its routes", container)
    return probes.inspect_routes(container)


def _target(spec: str) -> tuple[str, int | None]:
    host, sep, port = spec.rpartition(":")
    if not sep:
        return spec, None
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise InvalidInput(f"{spec!r}: write a target as 'ADDRESS' (ping) or 'ADDRESS:PORT' (TCP connect).")
    return host, int(port)


def _describe_reachability(sources, targets, **_) -> tuple[str, float]:
    pairs = len(sources) * len(targets) if hasattr(sources, "__len__") and hasattr(targets, "__len__") else 4
    return f"probing who reaches whom ({pairs} attempts)", 0.5 * pairs


@shows_progress(_describe_reachability)
@recordable
def reachability(
    sources: Sequence[Container],
    targets: Mapping[str, str] | Sequence[str],
    *,
    port: int | None = None,
    timeout: float = 2,
) -> pd.DataFrame:
    """Who reaches whom: one row per source container, one boolean column per target.

    A target is ``"ADDRESS"`` (one ping, ``ping -c 1 -W TIMEOUT``) or ``"ADDRESS:PORT"`` (a TCP
    connection attempt, ``nc -z -w TIMEOUT``), tried from inside each source just now; ``port`` applies
    to targets without one. Give targets as ``{"label": "address[:port]"}`` to name the columns. What
    each attempt said is in ``frame.attrs["details"]``. Example::

        >>> dnb.reachability(["alice", "bob"], {"db:6379": "172.24.2.4:6379", "bob": "172.24.2.3"})  # doctest: +SKIP
            from  db:6379   bob
        0  alice    False  True
        1    bob     True  True
    """
    if isinstance(sources, (str, ContainerHandle)):
        sources = [sources]
    named = dict(targets) if isinstance(targets, Mapping) else {str(t): str(t) for t in targets}
    if not sources or not named:
        raise InvalidInput("reachability needs at least one source container and one target.")
    if not isinstance(timeout, (int, float)) or not 0 < timeout <= 30:
        raise InvalidInput(f"timeout must be a number of seconds from 1 to 30, got {timeout!r}.")
    wait = str(max(1, round(timeout)))
    rows, details = [], []
    for source in sources:
        row: dict[str, object] = {"from": name_of(source)}
        for label, spec in named.items():
            host, own_port = _target(str(spec))
            target_port = own_port or port
            if target_port is None:
                command = ["ping", "-c", "1", "-W", wait, host]
            else:
                command = ["nc", "-z", "-w", wait, host, str(target_port)]
            result = containers.exec(source, command, timeout=timeout + 10)
            if result.exit_code in (126, 127):
                raise InvalidInput(f"{name_of(source)} has no {command[0]}; use a debian-based container as a source.")
            row[label] = result.ok
            details.append({"from": name_of(source), "to": label, "command": result.command,
                            "exit_code": result.exit_code, "output": result.output.strip()})
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["from", *named])
    for label in named:
        frame[label] = frame[label].astype(bool)
    frame.attrs["details"] = details
    return frame


@shows_progress(lambda source, target, **_: (f"waiting until {name_of(source)} reaches {target}", 2.0))
@recordable
def wait_for_path(source: Container, target: str, *, timeout: float = 20) -> None:
    """Wait until ``source`` reaches ``target`` (``"ADDRESS"``: a ping answers; ``"ADDRESS:PORT"``: a TCP connection opens).

    Right after a network change (a router connected, a route added) the first packets can be lost
    while addresses are learned (ARP); on a busy machine that takes longer. A lesson waits here before it
    shows a path, instead of hoping it is ready. Raises :class:`dnb.CommandTimeout` with the last answer
    after ``timeout`` seconds. Example::

        >>> dnb.wait_for_path("alice", "172.24.2.3")                          # doctest: +SKIP
    """
    host, port = _target(str(target))
    command = ["ping", "-c", "1", "-W", "1", host] if port is None else ["nc", "-z", "-w", "1", host, str(port)]
    deadline = time.monotonic() + timeout
    while True:
        result = containers.exec(source, command, timeout=10)
        if result.ok:
            return None
        if result.exit_code in (126, 127):
            raise InvalidInput(f"{name_of(source)} has no {command[0]}; use a debian-based container as a source.")
        if time.monotonic() > deadline:
            last = result.output.strip().splitlines()[-1:] or ["no answer"]
            raise CommandTimeout(f"{name_of(source)} did not reach {target} within {timeout:g} s (last answer: {last[0]}).")
        time.sleep(0.3)
