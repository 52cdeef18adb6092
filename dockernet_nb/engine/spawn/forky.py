"""The newest engine Debian packages, built offline: a debootstrap tree and the image made from it.

Debian's testing suite (``forky`` today) carries docker.io 28.x, containerd and runc, which need a newer
libc than a bookworm host has; a debootstrap tree of that suite brings its own. The tree serves twice:

- imported as the course image ``dockernet-nb/engine:1`` it runs as docker-in-docker (:mod:`.dind`);
- as the root of a mount namespace it runs as a *local* engine (:mod:`.local`).

Both are cached: the tree in a folder with a marker file (written last, so a half-built tree is never
taken for a finished one), the image on the host engine, found by its labels. The Engine version is
read from the tree (``dockerd --version``), never written into the code, so the build keeps working
when the testing suite moves on. The tree also carries forky's ``docker-compose`` (Compose v2, 66 MB,
a few seconds more), which runs on the bookworm host too.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import logging
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors

from dockernet_nb.engine.mirror import find_debian_mirror
from dockernet_nb.engine.spawn.common import (
    ENGINE_IMAGE,
    ENGINE_SUITE,
    ENGINE_VERSION,
    EngineBuildError,
    EngineNameInUse,
    course_labels,
    host_client,
    is_course,
)

__all__ = [
    "ENGINE_TAG",
    "PACKAGES",
    "SUITE",
    "EngineImage",
    "EngineTree",
    "default_tree_dir",
    "dockerd_version",
    "ensure_engine_image",
    "ensure_tree",
    "find_engine_image",
    "read_tree",
]

log = logging.getLogger(__name__)

ENGINE_TAG = "dockernet-nb/engine:1"
SUITE = "forky"
PACKAGES = (
    "docker.io",
    "docker-compose",
    "iptables",
    "iproute2",
    "ca-certificates",
    "tcpdump",
    "procps",
    "iputils-ping",
)
MARKER = ".dockernet-nb-tree.json"
ENGINE_TREE = "dockernet-nb.engine-tree"  # image label: the build stamp of the tree it came from
# Never part of the image: an engine's own data, the local engine's mount points, the marker.
IMPORT_EXCLUDES = ("./var/lib/docker", "./var/lib/docker/*", "./var/lib/docker-*", "./oldroot", f"./{MARKER}")
_VERSION = re.compile(r"Docker version (\d+)\.(\d+)\.(\d+)([^,\s]*)")


@dataclasses.dataclass(frozen=True)
class EngineTree:
    """A finished debootstrap tree and what it holds."""

    path: Path
    suite: str
    version: str  # "28.5.2"
    full_version: str  # "28.5.2+dfsg4", as dockerd prints it
    mirror: str
    packages: tuple[str, ...]
    stamp: str  # when it was built (ISO time): tells a rebuilt tree from the one an image came from
    build_seconds: float  # 0.0 when an existing tree was reused

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    @property
    def compose(self) -> Path | None:
        """forky's Compose v2 CLI plugin in the tree (it runs on the bookworm host too), if present."""
        path = self.path / "usr/libexec/docker/cli-plugins/docker-compose"
        return path if path.is_file() else None


@dataclasses.dataclass(frozen=True)
class EngineImage:
    """The course's engine image on the host engine."""

    tag: str
    id: str
    version: str
    suite: str
    stamp: str
    import_seconds: float  # 0.0 when an existing image was reused


def why_not_here() -> str | None:
    """Why Engine 28 cannot be built and run on this machine (None when it can)."""
    import platform

    from dockernet_nb.engine.provision import running_as_root

    if platform.system() != "Linux":
        return "Engine 28 is built from Debian packages with debootstrap: Linux only"
    if not running_as_root():
        return "building and running Engine 28 needs root (debootstrap, namespaces, mounts)"
    if shutil.which("debootstrap") is None and shutil.which("apt-get") is None and read_tree() is None:
        return "debootstrap is missing (apt-get install debootstrap)"
    return None


def default_tree_dir(suite: str = SUITE) -> Path:
    """``$DOCKERNET_NB_ENGINE_TREE`` or ``/var/cache/dockernet-nb/engine-tree-<suite>`` (650 MB)."""
    return Path(os.environ.get("DOCKERNET_NB_ENGINE_TREE", f"/var/cache/dockernet-nb/engine-tree-{suite}"))


