"""Engine 28 as docker-in-docker: engine containers on the host engine, reached over TCP.

This is the one place the course grants broad privileges. ``--privileged`` is refused on machines
whose root lacks CAP_SYS_RESOURCE, so the engine container gets what docker-in-docker needs instead
(measured in DESIGN.md): every capability but SYS_RESOURCE, unconfined seccomp, AppArmor and system
paths, access to all devices, a tmpfs on /run, and /var/lib/docker on a volume (overlay on overlay
fails). Each engine has a labelled named volume, so its images survive a stop and the next start is
warm; ``remove_engine`` deletes the volume too.

cgroups: on cgroup v1 (these machines) the host's /sys/fs/cgroup is bound in read-write. On cgroup v2
(most learners) the container gets a private cgroup namespace instead, remounts it read-write and
moves its processes into a child group so controllers can be delegated, as moby's ``hack/dind``
script does (not measured here: these machines have cgroup v1).

Capabilities: "every capability but SYS_RESOURCE" is asked as ``--cap-add ALL --cap-drop
SYS_RESOURCE``, which 20.10 needs where root lacks that capability; Engine 28 keeps from ALL only what
the machine has and refuses to drop what it lacks, so there the drop is left out (measured: the local
Engine 28 here refused it). Engines started in parallel threads create the engines network once.

The inner dockerd listens on TCP 2375 inside the container's network namespace (and on its own unix
socket) with address pools that stay clear of the host engine's course pool (172.24.0.0/13). The
engine containers sit on an ``internal`` course network: the host reaches them, they reach nothing
beyond this machine.

For engines that more than one person's code can reach (a classroom), two options close the engine:
``tls`` (an :class:`~dockernet_nb.engine.spawn.tls.EngineTls` folder) makes the inner dockerd listen on
TCP 2376 only for the one client certificate made for it, and ``limits`` caps the whole engine (its
dockerd and every container it runs: memory, process count, CPU shares). On cgroup v1 the inner
engine then puts its containers' groups *inside* the engine container's own group, so the host
kernel counts them against the engine's limits; without limits they stay beside it as before.
``network`` and ``ip`` put the engine on a network of the caller's at a fixed address (the address
is in the server certificate).

Here: the engine container's options, starting it, stopping and removing it. The handle and reaching
a running engine are in :mod:`.dind_handle`, the engines network in :mod:`.engines_network` (``PORT``,
``NETWORK``, :class:`DindEngine` and :func:`reach_engine` are importable from here as well).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import docker
import docker.errors
from docker.types import Mount

from dockernet_nb.engine.spawn.common import EngineStartError, check_name, host_client
from dockernet_nb.engine.spawn.dind_handle import (
    PORT,
    DindEngine,
    engine_container_name,
    engine_handle,
    engine_labels,
    own_container,
    own_volume,
    reach_engine,
)
from dockernet_nb.engine.spawn.engines_network import NETWORK, engines_network
from dockernet_nb.engine.spawn.forky import ENGINE_TAG, ensure_engine_image, find_engine_image
from dockernet_nb.engine.spawn.tls import SERVER_MOUNT, TLS_PORT, EngineTls
from dockernet_nb.errors import EngineError

__all__ = [
    "NETWORK",
    "PORT",
    "DindEngine",
    "Limits",
    "dind_engine",
    "reach_engine",
    "remove_cgroups",
    "remove_engine",
    "start_engine",
    "stop_engine",
]

# Inner engines: their own pool and default bridge, clear of the host's course pool 172.24.0.0/13 and
# of the engines network (picked in 172.16.0.0/16, a range Docker's default pools never hand out).
INNER_POOL = "base=172.20.0.0/14,size=24"
INNER_BIP = "172.23.255.1/24"

# Runs as the container's command, before dockerd. "$@" is dockerd's command line.
ENTRYPOINT = r"""
set -e
if [ -n "$DNB_NEST_CGROUPS" ] && [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
    # cgroup v1 with limits: the inner containers' groups go inside this container's own group.
    parent=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' /proc/self/cgroup)
    if [ -n "$parent" ] && [ "$parent" != "/" ]; then set -- "$@" "--cgroup-parent=$parent/engine"; fi
fi
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    # cgroup v2 in a private cgroup namespace: Docker mounts it read-only unless --privileged.
    mount -o remount,rw /sys/fs/cgroup 2>/dev/null || true
    mkdir -p /sys/fs/cgroup/init
    xargs -rn1 < /sys/fs/cgroup/cgroup.procs > /sys/fs/cgroup/init/cgroup.procs 2>/dev/null || :
    sed -e 's/ / +/g' -e 's/^/+/' < /sys/fs/cgroup/cgroup.controllers > /sys/fs/cgroup/cgroup.subtree_control
fi
mount --make-rshared / 2>/dev/null || true
exec dockerd "$@"
"""


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one engine may use of the host, its inner containers included.

    ``memory``: a Docker size ("2g", "512m") for memory and memory+swap alike (no swap beyond it);
    ``pids``: the most processes and threads at once; ``cpu_shares``: the weight against other
    containers when the CPUs are busy (1024 is Docker's default; nothing is capped while CPUs are idle).
    """

    memory: str = "2g"
    pids: int = 2048
    cpu_shares: int = 512

    def host_config(self) -> dict[str, object]:
        return {"mem_limit": self.memory, "memswap_limit": self.memory, "pids_limit": self.pids, "cpu_shares": self.cpu_shares}


def _hidden_addresses(client: docker.DockerClient) -> bool:
    """True when this machine cannot reach container addresses: a remote engine or Docker Desktop's VM."""
    local_socket = str(client.api.base_url).startswith("http+docker://localhost")
    return not local_socket or "Docker Desktop" in str(client.info().get("OperatingSystem", ""))


def start_engine(
    name: str = "e28",
    *,
    image: str = ENGINE_TAG,
    build: bool = True,
    images: Sequence[str] = (),
    publish: bool | None = None,
    internal: bool = True,
    address_pool: str = INNER_POOL,
    bip: str = INNER_BIP,
    timeout: float = 120,
    client: docker.DockerClient | None = None,
    network: str | None = None,
    ip: str | None = None,
    tls: EngineTls | None = None,
    limits: Limits | None = None,
    labels: Mapping[str, str] | None = None,
    daemon_args: Sequence[str] = (),
    hostname: str | None = None,
    dns: Sequence[str] | None = None,
    on_started: Callable[[], None] | None = None,
) -> DindEngine:
    """Start engine ``name`` (or reach it when it already runs) and load ``images`` into it.

    ``daemon_args`` go to the inner dockerd as they are (a test's ``--registry-mirror``, ``--dns``).

    ``build``: build the engine image offline when missing (about 85 s the first time). ``publish``:
    reach the engine through a port published on 127.0.0.1 instead of the container's address (None:
    only when the host engine is not a local socket, e.g. Docker Desktop, whose VM hides container
    addresses); a published engine needs ``internal=False``. ``network``/``ip``: join this existing
    network (the caller's; default: the course's engines network) at this address. ``tls``: answer on
    TCP 2376 only to the client certificate in that folder (:func:`~.tls.make_engine_tls`), and on no
    plain TCP port. ``limits``: memory, process and CPU-share limits for the engine and all it runs.
    ``labels`` go on the container and its volume next to the engine labels (a lesson's nodes carry
    its session's, so its cleanup finds them; the engine label itself always stays ``name``);
    ``hostname`` is the container's (default ``name``); ``dns`` its resolvers (``--dns``).
    ``on_started`` is called once the container runs (or was found running), before its engine answers:
    engines started one after the other up to there get their addresses in that order.
    """
    check_name(name)
    client = client or host_client()
    if tls is not None and publish:
        raise EngineError("a TLS engine is reached at its own address; it cannot also be published")
    running = own_container(client, name)
    if running is not None and running.status == "running":
        if on_started is not None:
            on_started()
        engine = engine_handle(name, running, client=client, timeout=timeout, started=None, tls=tls)
        if images:
            engine.load(images)
        return engine
    if running is not None:  # stopped or dead: its volume keeps the images; the container is recreated
        running.remove(force=True)
    if find_engine_image(tag=image, client=client) is None:
        if not build:
            raise EngineError(f"the engine image {image} is missing; build it with ensure_engine_image()")
        ensure_engine_image(tag=image, client=client)
    if publish is None:
        publish = tls is None and network is None and _hidden_addresses(client)
    volume = own_volume(client, name, create=True, labels=labels)
    own_network = network is None  # the course's engines network, which another cleanup may remove meanwhile
    if network is None:
        network = engines_network(client, internal=internal and not publish)
    cgroup_v2 = str(client.info().get("CgroupVersion", "1")) == "2"
    mounts = [Mount("/var/lib/docker", volume, type="volume")]
    if not cgroup_v2:
        mounts.append(Mount("/sys/fs/cgroup", "/sys/fs/cgroup", type="bind", read_only=False))
    if tls is not None:
        mounts.append(Mount(SERVER_MOUNT, str(tls.server_dir), type="bind", read_only=True))
        dockerd = [f"--host=tcp://0.0.0.0:{TLS_PORT}", "--host=unix:///var/run/docker.sock", *tls.dockerd_args()]
    else:
        dockerd = [f"--host=tcp://0.0.0.0:{PORT}", "--host=unix:///var/run/docker.sock", "--tls=false"]
    dockerd += [f"--bip={bip}", f"--default-address-pool={address_pool}", *daemon_args]
    environment = {"container": "docker"}
    if limits is not None:  # the entrypoint nests the inner groups inside this container's own (v1)
        environment["DNB_NEST_CGROUPS"] = "1"
    elif not cgroup_v2:  # v1 shows the host's whole hierarchy: keep the inner containers' groups apart
        dockerd.append(f"--cgroup-parent=/{engine_container_name(name)}")
    started = time.monotonic()
    api = client.api

    def create(cap_drop: list[str]) -> dict[str, str]:
        host_config = api.create_host_config(
            cap_add=["ALL"],
            cap_drop=cap_drop or None,
            security_opt=["seccomp=unconfined", "apparmor=unconfined"],
            device_cgroup_rules=["a *:* rwm"],
            tmpfs={"/run": "", "/tmp": ""},
            mounts=mounts,
            cgroupns="private" if cgroup_v2 else None,
            network_mode=network,
            port_bindings={PORT: ("127.0.0.1", None)} if publish else None,
            dns=list(dns) if dns else None,
            **(limits.host_config() if limits is not None else {}),
        )
        # The CLI's `--security-opt systempaths=unconfined` is client-side: it empties these two lists,
        # which docker-py has no argument for.
        host_config["MaskedPaths"] = []
        host_config["ReadonlyPaths"] = []
        networking = (
            api.create_networking_config({network: api.create_endpoint_config(ipv4_address=ip)}) if ip else None
        )
        return api.create_container(
            image,
            ["sh", "-c", ENTRYPOINT, "dind", *dockerd],
            name=engine_container_name(name),
            hostname=hostname or name,
            labels=engine_labels(name, labels),
            environment=environment,
            ports=[PORT] if publish else None,
            host_config=host_config,
            networking_config=networking,
        )

    created: dict[str, str] = {}
    try:
        try:
            # 20.10 hands "ALL" to runc as is, which fails where root lacks CAP_SYS_RESOURCE unless it is
            # dropped; Engine 28 keeps only the capabilities the machine has and refuses to drop one it
            # lacks ("invalid CapDrop"), so there the drop is left out.
            drop = ["SYS_RESOURCE"]
            try:
                created = create(drop)
            except docker.errors.APIError as err:
                if "CapDrop" not in str(err):
                    raise
                drop = []
                created = create(drop)
        except docker.errors.NotFound:
            if not own_network:
                raise
            # Another process's cleanup removed the engines network, unused, a moment ago: make it again.
            network = engines_network(client, internal=internal and not publish)
            created = create(drop)
        api.start(created["Id"])
        if on_started is not None:
            on_started()
        container = client.containers.get(created["Id"])
    except docker.errors.APIError as err:
        if created:  # by id: the name may belong to a learner's container made meanwhile
            with contextlib.suppress(docker.errors.APIError):
                api.remove_container(created["Id"], force=True)
        raise EngineStartError(f"the host engine refused to start engine {name}: {err}") from err
    try:
        engine = engine_handle(name, container, client=client, timeout=timeout, started=started, tls=tls)
    except EngineStartError:
        container.remove(force=True)
        raise
    if images:
        engine.load(images)
    return engine


def stop_engine(name: str = "e28", *, client: docker.DockerClient | None = None) -> bool:
    """Remove engine ``name``'s container (its volume, with the inner images, stays). False if none."""
    check_name(name)
    client = client or host_client()
    container = own_container(client, name)
    if container is None:
        return False
    with contextlib.suppress(docker.errors.NotFound):
        container.remove(force=True)
    remove_cgroups(name)
    return True


def remove_cgroups(name: str) -> None:
    """On cgroup v1 the inner engine made its containers' groups under the host's hierarchy (see
    ``--cgroup-parent``); once the engine is gone they are empty and are removed. Never forced: rmdir
    refuses a group that still has processes. Nothing to do for a remote host engine or on v2."""
    groups = list(Path("/sys/fs/cgroup").glob(f"*/{engine_container_name(name)}"))
    for _ in range(100):  # the engine's processes may take a few seconds to die under load
        for group in groups:
            for folder, _, _ in os.walk(group, topdown=False):  # children before parents
                with contextlib.suppress(OSError):
                    os.rmdir(folder)
        groups = [group for group in groups if group.exists()]
        if not groups:
            return
        time.sleep(0.1)


def remove_engine(name: str = "e28", *, client: docker.DockerClient | None = None) -> bool:
    """Remove engine ``name``'s container and its volume. False when neither existed."""
    client = client or host_client()
    stopped = stop_engine(name, client=client)
    volume = own_volume(client, name, create=False)
    if volume is not None:
        with contextlib.suppress(docker.errors.NotFound):
            client.volumes.get(volume).remove(force=True)
    return stopped or volume is not None


@contextlib.contextmanager
def dind_engine(name: str = "e28", *, keep_volume: bool = True, **options: object) -> Iterator[DindEngine]:
    """``with dind_engine("e28", images=CORE_IMAGES) as engine:`` ... the container is removed after."""
    engine = start_engine(name, **options)  # type: ignore[arg-type]
    try:
        yield engine
    finally:
        (stop_engine if keep_volume else remove_engine)(name)
