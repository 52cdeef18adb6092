"""Offline builds from Debian packages: no registry needed, only a Debian mirror through apt.

Root images with a package list (debian, frr) are ``debootstrap --variant=minbase`` trees imported
with ``docker import``; their trees are made in parallel. busybox is Debian's busybox-static binary,
taken from the debian tree, in ``FROM scratch``. The other images are ``FROM`` a root image with a
different default command.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dockernet_nb.engine import apt
from dockernet_nb.engine.connection import client, engine_errors
from dockernet_nb.engine.images import (
    IMAGE_LABEL,
    CourseImage,
    Report,
    build_from_dockerfile,
    by_name,
    derived_dockerfile,
)
from dockernet_nb.engine.mirror import debian_mirror
from dockernet_nb.engine.provision import running_as_root
from dockernet_nb.errors import SetupError

__all__ = ["possible", "build"]

SUITE = "bookworm"

# Rough share of the whole build each debootstrap phase has finished by, for the progress bar;
# while packages download, each one moves the bar a little further (up to the next phase).
_PHASES = (
    ("I: Retrieving InRelease", 0.02),
    ("I: Retrieving Packages", 0.04),
    ("I: Extracting ", 0.40),
    ("I: Installing core", 0.45),
    ("I: Unpacking required", 0.50),
    ("I: Configuring required", 0.58),
    ("I: Unpacking the base", 0.65),
    ("I: Configuring ", 0.75),
    ("I: Base system installed", 0.85),
)
_PER_DOWNLOAD = 0.002
_DOWNLOADS_END = 0.38


def _local_engine() -> bool:
    host = os.environ.get("DOCKER_HOST", "")
    return host == "" or host.startswith("unix://")


def possible() -> bool:
    """True where this host can build the images itself: Linux, root, apt, and a local engine."""
    return (
        platform.system() == "Linux"
        and running_as_root()
        and _local_engine()
        and (shutil.which("debootstrap") is not None or shutil.which("apt-get") is not None)
    )


def _ensure_debootstrap(report: Report) -> None:
    if shutil.which("debootstrap"):
        return
    report("Installing debootstrap with apt-get ...", None)
    apt.install(["debootstrap"], start_services=False, say=lambda line: report(line, None))


def _debootstrap(image: CourseImage, root: Path, report: Report) -> None:
    command = [
        "debootstrap",
        "--variant=minbase",
        "--include=" + ",".join(image.packages),
        SUITE,
        str(root),
        # The mirror apt uses on this machine (or DOCKERNET_NB_DEBIAN_MIRROR), read at build time.
        debian_mirror(),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tail: list[str] = []
    shown = 0.0
    assert process.stdout is not None
    for line in process.stdout:
        tail = [*tail, line.rstrip()][-20:]
        fraction = next((f for marker, f in _PHASES if line.startswith(marker)), None)
        if fraction is None and line.startswith("I: Retrieving ") and shown >= 0.04:
            fraction = min(shown + _PER_DOWNLOAD, _DOWNLOADS_END)
        if fraction is not None and fraction > shown:
            shown = fraction
            report(f"{image.name}: {line.strip()}", fraction)
    if process.wait() != 0:
        raise SetupError(f"debootstrap of the {image.name} tree failed; its last lines were:\n" + "\n".join(tail))


def _trees_in_parallel(images: list[CourseImage], workdir: Path, report: Report) -> dict[str, Path]:
    """Run one debootstrap per image at once; the bar shows the slowest tree's progress."""
    fractions = {image.name: 0.0 for image in images}
    lock = threading.Lock()

    def tree_report(message: str, fraction: float | None) -> None:
        with lock:
            name = message.split(":", 1)[0]
            if fraction is not None:
                fractions[name] = fraction
            report(message, min(fractions.values()))

    names = ", ".join(f"{i.name} ({len(i.packages)} packages)" for i in images)
    report(f"debootstrap {SUITE} trees for {names}: about a minute ...", 0.01)
    roots = {image.name: workdir / image.name for image in images}
    with ThreadPoolExecutor(max_workers=len(images)) as pool:
        for future in [pool.submit(_debootstrap, image, roots[image.name], tree_report) for image in images]:
            future.result()
    return roots


def _import_tree(image: CourseImage, root: Path, report: Report) -> None:
    report(f"Importing the {image.name} tree as {image.tag} ...", 0.92)
    with tempfile.NamedTemporaryFile(suffix=".tar") as tar:
        packed = subprocess.run(["tar", "-C", str(root), "--numeric-owner", "-cf", tar.name, "."], capture_output=True, text=True)
        if packed.returncode != 0:
            raise SetupError(f"Packing the {image.name} tree failed (tar exit code {packed.returncode}): {packed.stderr.strip()[-500:]}")
        repository, tag = image.tag.rsplit(":", 1)
        with engine_errors(f"importing {image.tag}"):
            client().api.import_image(
                src=tar.name,
                repository=repository,
                tag=tag,
                changes=[f'LABEL {IMAGE_LABEL}="{image.name}"', f"CMD {json.dumps(list(image.cmd or ('bash',)))}"],
            )


def _build_busybox(image: CourseImage, root: Path, report: Report) -> None:
    report(f"Building {image.tag} from Debian's busybox-static ...", 0.88)
    with tempfile.TemporaryDirectory() as context:
        shutil.copy2(root / "bin" / "busybox", Path(context) / "busybox")
        (Path(context) / "Dockerfile").write_text(
            "FROM scratch\n"
            "COPY busybox /bin/busybox\n"
            'RUN ["/bin/busybox", "--install", "-s", "/bin"]\n'
            f'LABEL {IMAGE_LABEL}="{image.name}"\n'
            'CMD ["sh"]\n'
        )
        with engine_errors(f"building {image.tag}"):
            client().images.build(path=context, tag=image.tag, rm=True, forcerm=True, pull=False)


def build(todo: Sequence[CourseImage], report: Report) -> None:
    """Build the ``todo`` images offline (root images first, their trees in parallel)."""
    roots = [image for image in todo if image.base is None]
    derived = [image for image in todo if image.base is not None]
    if roots:
        _ensure_debootstrap(report)
        trees = [image for image in roots if image.packages]
        if any(image.name == "busybox" for image in roots) and not any(i.name == "debian" for i in trees):
            trees.append(by_name("debian"))  # busybox-static comes from the debian tree
        with tempfile.TemporaryDirectory(prefix="dockernet-nb-rootfs-") as tmp:
            paths = _trees_in_parallel(trees, Path(tmp), report)
            for image in roots:
                if image.name == "busybox":
                    _build_busybox(image, paths["debian"], report)
                else:
                    _import_tree(image, paths[image.name], report)
    for image in derived:
        report(f"Building {image.tag} FROM {image.base} ...", 0.96)
        build_from_dockerfile(image.tag, derived_dockerfile(image), {IMAGE_LABEL: image.name})
