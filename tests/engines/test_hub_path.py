"""The laptop path, for real: `dockernet-nb images --source hub` against an engine that pulls "Docker Hub" images.

Docker Hub cannot be reached from these machines, so Debian's docker-registry stands in for it: it
holds `library/busybox:1.36` and `library/debian:bookworm-slim` (pushed from the course's offline
builds) and listens on the host's address on the course's engines network only. An Engine 28
(docker-in-docker) runs with `--registry-mirror` pointing at it, as a laptop's engine would pull from
Docker Hub. Then the course's own command builds every image from the same Dockerfiles a laptop uses
(the Debian packages come from Debian's mirror, as any `apt-get` in a build), and each image must do
its job. This proves the pull-and-build path (Dockerfiles, tags, progress, errors), not Docker Hub's
own images.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import docker
import pytest

from dockernet_nb.engine.images import CATALOG, registry
from dockernet_nb.engine.spawn import dind
from dockernet_nb.engine.spawn.engines_network import engines_network

HUB_IMAGES = {"dockernet-nb/busybox:1": "library/busybox:1.36", "dockernet-nb/debian:1": "library/debian:bookworm-slim"}


def _host_resolver() -> str:
    for line in Path("/etc/resolv.conf").read_text().splitlines():
        if line.startswith("nameserver "):
            return line.split()[1]
    pytest.skip("this machine names no DNS resolver for the builds' apt-get")


@pytest.fixture
def hub_stand_in(host, engine_image, tmp_path):
    """(registry address, engine) with the registry on the engines network's gateway and an engine mirroring it."""
    binary = shutil.which("docker-registry")
    if binary is None:
        pytest.fail("docker-registry is missing: apt-get install docker-registry (./course test installs it).")
    network = host.networks.get(engines_network(host, internal=True))
    gateway = network.attrs["IPAM"]["Config"][0]["Gateway"]
    address = f"{gateway}:5000"
    config = tmp_path / "config.yml"
    config.write_text(
        f"version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {tmp_path / 'data'}\nhttp:\n  addr: {address}\n"
    )
    process = subprocess.Popen([binary, "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    name = f"hub{os.getpid() % 10000}"
    engine = None
    try:
        deadline = time.monotonic() + 20
        while not registry.answers(address, timeout=0.5):
            assert time.monotonic() < deadline, "the stand-in registry did not answer"
            time.sleep(0.2)
        engine = dind.start_engine(
            name,
            client=host,
            daemon_args=[f"--registry-mirror=http://{address}", f"--insecure-registry={address}", f"--dns={_host_resolver()}"],
        )
        # The builds fetch Debian packages: the engine container also joins the default bridge, for a route out.
        host.networks.get("bridge").connect(host.containers.get(engine.container))
        inner = engine.client(timeout=600)
        engine.load(list(HUB_IMAGES))
        for course_tag, hub_name in HUB_IMAGES.items():
            pushed = f"{address}/{hub_name}"
            inner.images.get(course_tag).tag(pushed)
            for event in inner.api.push(pushed, stream=True, decode=True):
                assert "error" not in event, event
            inner.images.remove(pushed)
            inner.images.remove(course_tag)
        assert not [t for i in inner.images.list() for t in i.tags], "the engine must start with no images at all"
        yield address, engine
    finally:
        if engine is not None:
            dind.remove_engine(name, client=host)
        process.terminate()
        process.wait(timeout=10)


def test_images_from_the_hub_path_are_built_by_the_laptop_dockerfiles_and_work(hub_stand_in):
    _, engine = hub_stand_in
    run = subprocess.run(
        [sys.executable, "-m", "dockernet_nb.cli", "images", "--source", "hub"],
        env={**os.environ, "DOCKER_HOST": engine.docker_host},
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Docker Hub's official images plus a small build" in run.stdout  # the progress lines a laptop shows
    for image in CATALOG:
        assert f"{image.tag}" in run.stdout and "hub" in run.stdout
    inner = engine.client(timeout=300)
    for image in CATALOG:
        assert inner.images.get(image.tag).labels.get("dockernet-nb.image") == image.name
    pulled = {t for i in inner.images.list() for t in i.tags}
    assert {"busybox:1.36", "debian:bookworm-slim"} <= pulled  # through the mirror, by their Docker Hub names

    def output(tag: str, command: list[str]) -> str:
        return inner.containers.run(tag, command, remove=True, network_mode="none").decode()

    assert "Link encap" in output("dockernet-nb/busybox:1", ["ifconfig", "lo"])
    assert "iproute2" in output("dockernet-nb/debian:1", ["ip", "-V"])
    assert "redis-cli" in output("dockernet-nb/redis:1", ["redis-cli", "--version"])
    assert "/usr/lib/frr/ospfd" in output("dockernet-nb/frr:1", ["sh", "-c", "ls /usr/lib/frr/zebra /usr/lib/frr/ospfd"])
    server = inner.containers.run("dockernet-nb/uptime:1", detach=True, network_mode="bridge")
    try:
        deadline = time.monotonic() + 20
        while True:
            reply = inner.containers.run(
                "dockernet-nb/debian:1",
                ["sh", "-c", f"nc -w 2 {server.attrs['NetworkSettings']['IPAddress'] or _address(server)} 8000 </dev/null"],
                remove=True,
            ).decode()
            if "load average" in reply or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert "load average" in reply
    finally:
        server.remove(force=True)


def _address(container: docker.models.containers.Container) -> str:
    container.reload()
    return container.attrs["NetworkSettings"]["Networks"]["bridge"]["IPAddress"]
