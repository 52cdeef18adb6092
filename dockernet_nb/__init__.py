"""dockernet_nb: cell-friendly verbs for a hands-on Docker networking course.

Every verb drives a real Docker engine and returns something to look at: a DataFrame, a result
record, a handle. Example::

    import dockernet_nb as dnb
    dnb.create_net("mynet")
    dnb.run("redis", name="redis", net="mynet", detach=True)
    dnb.ping(None, "redis", image="debian", net="mynet")

The verbs are loaded on first use (the Docker SDK and pandas take a while to import), so
`import dockernet_nb` stays quick; the error classes are here from the start.
"""

from __future__ import annotations

import importlib
from typing import Any

from dockernet_nb.errors import (
    CommandTimeout,
    ConnectionRefused,
    ContainerNotFound,
    DockernetError,
    EngineError,
    EngineUnavailable,
    ImageMissing,
    InvalidInput,
    NameInUse,
    NetworkNotFound,
    NotFound,
    ParseError,
)

__version__ = "0.1.0"

# public name -> the module that defines it (no module may share a verb's name: importing it would
# shadow the verb on the package)
_VERBS = {
    "setup": "setup_check",
    "start_lesson": "lesson",
    "create_net": "network_verbs",
    "remove_net": "network_verbs",
    "networks": "network_verbs",
    "run": "container_verbs",
    "exec": "container_verbs",
    "connect": "container_verbs",
    "disconnect": "container_verbs",
    "logs": "container_verbs",
    "stop": "container_verbs",
    "rm": "container_verbs",
    "containers": "container_verbs",
    "inspect_interfaces": "probes",
    "inspect_routes": "probes",
    "ping": "probes",
    "tcp_request": "tcp",
    "cleanup": "housekeeping",
    "plot_rtt": "plots",
    "plot_interfaces": "plots",
    "topology": "topology_map",
    "lab_console": "console",
    "iptables_rules": "routing",
    "host_iptables_rules": "routing",
    "add_rule": "routing",
    "drop_default_route": "routing",
    "reachability": "routing",
    "plot_reachability": "routing",
    "connections": "routing",
    "wait_for_port": "routing",
    "docker_proxies": "routing",
    "kvm_preflight": "routing",
    "wait_for_frr": "routing",
    "configure_ospf": "routing",
    "ospf_neighbours": "routing",
    "ospf_routes": "routing",
    "wait_for_ospf": "routing",
    "CommandResult": "records",
    "ContainerHandle": "records",
    "NetworkHandle": "records",
}

__all__ = [
    *_VERBS,
    "DockernetError",
    "EngineUnavailable",
    "EngineError",
    "ImageMissing",
    "NotFound",
    "NetworkNotFound",
    "ContainerNotFound",
    "NameInUse",
    "CommandTimeout",
    "ParseError",
    "InvalidInput",
    "ConnectionRefused",
]


def __getattr__(name: str) -> Any:
    module = _VERBS.get(name)
    if module is None:
        raise AttributeError(f"module 'dockernet_nb' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"dockernet_nb.{module}"), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
