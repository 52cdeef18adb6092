"""Docker Compose v2 for the compose lesson: find one, or fetch Debian's without installing it.

The lesson runs Compose against the learner's engine. Where one is found, in this order:

1. ``DOCKERNET_NB_COMPOSE``: the path of a ``docker-compose`` v2 binary (an explicit choice wins);
2. the ``docker compose`` CLI plugin (Docker Desktop, Docker CE's ``docker-compose-plugin``);
3. a ``docker-compose`` on PATH that reports version 2 or newer (bookworm's own package is the old
   Python v1, ``docker-compose version 1.29.2``: never used);
4. the ``docker-compose`` inside the forky tree the Engine 28 work builds (Debian's 2.40 package is a
   Go program that needs only libc, so it runs on a bookworm host);
5. the course's cached copy (``/var/cache/dockernet-nb/compose/docker-compose`` as root, else under
   ``~/.cache``), which :func:`ensure_compose` fills by fetching forky's ``docker-compose`` .deb with
   apt through a temporary source list and unpacking it: nothing is installed, so none of its
   dependencies (forky's libc among them) come near the system.

:func:`find_compose` only looks; :func:`ensure_compose` is the setup step (``dockernet-nb engine``
calls it) that also fetches, and says how to get Compose otherwise.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from dockernet_nb.errors import SetupError

__all__ = ["ComposeCli", "find_compose", "ensure_compose", "require_compose", "how_to_get_compose", "COMPOSE_ENV", "MIN_VERSION"]

COMPOSE_ENV = "DOCKERNET_NB_COMPOSE"
# --progress json (what the verbs read) came with Compose 2.24.
MIN_VERSION = (2, 24)
SUITE = "forky"
PLUGIN_PATH = "usr/libexec/docker/cli-plugins/docker-compose"
_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")

Say = Callable[[str], None]


@dataclasses.dataclass(frozen=True)
class ComposeCli:
    """A Compose v2 this machine can run: the words that start it, its version, where it came from."""

    argv: tuple[str, ...]
    version: str
    source: str

    def command(self, *words: str) -> list[str]:
        return [*self.argv, *words]


def _version_of(argv: Sequence[str]) -> str | None:
    """``X.Y.Z`` that ``<argv> version --short`` prints, or None when it does not run."""
    try:
        result = subprocess.run([*argv, "version", "--short"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    found = _VERSION.search(result.stdout) if result.returncode == 0 else None
    return ".".join(found.groups()) if found else None


def _usable(version: str | None) -> bool:
    if version is None:
        return False
    major, minor, _ = (int(part) for part in version.split("."))
    return (major, minor) >= MIN_VERSION


def cache_path() -> Path:
    """Where the course keeps the docker-compose it fetched."""
    if os.geteuid() == 0:
        return Path("/var/cache/dockernet-nb/compose/docker-compose")
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dockernet-nb" / "compose" / "docker-compose"


def _candidates() -> list[tuple[tuple[str, ...], str]]:
    found: list[tuple[tuple[str, ...], str]] = []
    forced = os.environ.get(COMPOSE_ENV, "").strip()
    if forced:
        found.append(((forced,), f"{COMPOSE_ENV}"))
    docker = shutil.which("docker")
    if docker:
        found.append(((docker, "compose"), "the docker compose plugin"))
    on_path = shutil.which("docker-compose")
    if on_path:
        found.append(((on_path,), f"{on_path} on PATH"))
    try:
        from dockernet_nb.engine.spawn.forky import read_tree

        tree = read_tree()
    except ImportError:  # the Docker SDK is missing: no tree to look into
        tree = None
    if tree is not None and tree.compose is not None:
        found.append(((str(tree.compose),), f"the {tree.suite} engine tree"))
    if cache_path().is_file():
        found.append(((str(cache_path()),), "the course's cached copy"))
    return found


def find_compose() -> ComposeCli | None:
    """The first Compose v2 (2.24 or newer) of the places in the module docstring, or None."""
    for argv, source in _candidates():
        version = _version_of(argv)
        if _usable(version):
            assert version is not None
            return ComposeCli(argv, version, source)
    return None


def how_to_get_compose() -> str:
    return (
        "No Docker Compose v2 (2.24 or newer) was found. To get one:\n"
        "  - Docker Desktop (macOS, Windows, Linux) has it: `docker compose version` should answer.\n"
        "  - Docker CE on Linux: install the docker-compose-plugin package from Docker's apt/yum repository.\n"
        "  - Debian or Ubuntu as root: `dockernet-nb engine` fetches Debian's own Compose v2 (from the testing\n"
        "    suite) into /var/cache/dockernet-nb without installing anything.\n"
        f"  - Any docker-compose v2 binary: set {COMPOSE_ENV}=/path/to/docker-compose.\n"
        "Debian 12's own docker-compose package is the old version 1 and does not work with the lesson."
    )


def require_compose() -> ComposeCli:
    """The Compose v2 to use, or a :class:`SetupError` that says how to get one."""
    found = find_compose()
    if found is None:
        raise SetupError(how_to_get_compose())
    return found


def _apt(config: Path, *words: str, cwd: Path | None = None) -> None:
    env = {**os.environ, "APT_CONFIG": str(config), "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(["apt-get", "-q", *words], env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-6:])
        raise SetupError(f"apt-get {' '.join(words)} (with a temporary {SUITE} source list) failed:\n{tail}")


def fetch_compose(say: Say = print, *, suite: str = SUITE, mirror: str | None = None) -> Path:
    """Download Debian's ``docker-compose`` .deb of ``suite`` with apt and unpack only its binary into the cache.

    apt reads a temporary configuration (its own source list, lists, cache and an empty dpkg status),
    so the machine's apt state is not touched and nothing is installed.
    """
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise SetupError("apt-get and dpkg-deb are needed to fetch Debian's Compose; " + how_to_get_compose())
    from dockernet_nb.engine.mirror import find_debian_mirror

    source = mirror or find_debian_mirror().uri
    keyring = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
    signed = f"[signed-by={keyring}] " if keyring.exists() else ""
    with tempfile.TemporaryDirectory(prefix="dockernet-nb-compose-") as scratch:
        work = Path(scratch)
        for folder in ("lists/partial", "cache/archives/partial", "parts", "prefs"):
            (work / folder).mkdir(parents=True)
        (work / "status").write_text("")
        (work / "sources.list").write_text(f"deb {signed}{source} {suite} main\n")
        (work / "apt.conf").write_text(
            "\n".join(
                [
                    f'Dir::Etc::SourceList "{work / "sources.list"}";',
                    f'Dir::Etc::SourceParts "{work / "parts"}";',
                    f'Dir::Etc::Preferences "{work / "prefs" / "none"}";',
                    f'Dir::Etc::PreferencesParts "{work / "prefs"}";',
                    f'Dir::State::Lists "{work / "lists"}";',
                    f'Dir::State::status "{work / "status"}";',
                    f'Dir::Cache "{work / "cache"}";',
                    'APT::Sandbox::User "root";' if os.geteuid() == 0 else "",
                ]
            )
            + "\n"
        )
        say(f"Fetching Debian {suite}'s docker-compose package from {source} (not installing it) ...")
        _apt(work / "apt.conf", "update")
        _apt(work / "apt.conf", "download", "docker-compose", cwd=work)
        debs = sorted(work.glob("docker-compose_*.deb"))
        if not debs:
            raise SetupError(f"apt-get download left no docker-compose .deb in {work}.")
        unpacked = work / "unpacked"
        result = subprocess.run(["dpkg-deb", "-x", str(debs[-1]), str(unpacked)], capture_output=True, text=True, check=False)
        binary = unpacked / PLUGIN_PATH
        if result.returncode != 0 or not binary.is_file():
            raise SetupError(f"Unpacking {debs[-1].name} gave no {PLUGIN_PATH}: {result.stderr.strip()[:300]}")
        version = _version_of([str(binary)])
        if not _usable(version):
            raise SetupError(f"The fetched docker-compose does not run here (it said {version!r}). " + how_to_get_compose())
        target = cache_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(target.name + f".new-{os.getpid()}")
        shutil.copy2(binary, staged)
        staged.chmod(0o755)
        staged.replace(target)
    say(f"Docker Compose {version} is at {target}.")
    return target


def ensure_compose(say: Say = print, *, fetch: bool = True) -> int:
    """The setup step: report the Compose v2 found, else fetch Debian's (Linux with apt), else say how to get one.

    Returns 0 when a Compose v2 is there afterwards, 1 otherwise (like the other setup steps).
    """
    found = find_compose()
    if found is not None:
        say(f"Docker Compose {found.version} from {found.source}.")
        return 0
    if fetch and shutil.which("apt-get") is not None:
        try:
            fetch_compose(say)
        except SetupError as e:
            say(str(e))
            return 1
        return 0 if find_compose() is not None else 1
    say(how_to_get_compose())
    return 1
