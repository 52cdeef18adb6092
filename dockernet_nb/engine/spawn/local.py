"""Engine 28 as a *local* engine: what a Linux learner has, on a machine whose own engine is 20.10.

dockerd from the forky tree runs as the root of a mount namespace of its own, inside a network
namespace of its own (DESIGN.md, "Engine 28 as a local engine"). A plain chroot is not enough:
``docker exec`` would then land in the outer root filesystem, because runc resolves the container's
root through the mount namespace, not the chroot. So the launcher (:mod:`.namespaces`) enters the
engine's network namespace and a private mount namespace, binds the tree onto itself read-only,
mounts /proc, a sysfs of this network namespace, /dev, the cgroup hierarchy, tmpfs on /run and /tmp,
the engine's data folder on /var/lib/docker and a host folder for its socket, then ``pivot_root``,
``umount -l`` of the old root, and execs dockerd: one pid from launch to stop.

Commands run in the network namespace see ``127.0.0.1:PORT`` of that engine's published ports
through its docker-proxy, exactly as on a laptop; DOCKER_HOST is the socket's path on the host side.
The engine's folder (state file, log, socket, data) persists between runs, so images stay loaded.
Stopping signals only the recorded dockerd, after checking its pid, start time, name and namespaces.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import docker

from dockernet_nb.engine.labels import COURSE
from dockernet_nb.engine.spawn import namespaces
from dockernet_nb.engine.spawn.common import ENGINE, EngineNameInUse, EngineStartError, check_name, state_root
from dockernet_nb.engine.spawn.forky import ensure_tree, read_tree
from dockernet_nb.engine.spawn.process import ProcessId, identify, matches, signal_verified
from dockernet_nb.engine.spawn.transfer import CopyReport, copy_images

__all__ = [
    "LocalEngine",
    "find_local_engine",
    "list_local_engines",
    "local_engine",
    "remove_local_engine",
    "start_local_engine",
    "stop_local_engine",
]

# Docker's own defaults, minus 192.168.0.0/16: networks look as on a laptop (docker0 172.17.0.1,
# the first user network 172.18.0.0/16) and stay inside 172.16.0.0/12.
BIP = "172.17.0.1/16"
POOLS = ("base=172.18.0.0/15,size=16", "base=172.20.0.0/14,size=16", "base=172.24.0.0/13,size=16")


@dataclasses.dataclass(frozen=True)
class LocalEngine:
    """A running local engine: its process, namespace, socket and folders."""

    name: str
    netns: str
    process: ProcessId
    folder: Path  # state.json, dockerd.log, sock/, data/
    tree: Path
    version: str
    started_seconds: float = 0.0

    @property
    def socket(self) -> Path:
        return self.folder / "sock" / "docker.sock"

    @property
    def docker_host(self) -> str:
        return f"unix://{self.socket}"

    @property
    def log(self) -> Path:
        return self.folder / "dockerd.log"

    def client(self, *, timeout: int = 120) -> docker.DockerClient:
        return docker.DockerClient(base_url=self.docker_host, timeout=timeout)

    def env(self, base: Mapping[str, str] | None = None, *, default_socket: bool = False) -> dict[str, str]:
        """``base`` (default: this process's environment) with DOCKER_HOST at this engine.

        With ``default_socket`` DOCKER_HOST is unset instead, for :meth:`command` ``(default_socket=True)``.
        """
        env = dict(os.environ if base is None else base)
        if default_socket:
            env.pop("DOCKER_HOST", None)
        else:
            env["DOCKER_HOST"] = self.docker_host
        return env

    def command(self, argv: Sequence[str], *, default_socket: bool = False) -> list[str]:
        """``argv`` run in the engine's network namespace (the host's files and mounts otherwise).

        ``default_socket``: also in a private mount namespace where /var/run/docker.sock is this
        engine's socket, so a client with no DOCKER_HOST finds it where a laptop's client would
        (lesson banners then say "at the local socket", as a learner's do).
        """
        return namespaces.enter(self.netns, argv, socket=self.socket if default_socket else None)

    def run(
        self, argv: Sequence[str], *, default_socket: bool = False, **options: Any
    ) -> subprocess.CompletedProcess[Any]:
        """``subprocess.run`` of ``argv`` in the namespace, set up for this engine (``env=`` adds to it)."""
        env = self.env(default_socket=default_socket) | dict(options.pop("env", None) or {})
        check = bool(options.pop("check", False))
        return subprocess.run(self.command(argv, default_socket=default_socket), env=env, check=check, **options)

    def popen(self, argv: Sequence[str], *, default_socket: bool = False, **options: Any) -> subprocess.Popen[Any]:
        """Like :meth:`run` without waiting (a notebook kernel, a server)."""
        env = self.env(default_socket=default_socket) | dict(options.pop("env", None) or {})
        return subprocess.Popen(self.command(argv, default_socket=default_socket), env=env, **options)

    def load(self, tags: Sequence[str], *, source: docker.DockerClient | None = None) -> CopyReport:
        """Copy course images from the host engine into this one (only those it lacks)."""
        return copy_images(tags, target=self.client(timeout=600), source=source)


def _folder(name: str) -> Path:
    return state_root() / "local" / name


def _netns(name: str) -> str:
    return f"dnb-{name}"


def _read_state(name: str) -> dict[str, Any] | None:
    """The state file, only if it is the course's (a folder without it is never touched)."""
    try:
        state = json.loads((_folder(name) / "state.json").read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and state.get(COURSE) == "1" and state.get(ENGINE) == name else None


def _write_state(name: str, **fields: Any) -> None:
    path = _folder(name) / "state.json"
    state = {COURSE: "1", ENGINE: name, "kind": "local"} | fields
    path.with_suffix(".tmp").write_text(json.dumps(state, indent=1))
    path.with_suffix(".tmp").rename(path)


def _recorded(name: str) -> tuple[ProcessId, dict[str, Any]] | None:
    state = _read_state(name)
    if not state or not state.get("pid"):
        return None
    recorded = ProcessId(int(state["pid"]), str(state["start"]), "dockerd", state.get("net_ns"), state.get("mnt_ns"))
    return recorded, state


def find_local_engine(name: str = "local28") -> LocalEngine | None:
    """The running local engine ``name``, verified (pid, start time, dockerd, namespaces), or None."""
    check_name(name)
    found = _recorded(name)
    if found is None or not matches(found[0]):
        return None
    recorded, state = found
    tree = Path(str(state["tree"]))
    return LocalEngine(name, str(state["netns"]), recorded, _folder(name), tree, str(state.get("version", "")))


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait(engine: LocalEngine, process: subprocess.Popen[bytes], timeout: float) -> str:
    """Poll the socket until the engine answers; its version. On failure, the end of its log says why."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EngineStartError(f"local engine {engine.name} exited ({process.returncode}):\n{_tail(engine.log)}")
        if engine.socket.exists():
            with contextlib.suppress(Exception), contextlib.closing(engine.client(timeout=3)) as probe:
                return str(probe.version().get("Version", "unknown"))
        time.sleep(0.1)
    raise EngineStartError(f"local engine {engine.name} gave no answer in {timeout:.0f} s:\n{_tail(engine.log)}")


def start_local_engine(
    name: str = "local28",
    *,
    tree: Path | None = None,
    build: bool = True,
    images: Sequence[str] = (),
    bip: str = BIP,
    address_pools: Sequence[str] = POOLS,
    extra_args: Sequence[str] = (),
    timeout: float = 60,
) -> LocalEngine:
    """Start local engine ``name`` (or return it when it already runs) and load ``images`` into it.

    ``tree``: a finished engine tree (default: the cached one, built when missing and ``build``).
    Needs root. The engine's data stays in its folder until :func:`remove_local_engine`.
    """
    check_name(name)
    running = find_local_engine(name)
    if running is not None:
        if images:
            running.load(images)
        return running
    found = read_tree(tree) if tree else read_tree()
    if found is None:
        if not build:
            raise EngineStartError("no engine tree is built yet; build it with ensure_tree()")
        found = ensure_tree(path=tree) if tree else ensure_tree()
    folder = _folder(name)
    state = _read_state(name)
    if folder.exists() and state is None:
        raise EngineNameInUse(f"{folder} exists but holds no course state file; it is left alone")
    for sub in ("sock", "data"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "sock" / "docker.sock").unlink(missing_ok=True)
    netns = _netns(name)
    namespaces.create_netns(netns, ours=bool(state and state.get("netns") == netns))
    _write_state(name, netns=netns, tree=str(found.path), pid=None)
    cgroup_parent = f"/dockernet-nb-local-{name}"
    dockerd = [
        f"--host=unix://{namespaces.SOCKET_INSIDE}/docker.sock",
        "--host=unix:///var/run/docker.sock",
        f"--bip={bip}",
        *(f"--default-address-pool={pool}" for pool in address_pools),
        f"--cgroup-parent={cgroup_parent}",
        *extra_args,
    ]
    command = namespaces.launcher(netns, found.path, folder / "sock", folder / "data", dockerd)
    started = time.monotonic()
    with open(folder / "dockerd.log", "ab") as log:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    identity = identify(process.pid)
    if identity is None:
        raise EngineStartError(f"local engine {name} exited at once:\n{_tail(folder / 'dockerd.log')}")
    engine = LocalEngine(name, netns, dataclasses.replace(identity, comm="dockerd"), folder, found.path, "", 0.0)
    try:
        version = _wait(engine, process, timeout)
        identity = identify(process.pid)
        if identity is None or identity.comm != "dockerd":
            raise EngineStartError(f"the process answering for local engine {name} is not dockerd ({identity})")
    except EngineStartError:
        # Our own child, not yet reaped: its pid cannot have been reused, so signalling it is safe.
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        namespaces.delete_netns(netns)
        raise
    record = {"pid": identity.pid, "start": identity.start, "net_ns": identity.net_ns, "mnt_ns": identity.mnt_ns}
    _write_state(name, netns=netns, tree=str(found.path), version=version, cgroup_parent=cgroup_parent, **record)
    engine = LocalEngine(name, netns, identity, folder, found.path, version, time.monotonic() - started)
    if images:
        engine.load(images)
    return engine


def stop_local_engine(name: str = "local28", *, timeout: float = 40) -> str:
    """Stop local engine ``name`` if its recorded process is verifiably its dockerd; says what it did.

    A pid that now names another process (a reused pid, a learner's program) is never signalled:
    the stale record is dropped and that process is left alone. The data folder stays.
    """
    check_name(name)
    found = _recorded(name)
    state = _read_state(name)
    if found is None:
        message = f"local engine {name} is not running"
    elif matches(found[0]):
        recorded = found[0]
        # dockerd stops its containers (their stop timeout) and its containerd on SIGTERM.
        gone = signal_verified(recorded, timeout=timeout)
        for pid in namespaces.mount_ns_members(recorded.mnt_ns):  # only if dockerd had to be killed
            leftover = identify(pid)
            if leftover is not None and leftover.mnt_ns == recorded.mnt_ns:
                signal_verified(leftover, timeout=5)
        message = f"{'stopped' if gone else 'could not stop'} local engine {name} (pid {recorded.pid})"
    else:
        message = f"local engine {name} is not running; pid {found[0].pid} is not its dockerd now and was left alone"
    if state is not None:
        if state.get("netns") == _netns(name):
            namespaces.delete_netns(_netns(name))
        for cgroup in [
            *Path("/sys/fs/cgroup").glob(f"*/dockernet-nb-local-{name}"),
            Path(f"/sys/fs/cgroup/dockernet-nb-local-{name}"),
        ]:
            with contextlib.suppress(OSError):
                cgroup.rmdir()  # empty once the engine's containers are gone; never forced
        _write_state(name, netns=None, tree=state.get("tree"), pid=None, version=state.get("version"))
    return message


def remove_local_engine(name: str = "local28") -> str:
    """Stop local engine ``name`` and delete its folder (data, log, socket)."""
    message = stop_local_engine(name)
    if find_local_engine(name) is None and _read_state(name) is not None:
        shutil.rmtree(_folder(name), ignore_errors=True)
        message += "; removed its folder"
    return message


@contextlib.contextmanager
def local_engine(name: str = "local28", *, keep_data: bool = True, **options: Any) -> Iterator[LocalEngine]:
    """``with local_engine(images=CORE_IMAGES) as engine: engine.run([...])``; stopped afterwards."""
    engine = start_local_engine(name, **options)
    try:
        yield engine
    finally:
        (stop_local_engine if keep_data else remove_local_engine)(name)


def list_local_engines() -> list[dict[str, str]]:
    """Every local engine folder the course made, and whether its dockerd runs."""
    parent = state_root() / "local"
    rows = []
    for folder in sorted(parent.iterdir()) if parent.is_dir() else []:
        if _read_state(folder.name) is not None:
            running = find_local_engine(folder.name) is not None
            rows.append({"name": folder.name, "state": "running" if running else "stopped", "folder": str(folder)})
    return rows
