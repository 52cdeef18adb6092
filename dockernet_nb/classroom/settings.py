"""One class's settings: who is in it, where its files live, its network, ports and limits.

The ``dockernet-nb classroom`` command writes them as JSON into the class folder; the hub's
configuration (:mod:`dockernet_nb.classroom.jupyterhub_config`), the spawner, the engine pool and the
instructor page all read that one file (named by ``DOCKERNET_NB_CLASSROOM``), so they never disagree.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path
from typing import Any

from dockernet_nb.engine.labels import COURSE
from dockernet_nb.engine.spawn.common import write_private
from dockernet_nb.engine.spawn.dind import Limits
from dockernet_nb.engine.spawn.transfer import CORE_IMAGES
from dockernet_nb.errors import InvalidInput

__all__ = [
    "CLASSROOM",
    "LEARNER",
    "LEARNER_UID",
    "ClassSettings",
    "default_root",
    "load",
    "SETTINGS_ENV",
]

CLASSROOM = "dockernet-nb.classroom"  # label: the class id, on every object a class makes
LEARNER = "dockernet-nb.classroom.learner"  # label: whose it is (a learner's server and engine)
LEARNER_UID = 1000  # the learner's uid inside the notebook container (the image's user)
SETTINGS_ENV = "DOCKERNET_NB_CLASSROOM"  # path of the settings file, for the hub process and its services

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
_USER = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


def default_root() -> Path:
    """Where classes keep their files (root-owned; DOCKERNET_NB_CLASSROOM_DIR overrides)."""
    return Path(os.environ.get("DOCKERNET_NB_CLASSROOM_DIR", "/var/lib/dockernet-nb/classroom"))


def check_user(name: str) -> str:
    if not _USER.match(name):
        raise InvalidInput(f"learner name {name!r}: lower-case letters, digits, '-' or '_', starting with a letter (at most 32)")
    return name


@dataclasses.dataclass
class ClassSettings:
    """Everything the hub and its helpers need to know about one class."""

    class_id: str
    root: str  # the folder holding every class's folder and the shared proxy install
    learners: list[str]
    instructors: list[str] = dataclasses.field(default_factory=list)
    # network: a bridge on the host engine, no traffic between its members (icc off), no way out
    network: str = ""
    subnet: str = ""
    hub_ip: str = ""  # the network's gateway: the host, where the hub's API listens for the servers
    hub_port: int = 8081
    # the public side: the proxy, on loopback unless the instructor names a course address
    proxy_ip: str = "127.0.0.1"
    proxy_port: int = 8000
    proxy_api_port: int = 8001
    progress_port: int = 8002
    pool_size: int = 2  # warm engines kept ready beyond those in use
    pool_parallel: int = 2  # engines started at once while filling the pool
    engine_memory: str = "1536m"
    engine_pids: int = 2048
    engine_cpu_shares: int = 512
    server_memory: str = "1g"  # the learner's notebook server and kernels
    server_cpus: float = 1.0
    server_pids: int = 512
    images: list[str] = dataclasses.field(default_factory=lambda: list(CORE_IMAGES))
    learner_image: str = "dockernet-nb/learner:1"
    engine_image: str = "dockernet-nb/engine:1"
    default_url: str = "/lab/tree/notebooks/00-setup.ipynb"
    rootless: bool = False  # rootless engines (uid 1000 on the host) reached through a socket, not TLS
    admin_token: str = ""  # the classroom command's own service token (also what tests use)
    start_timeout: int = 180

    # -- places -------------------------------------------------------------------------------
    @property
    def folder(self) -> Path:
        return Path(self.root) / self.class_id

    @property
    def settings_file(self) -> Path:
        return self.folder / "settings.json"

    @property
    def hub_dir(self) -> Path:
        return self.folder / "hub"

    @property
    def engines_dir(self) -> Path:
        return self.folder / "engines"

    def learner_home(self, user: str) -> Path:
        return self.folder / "learners" / check_user(user) / "home"

    def progress_file(self, user: str) -> Path:
        return self.learner_home(user) / ".local" / "share" / "dockernet-nb" / "progress.json"

    @property
    def proxy_dir(self) -> Path:
        return Path(self.root) / "proxy"

    @property
    def passwords_file(self) -> Path:
        return self.folder / "passwords.json"  # hashes only; the plain passwords are printed once

    # -- engines ------------------------------------------------------------------------------
    @property
    def limits(self) -> Limits:
        return Limits(memory=self.engine_memory, pids=self.engine_pids, cpu_shares=self.engine_cpu_shares)

    def labels(self, **more: str) -> dict[str, str]:
        """The labels every object of this class carries (the course label, the class, and ``more``)."""
        return {COURSE: "1", CLASSROOM: self.class_id, **more}

    @property
    def container_prefix(self) -> str:
        return f"dockernet-nb-class-{self.class_id}"

    # -- files --------------------------------------------------------------------------------
    def save(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o711)
        path = self.settings_file
        write_private(path, json.dumps(dataclasses.asdict(self), indent=1).encode())  # holds the admin token
        return path

    def validate(self) -> ClassSettings:
        if not _NAME.match(self.class_id):
            raise InvalidInput(f"class id {self.class_id!r}: lower-case letters, digits and '-', starting with a letter (at most 20)")
        for user in [*self.learners, *self.instructors]:
            check_user(user)
        both = set(self.learners) & set(self.instructors)
        if both:
            raise InvalidInput(f"{sorted(both)} cannot be both learner and instructor")
        if self.proxy_ip in ("0.0.0.0", "::", ""):
            raise InvalidInput("the hub is never opened on every interface; name one address (127.0.0.1 by default)")
        return self


def load(path: str | Path | None = None) -> ClassSettings:
    """The settings in ``path`` (default: the file named by DOCKERNET_NB_CLASSROOM)."""
    where = path or os.environ.get(SETTINGS_ENV)
    if not where:
        raise InvalidInput(f"no class settings: set {SETTINGS_ENV} to a class's settings.json")
    data: dict[str, Any] = json.loads(Path(where).read_text(encoding="utf-8"))
    known = {field.name for field in dataclasses.fields(ClassSettings)}
    return ClassSettings(**{key: value for key, value in data.items() if key in known})
