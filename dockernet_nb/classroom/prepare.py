"""Getting a class ready on this machine: images, proxy, network, passwords and the settings file."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path

import docker

from dockernet_nb.classroom.auth import make_passwords
from dockernet_nb.classroom.image import ensure_learner_image
from dockernet_nb.classroom.network import ensure_network
from dockernet_nb.classroom.proxy import ensure_proxy
from dockernet_nb.classroom.settings import ClassSettings, default_root
from dockernet_nb.engine.spawn.common import host_client
from dockernet_nb.engine.spawn.forky import ensure_engine_image, find_engine_image
from dockernet_nb.errors import ImageMissing

__all__ = ["prepare_machine", "new_class"]

Say = Callable[[str], None]


def prepare_machine(*, root: Path | None = None, client: docker.DockerClient | None = None, say: Say = print, images: Sequence[str] = ()) -> None:
    """What every class on this machine shares: the engine image, the course images on the host
    engine, the learner image and the proxy. Each is made only when missing (or out of date)."""
    client = client or host_client(timeout=900)
    if find_engine_image(client=client) is None:
        say("building the engine image dockernet-nb/engine:1 (Debian's docker.io, about 85 s the first time)")
        ensure_engine_image(client=client)
    missing = [tag for tag in images if not client.images.list(name=tag)]
    if missing:
        raise ImageMissing(f"course images missing on the host engine: {missing}; run `dockernet-nb images` first")
    ensure_learner_image(client=client, say=say)
    ensure_proxy((root or default_root()) / "proxy", say=say)


def new_class(
    class_id: str,
    learners: Sequence[str],
    *,
    instructors: Sequence[str] = (),
    root: Path | None = None,
    client: docker.DockerClient | None = None,
    **options: object,
) -> tuple[ClassSettings, dict[str, str]]:
    """Write a class's settings (creating its network on the host engine); the settings and each
    person's password in plain text (shown once; only hashes are kept)."""
    known = {field.name for field in dataclasses.fields(ClassSettings)}
    unknown = set(options) - known
    if unknown:
        raise TypeError(f"unknown class settings: {sorted(unknown)}")
    settings = ClassSettings(
        class_id=class_id,
        root=str(root or default_root()),
        learners=list(learners),
        instructors=list(instructors),
        admin_token=secrets.token_hex(32),
        **options,  # type: ignore[arg-type]
    ).validate()
    settings.folder.mkdir(parents=True, exist_ok=True, mode=0o711)
    ensure_network(settings, client or host_client())
    passwords = make_passwords(settings.passwords_file, [*settings.learners, *settings.instructors])
    settings.save()
    return settings, passwords
