"""The course's network for engine containers (``dockernet-nb-engines``): found when the course made it,
else created, once, however many engines start at the same moment.

A bridge in 172.16.0.0/16 (a range Docker's default pools never hand out), ``internal`` unless an
engine must be reached through a published port. Removed by :func:`.cleanup.remove_engines_network`
once no container uses it.
"""

from __future__ import annotations

import ipaddress
import threading
import time

import docker
import docker.errors

from dockernet_nb.engine.spawn.common import (
    ENGINE_NETWORK,
    EngineNameInUse,
    course_labels,
    free_subnet,
    gateway_ipam,
    is_course,
    network_named,
)
from dockernet_nb.errors import EngineError

__all__ = ["NETWORK", "engines_network"]

NETWORK = "dockernet-nb-engines"
NETWORK_RANGE = ipaddress.IPv4Network("172.16.0.0/16")
NETWORK_FIRST = ipaddress.IPv4Network("172.16.200.0/24")
_NETWORK_LOCK = threading.Lock()


def engines_network(client: docker.DockerClient, *, internal: bool) -> str:
    """The course network for engine containers: reused when the course made it, else created."""
    with _NETWORK_LOCK:  # engines started in parallel threads create it once
        return _find_or_create_network(client, internal=internal)


def _find_or_create_network(client: docker.DockerClient, *, internal: bool) -> str:
    network = network_named(client, NETWORK)
    if network is not None:
        if not is_course(network.attrs.get("Labels"), ENGINE_NETWORK):
            raise EngineNameInUse(
                f"a network named {NETWORK} exists but the course did not create it; it is left alone."
            )
        return NETWORK
    subnet = free_subnet(client, NETWORK_FIRST, NETWORK_RANGE, "the engines network")
    try:
        client.networks.create(
            NETWORK,
            driver="bridge",
            internal=internal,
            ipam=gateway_ipam(subnet),
            labels=course_labels(ENGINE_NETWORK, "engines"),
            check_duplicate=True,
        )
    except docker.errors.APIError as err:
        # Another thread or process created it meanwhile: Docker says 409 (same name) or, when both
        # picked the same free subnet, 403 "Pool overlaps". Either way the network now exists.
        made = _wait_for_network(client)
        if made is None or not is_course(made.attrs.get("Labels"), ENGINE_NETWORK):
            raise EngineError(f"the host engine refused the engines network {NETWORK} ({subnet}): {err}") from err
    return NETWORK


def _wait_for_network(client: docker.DockerClient, seconds: float = 5) -> docker.models.networks.Network | None:
    """The engines network once another creator's request has finished (its pool is taken before it exists)."""
    deadline = time.monotonic() + seconds
    while True:
        network = network_named(client, NETWORK)
        if network is not None or time.monotonic() > deadline:
            return network
        time.sleep(0.1)