def dockerd_version(tree: Path) -> tuple[str, str]:
    """(``"28.5.2"``, ``"28.5.2+dfsg4"``) from the tree's own dockerd, run chrooted (it needs the tree's libc)."""
    try:
        out = subprocess.run(
            ["chroot", str(tree), "/usr/sbin/dockerd", "--version"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError) as err:
        raise EngineBuildError(f"could not run dockerd --version in {tree}: {err}") from err
    found = _VERSION.search(out)
    if not found:
        raise EngineBuildError(f"dockerd in {tree} printed no version I can read: {out.strip()!r}")
    version = ".".join(found.group(1, 2, 3))
    return version, version + found.group(4)


def read_tree(path: Path | None = None) -> EngineTree | None:
    """The finished tree at ``path`` (its marker says so), or None."""
    path = path or default_tree_dir()
    try:
        data = json.loads((path / MARKER).read_text())
        return EngineTree(
            path=path,
            suite=data["suite"],
            version=data["version"],
            full_version=data["full_version"],
            mirror=data["mirror"],
            packages=tuple(data["packages"]),
            stamp=data["stamp"],
            build_seconds=0.0,
        )
    except (OSError, ValueError, KeyError):
        return None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One build at a time per tree, across processes (two test sessions may start together)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _debootstrap_script(suite: str) -> str:
    """Bookworm's debootstrap has no script for forky; Debian's generic ``sid`` script serves any suite."""
    scripts = Path("/usr/share/debootstrap/scripts")
    return str(scripts / suite) if (scripts / suite).exists() else str(scripts / "sid")


def ensure_tree(
    *,
    path: Path | None = None,
    suite: str = SUITE,
    mirror: str | None = None,
    packages: tuple[str, ...] = PACKAGES,
    rebuild: bool = False,
) -> EngineTree:
    """The tree at ``path``, built with debootstrap unless a finished one with these packages is there.

    Builds into a sibling folder and renames it into place when finished, so an interrupted build
    never leaves a tree that looks complete. About 85 s and 650 MB here. Needs root and debootstrap.
    """
    path = path or default_tree_dir(suite)
    with _locked(path):
        found = read_tree(path)
        if found and not rebuild and found.suite == suite and set(packages) <= set(found.packages):
            return found
        if path.exists() and found is None and any(path.iterdir()):
            raise EngineBuildError(
                f"{path} exists and is not an engine tree the course built (no {MARKER}); it is left alone. "
                "Point DOCKERNET_NB_ENGINE_TREE at another folder, or empty this one yourself."
            )
        if shutil.which("debootstrap") is None:
            raise EngineBuildError("debootstrap is missing: install it (`apt-get install debootstrap`), then retry")
        chosen = find_debian_mirror()
        source = mirror or chosen.uri
        work = path.with_name(f"{path.name}.building-{os.getpid()}")
        shutil.rmtree(work, ignore_errors=True)
        command = [
            "debootstrap",
            "--variant=minbase",
            "--include=" + ",".join(packages),
            suite,
            str(work),
            source,
            _debootstrap_script(suite),
        ]
        log.info(
            "building the %s engine tree from %s (%s): %s",
            suite,
            source,
            (mirror and "given") or chosen.origin,
            " ".join(command),
        )
        started = time.monotonic()
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
        if result.returncode != 0:
            shutil.rmtree(work, ignore_errors=True)
            tail = "\n".join(result.stdout.splitlines()[-15:])
            raise EngineBuildError(f"debootstrap of the {suite} engine tree failed (exit {result.returncode}):\n{tail}")
        for folder in ("var/lib/docker", "oldroot"):  # mount points for the local engine
            (work / folder).mkdir(parents=True, exist_ok=True)
        version, full_version = dockerd_version(work)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        marker: dict[str, object] = {"suite": suite, "version": version, "full_version": full_version, "mirror": source}
        marker |= {"packages": list(packages), "stamp": stamp}
        (work / MARKER).write_text(json.dumps(marker, indent=1))
        if path.exists():  # the course's previous tree (checked above), or an empty folder
            old = path.with_name(f"{path.name}.old-{os.getpid()}")
            path.rename(old)
            shutil.rmtree(old, ignore_errors=True)
        work.rename(path)
        seconds = time.monotonic() - started
        log.info("engine tree %s: dockerd %s, built in %.0f s", path, full_version, seconds)
        tree = read_tree(path)
        assert tree is not None
        return dataclasses.replace(tree, build_seconds=seconds)


def _image_record(image: docker.models.images.Image, tag: str, seconds: float) -> EngineImage:
    labels = image.labels or {}
    return EngineImage(
        tag=tag,
        id=image.id,
        version=labels.get(ENGINE_VERSION, ""),
        suite=labels.get(ENGINE_SUITE, ""),
        stamp=labels.get(ENGINE_TREE, ""),
        import_seconds=seconds,
    )


def _existing(client: docker.DockerClient, tag: str) -> docker.models.images.Image | None:
    """The image under ``tag`` if the course made it; a learner's image there is an error, never replaced."""
    try:
        image = client.images.get(tag)
    except docker.errors.ImageNotFound:
        return None
    except docker.errors.APIError as err:
        raise EngineBuildError(f"the host engine could not look up {tag}: {err}") from err
    if not is_course(image.labels, ENGINE_IMAGE):
        raise EngineNameInUse(
            f"{tag} is an image the course did not build (it lacks the dockernet-nb labels); the course will "
            f"not replace it. Keep it under another name and free the tag: `docker tag {tag} my/engine:1 && "
            f"docker image rm {tag}` (or just `docker image rm {tag}`), then retry."
        )
    return image


def find_engine_image(*, tag: str = ENGINE_TAG, client: docker.DockerClient | None = None) -> EngineImage | None:
    """The course's engine image under ``tag`` (checked by its labels), or None."""
    image = _existing(client or host_client(), tag)
    return _image_record(image, tag, 0.0) if image is not None else None


def _tar_chunks(tree: Path) -> Iterator[bytes]:
    """The tree as a tar stream, without a 650 MB temporary file."""
    excludes = [f"--exclude={pattern}" for pattern in IMPORT_EXCLUDES]
    command = ["tar", "-C", str(tree), "--numeric-owner", "--xattrs", *excludes, "-cf", "-", "."]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    try:
        while chunk := process.stdout.read(1 << 20):
            yield chunk
    finally:
        process.stdout.close()
        if process.wait() != 0:
            assert process.stderr is not None
            raise EngineBuildError(f"tar of {tree} failed: {process.stderr.read().decode(errors='replace')[-500:]}")


def ensure_engine_image(
    *,
    tag: str = ENGINE_TAG,
    tree: EngineTree | None = None,
    client: docker.DockerClient | None = None,
    rebuild: bool = False,
) -> EngineImage:
    """The engine image on the host engine, imported from the tree when missing or out of date.

    An image the course made from this very tree (same stamp) is reused; with no tree on disk any
    course engine image under ``tag`` is reused. Otherwise the tree (built if needed) is imported,
    labelled with the dockerd version found inside it. A tag the learner owns is never replaced.
    """
    client = client or host_client()
    existing = _existing(client, tag)
    if tree is None and existing is not None and not rebuild:
        on_disk = read_tree()
        if on_disk is None or (existing.labels or {}).get(ENGINE_TREE) == on_disk.stamp:
            return _image_record(existing, tag, 0.0)
    tree = tree or ensure_tree(rebuild=rebuild)
    if existing is not None and not rebuild and (existing.labels or {}).get(ENGINE_TREE) == tree.stamp:
        return _image_record(existing, tag, 0.0)
    labels = course_labels(ENGINE_IMAGE, tree.suite) | {
        ENGINE_VERSION: tree.version,
        ENGINE_SUITE: tree.suite,
        ENGINE_TREE: tree.stamp,
    }
    changes = [" ".join(["LABEL", *(f"{k}={json.dumps(v)}" for k, v in labels.items())]), 'CMD ["dockerd"]']
    repository, _, version_tag = tag.rpartition(":")
    started = time.monotonic()
    try:
        result = client.api.import_image_from_data(
            _tar_chunks(tree.path), repository=repository, tag=version_tag, changes=changes
        )
        image = client.images.get(tag)
    except docker.errors.DockerException as err:
        raise EngineBuildError(f"importing the engine tree {tree.path} as {tag} failed: {err}") from err
    seconds = time.monotonic() - started
    log.info("imported %s (dockerd %s) in %.0f s: %s", tag, tree.full_version, seconds, str(result)[:200])
    if existing is not None and existing.id != image.id:
        with contextlib.suppress(docker.errors.APIError):  # an engine container may still use it
            client.images.remove(existing.id)
    return _image_record(image, tag, seconds)
