"""Getting course images into another engine without a registry: ``docker save | docker load``.

Only what is asked is copied, and only when the target lacks it (compared by image id, so a stale
image under the same tag is replaced). Images that share their bottom layer (debian, redis, uptime
all come from one Debian tree) travel in one ``save`` stream, so the 190 MB base crosses once;
unrelated groups (busybox) travel in parallel, and so do copies to several engines.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import docker
import docker.errors
import requests.exceptions

from dockernet_nb.engine.spawn.common import host_client
from dockernet_nb.errors import EngineError, ImageMissing

__all__ = ["CORE_IMAGES", "CopyReport", "copy_images", "copy_images_to_many"]

# What most lessons run; the routing lesson's frr image is asked for separately.
CORE_IMAGES = ("dockernet-nb/busybox:1", "dockernet-nb/debian:1", "dockernet-nb/redis:1", "dockernet-nb/uptime:1")
_CHUNK = 1 << 20


@dataclasses.dataclass(frozen=True)
class CopyReport:
    """What one copy did: copied and skipped tags, and how long it took."""

    copied: tuple[str, ...]
    skipped: tuple[str, ...]
    seconds: float


def _image_id(client: docker.DockerClient, tag: str) -> str | None:
    try:
        return str(client.images.get(tag).id)
    except docker.errors.ImageNotFound:
        return None


def _groups(source: docker.DockerClient, tags: Sequence[str]) -> list[list[str]]:
    """Tags grouped by their bottom layer: one save stream per group carries shared layers once."""
    groups: dict[str, list[str]] = {}
    for tag in tags:
        layers = source.images.get(tag).attrs.get("RootFS", {}).get("Layers") or [tag]
        groups.setdefault(layers[0], []).append(tag)
    return list(groups.values())


def _save(source: docker.DockerClient, tags: list[str]) -> Iterator[bytes]:
    """One tar stream for several images (``docker save a b c``).

    docker-py's public ``get_image`` saves one image; several in one stream need the same endpoint
    with repeated ``names`` parameters, through the low-level client's request helpers.
    """
    api = source.api
    response = api._get(api._url("/images/get"), params={"names": tags}, stream=True)
    api._raise_for_status(response)
    yield from response.iter_content(chunk_size=_CHUNK)


def _load(target: docker.DockerClient, stream: Iterator[bytes], what: str) -> None:
    for message in target.api.load_image(data=stream, quiet=True):
        if isinstance(message, dict) and message.get("error"):
            raise EngineError(f"loading {what} into the engine failed: {message['error']}")


def copy_images(
    tags: Sequence[str] = CORE_IMAGES,
    *,
    target: docker.DockerClient,
    source: docker.DockerClient | None = None,
    parallel: bool = True,
) -> CopyReport:
    """Copy ``tags`` from ``source`` (the host engine by default) into ``target``, skipping what it has.

    Raises :class:`~dockernet_nb.errors.ImageMissing` when the source lacks a tag: nothing is pulled.
    """
    started = time.monotonic()
    source = source or host_client(timeout=600)
    wanted: list[str] = []
    skipped: list[str] = []
    try:
        for tag in dict.fromkeys(tags):
            source_id = _image_id(source, tag)
            if source_id is None:
                raise ImageMissing(
                    f"{tag} is not on the host engine: build the course images first (`dockernet-nb images`)"
                )
            (skipped if _image_id(target, tag) == source_id else wanted).append(tag)
        if wanted:
            groups = _groups(source, wanted)

            def one(group: list[str]) -> None:
                _load(target, _save(source, group), ", ".join(group))

            if parallel and len(groups) > 1:
                with ThreadPoolExecutor(max_workers=len(groups)) as pool:
                    for future in [pool.submit(one, group) for group in groups]:
                        future.result()
            else:
                for group in groups:
                    one(group)
    except (docker.errors.DockerException, requests.exceptions.RequestException) as err:
        raise EngineError(f"copying {', '.join(wanted) or 'images'} between engines failed: {err}") from err
    return CopyReport(tuple(wanted), tuple(skipped), time.monotonic() - started)


def copy_images_to_many(
    tags: Sequence[str], *, targets: Sequence[docker.DockerClient], source: docker.DockerClient | None = None
) -> list[CopyReport]:
    """The same images into several engines at once (a swarm's nodes, say)."""
    source = source or host_client(timeout=600)
    with ThreadPoolExecutor(max_workers=max(1, len(targets))) as pool:
        futures = [pool.submit(copy_images, tags, target=target, source=source) for target in targets]
        return [future.result() for future in futures]
