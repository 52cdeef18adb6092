"""Finding and removing every engine the course made, for ``dockernet-nb clean``.

Selected by label (containers, volumes, the engines network) or by the course's state file (local
engines) only: a learner's object is never touched, whatever its name. The engine image and the tree
stay: they are a cache, rebuilt only on request.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection

import docker
import docker.errors

from dockernet_nb.engine.spawn.common import ENGINE, ENGINE_NETWORK, host_client, is_course
from dockernet_nb.engine.spawn.dind import remove_cgroups
from dockernet_nb.engine.spawn.local import list_local_engines, remove_local_engine

__all__ = ["list_engines", "remove_all", "remove_all_engines", "remove_all_local_engines", "remove_engines_network"]


def list_engines(*, client: docker.DockerClient | None = None) -> list[dict[str, str]]:
    """Every course engine on the host engine: name, container state and volume (by label only)."""
    client = client or host_client()
    rows: dict[str, dict[str, str]] = {}
    for container in client.containers.list(all=True, filters={"label": ENGINE}):
        name = container.labels.get(ENGINE, "")
        if is_course(container.labels, ENGINE, name):
            rows.setdefault(name, {"name": name, "container": "", "state": "", "volume": ""})
            rows[name] |= {"container": container.name, "state": container.status}
    for volume in client.volumes.list(filters={"label": ENGINE}):
        labels = volume.attrs.get("Labels") or {}
        name = labels.get(ENGINE, "")
        if is_course(labels, ENGINE, name):
            rows.setdefault(name, {"name": name, "container": "", "state": "", "volume": ""})
            rows[name]["volume"] = volume.name
    return [rows[name] for name in sorted(rows)]


def remove_all_engines(
    *, only: Collection[str] | None = None, dry_run: bool = False, client: docker.DockerClient | None = None
) -> list[dict[str, str]]:
    """Remove every course engine (or those named in ``only``), its volume, and the engines network
    once nothing uses it (for ``dockernet-nb clean``).

    Selected by label only: a learner's container, volume or network is never touched, whatever its
    name. Returns what was (or with ``dry_run`` would be) removed.
    """
    client = client or host_client()
    engines = [row for row in list_engines(client=client) if only is None or row["name"] in only]
    if dry_run:
        return engines
    for row in engines:
        for container in client.containers.list(all=True, filters={"label": f"{ENGINE}={row['name']}"}):
            if is_course(container.labels, ENGINE, row["name"]):
                with contextlib.suppress(docker.errors.NotFound):
                    container.remove(force=True)
        remove_cgroups(row["name"])
        for volume in client.volumes.list(filters={"label": f"{ENGINE}={row['name']}"}):
            if is_course(volume.attrs.get("Labels"), ENGINE, row["name"]):
                with contextlib.suppress(docker.errors.NotFound):
                    volume.remove(force=True)
    remove_engines_network(client=client)
    return engines


def remove_engines_network(*, client: docker.DockerClient | None = None) -> bool:
    """Remove the engines network if the course made it and no container uses it; True if removed."""
    client = client or host_client()
    removed = False
    for network in client.networks.list(filters={"label": ENGINE_NETWORK}):
        if is_course(network.attrs.get("Labels"), ENGINE_NETWORK):
            network.reload()
            if not network.attrs.get("Containers"):
                with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
                    network.remove()
                    removed = True
    return removed


def remove_all_local_engines(*, dry_run: bool = False) -> list[dict[str, str]]:
    """Stop and delete every local engine the course made (for ``dockernet-nb clean``)."""
    engines = list_local_engines()
    if not dry_run:
        for row in engines:
            remove_local_engine(row["name"])
    return engines


def remove_all(*, dry_run: bool = False, client: docker.DockerClient | None = None) -> dict[str, list[dict[str, str]]]:
    """Every course engine: docker-in-docker (container, volume, network) and local (process, folder)."""
    return {
        "dind": remove_all_engines(dry_run=dry_run, client=client),
        "local": remove_all_local_engines(dry_run=dry_run),
    }
