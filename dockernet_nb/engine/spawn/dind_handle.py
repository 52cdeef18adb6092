"""A running docker-in-docker engine and how to reach it: the handle (:class:`DindEngine`), the
container and volume the course owns under an engine's name (a learner's object of that name is an
error, never touched), and waiting until the inner engine answers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Mapping, Sequence

import docker
import docker.errors
import requests.exceptions
from docker.models.containers import Container

from dockernet_nb.engine.spawn.common import (
    ENGINE,
    EngineNameInUse,
    EngineStartError,
    check_name,
    course_labels,
    host_client,
    is_course,
)
from dockernet_nb.engine.spawn.engines_network import NETWORK
from dockernet_nb.engine.spawn.tls import TLS_PORT, EngineTls
from dockernet_nb.engine.spawn.transfer import CopyReport, copy_images
from dockernet_nb.errors import ContainerNotFound

__all__ = [
    "PORT",
    "DindEngine",
    "engine_container_name",
    "engine_volume_name",
    "engine_labels",
    "own_container",
    "own_volume",
    "engine_handle",
    "reach_engine",
]

PORT = 2375  # the inner dockerd's plain TCP port (TLS_PORT when it checks client certificates)


@dataclasses.dataclass(frozen=True)
class DindEngine:
    """A running engine container and how to reach its engine."""

    name: str
    container: str  # the container's name on the host engine
    volume: str
    address: str  # the container's address on its network
    docker_host: str  # e.g. tcp://172.16.200.2:2375 (2376 with TLS)
    version: str  # the inner engine's version, e.g. "28.5.2"
    started_seconds: float = 0.0  # from create to the first answer (0.0 when reached, not started)
    tls: EngineTls | None = None  # the engine's certificates when it checks client certificates

    def client(self, *, timeout: int = 120) -> docker.DockerClient:
        if self.tls is not None:
            return self.tls.client(self.docker_host, timeout=timeout)
        return docker.DockerClient(base_url=self.docker_host, timeout=timeout)

    def env(self) -> dict[str, str]:
        """What a notebook kernel or a test run needs to use this engine."""
        if self.tls is not None:
            return {"DOCKER_HOST": self.docker_host, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(self.tls.client_dir)}
        return {"DOCKER_HOST": self.docker_host}

    def load(self, tags: Sequence[str], *, source: docker.DockerClient | None = None) -> CopyReport:
        """Copy course images from the host engine into this one (only those it lacks)."""
        return copy_images(tags, target=self.client(timeout=600), source=source)


def engine_container_name(name: str) -> str:
    return f"dockernet-nb-engine-{name}"


def engine_volume_name(name: str) -> str:
    return f"dockernet-nb-engine-{name}-data"


def engine_labels(name: str, extra: Mapping[str, str] | None) -> dict[str, str]:
    """The engine labels, plus ``extra`` (which may name the object for learners, never re-label the engine)."""
    return {**course_labels(ENGINE, name), **(extra or {}), ENGINE: name}


def own_container(client: docker.DockerClient, name: str) -> Container | None:
    """The course's engine container ``name``, None when absent; a learner's container there is an error."""
    try:
        container = client.containers.get(engine_container_name(name))
    except docker.errors.NotFound:
        return None
    if not is_course(container.labels, ENGINE, name):
        raise EngineNameInUse(
            f"a container named {engine_container_name(name)} exists but the course did not create it; it is left "
            f"alone. Rename it (`docker rename {engine_container_name(name)} something-else`) or pick another engine name."
        )
    return container


def own_volume(
    client: docker.DockerClient, name: str, *, create: bool, labels: Mapping[str, str] | None = None
) -> str | None:
    volume_name = engine_volume_name(name)
    try:
        volume = client.volumes.get(volume_name)
    except docker.errors.NotFound:
        if not create:
            return None
        client.volumes.create(volume_name, labels=engine_labels(name, labels))
        return volume_name
    if not is_course(volume.attrs.get("Labels"), ENGINE, name):
        raise EngineNameInUse(
            f"a volume named {volume_name} exists but the course did not create it; it is left alone. "
            f"Pick another engine name, or remove it yourself if it is yours to lose (`docker volume rm {volume_name}`)."
        )
    return volume_name


def _address(container: Container) -> str:
    """The container's address on the engines network, else on the first network it is on."""
    container.reload()
    networks: dict[str, dict[str, str]] = container.attrs["NetworkSettings"]["Networks"] or {}
    chosen = networks.get(NETWORK) or next(iter(networks.values()), {})
    return str(chosen.get("IPAddress", ""))


def _published(container: Container) -> str | None:
    ports = (container.attrs["NetworkSettings"].get("Ports") or {}).get(f"{PORT}/tcp") or []
    return ports[0]["HostPort"] if ports else None


def _wait(container: Container, docker_host: str, *, timeout: float, tls: EngineTls | None = None) -> str:
    """Poll the inner engine until it answers; its version. On failure, the end of its log says why."""
    deadline = time.monotonic() + timeout
    while True:
        with (
            contextlib.suppress(docker.errors.DockerException, requests.exceptions.RequestException, OSError),
            contextlib.closing(
                tls.client(docker_host, timeout=3) if tls is not None else docker.DockerClient(base_url=docker_host, timeout=3)
            ) as probe,
        ):
            return str(probe.version().get("Version", "unknown"))
        container.reload()
        if container.status not in ("created", "running") or time.monotonic() > deadline:
            why = (
                f"exited ({container.attrs['State'].get('ExitCode')})"
                if container.status == "exited"
                else f"gave no answer in {timeout:.0f} s"
            )
            tail = container.logs(tail=25).decode(errors="replace")
            raise EngineStartError(
                f"the engine in {container.name} {why} at {docker_host}; the end of its log:\n{tail}"
            )
        time.sleep(0.25)


def engine_handle(
    name: str,
    container: Container,
    *,
    client: docker.DockerClient,
    timeout: float,
    started: float | None,
    tls: EngineTls | None = None,
) -> DindEngine:
    """The handle of engine ``name``'s container once its engine answers (``started``: when its start
    began, for ``started_seconds``; None for an engine reached, not started)."""
    port = _published(container)
    host = f"tcp://127.0.0.1:{port}" if port else f"tcp://{_address(container)}:{TLS_PORT if tls else PORT}"
    version = _wait(container, host, timeout=timeout, tls=tls)
    seconds = time.monotonic() - started if started is not None else 0.0
    return DindEngine(name, container.name, engine_volume_name(name), _address(container), host, version, seconds, tls)


def reach_engine(
    name: str = "e28", *, timeout: float = 30, client: docker.DockerClient | None = None, tls: EngineTls | None = None
) -> DindEngine:
    """The running engine ``name`` (``tls``: its certificates, when it was started with them);
    :class:`ContainerNotFound` when it does not run."""
    check_name(name)
    client = client or host_client()
    container = own_container(client, name)
    if container is None or container.status != "running":
        raise ContainerNotFound(f"engine {name} does not run; start it with start_engine({name!r})")
    return engine_handle(name, container, client=client, timeout=timeout, started=None, tls=tls)
