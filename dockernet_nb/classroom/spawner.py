"""The spawner: each learner's server in a container of its own, inside the network namespace of an
engine that is theirs alone (a "pod", as on Kubernetes).

On start the spawner takes a warm engine from the pool and starts the learner's notebook container
with ``--network container:<engine>``: the two share one network namespace, so

- the notebook reaches its engine at ``tcp://127.0.0.1:2376`` (``DOCKER_HOST``), with the one client
  certificate that engine accepts, mounted read-only at ``~/.docker`` (``DOCKER_CERT_PATH``);
- ports the learner publishes (on 127.0.0.1, the course's default) are reachable from that notebook and
  from nowhere else: loopback is private to the namespace;
- the hub and the proxy reach the server at the engine's address on the class network; other learners
  cannot (the network drops traffic between its members).

The notebook container runs as uid 1000 with every capability dropped and ``no-new-privileges``, under
memory, CPU and process limits, with the learner's home folder (their notebooks and progress file)
bound from the class folder. No Docker socket is mounted anywhere. On stop the notebook container
goes, then the engine with everything in it (containers, networks, images, volume, certificates).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any

import docker.errors
from dockerspawner import DockerSpawner
from traitlets import Unicode

from dockernet_nb.classroom.settings import LEARNER, LEARNER_UID, ClassSettings, load

__all__ = ["ClassroomSpawner", "pool"]

_pool: Any = None


def pool(settings: ClassSettings | None = None) -> Any:
    """The hub process's one engine pool (started on first use, filled in the background)."""
    global _pool
    if _pool is None:
        from dockernet_nb.classroom.pool import EnginePool

        _pool = EnginePool(settings or load()).start()
    return _pool


class ClassroomSpawner(DockerSpawner):
    """DockerSpawner whose containers live in their own engine's network namespace."""

    engine_name = Unicode("", help="the name of the learner's engine (state)")
    engine_container = Unicode("", help="the engine's container on the host engine (state)")
    engine_address = Unicode("", help="the engine's address on the class network (state)")

    @property
    def settings(self) -> ClassSettings:
        cached = getattr(self, "_classroom_settings", None)
        if cached is None:
            cached = load()
            self._classroom_settings = cached
        return cached

    # -- state: which engine is this learner's ----------------------------------------------------
    def get_state(self) -> dict[str, Any]:
        state: dict[str, Any] = super().get_state()
        if self.engine_name:
            state.update(engine_name=self.engine_name, engine_container=self.engine_container, engine_address=self.engine_address)
        return state

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        self.engine_name = state.get("engine_name", "")
        self.engine_container = state.get("engine_container", "")
        self.engine_address = state.get("engine_address", "")

    def clear_state(self) -> None:
        super().clear_state()
        self.engine_name = self.engine_container = self.engine_address = ""

    # -- start -----------------------------------------------------------------------------------
    def get_env(self) -> dict[str, str]:
        env: dict[str, str] = super().get_env()
        if self.settings.rootless:  # the engine's socket, in a folder only this learner's container gets
            env.update(DOCKER_HOST="unix:///home/jovyan/.docker/run/docker.sock")
        else:
            env.update(DOCKER_HOST="tcp://127.0.0.1:2376", DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH="/home/jovyan/.docker")
        env.update(
            DOCKERNET_NB_DATA="/home/jovyan/.local/share/dockernet-nb",
            DOCKERNET_NB_MODE="live",
            DOCKERNET_NB_CLASS=self.settings.class_id,
        )
        return env

    async def start(self) -> Any:
        if not self.engine_name:
            engine = await asyncio.to_thread(pool(self.settings).take, timeout=self.settings.start_timeout)
            self.engine_name, self.engine_container, self.engine_address = engine.name, engine.container, engine.address
            self.log.info("learner %s gets engine %s at %s", self.user.name, engine.name, engine.address)
        try:
            return await super().start()
        except BaseException:
            await self._remove_engine()
            raise

    async def create_object(self) -> dict[str, Any]:
        settings = self.settings
        home = settings.learner_home(self.user.name)
        await asyncio.to_thread(_make_home, home)
        if settings.rootless:
            engine_access = {str(settings.engines_dir / self.engine_name / "run"): {"bind": "/home/jovyan/.docker/run", "mode": "rw"}}
        else:
            engine_access = {str(settings.engines_dir / self.engine_name / "client"): {"bind": "/home/jovyan/.docker", "mode": "ro"}}
        host_config = self.client.create_host_config(
            network_mode=f"container:{self.engine_container}",
            binds={str(home): {"bind": "/home/jovyan", "mode": "rw"}, **engine_access},
            mem_limit=settings.server_memory,
            memswap_limit=settings.server_memory,
            nano_cpus=int(settings.server_cpus * 1e9),
            pids_limit=settings.server_pids,
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            auto_remove=False,
            init=False,
        )
        created: dict[str, Any] = await self.docker(
            "create_container",
            image=self.image,
            name=self.container_name,
            command=await self.get_command(),
            environment=self.get_env(),
            user=str(LEARNER_UID),
            labels=settings.labels(**{LEARNER: self.user.name}),
            host_config=host_config,
        )
        return created

    async def get_ip_and_port(self) -> tuple[str, int]:
        return self.engine_address, self.port

    # -- stop ------------------------------------------------------------------------------------
    async def stop(self, now: bool = False) -> None:
        engine = self.engine_name  # the parent's stop clears the state
        with contextlib.suppress(docker.errors.NotFound):
            if self.object_id:
                await super().stop(now=now)
        self.engine_name = engine
        await self._remove_engine()
        self.clear_state()

    async def _remove_engine(self) -> None:
        name = self.engine_name
        if name:
            self.log.info("removing engine %s of %s with everything in it", name, self.user.name)
            await asyncio.to_thread(pool(self.settings).discard, name)
            self.engine_name = self.engine_container = self.engine_address = ""


def _make_home(home: os.PathLike[str] | str) -> None:
    """The learner's home folder on the host, owned by their uid in the container."""
    from pathlib import Path

    path = Path(home)
    path.parent.parent.mkdir(parents=True, exist_ok=True)
    for folder in (path.parent, path, path / ".local", path / ".local" / "share", path / ".local" / "share" / "dockernet-nb"):
        folder.mkdir(exist_ok=True)
        if folder != path.parent:
            os.chown(folder, LEARNER_UID, LEARNER_UID)
