"""What every engine module shares: labels, errors, places on disk (and writing private files there),
the host engine's client, and picking a free subnet for a network of the course's.

The course creates engines with broad privileges (docker-in-docker) and namespaces of its own (the
local engine), so everything it makes carries the course label plus a label naming what it is; the
cleanup code selects by those labels only and never touches an object that lacks them, even when a
learner's object has the same name.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
from pathlib import Path

import docker
import docker.errors
import requests.exceptions

from dockernet_nb.engine.labels import COURSE, NAME
from dockernet_nb.errors import DockernetError, EngineError, EngineUnavailable, NameInUse

__all__ = [
    "ENGINE",
    "ENGINE_IMAGE",
    "ENGINE_NETWORK",
    "ENGINE_SUITE",
    "ENGINE_VERSION",
    "EngineBuildError",
    "EngineNameInUse",
    "EngineStartError",
    "check_name",
    "course_labels",
    "free_subnet",
    "gateway_ipam",
    "host_client",
    "is_course",
    "network_named",
    "state_root",
    "write_private",
]

# What an engine object is, next to the course label COURSE="1":
ENGINE = "dockernet-nb.engine"  # on an engine's container and its data volume: the engine's name
ENGINE_IMAGE = "dockernet-nb.engine-image"  # on the engine image: which tree it was imported from
ENGINE_VERSION = "dockernet-nb.engine-version"  # on the engine image: `dockerd --version` in the tree
ENGINE_SUITE = "dockernet-nb.engine-suite"  # on the engine image: the Debian suite of the tree
ENGINE_NETWORK = "dockernet-nb.engine-network"  # on the host network the engine containers join

_VALID_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,40}$")


class EngineBuildError(DockernetError):
    """Building the Engine 28 tree or importing it as an image failed."""


class EngineStartError(DockernetError):
    """An engine did not start or did not answer in time (the message quotes the end of its log)."""


class EngineNameInUse(NameInUse):
    """A container, volume, network or tag of that name exists but was not made by the course."""


def course_labels(what: str, value: str) -> dict[str, str]:
    """The labels an engine object carries: the course label, what it is, and a readable name.

    No session or owner label on purpose: an engine outlives the Python process that started it (a
    benchmark keeps its volume warm, a classroom engine serves many kernels), so the kernel cleanup
    must never take it for an object left behind by a dead kernel.
    """
    return {COURSE: "1", what: value, NAME: f"{what.rsplit('.', 1)[-1]} {value}"}


def is_course(labels: dict[str, str] | None, what: str, value: str | None = None) -> bool:
    """True only for an object carrying the course label and the ``what`` label (with ``value``)."""
    if not labels or labels.get(COURSE) != "1" or what not in labels:
        return False
    return value is None or labels[what] == value


def check_name(name: str) -> str:
    """Engine names become container, volume, namespace and path names: keep them short and plain."""
    if not _VALID_NAME.match(name):
        raise EngineError(
            f"engine name {name!r}: use lower-case letters, digits, '.', '_' or '-' (at most 41 characters)"
        )
    return name


def host_client(*, timeout: int = 120) -> docker.DockerClient:
    """A client for the host engine (DOCKER_HOST or the local socket): the one that runs the engines.

    A fresh client each time, not the notebooks' shared one: engine code may run while DOCKER_HOST
    points at one of the engines it made.
    """
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as err:
        raise EngineUnavailable(f"no host Docker engine answers ({err}); start one with `dockernet-nb engine`") from err
    return client


def state_root() -> Path:
    """Where engines keep their data between runs (a root-owned folder; override with DOCKERNET_NB_ENGINES_DIR)."""
    return Path(os.environ.get("DOCKERNET_NB_ENGINES_DIR", "/var/lib/dockernet-nb/engines"))


def ipv4_subnets_in_use(client: docker.DockerClient) -> list[ipaddress.IPv4Network]:
    """Every IPv4 subnet some network on the engine holds (the course's, the learner's, Docker's own)."""
    found = []
    for network in client.api.networks():
        for config in (network.get("IPAM") or {}).get("Config") or []:
            with contextlib.suppress(ValueError, KeyError):
                subnet = ipaddress.ip_network(config["Subnet"])
                if isinstance(subnet, ipaddress.IPv4Network):
                    found.append(subnet)
    return found


def network_named(client: docker.DockerClient, name: str) -> docker.models.networks.Network | None:
    """The network called ``name`` on the engine, whoever made it; None when there is none."""
    try:
        return client.networks.get(name)
    except docker.errors.NotFound:
        return None


def free_subnet(
    client: docker.DockerClient, first: ipaddress.IPv4Network, within: ipaddress.IPv4Network, purpose: str
) -> ipaddress.IPv4Network:
    """A /24 that no network on the engine overlaps: ``first`` if free, else the first free one in ``within``.

    Raises :class:`EngineError` ("no free /24 in ``within`` for ``purpose``") when there is none.
    """
    taken = ipv4_subnets_in_use(client)
    candidates = [first, *within.subnets(new_prefix=24)]
    subnet = next((s for s in candidates if not any(s.overlaps(t) for t in taken)), None)
    if subnet is None:
        raise EngineError(f"no free /24 in {within} for {purpose}")
    return subnet


def gateway_ipam(subnet: ipaddress.IPv4Network) -> docker.types.IPAMConfig:
    """A network's address plan: ``subnet``, with its first address as the gateway."""
    return docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=str(subnet), gateway=str(subnet[1]))])


def write_private(path: Path, data: bytes, *, mode: int | None = None, owner: int | None = None) -> None:
    """Write ``path`` (and its folder) so that no one else can read it meanwhile: made 0o600 from the start.

    ``mode``: what it becomes once written (None: left as it is); ``owner``: a uid to hand it to.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    if owner is not None and hasattr(os, "chown"):
        os.chown(path, owner, owner)
    if mode is not None:
        os.chmod(path, mode)
