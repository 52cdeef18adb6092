"""Namespace plumbing for the local engine: its network namespace, its launcher, entering it.

Kept apart from :mod:`.local` (which decides *when* to start and stop) because these are the steps
that touch the kernel directly: ``ip netns``, ``nsenter``, ``unshare``, mounts and ``pivot_root``.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from dockernet_nb.engine.spawn.common import EngineNameInUse, EngineStartError
from dockernet_nb.engine.spawn.process import namespace_inode

__all__ = ["LAUNCH", "SOCKET_INSIDE", "create_netns", "delete_netns", "enter", "launcher", "mount_ns_members"]

SOCKET_INSIDE = "/run/dockernet-nb"

# Runs under the host's /bin/sh in the engine's network namespace and a fresh private mount
# namespace; "$@" is dockerd's command line. The tree is bound read-only: it is a shared cache (the
# image is imported from it, several engines may run from it). After pivot_root only the tree's own
# binaries are reachable, so the last steps use its umount and its dockerd.
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


def _path(netns: str) -> Path:
    return Path(f"/run/netns/{netns}")


def create_netns(netns: str, *, ours: bool) -> None:
    """A fresh network namespace with loopback up; one left by an earlier run is replaced if idle.

    ``ours``: the course's state records this namespace. One that exists without that record is a
    stranger's and is never touched.
    """
    if _path(netns).exists():
        if not ours:
            raise EngineNameInUse(f"a network namespace {netns} exists but the course did not record it; left alone")
        pids = subprocess.run(["ip", "netns", "pids", netns], capture_output=True, text=True, check=False)
        if pids.stdout.split():
            raise EngineStartError(
                f"network namespace {netns} still has processes from an earlier run: {pids.stdout.split()}"
            )
        delete_netns(netns)
    subprocess.run(["ip", "netns", "add", netns], check=True)
    subprocess.run(["ip", "-n", netns, "link", "set", "lo", "up"], check=True)


def delete_netns(netns: str) -> None:
    """Remove the namespace's name (the kernel frees it once no process is left inside)."""
    if _path(netns).exists():
        subprocess.run(["ip", "netns", "del", netns], check=False)


def launcher(netns: str, tree: Path, socket_dir: Path, data_dir: Path, dockerd: Sequence[str]) -> list[str]:
    """The command that becomes dockerd: nsenter and unshare exec without forking, and so does the script."""
    command = ["nsenter", f"--net={_path(netns)}", "unshare", "--mount", "--propagation", "private"]
    return [*command, "sh", "-c", LAUNCH, "launch", str(tree), str(socket_dir), str(data_dir), *dockerd]


def enter(netns: str, argv: Sequence[str], *, socket: Path | None = None) -> list[str]:
    """``argv`` in the network namespace; with ``socket``, also where /var/run/docker.sock is that socket.

    The second form adds a private mount namespace in which the engine's socket is bound over the
    default socket path, so a client with no DOCKER_HOST finds the engine where a laptop's would.
    """
    inside = ["nsenter", f"--net={_path(netns)}", "--"]
    if socket is None:
        return [*inside, *argv]
    target = os.path.realpath("/var/run/docker.sock")
    if not os.path.exists(target):
        raise EngineStartError(
            f"{target} does not exist, so there is nothing to bind the engine's socket over: use DOCKER_HOST"
        )
    script = 'mount --bind "$1" "$2" && shift 2 && exec "$@"'
    return [
        *inside,
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        script,
        "bind",
        str(socket),
        target,
        *argv,
    ]


def mount_ns_members(inode: int | None) -> list[int]:
    """Pids living in the mount namespace ``inode`` (the engine's private one: only its launcher made it)."""
    if inode is None:
        return []
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and namespace_inode(int(p), "mnt") == inode]
