"""The Debian mirror apt already uses on this machine, for debootstrap.

Offline builds fetch Debian packages. A learner behind a local mirror or a caching proxy must get the
mirror apt uses, not one written into the code, so the mirror comes from, in this order:

1. ``DOCKERNET_NB_DEBIAN_MIRROR`` (an explicit setting always wins);
2. the ``debian`` archive in apt's sources: ``/etc/apt/sources.list`` and ``sources.list.d/*.list``
   (one-line format) and ``sources.list.d/*.sources`` (deb822 format);
3. ``http://deb.debian.org/debian``, only when nothing else names one.

"The debian archive" is told from the security archive and from third-party repositories (Google
Cloud, NodeSource, ...) by its suites: an entry counts when one of its suites is a Debian release name
(``bookworm``, ``bookworm-updates``, ``sid``, ``stable``, ...) but not ``*-security``, it has the
``main`` component, and its URI is one debootstrap can fetch from (http, https, ftp, file).
"""

from __future__ import annotations

import dataclasses
import os
import re
import shlex
import urllib.parse
from collections.abc import Iterator, Mapping
from pathlib import Path

__all__ = [
    "DEFAULT_MIRROR",
    "MIRROR_ENV",
    "DebianMirror",
    "debian_mirror",
    "find_debian_mirror",
    "parse_deb822",
    "parse_one_line",
]

DEFAULT_MIRROR = "http://deb.debian.org/debian"
MIRROR_ENV = "DOCKERNET_NB_DEBIAN_MIRROR"

# Debian's release names (past, present and the next ones known today) and the symbolic suites. A new
# codename missing here still works through the os-release codename and the "main" + "-updates" rule.
_DEBIAN_SUITES = frozenset(
    [
        "buzz",
        "rex",
        "bo",
        "hamm",
        "slink",
        "potato",
        "woody",
        "sarge",
        "etch",
        "lenny",
        "squeeze",
        "wheezy",
        "jessie",
        "stretch",
        "buster",
        "bullseye",
        "bookworm",
        "trixie",
        "forky",
        "duke",
        "sid",
        "stable",
        "testing",
        "unstable",
        "oldstable",
        "oldoldstable",
        "experimental",
    ]
)
_FETCHABLE = re.compile(r"^(https?|ftp|file)://", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class SourceEntry:
    """One ``deb`` source: where packages come from and which suites and components it serves."""

    uri: str
    suites: tuple[str, ...]
    components: tuple[str, ...]
    origin: str  # "file:line" or "file:paragraph", for messages


@dataclasses.dataclass(frozen=True)
class DebianMirror:
    """The chosen mirror and why it was chosen (shown in build logs)."""

    uri: str
    origin: str


def parse_one_line(text: str, *, origin: str = "sources.list") -> Iterator[SourceEntry]:
    """``deb [options] URI suite [component ...]`` lines; ``deb-src`` and comments are skipped."""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        # Options in brackets may contain spaces ("[ arch=amd64 signed-by=/x ]"): drop them first.
        line = re.sub(r"\[[^\]]*\]", " ", line)
        try:
            words = shlex.split(line)
        except ValueError:
            continue
        if len(words) < 3 or words[0] != "deb":
            continue
        yield SourceEntry(words[1], (words[2],), tuple(words[3:]), f"{origin}:{number}")


def parse_deb822(text: str, *, origin: str = "debian.sources") -> Iterator[SourceEntry]:
    """deb822 paragraphs (``Types:``, ``URIs:``, ``Suites:``, ``Components:``, ``Enabled:``)."""
    paragraphs: list[dict[str, str]] = [{}]
    key = ""
    for raw in text.splitlines():
        if raw.startswith("#"):
            continue
        if not raw.strip():
            if paragraphs[-1]:
                paragraphs.append({})
            continue
        if raw[0] in " \t" and key:  # a continuation line
            paragraphs[-1][key] += " " + raw.strip()
            continue
        if ":" in raw:
            key, _, value = raw.partition(":")
            key = key.strip().lower()
            paragraphs[-1][key] = value.strip()
    for number, fields in enumerate((p for p in paragraphs if p), start=1):
        if fields.get("enabled", "yes").lower() in ("no", "false", "0"):
            continue
        if "deb" not in fields.get("types", "").split():
            continue
        suites = tuple(fields.get("suites", "").split())
        components = tuple(fields.get("components", "").split())
        for uri in fields.get("uris", "").split():
            yield SourceEntry(uri, suites, components, f"{origin}:paragraph {number}")


def _codename(os_release: Path) -> str:
    try:
        text = os_release.read_text()
    except OSError:
        return ""
    found = re.search(r"^VERSION_CODENAME=\"?([a-z]+)\"?$", text, re.MULTILINE)
    return found.group(1) if found else ""


def _is_debian_archive(entry: SourceEntry, codename: str) -> bool:
    if not _FETCHABLE.match(entry.uri) or "main" not in entry.components:
        return False
    known = _DEBIAN_SUITES | ({codename} if codename else set())
    if _is_security(entry.uri):
        return False
    for suite in entry.suites:
        base, _, pocket = suite.partition("-")
        if base in known and pocket in ("", "updates", "backports", "proposed-updates"):
            return True
    return False


def _is_security(uri: str) -> bool:
    """security.debian.org, .../debian-security, snapshot.debian.org/archive/debian-security/DATE."""
    parsed = urllib.parse.urlparse(uri)
    segments = [s for s in parsed.path.split("/") if s]
    return parsed.netloc.startswith("security.") or any(s.endswith("-security") for s in segments)


def _entries(apt_dir: Path) -> Iterator[SourceEntry]:
    """Apt's own order: sources.list first, then sources.list.d in name order."""
    main = apt_dir / "sources.list"
    if main.is_file():
        yield from parse_one_line(main.read_text(errors="replace"), origin=str(main))
    parts = apt_dir / "sources.list.d"
    if parts.is_dir():
        for path in sorted(parts.iterdir()):
            if path.suffix == ".list" and path.is_file():
                yield from parse_one_line(path.read_text(errors="replace"), origin=str(path))
            elif path.suffix == ".sources" and path.is_file():
                yield from parse_deb822(path.read_text(errors="replace"), origin=str(path))


def find_debian_mirror(
    *,
    apt_dir: Path = Path("/etc/apt"),
    environ: Mapping[str, str] | None = None,
    os_release: Path = Path("/etc/os-release"),
) -> DebianMirror:
    """The mirror for the ``debian`` archive, with where it came from (see the module docstring)."""
    env = os.environ if environ is None else environ
    explicit = env.get(MIRROR_ENV, "").strip()
    if explicit:
        return DebianMirror(explicit.rstrip("/"), f"${MIRROR_ENV}")
    codename = _codename(os_release)
    for entry in _entries(apt_dir):
        if _is_debian_archive(entry, codename):
            return DebianMirror(entry.uri.rstrip("/"), entry.origin)
    return DebianMirror(DEFAULT_MIRROR, "default (no debian archive in apt's sources)")


def debian_mirror(
    *,
    apt_dir: Path = Path("/etc/apt"),
    environ: Mapping[str, str] | None = None,
    os_release: Path = Path("/etc/os-release"),
) -> str:
    """Just the mirror URI, e.g. ``http://deb.debian.org/debian``, for a debootstrap command line."""
    return find_debian_mirror(apt_dir=apt_dir, environ=environ, os_release=os_release).uri
