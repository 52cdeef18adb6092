"""The course images, and making sure the engine has every one of them.

Each image has a course tag (``dockernet-nb/<name>:<recipe>``) so nothing the course builds can ever
replace an image of the learner's. :func:`ensure_images` takes each missing image from the first source
that works, in this order:

1. already on the engine (whoever made it: a tag present is used as it is);
2. a course registry named by ``DOCKERNET_NB_REGISTRY`` (a classroom mirror), when it answers;
3. an offline build from Debian packages, where this host can do it (Linux, root, apt);
4. Docker Hub's official images plus a small build, on laptops with Docker Desktop or Docker Engine.

Lessons refer to images by their short names (``"busybox"``, ``"debian"``, ...); :func:`resolve` maps
a short name to its course tag and leaves any other reference alone.
"""

from __future__ import annotations

import dataclasses
import io
import json
import time
from collections.abc import Callable, Sequence

from dockernet_nb.display.progress import print_report
from dockernet_nb.engine.connection import client, engine_errors
from dockernet_nb.errors import ImageMissing, InvalidInput

__all__ = ["CourseImage", "CATALOG", "resolve", "missing_images", "ensure_images", "Report", "image_table"]

# (message, fraction done 0..1 or None when unknown)
Report = Callable[[str, "float | None"], None]

IMAGE_LABEL = "dockernet-nb.image"

# Everything the core lessons run, installed once into one Debian tree; the images built FROM it
# differ only in what they run.
DEBIAN_PACKAGES = (
    "iputils-ping",
    "iproute2",
    "net-tools",
    "procps",
    "netcat-openbsd",
    "socat",
    "curl",
    "iptables",
    "tcpdump",
    "redis-server",
    "redis-tools",
    "busybox-static",
)

# The routing lesson's tree: FRRouting and the tools to watch it work.
FRR_PACKAGES = ("frr", "iputils-ping", "iproute2", "net-tools", "procps", "iptables", "tcpdump")

# Start FRR's daemons (zebra, ospfd, staticd) with the config in /etc/frr, then keep the container up.
FRR_START = (
    "sed -i 's/^ospfd=no/ospfd=yes/' /etc/frr/daemons && /usr/lib/frr/frrinit.sh start >&2 && "
    "exec tail -f /dev/null"
)

# Answers every TCP connection with `uptime` and logs who connected (socat survives any number of
# connections; Debian's ncat -lk -e died after one).
UPTIME_SERVER = (
    'echo "listening on 0.0.0.0:${PORT:-8000} ..." >&2; '
    "exec socat TCP-LISTEN:${PORT:-8000},reuseaddr,fork "
    "SYSTEM:'echo \"connect to $SOCAT_SOCKADDR:$SOCAT_SOCKPORT from $SOCAT_PEERADDR:$SOCAT_PEERPORT\" >&2; uptime'"
)


@dataclasses.dataclass(frozen=True)
class CourseImage:
    """One image the lessons use."""

    name: str  # short name used in lessons
    tag: str  # the course tag on the engine
    purpose: str
    base: str | None = None  # short name of the image it is built FROM (None: a root image)
    cmd: tuple[str, ...] | None = None  # default command
    hub_dockerfile: str = ""  # how to make it from Docker Hub's official images
    packages: tuple[str, ...] = ()  # a root image built offline: the Debian packages of its tree


CATALOG: tuple[CourseImage, ...] = (
    CourseImage(
        name="busybox",
        tag="dockernet-nb/busybox:1",
        purpose="busybox ifconfig, route, ping: the worksheet's tool box (2 MB)",
        hub_dockerfile="FROM busybox:1.36\n",
    ),
    CourseImage(
        name="debian",
        tag="dockernet-nb/debian:1",
        purpose="Debian 12 with iputils-ping, iproute2, net-tools, iptables, tcpdump, socat, curl",
        packages=DEBIAN_PACKAGES,
        cmd=("bash",),
        hub_dockerfile=(
            "FROM debian:bookworm-slim\n"
            "RUN apt-get update && apt-get install -y --no-install-recommends "
            + " ".join(DEBIAN_PACKAGES)
            + " && rm -rf /var/lib/apt/lists/*\n"
        ),
    ),
    CourseImage(
        name="redis",
        tag="dockernet-nb/redis:1",
        purpose="redis-server (default command) and redis-cli",
        base="debian",
        cmd=("redis-server", "--protected-mode", "no", "--save", ""),
    ),
    CourseImage(
        name="uptime",
        tag="dockernet-nb/uptime:1",
        purpose="TCP server on port 8000 that answers each connection with `uptime` and logs the client",
        base="debian",
        cmd=("sh", "-c", UPTIME_SERVER),
    ),
    CourseImage(
        name="frr",
        tag="dockernet-nb/frr:1",
        purpose="FRRouting 8 (zebra, ospfd, vtysh) on Debian 12, for the routing lesson; run it with cap_add NET_ADMIN and SYS_ADMIN",
        packages=FRR_PACKAGES,
        cmd=("sh", "-c", FRR_START),
        hub_dockerfile=(
            "FROM debian:bookworm-slim\n"
            "RUN apt-get update && apt-get install -y --no-install-recommends "
            + " ".join(FRR_PACKAGES)
            + " && rm -rf /var/lib/apt/lists/*\n"
            + "CMD " + json.dumps(["sh", "-c", FRR_START]) + "\n"
        ),
    ),
)

