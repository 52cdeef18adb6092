"""Warm engines: started, loaded with the course images and closed with TLS before anyone asks.

An engine needs a few seconds to start and about 15 s more to receive the course images here, so the
hub keeps ``pool_size`` of them ready. A learner who logs in takes one (the pool then starts another
in the background); when their server stops, their engine is removed with its volume and its
certificates, never handed to anyone else.

Each engine has its own certificate authority (:mod:`dockernet_nb.engine.spawn.tls`) whose key is
thrown away once the engine's and its one client's certificates are signed; the client's folder is
owned by the learner's uid inside the notebook container. The engine sits on the class network at an
address the pool picks (and writes into the server certificate).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import docker

from dockernet_nb.classroom.network import free_address
from dockernet_nb.classroom.settings import LEARNER_UID, ClassSettings
from dockernet_nb.engine.spawn.common import host_client
from dockernet_nb.engine.spawn.dind import DindEngine, remove_engine, start_engine
from dockernet_nb.engine.spawn.tls import EngineTls, make_engine_tls, remove_engine_tls
from dockernet_nb.errors import EngineError

__all__ = ["EnginePool", "start_class_engine", "remove_class_engine"]

log = logging.getLogger(__name__)


def start_class_engine(settings: ClassSettings, *, address: str, client: docker.DockerClient | None = None) -> DindEngine:
    """One engine for this class at ``address``: TLS for one client, the class limits, the course images."""
    client = client or host_client()
    name = f"{settings.class_id}-{secrets.token_hex(3)}"
    if settings.rootless:
        return _start_rootless(settings, name, address=address, client=client)
    tls = make_engine_tls(
        settings.engines_dir / name, hosts=[address, "127.0.0.1", "localhost"], client_owner=LEARNER_UID
    )
    try:
        return start_engine(
            name,
            image=settings.engine_image,
            build=False,
            images=settings.images,
            network=settings.network,
            ip=address,
            tls=tls,
            limits=settings.limits,
            labels=settings.labels(),
            client=client,
        )
    except BaseException:
        with contextlib.suppress(Exception):
            remove_engine(name, client=client)
        remove_engine_tls(tls.folder)
        raise


def _start_rootless(settings: ClassSettings, name: str, *, address: str, client: docker.DockerClient) -> DindEngine:
    """A rootless engine (uid 1000 on the host) whose socket only its learner's container will see."""
    from dockernet_nb.classroom.rootless import start_rootless_engine, wait_for_socket
    from dockernet_nb.engine.spawn.transfer import copy_images

    started = time.monotonic()
    socket_dir = settings.engines_dir / name / "run"
    try:
        container = start_rootless_engine(
            name, socket_dir, client=client, limits=dict(settings.limits.host_config()), network=settings.network, ip=address,
            labels=settings.labels(),
        )
        inner = wait_for_socket(container, socket_dir / "docker.sock")
        if inner is None:
            raise EngineError(f"rootless engine {name} did not answer: {container.logs(tail=15).decode(errors='replace')}")
        copy_images(settings.images, target=inner, source=client)
        version = str(inner.version().get("Version", ""))
    except BaseException:
        with contextlib.suppress(Exception):
            remove_engine(name, client=client)
        remove_engine_tls(settings.engines_dir / name)
        raise
    return DindEngine(name, container.name, f"{container.name}-data", address, f"unix://{socket_dir / 'docker.sock'}", version,
                      time.monotonic() - started, None)


def remove_class_engine(settings: ClassSettings, name: str, *, client: docker.DockerClient | None = None) -> None:
    """Remove a class engine: its container (and everything that ran in it), volume and certificates."""
    remove_engine(name, client=client or host_client())
    remove_engine_tls(settings.engines_dir / name)


def engine_tls(settings: ClassSettings, name: str) -> EngineTls:
    return EngineTls(settings.engines_dir / name)


class EnginePool:
    """Keeps ``settings.pool_size`` engines ready (more while learners wait); thread-safe."""

    def __init__(self, settings: ClassSettings, *, client: docker.DockerClient | None = None) -> None:
        self.settings = settings
        self._client = client
        self._ready: queue.Queue[DindEngine] = queue.Queue()
        self._lock = threading.Lock()
        self._reserved: set[str] = set()
        self._starting = 0
        self._waiting = 0
        self._closed = False
        self._failures = 0
        self.last_error: BaseException | None = None
        self._executor = ThreadPoolExecutor(max(1, settings.pool_parallel), thread_name_prefix="engine-pool")
        self.started_seconds: list[float] = []  # how long each engine took, start to images loaded

    @property
    def client(self) -> docker.DockerClient:
        if self._client is None:
            self._client = host_client(timeout=600)
        return self._client

    def ready_count(self) -> int:
        return self._ready.qsize()

    def start(self) -> EnginePool:
        """Begin filling the pool in the background."""
        self._top_up()
        return self

    def _top_up(self) -> None:
        with self._lock:
            if self._closed:
                return
            wanted = self.settings.pool_size + self._waiting - self._ready.qsize() - self._starting
            for _ in range(max(0, wanted)):
                self._starting += 1
                self._executor.submit(self._start_one)

    def _start_one(self) -> None:
        address = ""
        started = time.monotonic()
        try:
            if self._failures:  # a machine that cannot start engines is not hammered
                time.sleep(min(30.0, 2.0 * self._failures))
            with self._lock:
                address = free_address(self.settings, self.client, self._reserved)
                self._reserved.add(address)
            engine = start_class_engine(self.settings, address=address, client=self.client)
        except BaseException as err:
            self._failures += 1
            self.last_error = err
            log.error("a class engine did not start: %s", err)
            with self._lock:
                self._starting -= 1
                self._reserved.discard(address)
            self._top_up()
            return
        self._failures = 0
        self.started_seconds.append(time.monotonic() - started)
        log.info("engine %s ready at %s in %.1f s", engine.name, engine.address, time.monotonic() - started)
        with self._lock:
            self._starting -= 1
            self._reserved.discard(address)
            closed = self._closed
        if closed:
            remove_class_engine(self.settings, engine.name, client=self.client)
        else:
            self._ready.put(engine)

    def take(self, *, timeout: float = 300) -> DindEngine:
        """A ready engine, now the caller's alone (waits while one starts)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            self._waiting += 1
        try:
            self._top_up()
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    why = f" (the last engine start failed: {self.last_error})" if self.last_error else ""
                    raise EngineError(f"no engine became ready in {timeout:.0f} s{why}")
                try:
                    engine = self._ready.get(timeout=min(left, 5))
                except queue.Empty:
                    continue
                try:
                    with contextlib.closing(engine.client(timeout=5)) as probe:
                        probe.ping()
                except Exception as err:
                    log.warning("warm engine %s no longer answers (%s); removing it", engine.name, err)
                    remove_class_engine(self.settings, engine.name, client=self.client)
                    self._top_up()
                    continue
                return engine
        finally:
            with self._lock:
                self._waiting -= 1
            self._top_up()

    def discard(self, name: str) -> None:
        """Remove an engine that was taken (the learner's server stopped)."""
        remove_class_engine(self.settings, name, client=self.client)

    def close(self) -> list[str]:
        """Stop filling and remove every engine still waiting in the pool; their names."""
        with self._lock:
            self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)
        removed = []
        while True:
            try:
                engine = self._ready.get_nowait()
            except queue.Empty:
                break
            remove_class_engine(self.settings, engine.name, client=self.client)
            removed.append(engine.name)
        return removed
