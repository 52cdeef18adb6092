"""The class network: where every learner's engine (and the notebook server inside its network
namespace) gets an address, and nothing more.

A bridge on the host engine, in 172.16.0.0/16 (a range Docker's default pools never hand out), with

- ``internal``: no route out of this machine;
- ``enable_icc=false``: the host kernel drops every packet from one member to another (Docker
  enables bridge netfilter for it), so one learner's code cannot reach another's engine, notebook
  server or published ports, whatever address or port it tries;
- the gateway address on the host: the hub's API listens there, the only host address the learners'
  servers need. The proxy and the hub reach every member from the host.
"""

from __future__ import annotations

import contextlib
import ipaddress

import docker
import docker.errors

from dockernet_nb.classroom.settings import CLASSROOM, ClassSettings
from dockernet_nb.engine.labels import COURSE
from dockernet_nb.engine.spawn.common import EngineNameInUse, free_subnet, gateway_ipam, network_named
from dockernet_nb.errors import EngineError

__all__ = ["ensure_network", "remove_network", "free_address", "RANGE"]

RANGE = ipaddress.IPv4Network("172.16.0.0/16")
FIRST = ipaddress.IPv4Network("172.16.220.0/24")


def _is_ours(labels: dict[str, str] | None, settings: ClassSettings) -> bool:
    return bool(labels) and labels.get(COURSE) == "1" and labels.get(CLASSROOM) == settings.class_id  # type: ignore[union-attr]


def ensure_network(settings: ClassSettings, client: docker.DockerClient) -> ClassSettings:
    """Create the class network (or find the one this class made); fills in network, subnet, hub_ip."""
    name = f"{settings.container_prefix}-net"
    network = network_named(client, name)
    if network is not None:
        if not _is_ours(network.attrs.get("Labels"), settings):
            raise EngineNameInUse(f"a network named {name} exists but this class did not create it; it is left alone")
    else:
        subnet = free_subnet(client, FIRST, RANGE, "the class network")
        try:
            network = client.networks.create(
                name,
                driver="bridge",
                internal=True,
                ipam=gateway_ipam(subnet),
                options={"com.docker.network.bridge.enable_icc": "false"},
                labels=settings.labels(),
                check_duplicate=True,
            )
        except docker.errors.APIError as err:
            raise EngineError(f"the host engine refused the class network {name} ({subnet}): {err}") from err
        network.reload()
    config = network.attrs["IPAM"]["Config"][0]
    settings.network = name
    settings.subnet = config["Subnet"]
    settings.hub_ip = config.get("Gateway") or str(ipaddress.ip_network(config["Subnet"])[1])
    return settings


def free_address(settings: ClassSettings, client: docker.DockerClient, reserved: set[str]) -> str:
    """An address on the class network that no member holds and nobody has reserved."""
    network = client.networks.get(settings.network)
    network.reload()
    used = {str(c.get("IPv4Address", "")).split("/")[0] for c in (network.attrs.get("Containers") or {}).values()}
    subnet = ipaddress.ip_network(settings.subnet)
    for address in list(subnet.hosts())[9:]:  # .1 is the gateway (the hub); leave a few for the instructor's use
        if str(address) not in used and str(address) not in reserved:
            return str(address)
    raise EngineError(f"the class network {settings.network} is full ({subnet})")


def remove_network(settings: ClassSettings, client: docker.DockerClient) -> bool:
    """Remove the class network if this class made it and nothing is attached any more."""
    network = network_named(client, f"{settings.container_prefix}-net")
    if network is None or not _is_ours(network.attrs.get("Labels"), settings):
        return False
    with contextlib.suppress(docker.errors.NotFound):
        network.remove()
        return True
    return False
