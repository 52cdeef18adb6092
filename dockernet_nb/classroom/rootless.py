"""Rootless engines: does this kernel let Engine 28 run as an ordinary user inside a container?

A docker-in-docker engine with the privileges it needs is root on the host for whoever can talk to it.
A *rootless* engine (dockerd inside a user namespace, by rootlesskit, with slirp4netns for its network)
runs as uid 1000 on the host: a learner who breaks out of one of its containers is an ordinary user.
:func:`check_rootless` measures whether that works here, for real:

1. what the kernel allows: user namespaces (``user.max_user_namespaces``), an unprivileged user making
   one, /dev/net/tun, the cgroup version (on v1 a rootless engine cannot limit its containers: the
   outer container's limits still hold for all of them together);
2. an engine image with rootlesskit, slirp4netns and newuidmap (Debian's packages, over the course's
   engine image), and a container from it running ``dockerd-rootless.sh`` as uid 1000 with no
   capabilities of its own: the setuid newuidmap needs CAP_SYS_ADMIN in the container's bounding set
   (measured: without it, writing the uid map fails with EPERM), plus unconfined seccomp, AppArmor and
   system paths (to mount /proc in the new namespaces);
3. that engine loads busybox, runs it, and serves a published port to its own network namespace.

The engine's socket is in a folder bound from the host (``socket_dir``): in a class, the learner's
notebook container would get the same folder, so only that learner can open the socket.
"""

from __future__ import annotations

import contextlib
import io
import os
import platform
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import docker
import docker.errors

from dockernet_nb.engine.labels import COURSE
from dockernet_nb.engine.spawn.common import ENGINE, course_labels, host_client
from dockernet_nb.engine.spawn.forky import ENGINE_TAG
from dockernet_nb.errors import SetupError

__all__ = ["ROOTLESS_TAG", "kernel_facts", "ensure_rootless_image", "start_rootless_engine", "wait_for_socket", "check_rootless"]

ROOTLESS_TAG = "dockernet-nb/engine-rootless:1"
ROOTLESS_IMAGE = "dockernet-nb.engine-rootless"
USER_UID = 1000

DOCKERFILE = f"""FROM {ENGINE_TAG}
RUN apt-get -o Acquire::Check-Valid-Until=false update -q \\
    && DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Check-Valid-Until=false install -y -q --no-install-recommends \\
       rootlesskit slirp4netns uidmap \\
    && rm -rf /var/lib/apt/lists/* \\
    && useradd --create-home --uid {USER_UID} --shell /bin/sh engine \\
    && echo "engine:100000:65536" > /etc/subuid && echo "engine:100000:65536" > /etc/subgid \\
    && mkdir -p /home/engine/.local/share/docker /home/engine/run && chown -R engine:engine /home/engine
LABEL {COURSE}="1" {ROOTLESS_IMAGE}="1"
"""

RUN = "PATH=$PATH:/usr/share/docker.io/contrib exec dockerd-rootless.sh --host=unix:///home/engine/run/docker.sock"


def kernel_facts() -> dict[str, Any]:
    """What the kernel allows, read without changing anything."""
    facts: dict[str, Any] = {"kernel": platform.release()}
    with contextlib.suppress(OSError, ValueError):
        facts["max_user_namespaces"] = int(Path("/proc/sys/user/max_user_namespaces").read_text())
    clone = Path("/proc/sys/kernel/unprivileged_userns_clone")
    facts["unprivileged_userns_clone"] = clone.read_text().strip() if clone.exists() else "(no such switch: allowed)"
    facts["dev_net_tun"] = Path("/dev/net/tun").exists()
    facts["cgroup"] = "v2" if Path("/sys/fs/cgroup/cgroup.controllers").exists() else "v1"
    if os.geteuid() == 0 and shutil.which("unshare") and shutil.which("setpriv"):
        done = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "unshare", "--user", "--map-root-user", "true"],
            capture_output=True, text=True,
        )
        facts["unprivileged_user_can_make_a_user_namespace"] = done.returncode == 0
    return facts


def ensure_rootless_image(client: docker.DockerClient | None = None) -> str:
    """The rootless engine image (Debian's rootlesskit, slirp4netns, uidmap over the engine image)."""
    client = client or host_client(timeout=900)
    with contextlib.suppress(docker.errors.ImageNotFound):
        image = client.images.get(ROOTLESS_TAG)
        if (image.labels or {}).get(ROOTLESS_IMAGE) == "1":
            return ROOTLESS_TAG
        raise SetupError(f"{ROOTLESS_TAG} exists but the course did not build it; it is left alone")
    try:  # apt reaches the Debian mirror through the host's network; docker-py makes the build context
        client.images.build(fileobj=io.BytesIO(DOCKERFILE.encode()), tag=ROOTLESS_TAG, network_mode="host", rm=True, forcerm=True)
    except docker.errors.BuildError as err:
        raise SetupError(f"building {ROOTLESS_TAG} failed: {err}") from err
    return ROOTLESS_TAG


