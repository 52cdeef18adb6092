"""Network modes side by side: which network namespace each container lives in, and what it sees there.

A container normally gets a network namespace of its own (bridge mode: its own ``lo`` and ``eth0``,
its own routes). ``--network host`` puts it in the host's namespace; ``--network container:NAME`` in
another container's. :func:`network_views` asks each container, from inside, which namespace it is in
(``readlink /proc/self/ns/net``), its interfaces (``ip addr``) and routes (``ip route``), and lays them
out as one table: containers that share a namespace get the same letter. Example::

    >>> dnb.network_views(["web", "sidecar", "hostbox"])              # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import pandas as pd

from dockernet_nb.engine import labels
from dockernet_nb.engine.connection import client, engine_errors
from dockernet_nb.engine.objects import find_container
from dockernet_nb.errors import InvalidInput, NotFound
from dockernet_nb.parsers import ip_addr, ip_route
from dockernet_nb.records import ContainerHandle
from dockernet_nb.replay import recordable
from dockernet_nb.verbs import containers as container_verbs
from dockernet_nb.verbs.common import Container, name_of

__all__ = ["network_views"]

VIEW_COLUMNS = ["container", "network_mode", "namespace", "interfaces", "addresses", "default_route", "routes"]
_SPLIT = "--- dnb ---"
_SCRIPT = f"readlink /proc/self/ns/net; echo '{_SPLIT}'; ip addr; echo '{_SPLIT}'; ip route; ip -6 route 2>/dev/null"
# Interfaces a host has many of, shown as one entry with a count.
_FAMILIES = (("veth", re.compile(r"^veth")), ("br-", re.compile(r"^br-")))
MAX_SHOWN = 6


def _mode(container: object) -> str:
    """The container's network mode as a learner would write it (``container:<short name>``, not an id)."""
    mode = str(container.attrs.get("HostConfig", {}).get("NetworkMode") or "")  # type: ignore[attr-defined]
    if mode.startswith("container:"):
        ref = mode.split(":", 1)[1]
        try:
            with engine_errors("looking up the container whose network is shared"):
                other = client().containers.get(ref)
            return f"container:{labels.short_name(other.name, other.labels)}"
        except NotFound:
            return "container:(gone)"
    if mode in ("default", ""):
        return "bridge"
    return labels.short_name(mode) if mode not in labels.BUILTIN_NETWORKS else mode


def _collapsed(names: list[str]) -> str:
    counts: Counter[str] = Counter()
    shown: list[str] = []
    for name in names:
        family = next((label for label, pattern in _FAMILIES if pattern.match(name)), None)
        if family is None:
            shown.append(name)
        else:
            counts[family] += 1
    shown += [f"{family}… ×{n}" if n > 1 else f"{family}…" for family, n in counts.items()]
    return ", ".join(shown)


def _addresses(interfaces: pd.DataFrame) -> str:
    entries = [f"{r.name} {r.ipv4}/{r.prefixlen}" for r in interfaces.itertuples() if pd.notna(r.ipv4) and r.name != "lo"]
    if len(entries) > MAX_SHOWN:
        entries = [*entries[:MAX_SHOWN], f"+{len(entries) - MAX_SHOWN} more"]
    return ", ".join(entries)


def _default_route(routes: pd.DataFrame) -> str:
    default = routes[routes["destination"] == "0.0.0.0"]
    if default.empty:
        return "(none)"
    row = default.iloc[0]
    return f"via {row['gateway']} ({row['iface']})"


@recordable
def network_views(containers: Sequence[Container]) -> pd.DataFrame:
    """One row per container: its network mode, namespace (a letter; equal letters share one), interfaces,
    IPv4 addresses, default route and number of routes (both IP families), all asked from inside just now.

    Interfaces a host has dozens of (``veth…``, ``br-…``) are counted rather than listed. Example::

        >>> dnb.network_views(["web", "sidecar", "hostbox"])[["container", "network_mode", "namespace"]]  # doctest: +SKIP
          container   network_mode namespace
        0       web            lab         A
        1   sidecar  container:web         A
        2   hostbox           host         B
    """
    if isinstance(containers, (str, ContainerHandle)):
        containers = [containers]
    if not containers:
        raise InvalidInput("network_views needs at least one container.")
    letters: dict[str, str] = {}
    rows = []
    raw = []
    for ref in containers:
        target = find_container(ref)
        result = container_verbs.exec(ref, ["sh", "-c", _SCRIPT])
        parts = result.stdout.split(_SPLIT + "\n")
        if len(parts) != 3 or (not result.ok and not parts[0].strip()):
            raise InvalidInput(f"{name_of(ref)} could not show its namespace ({result.output.strip()[-200:]}); use a busybox or debian container.")
        namespace = parts[0].strip()
        letters.setdefault(namespace, chr(ord("A") + len(letters)))
        interfaces = ip_addr.parse(parts[1])
        routes = ip_route.parse(parts[2])
        rows.append(
            {
                "container": name_of(ref),
                "network_mode": _mode(target),
                "namespace": letters[namespace],
                "interfaces": _collapsed(list(interfaces["name"])),
                "addresses": _addresses(interfaces),
                "default_route": _default_route(routes),
                "routes": len(routes),
            }
        )
        raw.append(f"$ docker exec {name_of(ref)} sh -c '...'\n{result.stdout}")
    frame = pd.DataFrame(rows, columns=VIEW_COLUMNS)
    frame.attrs["raw"] = "\n".join(raw)
    return frame
