"""dockernet_nb: cell-friendly verbs for a hands-on Docker networking course.

Every verb drives a real Docker engine and returns something to look at: a DataFrame, a result
record, a handle. Example::

    import dockernet_nb as dnb
    dnb.create_net("mynet")
    dnb.run("redis", name="redis", net="mynet", detach=True)
    dnb.ping(None, "redis", image="debian", net="mynet")

The verbs are loaded on first use (the Docker SDK and pandas take a while to import), so
`import dockernet_nb` stays quick; the error classes are here from the start. Type checkers and IDEs
read the real signatures from the ``TYPE_CHECKING`` block below, which a test keeps equal to
``_VERBS`` and to each module's ``__all__``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from dockernet_nb import errors
from dockernet_nb.errors import (
    CaptureError,
    CaptureTargetGone,
    CaptureTimeout,
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
    NothingCaptured,
    NotRecorded,
    ParseError,
    RecordingError,
    SetupError,
)

if TYPE_CHECKING:
    from dockernet_nb.breakfix.verbs import break_fix as break_fix
    from dockernet_nb.breakfix.verbs import check_fix as check_fix
    from dockernet_nb.breakfix.verbs import explain_fault as explain_fault
    from dockernet_nb.breakfix.verbs import fault_hint as fault_hint
    from dockernet_nb.display.plots import plot_interfaces as plot_interfaces
    from dockernet_nb.display.plots import plot_reachability as plot_reachability
    from dockernet_nb.display.plots import plot_rtt as plot_rtt
    from dockernet_nb.records import CommandResult as CommandResult
    from dockernet_nb.records import ContainerHandle as ContainerHandle
    from dockernet_nb.records import NetworkHandle as NetworkHandle
    from dockernet_nb.verbs.capture import start_capture as start_capture
    from dockernet_nb.verbs.capture import stop_capture as stop_capture
    from dockernet_nb.verbs.cleanup import cleanup as cleanup
    from dockernet_nb.verbs.compose import compose_down as compose_down
    from dockernet_nb.verbs.compose import compose_ps as compose_ps
    from dockernet_nb.verbs.compose import compose_up as compose_up
    from dockernet_nb.verbs.console import lab_console as lab_console
    from dockernet_nb.verbs.containers import connect as connect
    from dockernet_nb.verbs.containers import containers as containers
    from dockernet_nb.verbs.containers import disconnect as disconnect
    from dockernet_nb.verbs.containers import exec as exec  # noqa: A004 - mirrors `docker exec`
    from dockernet_nb.verbs.containers import logs as logs
    from dockernet_nb.verbs.containers import rm as rm
    from dockernet_nb.verbs.containers import stop as stop
    from dockernet_nb.verbs.engine_notes import engine_note as engine_note
    from dockernet_nb.verbs.firewall import add_rule as add_rule
    from dockernet_nb.verbs.firewall import host_iptables_rules as host_iptables_rules
    from dockernet_nb.verbs.firewall import iptables_rules as iptables_rules
    from dockernet_nb.verbs.host import docker_proxies as docker_proxies
    from dockernet_nb.verbs.host import kvm_preflight as kvm_preflight
    from dockernet_nb.verbs.host_firewall import course_host_rules as course_host_rules
    from dockernet_nb.verbs.host_firewall import host_ip6tables_rules as host_ip6tables_rules
    from dockernet_nb.verbs.host_firewall import host_rule as host_rule
    from dockernet_nb.verbs.host_firewall import remove_host_rule as remove_host_rule
    from dockernet_nb.verbs.lesson import start_lesson as start_lesson
    from dockernet_nb.verbs.lookups import address_of as address_of
    from dockernet_nb.verbs.lookups import gateway_of as gateway_of
    from dockernet_nb.verbs.lookups import subnet_of as subnet_of
    from dockernet_nb.verbs.modes import network_views as network_views
    from dockernet_nb.verbs.names import dns_server as dns_server
    from dockernet_nb.verbs.names import lookup as lookup
    from dockernet_nb.verbs.names import who_answers as who_answers
    from dockernet_nb.verbs.networks import create_net as create_net
    from dockernet_nb.verbs.networks import networks as networks
    from dockernet_nb.verbs.networks import remove_net as remove_net
    from dockernet_nb.verbs.ospf import configure_ospf as configure_ospf
    from dockernet_nb.verbs.ospf import ospf_neighbours as ospf_neighbours
    from dockernet_nb.verbs.ospf import ospf_routes as ospf_routes
    from dockernet_nb.verbs.ospf import wait_for_frr as wait_for_frr
    from dockernet_nb.verbs.ospf import wait_for_ospf as wait_for_ospf
    from dockernet_nb.verbs.overlay import capture_vxlan as capture_vxlan
    from dockernet_nb.verbs.overlay import create_overlay as create_overlay
    from dockernet_nb.verbs.overlay import node_exec as node_exec
    from dockernet_nb.verbs.overlay import node_interfaces as node_interfaces
    from dockernet_nb.verbs.overlay import node_networks as node_networks
    from dockernet_nb.verbs.overlay import node_ping as node_ping
    from dockernet_nb.verbs.overlay import node_routes as node_routes
    from dockernet_nb.verbs.overlay import node_run as node_run
    from dockernet_nb.verbs.packet_path import packet_path as packet_path
    from dockernet_nb.verbs.packets import capture as capture
    from dockernet_nb.verbs.packets import ladder as ladder
    from dockernet_nb.verbs.packets import save_pcap as save_pcap
    from dockernet_nb.verbs.plumbing import bridge_fdb as bridge_fdb
    from dockernet_nb.verbs.plumbing import bridge_links as bridge_links
    from dockernet_nb.verbs.plumbing import bridge_of as bridge_of
    from dockernet_nb.verbs.plumbing import host_routes as host_routes
    from dockernet_nb.verbs.plumbing import veth_pairs as veth_pairs
    from dockernet_nb.verbs.probes import inspect_interfaces as inspect_interfaces
    from dockernet_nb.verbs.probes import inspect_routes as inspect_routes
    from dockernet_nb.verbs.probes import ping as ping
    from dockernet_nb.verbs.progress import progress as progress
    from dockernet_nb.verbs.routes import drop_default_route as drop_default_route
    from dockernet_nb.verbs.routes import reachability as reachability
    from dockernet_nb.verbs.routes import wait_for_path as wait_for_path
    from dockernet_nb.verbs.run import run as run
    from dockernet_nb.verbs.servers import connections as connections
    from dockernet_nb.verbs.servers import wait_for_port as wait_for_port
    from dockernet_nb.verbs.services import create_service as create_service
    from dockernet_nb.verbs.services import ipvs_support as ipvs_support
    from dockernet_nb.verbs.services import node_requests as node_requests
    from dockernet_nb.verbs.services import reach_service as reach_service
    from dockernet_nb.verbs.services import service_answers as service_answers
    from dockernet_nb.verbs.services import service_tasks as service_tasks
    from dockernet_nb.verbs.setup import setup as setup
    from dockernet_nb.verbs.swarm import start_nodes as start_nodes
    from dockernet_nb.verbs.swarm import stop_node as stop_node
    from dockernet_nb.verbs.swarm import swarm_init as swarm_init
    from dockernet_nb.verbs.swarm import swarm_nodes as swarm_nodes
    from dockernet_nb.verbs.swarm_topology import swarm_topology as swarm_topology
    from dockernet_nb.verbs.tcp import tcp_request as tcp_request
    from dockernet_nb.verbs.terminal import terminal as terminal
    from dockernet_nb.verbs.topology import topology as topology

__version__ = "0.2.0"

# public name -> the module that defines it, loaded on first use
_VERBS = {
    "setup": "verbs.setup",
    "start_lesson": "verbs.lesson",
    "create_net": "verbs.networks",
    "remove_net": "verbs.networks",
    "networks": "verbs.networks",
    "run": "verbs.run",
    "exec": "verbs.containers",
    "connect": "verbs.containers",
    "disconnect": "verbs.containers",
    "logs": "verbs.containers",
    "stop": "verbs.containers",
    "rm": "verbs.containers",
    "containers": "verbs.containers",
    "inspect_interfaces": "verbs.probes",
    "inspect_routes": "verbs.probes",
    "ping": "verbs.probes",
    "tcp_request": "verbs.tcp",
    "progress": "verbs.progress",
    "engine_note": "verbs.engine_notes",
    "address_of": "verbs.lookups",
    "break_fix": "breakfix.verbs",
    "check_fix": "breakfix.verbs",
    "fault_hint": "breakfix.verbs",
    "explain_fault": "breakfix.verbs",
    "subnet_of": "verbs.lookups",
    "gateway_of": "verbs.lookups",
    "cleanup": "verbs.cleanup",
    "topology": "verbs.topology",
    "packet_path": "verbs.packet_path",
    "lab_console": "verbs.console",
    "terminal": "verbs.terminal",
    "iptables_rules": "verbs.firewall",
    "host_iptables_rules": "verbs.firewall",
    "add_rule": "verbs.firewall",
    "drop_default_route": "verbs.routes",
    "reachability": "verbs.routes",
    "wait_for_path": "verbs.routes",
    "connections": "verbs.servers",
    "wait_for_port": "verbs.servers",
    "docker_proxies": "verbs.host",
    "kvm_preflight": "verbs.host",
    "wait_for_frr": "verbs.ospf",
    "configure_ospf": "verbs.ospf",
    "ospf_neighbours": "verbs.ospf",
    "ospf_routes": "verbs.ospf",
    "wait_for_ospf": "verbs.ospf",
    "veth_pairs": "verbs.plumbing",
    "bridge_of": "verbs.plumbing",
    "bridge_links": "verbs.plumbing",
    "bridge_fdb": "verbs.plumbing",
    "host_routes": "verbs.plumbing",
    "start_capture": "verbs.capture",
    "stop_capture": "verbs.capture",
    "capture": "verbs.packets",
    "save_pcap": "verbs.packets",
    "ladder": "verbs.packets",
    "start_nodes": "verbs.swarm",
    "swarm_init": "verbs.swarm",
    "swarm_nodes": "verbs.swarm",
    "stop_node": "verbs.swarm",
    "create_service": "verbs.services",
    "service_tasks": "verbs.services",
    "service_answers": "verbs.services",
    "reach_service": "verbs.services",
    "ipvs_support": "verbs.services",
    "node_requests": "verbs.services",
    "swarm_topology": "verbs.swarm_topology",
    "create_overlay": "verbs.overlay",
    "node_networks": "verbs.overlay",
    "node_run": "verbs.overlay",
    "node_exec": "verbs.overlay",
    "node_ping": "verbs.overlay",
    "node_interfaces": "verbs.overlay",
    "node_routes": "verbs.overlay",
    "capture_vxlan": "verbs.overlay",
    "compose_up": "verbs.compose",
    "compose_ps": "verbs.compose",
    "compose_down": "verbs.compose",
    "lookup": "verbs.names",
    "who_answers": "verbs.names",
    "dns_server": "verbs.names",
    "network_views": "verbs.modes",
    "host_rule": "verbs.host_firewall",
    "remove_host_rule": "verbs.host_firewall",
    "course_host_rules": "verbs.host_firewall",
    "host_ip6tables_rules": "verbs.host_firewall",
    "plot_rtt": "display.plots",
    "plot_interfaces": "display.plots",
    "plot_reachability": "display.plots",
    "CommandResult": "records",
    "ContainerHandle": "records",
    "NetworkHandle": "records",
}

__all__ = [*_VERBS, *errors.__all__]


def __getattr__(name: str) -> Any:
    module = _VERBS.get(name)
    if module is None:
        raise AttributeError(f"module 'dockernet_nb' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"dockernet_nb.{module}"), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