def start_rootless_engine(
    name: str,
    socket_dir: Path,
    *,
    client: docker.DockerClient | None = None,
    limits: dict[str, Any] | None = None,
    network: str | None = None,
    ip: str | None = None,
    labels: dict[str, str] | None = None,
) -> Any:
    """Start a rootless engine container; its socket appears in ``socket_dir`` (owned by uid 1000).
    ``limits``: Docker's host-config limits for the container (they hold for every container the
    engine runs, all inside it); ``network``/``ip``: where it sits; ``labels``: more labels."""
    client = client or host_client()
    ensure_rootless_image(client)
    all_labels = {**(labels or {}), **course_labels(ENGINE, name)}
    socket_dir.mkdir(parents=True, exist_ok=True)
    os.chown(socket_dir, USER_UID, USER_UID)
    os.chmod(socket_dir, 0o700)
    volume = client.volumes.create(f"dockernet-nb-engine-{name}-data", labels=all_labels)
    api = client.api
    host_config = api.create_host_config(
        cap_add=["SYS_ADMIN"],  # for the setuid newuidmap only: the engine itself runs as uid 1000
        security_opt=["seccomp=unconfined", "apparmor=unconfined"],
        devices=["/dev/net/tun:/dev/net/tun:rwm"],
        binds={str(socket_dir): {"bind": "/home/engine/run", "mode": "rw"}, volume.name: {"bind": "/home/engine/.local/share/docker", "mode": "rw"}},
        network_mode=network,
        **(limits or {}),
    )
    host_config["MaskedPaths"] = []  # systempaths=unconfined: the engine mounts /proc in its namespaces
    host_config["ReadonlyPaths"] = []
    created = api.create_container(
        ROOTLESS_TAG,
        ["sh", "-c", RUN],
        name=f"dockernet-nb-engine-{name}",
        user=str(USER_UID),
        environment={"XDG_RUNTIME_DIR": "/home/engine/run", "HOME": "/home/engine"},
        labels=all_labels,
        host_config=host_config,
        networking_config=api.create_networking_config({network: api.create_endpoint_config(ipv4_address=ip)}) if network and ip else None,
    )
    api.start(created["Id"])
    return client.containers.get(created["Id"])


def wait_for_socket(container: Any, socket: Path, *, timeout: float = 90) -> docker.DockerClient | None:
    """A client for the rootless engine once it answers on ``socket``; None if it stopped or never did."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if socket.exists():
            with contextlib.suppress(docker.errors.DockerException, OSError):
                inner = docker.DockerClient(base_url=f"unix://{socket}", timeout=120)
                inner.ping()
                return inner
        container.reload()
        if container.status != "running":
            return None
        time.sleep(0.3)
    return None


def check_rootless(*, client: docker.DockerClient | None = None, timeout: float = 90) -> dict[str, Any]:
    """Measure whether a rootless Engine 28 runs here in a container, and what it can do."""
    client = client or host_client(timeout=900)
    report: dict[str, Any] = {"kernel": kernel_facts(), "works": False}
    name = f"rootless-{secrets.token_hex(3)}"
    folder = Path(tempfile.mkdtemp(prefix="dockernet-nb-rootless-"))
    container = None
    try:
        ensure_rootless_image(client)
        started = time.monotonic()
        container = start_rootless_engine(name, folder / "run", client=client)
        inner = wait_for_socket(container, folder / "run" / "docker.sock", timeout=timeout)
        if inner is None:
            report["why_not"] = container.logs(tail=15).decode(errors="replace")
            return report
        report["answered_after_s"] = round(time.monotonic() - started, 1)
        info = inner.info()
        report["engine"] = {"version": info.get("ServerVersion"), "security": info.get("SecurityOptions"), "cgroup_driver": info.get("CgroupDriver")}
        from dockernet_nb.engine.spawn.transfer import copy_images

        copy_images(["dockernet-nb/busybox:1"], target=inner, source=client)
        report["container_says"] = inner.containers.run("dockernet-nb/busybox:1", ["sh", "-c", "id -u; cat /proc/self/uid_map"], remove=True).decode().split()
        server = inner.containers.run(
            "dockernet-nb/busybox:1", ["sh", "-c", "while true; do echo hello | nc -l -p 8000; done"],
            detach=True, ports={"8000/tcp": ("127.0.0.1", 18000)},
        )
        time.sleep(1)
        probe = client.containers.run(
            "dockernet-nb/busybox:1", ["sh", "-c", "echo | nc 127.0.0.1 18000"], network_mode=f"container:{container.id}", remove=True
        )
        report["published_port_from_the_engines_namespace"] = probe.decode().strip()
        server.remove(force=True)
        host_top = container.top(ps_args="-eo pid,uid,comm")
        column = host_top["Titles"].index("UID")
        report["engine_processes_run_as_on_the_host"] = sorted({row[column] for row in host_top["Processes"]})
        report["works"] = report["published_port_from_the_engines_namespace"] == "hello"
        return report
    except (docker.errors.DockerException, SetupError, OSError) as err:
        report["why_not"] = str(err)
        return report
    finally:
        if container is not None:
            with contextlib.suppress(docker.errors.DockerException):
                container.remove(force=True)
        with contextlib.suppress(docker.errors.DockerException):
            client.volumes.get(f"dockernet-nb-engine-{name}-data").remove(force=True)
        shutil.rmtree(folder, ignore_errors=True)
