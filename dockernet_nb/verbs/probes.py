"""Looking at a container's network: its interfaces, its routes, and ping from it.

Each probe runs the same tool a learner would type (``ifconfig``, ``route -n``, ``ping``) in a
running container, or in a one-off container of ``image`` on ``net``, and hands the text to a pure
parser. The raw text stays on the frame (``frame.attrs["raw"]``) so a lesson can show both.
"""

from __future__ import annotations

import pandas as pd

from dockernet_nb.display.progress import shows_progress
from dockernet_nb.errors import InvalidInput
from dockernet_nb.parsers import ifconfig, ip_addr, ip_route, route
from dockernet_nb.parsers import ping as ping_parser
from dockernet_nb.records import CommandResult, ContainerHandle, NetworkHandle
from dockernet_nb.replay import recordable
from dockernet_nb.verbs import containers as container_verbs

__all__ = ["inspect_interfaces", "inspect_routes", "ping"]

Target = str | ContainerHandle | None
NOT_FOUND = 127  # the shell's "command not found"


def _run_tool(container: Target, image: str | None, net, command: list[str], timeout: float) -> CommandResult:
    if container is not None and image is not None:
        raise InvalidInput("Give either a running container or image= (with net=) for a one-off container, not both.")
    if container is None:
        if image is None:
            raise InvalidInput("Name a running container, or pass image= (and net=) for a one-off container.")
        return container_verbs.run(image, command, net=net, timeout=timeout)
    return container_verbs.exec(container, command, timeout=timeout)


def _probe(container, image, net, attempts, timeout) -> pd.DataFrame:
    """Try each (command, parser) in turn until the container has the tool."""
    for command, parse in attempts:
        result = _run_tool(container, image, net, command, timeout)
        missing = result.exit_code in (NOT_FOUND, 126) or "executable file not found" in result.stderr
        if missing:
            continue
        frame = parse(result.stdout)
        frame.attrs["raw"] = result.output
        frame.attrs["command"] = result.command
        frame.attrs["exit_code"] = result.exit_code
        return frame
    tools = " or ".join(" ".join(c) for c, _ in attempts)
    raise InvalidInput(f"This container has none of {tools}; use a course image such as 'busybox' or 'debian'.")


@recordable
def inspect_interfaces(
    container: Target = None, *, image: str | None = None, net: str | NetworkHandle | None = None, timeout: float = 30
) -> pd.DataFrame:
    """One row per network interface (``ifconfig``): name, mac, ipv4, prefixlen, mtu, up, counters, ipv6.

    Example::

        >>> dnb.inspect_interfaces(image="busybox", net="none")     # doctest: +SKIP
          name   mac       ipv4  prefixlen  mtu    up ...
        0   lo  <NA>  127.0.0.1          8  65536  True ...
    """
    attempts = [(["ifconfig"], ifconfig.parse), (["ip", "-s", "addr"], ip_addr.parse)]
    return _probe(container, image, net, attempts, timeout)


@recordable
def inspect_routes(
    container: Target = None,
    *,
    image: str | None = None,
    net: str | NetworkHandle | None = None,
    timeout: float = 30,
    family: int | str = 4,
) -> pd.DataFrame:
    """The routing table as ``route -n`` shows it: destination, gateway, genmask, flags, metric, iface.

    ``family=6`` shows the IPv6 table (``ip -6 route``), ``family="both"`` both tables in one frame
    (``ip route; ip -6 route``): IPv6 rows keep their prefix length in ``destination`` and have no genmask.
    """
    if family == 4:
        attempts = [(["route", "-n"], route.parse), (["ip", "route"], ip_route.parse)]
    elif family in (6, "both"):
        script = "ip -6 route" if family == 6 else "ip route && ip -6 route"
        attempts = [(["sh", "-c", script], ip_route.parse)]
    else:
        raise InvalidInput(f"family must be 4, 6 or 'both', got {family!r}.")
    return _probe(container, image, net, attempts, timeout)


def _describe_ping(source, destination, *, count: int = 4, **_) -> tuple[str, float]:
    target = destination.name if isinstance(destination, ContainerHandle) else destination
    return f"ping -c {count} {target}", float(count)


@shows_progress(_describe_ping)
@recordable
def ping(
    source: Target,
    destination: str | ContainerHandle,
    *,
    count: int = 4,
    image: str | None = None,
    net: str | NetworkHandle | None = None,
    timeout: float | None = None,
) -> pd.DataFrame:
    """Ping ``destination`` from a running container (or a one-off one), one row per reply.

    The summary (transmitted, received, loss_pct, rtt_min/avg/max, error) is in ``frame.attrs["summary"]``.
    An unreachable network is an answer, not an exception: no rows, and the error text in the summary.
    Example::

        >>> dnb.ping(None, "redis", image="debian", net="mynet")   # doctest: +SKIP
           seq     address  bytes  ttl  time_ms
        0    1  172.24.0.2     64   64    0.081
    """
    if not isinstance(count, int) or not 1 <= count <= 100:
        raise InvalidInput(f"count must be a whole number from 1 to 100, got {count!r}.")
    target = destination.name if isinstance(destination, ContainerHandle) else str(destination)
    if not target or target.startswith("-"):
        raise InvalidInput(f"{destination!r} is not a host name or address to ping.")
    command = ["ping", "-c", str(count), target]
    if source is None and image is None:
        image = "debian"
    # A lost packet costs up to ~10 s in ping's own wait; leave room for that before killing it.
    limit = timeout if timeout is not None else count + 15
    result = _run_tool(source, image, net, command, limit)
    frame = ping_parser.parse(result.output)
    frame.attrs["raw"] = result.output
    frame.attrs["command"] = result.command
    frame.attrs["exit_code"] = result.exit_code
    summary = frame.attrs.setdefault("summary", {})
    summary["destination"] = summary.get("destination") or target
    summary["source"] = str(source) if source is not None else f"one-off {image}"
    return frame