_BY_NAME = {image.name: image for image in CATALOG}


def resolve(image: str) -> str:
    """Map a lesson's short image name to the course tag; other references pass through unchanged."""
    course = _BY_NAME.get(image)
    return course.tag if course else image


def _present(tag: str) -> bool:
    try:
        with engine_errors(f"looking for image {tag}"):
            client().images.get(tag)
        return True
    except ImageMissing:
        return False


def missing_images(names: Sequence[str] | None = None) -> list[CourseImage]:
    """The course images (all, or those named) that the engine does not have yet."""
    wanted = [by_name(n) for n in names] if names else list(CATALOG)
    return [image for image in wanted if not _present(image.tag)]


def image_table():
    """A DataFrame of the course images: name, tag, whether present, size, purpose."""
    import pandas as pd

    rows = []
    for image in CATALOG:
        size = None
        try:
            with engine_errors(f"looking for image {image.tag}"):
                found = client().images.get(image.tag)
            size = round(found.attrs.get("Size", 0) / 1e6, 1)
        except ImageMissing:
            found = None
        rows.append(
            {"name": image.name, "tag": image.tag, "present": found is not None, "size_mb": size, "purpose": image.purpose}
        )
    return pd.DataFrame(rows)


def ensure_images(
    names: Sequence[str] | None = None, *, report: Report | None = None, source: str = "auto"
) -> dict[str, str]:
    """Make sure every course image exists; return {short name: how it was obtained}.

    ``source`` forces one way ("registry", "offline", "hub"); "auto" takes the first that works.
    Example::

        >>> ensure_images()            # doctest: +SKIP
        {'busybox': 'present', 'debian': 'present', 'redis': 'present', 'uptime': 'present'}
    """
    from dockernet_nb.engine.images import hub, offline, registry

    report = report or print_report
    started = time.monotonic()
    wanted = [by_name(n) for n in names] if names else list(CATALOG)
    # A derived image needs its base, even if only the derived one was asked for.
    for image in list(wanted):
        if image.base and by_name(image.base) not in wanted:
            wanted.insert(0, by_name(image.base))
    outcome = {image.name: "present" for image in wanted if _present(image.tag)}
    todo = [image for image in wanted if image.name not in outcome]
    if not todo:
        report(f"All {len(wanted)} course images are present ({time.monotonic() - started:.1f} s).", 1.0)
        return outcome

    report(f"Missing: {', '.join(i.name for i in todo)}.", 0.0)
    chosen = source
    if chosen == "auto":
        if registry.configured() and registry.answers():
            chosen = "registry"
        elif offline.possible():
            chosen = "offline"
        else:
            chosen = "hub"
    makers = {"registry": registry.pull, "offline": offline.build, "hub": hub.build}
    if chosen not in makers:
        raise InvalidInput(f"Unknown image source {chosen!r}: use auto, registry, offline or hub.")
    report(f"Getting them from: {_SOURCE_WORDS[chosen]}.", 0.0)
    makers[chosen](todo, report)
    for image in todo:
        if not _present(image.tag):
            raise ImageMissing(f"{image.tag} is still missing after the {chosen} step; see the messages above.")
        outcome[image.name] = chosen
    report(f"Done: {len(todo)} image(s) from {chosen} in {time.monotonic() - started:.1f} s.", 1.0)
    return outcome


_SOURCE_WORDS = {
    "registry": "the course registry in DOCKERNET_NB_REGISTRY",
    "offline": "an offline build from Debian packages (debootstrap)",
    "hub": "Docker Hub's official images plus a small build",
}


def build_from_dockerfile(tag: str, dockerfile: str, labels: dict[str, str]) -> None:
    """Build ``tag`` from a Dockerfile that needs no build context."""
    text = dockerfile + "".join(f'LABEL {k}="{v}"\n' for k, v in labels.items())
    with engine_errors(f"building {tag}"):
        client().images.build(fileobj=io.BytesIO(text.encode()), tag=tag, rm=True, forcerm=True, pull=False)


def derived_dockerfile(image: CourseImage) -> str:
    base = by_name(image.base).tag if image.base else ""
    return f"FROM {base}\nCMD {json.dumps(list(image.cmd or ()))}\n"


def by_name(name: str) -> CourseImage:
    """The course image of a short name; an unknown name is an error that lists the known ones."""
    image = _BY_NAME.get(name)
    if image is None:
        raise InvalidInput(f"{name!r} is not a course image; the course images are {', '.join(_BY_NAME)}.")
    return image

