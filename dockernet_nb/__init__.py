"""dockernet_nb: cell-friendly verbs for a hands-on Docker networking course.

Every verb drives a real Docker engine and returns something to look at: a DataFrame, a result
record, a handle. Example::

    import dockernet_nb as dnb
    dnb.create_net("mynet")
    dnb.run("redis", name="redis", net="mynet", detach=True)
    dnb.ping(None, "redis", image="debian", net="mynet")
"""

from __future__ import annotations

from dockernet_nb.console import lab_console
from dockernet_nb.container_verbs import connect, containers, disconnect, exec, logs, rm, run, stop
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
from dockernet_nb.housekeeping import cleanup
from dockernet_nb.lesson import start_lesson
from dockernet_nb.network_verbs import create_net, networks, remove_net
from dockernet_nb.plots import plot_interfaces, plot_rtt
from dockernet_nb.probes import inspect_interfaces, inspect_routes, ping
from dockernet_nb.setup import setup
from dockernet_nb.records import CommandResult, ContainerHandle, NetworkHandle
from dockernet_nb.routing import (
    add_rule,
    configure_ospf,
    connections,
    docker_proxies,
    drop_default_route,
    host_iptables_rules,
    iptables_rules,
    kvm_preflight,
    ospf_neighbours,
    ospf_routes,
    plot_reachability,
    reachability,
    wait_for_frr,
    wait_for_ospf,
    wait_for_port,
)
from dockernet_nb.tcp import tcp_request
from dockernet_nb.topology import topology

__version__ = "0.1.0"

__all__ = [
    "setup",
    "start_lesson",
    "create_net",
    "remove_net",
    "networks",
    "run",
    "exec",
    "connect",
    "disconnect",
    "logs",
    "stop",
    "rm",
    "containers",
    "inspect_interfaces",
    "inspect_routes",
    "ping",
    "tcp_request",
    "cleanup",
    "plot_rtt",
    "plot_interfaces",
    "topology",
    "lab_console",
    "iptables_rules",
    "host_iptables_rules",
    "add_rule",
    "drop_default_route",
    "reachability",
    "plot_reachability",
    "connections",
    "wait_for_port",
    "docker_proxies",
    "kvm_preflight",
    "wait_for_frr",
    "configure_ospf",
    "ospf_neighbours",
    "ospf_routes",
    "wait_for_ospf",
    "CommandResult",
    "ContainerHandle",
    "NetworkHandle",
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
