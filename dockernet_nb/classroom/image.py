"""The learner's notebook image ``dockernet-nb/learner:1``: JupyterLab, the hub's single-user server,
this package and the lessons, for a user ``jovyan`` (uid 1000) with no Docker socket at all.

Built without a registry and without downloading Python packages a second time:

1. a base layer ``FROM dockernet-nb/debian:1`` (the course's Debian 12 image) with Debian's python3
   (apt through the machine's Debian mirror) and the learner's account;
2. the Python packages the learner's server needs, copied from the environment the hub itself runs
   in (the same versions, so the single-user server matches the hub), file by file from each
   distribution's record, with their Jupyter data files (JupyterLab's assets, server settings);
3. this package and the lesson notebooks.

The image carries a label with a hash of everything that went in; a later build with the same
inputs finds it and does nothing. The hub's Python must be the same minor version as Debian 12's
(3.11) for the copy; otherwise the packages are installed with pip for that version instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import docker
import docker.errors

from dockernet_nb.classroom.settings import LEARNER_UID
from dockernet_nb.engine.labels import COURSE
from dockernet_nb.engine.spawn.common import host_client
from dockernet_nb.errors import ImageMissing, SetupError

__all__ = ["LEARNER_TAG", "BASE_TAG", "ensure_learner_image", "learner_packages", "IMAGE_PYTHON"]

log = logging.getLogger(__name__)

LEARNER_TAG = "dockernet-nb/learner:1"
BASE_TAG = "dockernet-nb/learner-base:1"
FROM = "dockernet-nb/debian:1"
IMAGE_PYTHON = (3, 11)  # Debian 12's python3
SITE = "/opt/dockernet-nb/site"  # the learner's Python packages (on PYTHONPATH)
LESSONS = "/opt/dockernet-nb/notebooks"  # copied into the learner's home on first start
LEARNER_IMAGE = "dockernet-nb.learner-image"  # label: hash of the inputs

# What the learner's server needs besides this package's own dependencies.
ROOTS = ("jupyterhub", "jupyterlab", "ipykernel", "ipywidgets", "nbformat")

BASE_DOCKERFILE = f"""FROM {FROM}
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \\
        python3 ca-certificates tini && rm -rf /var/lib/apt/lists/* \\
    && useradd --create-home --uid {LEARNER_UID} --shell /bin/bash jovyan
LABEL {COURSE}="1" {LEARNER_IMAGE}="base"
"""

START = f"""#!/bin/sh
# The learner's server: fresh copies of lessons the learner does not have yet (their own edits stay),
# then the hub's single-user JupyterLab.
set -e
if [ -n "$DOCKER_CERT_PATH" ]; then  # on Kubernetes the engine beside us makes the certificates as it starts
    i=0; while [ ! -r "$DOCKER_CERT_PATH/key.pem" ] && [ $i -lt 120 ]; do sleep 0.5; i=$((i + 1)); done
fi
mkdir -p "$HOME/notebooks" "${{DOCKERNET_NB_DATA:-$HOME/.local/share/dockernet-nb}}"
for lesson in {LESSONS}/*; do
    [ -e "$HOME/notebooks/$(basename "$lesson")" ] || cp -r "$lesson" "$HOME/notebooks/"
done
exec python3 -m jupyterhub.singleuser "$@"
"""

Say = Callable[[str], None]


def _requirements() -> list[str]:
    """This package's own runtime requirements (from its metadata, or from pyproject.toml in a clone)."""
    try:
        found = metadata.requires("dockernet-nb") or []
    except metadata.PackageNotFoundError:
        found = []
    if not found:
        import tomllib

        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        found = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    return [r for r in found if "extra ==" not in r]


def learner_packages() -> dict[str, metadata.Distribution]:
    """Every distribution the learner's server needs, from this environment, by canonical name."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    todo = [Requirement(r) for r in [*_requirements(), *ROOTS]]
    found: dict[str, metadata.Distribution] = {}
    done: set[tuple[str, frozenset[str]]] = set()
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        key = (name, frozenset(requirement.extras))
        if key in done:
            continue
        done.add(key)
        try:
            dist = found.get(name) or metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError as err:
            raise SetupError(
                f"{requirement.name} is not installed where the hub runs; install the classroom extra "
                "(`pip install 'dockernet-nb[classroom]'`)"
            ) from err
        found[name] = dist
        for text in dist.requires or []:
            inner = Requirement(text)
            if inner.marker is not None and not any(
                inner.marker.evaluate({"extra": extra}) for extra in (*requirement.extras, "")
            ):
                continue
            todo.append(inner)
    found.pop("dockernet-nb", None)  # the package itself is copied from its source folder
    return found


def _package_dir() -> Path:
    return Path(__file__).resolve().parents[1]


def _lessons_dir() -> Path:
    from dockernet_nb.curriculum import lesson_paths

    paths = lesson_paths()
    if not paths:
        raise SetupError("no lesson notebooks found to put in the learner image")
    return paths[0].parent


def _walk(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and ".ipynb_checkpoints" not in path.parts:
            yield path


def _placed_files(dists: dict[str, metadata.Distribution]) -> Iterator[tuple[Path, str]]:
    """(file on this machine, path in the image) for every file of every distribution."""
    prefix = Path(sys.prefix).resolve()
    for dist in dists.values():
        site = Path(str(dist.locate_file(""))).resolve()
        for entry in dist.files or []:
            source = Path(str(dist.locate_file(entry))).resolve()
            if not source.is_file() or "__pycache__" in source.parts:
                continue
            if source.is_relative_to(site):
                yield source, f"{SITE}/{source.relative_to(site)}"
            elif source.is_relative_to(prefix / "share" / "jupyter"):
                yield source, f"/usr/local/share/jupyter/{source.relative_to(prefix / 'share' / 'jupyter')}"
            elif source.is_relative_to(prefix / "etc" / "jupyter"):
                yield source, f"/usr/local/etc/jupyter/{source.relative_to(prefix / 'etc' / 'jupyter')}"
            # scripts (bin/) are left out: the image runs `python3 -m ...`


def _own_files() -> Iterator[tuple[Path, str]]:
    package = _package_dir()
    for path in _walk(package):
        yield path, f"{SITE}/dockernet_nb/{path.relative_to(package)}"
    lessons = _lessons_dir()
    for path in _walk(lessons):
        yield path, f"{LESSONS}/{path.relative_to(lessons)}"


def _fingerprint(dists: dict[str, metadata.Distribution], own: list[tuple[Path, str]]) -> str:
    digest = hashlib.sha256()
    digest.update(BASE_DOCKERFILE.encode() + START.encode() + b"compileall")
    for name in sorted(dists):
        digest.update(f"{name}=={dists[name].version}\n".encode())
    for source, target in own:
        digest.update(target.encode() + b"\0" + hashlib.sha256(source.read_bytes()).digest())
    return digest.hexdigest()[:16]


def _existing(client: docker.DockerClient, tag: str) -> docker.models.images.Image | None:
    try:
        image = client.images.get(tag)
    except docker.errors.ImageNotFound:
        return None
    if (image.labels or {}).get(COURSE) != "1" or LEARNER_IMAGE not in (image.labels or {}):
        raise SetupError(f"{tag} exists but the course did not build it; it is left alone (remove or rename it)")
    return image


def _ensure_base(client: docker.DockerClient, say: Say) -> None:
    if _existing(client, BASE_TAG) is not None:
        return
    try:
        client.images.get(FROM)
    except docker.errors.ImageNotFound as err:
        raise ImageMissing(f"{FROM} is missing: build the course images first (`dockernet-nb images`)") from err
    say(f"building {BASE_TAG} (Debian's python3 through apt)")
    try:
        # The one step that needs the outside: apt reaches the Debian mirror from the host's network.
        # docker-py wraps the lone Dockerfile in a build context.
        client.images.build(fileobj=io.BytesIO(BASE_DOCKERFILE.encode()), tag=BASE_TAG, network_mode="host", rm=True, forcerm=True)
    except docker.errors.BuildError as err:
        tail = "".join(str(line.get("stream", line.get("error", ""))) for line in list(err.build_log)[-10:])
        raise SetupError(f"building {BASE_TAG} failed:\n{tail}") from err


def _tar_add(tar: tarfile.TarFile, source: Path | None, target: str, *, data: bytes | None = None, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(target.lstrip("/"))
    if data is None:
        assert source is not None
        stat = source.stat()
        info.size = stat.st_size
        info.mode = 0o755 if stat.st_mode & 0o111 else 0o644
        info.mtime = int(stat.st_mtime)
        with source.open("rb") as handle:
            tar.addfile(info, handle)
    else:
        info.size = len(data)
        info.mode = mode
        tar.addfile(info, io.BytesIO(data))


def _pip_for_image(workdir: Path, dists: dict[str, metadata.Distribution]) -> list[tuple[Path, str]]:
    """The packages installed with pip for the image's Python (when the hub's Python is another)."""
    target = workdir / "site"
    wanted = [f"{dist.metadata['Name']}=={dist.version}" for dist in dists.values()]
    major, minor = IMAGE_PYTHON
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
         "--python-version", f"{major}.{minor}", "--implementation", "cp", "--only-binary=:all:",
         "--platform", "manylinux_2_28_x86_64", "--platform", "manylinux_2_17_x86_64", "--platform", "manylinux2014_x86_64",
         "--platform", "any", *wanted],
        check=True,
    )
    placed = []
    for path in _walk(target):
        relative = path.relative_to(target)
        if relative.parts[:2] == ("share", "jupyter"):
            placed.append((path, f"/usr/local/share/jupyter/{Path(*relative.parts[2:])}"))
        elif relative.parts[:2] == ("etc", "jupyter"):
            placed.append((path, f"/usr/local/etc/jupyter/{Path(*relative.parts[2:])}"))
        elif relative.parts[0] != "bin":
            placed.append((path, f"{SITE}/{relative}"))
    return placed


def _layer(
    client: docker.DockerClient,
    *,
    base: str,
    files: Iterable[tuple[Path, str]],
    extra: dict[str, bytes],
    compile_dirs: list[str],
    tag: str,
    conf: dict[str, Any],
) -> None:
    """``base`` + ``files`` (+ ``extra`` contents), byte-compiled in ``compile_dirs``, committed as ``tag``.

    Byte-compiled in the image: a server that compiled JupyterLab's Python on every start would take
    many seconds longer to answer."""
    with tempfile.TemporaryDirectory(prefix="dockernet-nb-learner-") as scratch:
        archive = Path(scratch) / "layer.tar"
        seen: set[str] = set()
        with tarfile.open(archive, "w") as tar:
            for source, target in files:
                if target not in seen:
                    seen.add(target)
                    _tar_add(tar, source, target)
            for target, data in extra.items():
                _tar_add(tar, None, target, data=data, mode=0o755)
        command = ["python3", "-m", "compileall", "-q", "-j", "0", *compile_dirs]
        container = client.containers.create(base, command, labels={COURSE: "1"}, user="root", entrypoint=[])
        try:
            with archive.open("rb") as handle:
                container.put_archive("/", handle)
            container.start()
            status = container.wait(timeout=900)
            if status.get("StatusCode") != 0:
                raise SetupError(f"byte-compiling the learner's packages failed: {container.logs(tail=20).decode(errors='replace')}")
            repository, _, version = tag.rpartition(":")
            container.commit(repository=repository, tag=version, conf=conf)
        finally:
            with contextlib.suppress(docker.errors.APIError):
                container.remove(force=True)


def ensure_learner_image(
    *, tag: str = LEARNER_TAG, client: docker.DockerClient | None = None, say: Say = log.info, rebuild: bool = False
) -> str:
    """Build the learner image unless one from the same inputs exists; its tag.

    Two layers over the base: the Python packages (``dockernet-nb/learner-packages:<hash>``, kept
    while the packages stay the same) and this package with the lessons (small, rebuilt on every
    change of either)."""
    client = client or host_client(timeout=900)
    dists = learner_packages()
    own = list(_own_files())
    packages_print = _fingerprint(dists, [])
    fingerprint = _fingerprint(dists, own)
    existing = _existing(client, tag)
    if existing is not None and not rebuild and (existing.labels or {}).get(LEARNER_IMAGE) == fingerprint:
        return tag
    _ensure_base(client, say)
    packages_tag = f"dockernet-nb/learner-packages:{packages_print}"
    if rebuild or _existing(client, packages_tag) is None:
        say(f"building {packages_tag} ({len(dists)} Python packages from this environment)")
        with tempfile.TemporaryDirectory(prefix="dockernet-nb-pip-") as scratch:
            files = _placed_files(dists) if sys.version_info[:2] == IMAGE_PYTHON else _pip_for_image(Path(scratch), dists)
            _layer(client, base=BASE_TAG, files=files, extra={}, compile_dirs=[SITE], tag=packages_tag,
                   conf={"Labels": {COURSE: "1", LEARNER_IMAGE: f"packages {packages_print}"}})
    say(f"building {tag} (the package and the lessons over {packages_tag})")
    env = [
        f"PYTHONPATH={SITE}",
        "JUPYTERLAB_DIR=/usr/local/share/jupyter/lab",
        "HOME=/home/jovyan",
        "SHELL=/bin/bash",
        "DOCKERNET_NB_DATA=/home/jovyan/.local/share/dockernet-nb",
    ]
    _layer(
        client,
        base=packages_tag,
        files=own,
        extra={"/usr/local/bin/dockernet-nb-learner": START.encode()},
        compile_dirs=[f"{SITE}/dockernet_nb"],
        tag=tag,
        conf={
            "Env": env,
            "User": "jovyan",
            "WorkingDir": "/home/jovyan",
            "Entrypoint": ["tini", "-g", "--"],
            "Cmd": ["dockernet-nb-learner"],
            "Labels": {COURSE: "1", LEARNER_IMAGE: fingerprint, "dockernet-nb.learner-packages": packages_tag},
        },
    )
    with contextlib.suppress(docker.errors.APIError):
        client.images.prune(filters={"dangling": True, "label": f"{LEARNER_IMAGE}"})
    say(f"{tag} is ready ({fingerprint})")
    return tag


def describe(client: docker.DockerClient | None = None) -> dict[str, str]:
    """The learner image's tag, fingerprint and size, for `dockernet-nb classroom status`."""
    client = client or host_client()
    image = _existing(client, LEARNER_TAG)
    if image is None:
        return {}
    return {"tag": LEARNER_TAG, "fingerprint": (image.labels or {}).get(LEARNER_IMAGE, ""), "size_mb": f"{image.attrs['Size'] / 1e6:.0f}"}


if __name__ == "__main__":  # pragma: no cover - `python -m dockernet_nb.classroom.image`
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    print(json.dumps({"tag": ensure_learner_image(say=print, rebuild="--rebuild" in sys.argv)}))

