"""The engine's host: its docker-proxy processes, and whether it could run router VMs (KVM).

Example::

    >>> dnb.docker_proxies(host_port=8007)                                   # doctest: +SKIP
"""

from __future__ import annotations

import os
import sys

import pandas as pd

from dockernet_nb.parsers import docker_proxy
from dockernet_nb.replay import recordable
from dockernet_nb.verbs import containers

__all__ = ["docker_proxies", "kvm_preflight"]

KVM_GET_API_VERSION = 0xAE00  # ioctl number from <linux/kvm.h>; every KVM answers 12


@recordable
def docker_proxies(*, host_port: int | None = None) -> pd.DataFrame:
    """The engine host's docker-proxy processes (one per published port and address), from ``ps``.

    A one-off debian container that shares the host's process table (``pid="host"``, as user nobody
    without capabilities, so it can read and not signal) runs ``ps -C docker-proxy``, which lists those processes and nothing else. ``host_port`` keeps only
    the proxies of that host port. Example::

        >>> dnb.docker_proxies(host_port=8007)                                   # doctest: +SKIP
           pid proto    host_ip  host_port container_ip  container_port
        0  4711   tcp  127.0.0.1       8007   172.17.0.2            8000
    """
    # The host's process table, read as user nobody with no capabilities: it can list processes, and
    # signal none of them (a root container sharing the host's pids could kill any of them).
    result = containers.run_helper(
        "debian", ["ps", "-C", "docker-proxy", "-o", "pid=,args="], net="none", pid_mode="host",
        user="65534:65534", cap_drop=["ALL"], read_only=True,
    )
    frame = docker_proxy.parse(result.stdout)
    frame.attrs["raw"] = result.stdout
    if host_port is not None:
        frame = frame[frame["host_port"] == host_port].reset_index(drop=True)
    return frame


def _engine_here() -> tuple[bool, str]:
    """Whether the engine's host is this machine, and why (or why not)."""
    host = os.environ.get("DOCKER_HOST", "")
    if host and not host.startswith(("unix://", "npipe://")):
        return False, f"DOCKER_HOST={host}: the checks below would have to run on that host"
    if sys.platform != "linux":
        return False, "Docker Desktop runs the engine in its own Linux VM: the checks would have to run inside it"
    return True, "DOCKER_HOST is unset or a local socket, on Linux"


@recordable
def kvm_preflight() -> pd.DataFrame:
    """Is KVM, one of vrnetlab's needs, available to the engine here? One row per check: check, ok, detail.

    vrnetlab boots a vendor's router image as a virtual machine inside a container, which needs KVM on
    the engine's host. For a local engine this looks at /dev/kvm here: it exists, opens read-write,
    and answers KVM's API-version call. For a remote engine (DOCKER_HOST), or Docker Desktop's engine in
    its own VM, nothing here says anything about the engine's host, and the rows say so. KVM is not all
    vrnetlab needs (privileged containers, the vendor's image, memory): these checks cannot see the rest.
    Recorded like every verb, so replay mode shows the machine the lesson was recorded on. Example::

        >>> dnb.kvm_preflight()                                                    # doctest: +SKIP
    """
    rows = []
    local, why = _engine_here()
    rows.append({"check": "the engine runs on this machine", "ok": local, "detail": why})
    if not local:
        for check in ("/dev/kvm exists", "/dev/kvm opens read-write", "KVM answers"):
            rows.append({"check": check, "ok": False, "detail": "not checked: it is about the engine's host, not this one"})
        return pd.DataFrame(rows)
    import fcntl  # only reached on Linux; imported here so the package still loads on Windows

    exists = os.path.exists("/dev/kvm")
    rows.append({"check": "/dev/kvm exists", "ok": exists,
                 "detail": "the kernel offers KVM" if exists else "no KVM device: no hardware virtualisation for VMs"})
    fd = None
    try:
        if exists:
            fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
        rows.append({"check": "/dev/kvm opens read-write", "ok": fd is not None,
                     "detail": "opened by this notebook's user" if fd is not None else "skipped: no device"})
    except OSError as e:
        rows.append({"check": "/dev/kvm opens read-write", "ok": False,
                     "detail": f"{e.strerror} for this notebook's user; a privileged container (root) may still "
                     "use it, but the next check cannot run"})
    try:
        version = fcntl.ioctl(fd, KVM_GET_API_VERSION) if fd is not None else None
        rows.append({"check": "KVM answers", "ok": version == 12,
                     "detail": f"KVM API version {version}" if version is not None else "skipped: not opened"})
    except OSError as e:
        rows.append({"check": "KVM answers", "ok": False, "detail": f"the API-version call failed: {e.strerror}"})
    finally:
        if fd is not None:
            os.close(fd)
    return pd.DataFrame(rows)

