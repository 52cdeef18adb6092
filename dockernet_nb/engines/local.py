"""Engine 28 as a *local* engine: what a Linux learner has, on a machine whose own engine is 20.10.

dockerd from the forky tree runs as the root of a mount namespace of its own, inside a network
namespace of its own (DESIGN.md, "Engine 28 as a local engine"). A plain chroot is not enough:
``docker exec`` would then land in the outer root filesystem, because runc resolves the container's
root through the mount namespace, not the chroot. So the launcher:

1. enters the engine's network namespace (``nsenter --net``) and a private mount namespace
   (``unshare -m --propagation private``);
2. binds the tree onto itself (read-only: the cached tree is shared and must stay clean), mounts a
   fresh /proc and a sysfs of this network namespace, rbinds /dev and the cgroup hierarchy, puts
   tmpfs on /run and /tmp, binds the engine's data folder onto /var/lib/docker and a host folder for
   its socket;
3. ``pivot_root``, ``umount -l`` the old root, and execs dockerd (same pid all along).

Commands run in the network namespace (``nsenter --net``) see ``127.0.0.1:PORT`` of that engine's
published ports through its docker-proxy, exactly as on a laptop; DOCKER_HOST is the socket's path
on the host side. The engine's data folder persists between runs (images stay loaded).
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

import docker

from dockernet_nb.engines.common import ENGINE, EngineNameInUse, EngineStartError, check_name, state_root
from dockernet_nb.engines.forky import ensure_tree, read_tree
from dockernet_nb.engines.process import ProcessId, identify, matches, namespace_inode, signal_verified
from dockernet_nb.engines.transfer import CopyReport, copy_images
from dockernet_nb.labels import COURSE

__all__ = [
    "LocalEngine",
    "start_local_engine",
    "find_local_engine",
    "stop_local_engine",
    "remove_local_engine",
    "local_engine",
    "list_local_engines",
    "remove_all_local_engines",
]

# Docker's own defaults, minus 192.168.0.0/16: networks look as on a laptop (docker0 172.17.0.1,
# the first user network 172.18.0.0/16) and stay inside 172.16.0.0/12.
BIP = "172.17.0.1/16"
POOLS = ("base=172.18.0.0/15,size=16", "base=172.20.0.0/14,size=16", "base=172.24.0.0/13,size=16")
SOCKET_INSIDE = "/run/dockernet-nb"

LAUNCH = r"""
set -e
T=$1; S=$2; D=$3; shift 3
mount --bind "$T" "$T"
mount -o remount,bind,ro "$T"
mount --rbind /dev "$T/dev"
mount -t proc proc "$T/proc"
mount -t sysfs sysfs "$T/sys"
mount --rbind /sys/fs/cgroup "$T/sys/fs/cgroup"
mount -t tmpfs -o mode=755 tmpfs "$T/run"
mount -t tmpfs tmpfs "$T/tmp"
mkdir -p "$T/run/dockernet-nb"
mount --bind "$S" "$T/run/dockernet-nb"
mount --bind "$D" "$T/var/lib/docker"
cd "$T"
pivot_root . oldroot
cd /
umount -l /oldroot
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
exec dockerd "$@"
"""


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

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """``base`` (default: this process's environment) with DOCKER_HOST at this engine."""
        return {**(os.environ if base is None else base), "DOCKER_HOST": self.docker_host}

    def command(self, argv: Sequence[str]) -> list[str]:
        """``argv`` run in the engine's network namespace (the host's files and mounts otherwise)."""
        return ["nsenter", f"--net=/run/netns/{self.netns}", "--", *argv]

    def run(self, argv: Sequence[str], **options: object) -> subprocess.CompletedProcess[bytes]:
        """``subprocess.run`` of ``argv`` in the namespace, DOCKER_HOST set (``env=`` adds to it)."""
        env = self.env() | dict(options.pop("env", None) or {})  # type: ignore[call-overload]
        return subprocess.run(self.command(argv), env=env, **options)  # type: ignore[call-overload]

    def popen(self, argv: Sequence[str], **options: object) -> subprocess.Popen[bytes]:
        """Like :meth:`run` without waiting (a notebook kernel, a server)."""
        env = self.env() | dict(options.pop("env", None) or {})  # type: ignore[call-overload]
        return subprocess.Popen(self.command(argv), env=env, **options)  # type: ignore[call-overload]

    def load(self, tags: Sequence[str], *, source: docker.DockerClient | None = None) -> CopyReport:
        """Copy course images from the host engine into this one (only those it lacks)."""
        return copy_images(tags, target=self.client(timeout=600), source=source)


def _folder(name: str) -> Path:
    return state_root() / "local" / name


def _netns(name: str) -> str:
    return f"dnb-{name}"


def _read_state(name: str) -> dict[str, object] | None:
    """The state file, only if it is the course's (a folder without it is never touched)."""
    try:
        state = json.loads((_folder(name) / "state.json").read_text())
    except (OSError, ValueError):
        return None
    return state if state.get(COURSE) == "1" and state.get(ENGINE) == name else None


def _write_state(name: str, **fields: object) -> None:
    path = _folder(name) / "state.json"
    state = {COURSE: "1", ENGINE: name, "kind": "local"} | fields
    path.with_suffix(".tmp").write_text(json.dumps(state, indent=1))
    path.with_suffix(".tmp").rename(path)


def _recorded(name: str) -> tuple[ProcessId, dict[str, object]] | None:
    state = _read_state(name)
    if not state or not state.get("pid"):
        return None
    recorded = ProcessId(
        pid=int(state["pid"]),  # type: ignore[arg-type]
        start=str(state["start"]),
        comm="dockerd",
        net_ns=state.get("net_ns"),  # type: ignore[arg-type]
        mnt_ns=state.get("mnt_ns"),  # type: ignore[arg-type]
    )
    return recorded, state


def find_local_engine(name: str = "local28") -> LocalEngine | None:
    """The running local engine ``name``, verified (pid, start time, dockerd, namespaces), or None."""
    check_name(name)
    found = _recorded(name)
    if found is None or not matches(found[0]):
        return None
    recorded, state = found
    return LocalEngine(name, str(state["netns"]), recorded, _folder(name), Path(str(state["tree"])), str(state.get("version", "")))


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _make_netns(name: str) -> str:
    netns = _netns(name)
    if Path(f"/run/netns/{netns}").exists():
        state = _read_state(name)
        if not state or state.get("netns") != netns:
            raise EngineNameInUse(f"a network namespace {netns} exists but the course did not record it; it is left alone")
        busy = subprocess.run(["ip", "netns", "pids", netns], capture_output=True, text=True).stdout.split()
        if busy:
            raise EngineStartError(f"network namespace {netns} still has processes {busy} from an earlier run of engine {name}")
        subprocess.run(["ip", "netns", "del", netns], check=False)
    subprocess.run(["ip", "netns", "add", netns], check=True)
    subprocess.run(["ip", "-n", netns, "link", "set", "lo", "up"], check=True)
    return netns


def _wait(engine: LocalEngine, process: subprocess.Popen[bytes], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EngineStartError(f"local engine {engine.name} exited ({process.returncode}); the end of its log:\n{_tail(engine.log)}")
        if engine.socket.exists():
            with contextlib.suppress(Exception), contextlib.closing(engine.client(timeout=3)) as probe:
                return str(probe.version().get("Version", "unknown"))
        time.sleep(0.1)
    raise EngineStartError(f"local engine {engine.name} gave no answer in {timeout:.0f} s; the end of its log:\n{_tail(engine.log)}")


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
    if folder.exists() and _read_state(name) is None:
        raise EngineNameInUse(f"{folder} exists but holds no course state file; it is left alone")
    for sub in ("sock", "data"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "sock" / "docker.sock").unlink(missing_ok=True)
    netns = _make_netns(name)
    _write_state(name, netns=netns, tree=str(found.path), pid=None)
    cgroup_parent = f"/dockernet-nb-local-{name}"
    dockerd = [
        f"--host=unix://{SOCKET_INSIDE}/docker.sock",
        "--host=unix:///var/run/docker.sock",
        f"--bip={bip}",
        *(f"--default-address-pool={pool}" for pool in address_pools),
        f"--cgroup-parent={cgroup_parent}",
        *extra_args,
    ]
    command = ["nsenter", f"--net=/run/netns/{netns}", "unshare", "--mount", "--propagation", "private"]
    command += ["sh", "-c", LAUNCH, "launch", str(found.path), str(folder / "sock"), str(folder / "data"), *dockerd]
    started = time.monotonic()
    with open(folder / "dockerd.log", "ab") as log:
        # nsenter and unshare exec (they do not fork), and the launcher execs dockerd: one pid throughout.
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    identity = identify(process.pid)
    if identity is None:
        raise EngineStartError(f"local engine {name} exited at once; the end of its log:\n{_tail(folder / 'dockerd.log')}")
    engine = LocalEngine(name, netns, dataclasses.replace(identity, comm="dockerd"), folder, found.path, "", 0.0)
    try:
        version = _wait(engine, process, timeout)
    except EngineStartError:
        # Our own child, not yet reaped: its pid cannot have been reused, so signalling it is safe.
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        subprocess.run(["ip", "netns", "del", netns], check=False)
        raise
    identity = identify(process.pid)
    if identity is None or identity.comm != "dockerd":
        raise EngineStartError(f"the process answering for local engine {name} is not dockerd ({identity})")
    _write_state(
        name,
        netns=netns,
        tree=str(found.path),
        pid=identity.pid,
        start=identity.start,
        net_ns=identity.net_ns,
        mnt_ns=identity.mnt_ns,
        version=version,
        cgroup_parent=cgroup_parent,
    )
    engine = LocalEngine(name, netns, identity, folder, found.path, version, time.monotonic() - started)
    if images:
        engine.load(images)
    return engine


def _leftovers(mnt_ns: int | None) -> list[int]:
    """Processes still in the engine's private mount namespace: only the engine's launcher made it."""
    if mnt_ns is None:
        return []
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and namespace_inode(int(p), "mnt") == mnt_ns]


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
    else:
        recorded, state = found
        if matches(recorded):
            # dockerd stops its containers (their stop timeout) and its containerd on SIGTERM.
            gone = signal_verified(recorded, timeout=timeout)
            for pid in _leftovers(recorded.mnt_ns):
                leftover = identify(pid)
                if leftover is not None and leftover.mnt_ns == recorded.mnt_ns:
                    signal_verified(leftover, timeout=5)
            message = f"stopped local engine {name} (pid {recorded.pid})" if gone else f"local engine {name} (pid {recorded.pid}) did not stop"
        else:
            message = f"local engine {name} is not running; pid {recorded.pid} is not its dockerd now and was left alone"
    if state is not None:
        netns = str(state.get("netns") or "")
        if netns == _netns(name) and Path(f"/run/netns/{netns}").exists():
            subprocess.run(["ip", "netns", "del", netns], check=False)
        for cgroup in Path("/sys/fs/cgroup").glob(f"*/dockernet-nb-local-{name}"):
            with contextlib.suppress(OSError):
                cgroup.rmdir()
        with contextlib.suppress(OSError):
            Path(f"/sys/fs/cgroup/dockernet-nb-local-{name}").rmdir()
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
def local_engine(name: str = "local28", *, keep_data: bool = True, **options: object) -> Iterator[LocalEngine]:
    """``with local_engine(images=CORE_IMAGES) as engine: engine.run([...])``; stopped afterwards."""
    engine = start_local_engine(name, **options)  # type: ignore[arg-type]
    try:
        yield engine
    finally:
        (stop_local_engine if keep_data else remove_local_engine)(name)


def list_local_engines() -> list[dict[str, str]]:
    """Every local engine folder the course made, and whether its dockerd runs."""
    parent = state_root() / "local"
    rows = []
    for folder in sorted(parent.iterdir()) if parent.is_dir() else []:
        state = _read_state(folder.name)
        if state is not None:
            running = find_local_engine(folder.name) is not None
            rows.append({"name": folder.name, "state": "running" if running else "stopped", "folder": str(folder)})
    return rows


def remove_all_local_engines(*, dry_run: bool = False) -> list[dict[str, str]]:
    """Stop and delete every local engine the course made (for ``dockernet-nb clean``)."""
    engines = list_local_engines()
    if not dry_run:
        for row in engines:
            remove_local_engine(row["name"])
    return engines
