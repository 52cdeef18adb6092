"""A course registry (a classroom mirror): pull the course images from it, or publish them to it.

``DOCKERNET_NB_REGISTRY=host:port`` names it; the images live there as ``host:port/dockernet-nb/<name>``.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Sequence

from dockernet_nb.engine.connection import client, engine_errors
from dockernet_nb.engine.images import CATALOG, CourseImage, Report
from dockernet_nb.errors import EngineError

__all__ = ["configured", "answers", "pull", "publish", "remote_ref"]


def configured() -> str:
    return os.environ.get("DOCKERNET_NB_REGISTRY", "").strip().rstrip("/")


def remote_ref(image: CourseImage, registry: str | None = None) -> str:
    return f"{registry or configured()}/{image.tag}"


def answers(registry: str | None = None, timeout: float = 2) -> bool:
    """True when the registry's /v2/ endpoint replies (200, or 401 asking for a login)."""
    registry = registry or configured()
    for scheme in ("https", "http"):
        try:
            with urllib.request.urlopen(f"{scheme}://{registry}/v2/", timeout=timeout) as reply:
                return reply.status == 200
        except urllib.error.HTTPError as e:
            return e.code == 401
        except (urllib.error.URLError, OSError, ValueError):
            continue
    return False


def pull(todo: Sequence[CourseImage], report: Report) -> None:
    api = client().api
    for done, image in enumerate(todo):
        ref = remote_ref(image)
        repository, tag = ref.rsplit(":", 1)
        report(f"Pulling {ref} ...", done / len(todo))
        with engine_errors(f"pulling {ref}"):
            for event in api.pull(repository, tag=tag, stream=True, decode=True):
                if "error" in event:
                    raise EngineError(f"Pulling {ref} failed: {event['error']}")
            client().images.get(ref).tag(*image.tag.rsplit(":", 1))
            api.remove_image(ref)  # keep only the course tag: the registry's name was a means to an end


def publish(registry: str, report: Report, images: Sequence[CourseImage] = CATALOG) -> None:
    """Push the course images (all by default) to ``registry``, for a classroom mirror."""
    api = client().api
    for done, image in enumerate(images):
        ref = remote_ref(image, registry)
        repository, tag = ref.rsplit(":", 1)
        report(f"Pushing {ref} ...", done / len(images))
        with engine_errors(f"pushing {ref}"):
            client().images.get(image.tag).tag(repository, tag)
            for event in api.push(repository, tag=tag, stream=True, decode=True):
                if "error" in event:
                    raise EngineError(f"Pushing {ref} failed: {event['error']}")
            api.remove_image(ref)
