"""Where `dockernet-nb images` takes an image from: present, a registry, an offline build.

Each test adds a small throw-away image to the catalog (tags under `dockernet-nb-test/`), so the real
course images are never removed or rebuilt here.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import docker.errors
import pytest

from dockernet_nb.engine import images
from dockernet_nb.engine.connection import client
from dockernet_nb.engine.images import IMAGE_LABEL, CourseImage, registry


@pytest.fixture
def probe_image(monkeypatch):
    """Register a derived test image in the catalog; remove its tag afterwards."""
    made = []

    def add(name: str, cmd=("echo", "probe")) -> CourseImage:
        image = CourseImage(name=name, tag=f"dockernet-nb-test/{name}:1", purpose="test", base="debian", cmd=cmd)
        monkeypatch.setattr(images, "CATALOG", (*images.CATALOG, image))
        monkeypatch.setitem(images._BY_NAME, name, image)
        made.append(image.tag)
        _remove_tag(image.tag)
        return image

    yield add
    for tag in made:
        _remove_tag(tag)


def _remove_tag(tag: str) -> None:
    try:
        client().images.remove(tag)
    except docker.errors.ImageNotFound:
        pass


def _quiet(message, fraction):
    pass


def test_a_tag_already_present_is_used_as_it_is_and_never_overwritten(probe_image):
    image = probe_image("present")
    # The learner's own image under that tag: made elsewhere, without the course label.
    client().images.get(images.resolve("busybox")).tag("dockernet-nb-test/present", "1")
    before = client().images.get(image.tag).id
    outcome = images.ensure_images(["present"], report=_quiet)
    assert outcome == {"debian": "present", "present": "present"}
    assert client().images.get(image.tag).id == before
    outcome = images.ensure_images(["present"], report=_quiet, source="offline")
    assert client().images.get(image.tag).id == before


def test_offline_build_makes_a_missing_image_from_the_debian_base(probe_image):
    image = probe_image("built", cmd=("echo", "built offline"))
    seen = []
    outcome = images.ensure_images(["built"], report=lambda m, f: seen.append((m, f)), source="offline")
    assert outcome["built"] == "offline"
    built = client().images.get(image.tag)
    assert built.labels[IMAGE_LABEL] == "built"
    out = client().containers.run(image.tag, remove=True, network_mode="none")
    assert out == b"built offline\n"
    fractions = [f for _, f in seen if f is not None]
    assert fractions[-1] == 1.0 and fractions == sorted(fractions)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def local_registry(tmp_path):
    """Debian's docker-registry on 127.0.0.1 (the engine trusts loopback registries over HTTP)."""
    binary = shutil.which("docker-registry")
    if binary is None:
        pytest.fail("docker-registry is missing: apt-get install docker-registry (.ci/run installs it).")
    port = _free_port()
    config = tmp_path / "config.yml"
    config.write_text(
        "version: 0.1\n"
        f"storage:\n  filesystem:\n    rootdirectory: {tmp_path / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )
    process = subprocess.Popen([binary, "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    address = f"127.0.0.1:{port}"
    try:
        for _ in range(100):
            if registry.answers(address, timeout=0.5):
                break
            time.sleep(0.1)
        yield address
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_course_registry_is_pulled_from_when_it_answers(probe_image, local_registry, monkeypatch):
    image = probe_image("pulled", cmd=("echo", "from the registry"))
    images.ensure_images(["pulled"], report=_quiet, source="offline")
    registry.publish(local_registry, _quiet, [image])
    built_id = client().images.get(image.tag).id
    _remove_tag(image.tag)

    monkeypatch.setenv("DOCKERNET_NB_REGISTRY", local_registry)
    outcome = images.ensure_images(["pulled"], report=_quiet)
    assert outcome["pulled"] == "registry"
    assert client().images.get(image.tag).id == built_id
    # Only the course tag is left: the registry's name for it was removed after tagging.
    with pytest.raises(docker.errors.ImageNotFound):
        client().images.get(f"{local_registry}/{image.tag}")


def test_a_registry_that_does_not_answer_is_skipped(probe_image, monkeypatch):
    probe_image("fallback")
    monkeypatch.setenv("DOCKERNET_NB_REGISTRY", f"127.0.0.1:{_free_port()}")
    outcome = images.ensure_images(["fallback"], report=_quiet)
    assert outcome["fallback"] == "offline"
