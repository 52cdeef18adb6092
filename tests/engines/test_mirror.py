"""The Debian mirror from apt's sources: pure parsing of sample files, no engine, no network."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockernet_nb.engine.mirror import DEFAULT_MIRROR, MIRROR_ENV, find_debian_mirror, parse_deb822, parse_one_line

BOOKWORM = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n'

# As on these machines: the archive with a snapshot comment, then the security archive.
DEB822 = """\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
# http://snapshot.debian.org/archive/debian-security/20250520T000000Z
URIs: http://mirror.example.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""

ONE_LINE = """\
# the local mirror
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://apt.lan:3142/debian/ bookworm main contrib
deb-src http://elsewhere.example/debian bookworm main
deb http://security.debian.org/debian-security bookworm-security main
"""


def apt_tree(tmp_path: Path, files: dict[str, str]) -> Path:
    apt = tmp_path / "apt"
    (apt / "sources.list.d").mkdir(parents=True)
    for name, text in files.items():
        (apt / name).write_text(text)
    (tmp_path / "os-release").write_text(BOOKWORM)
    return apt


def choose(tmp_path: Path, files: dict[str, str], environ: dict[str, str] | None = None) -> tuple[str, str]:
    found = find_debian_mirror(
        apt_dir=apt_tree(tmp_path, files), environ=environ or {}, os_release=tmp_path / "os-release"
    )
    return found.uri, found.origin


def test_deb822_file_gives_the_archive_not_the_security_one(tmp_path: Path) -> None:
    uri, origin = choose(tmp_path, {"sources.list.d/debian.sources": DEB822})
    assert uri == "http://mirror.example.org/debian"
    assert origin.endswith("debian.sources:paragraph 1")


def test_one_line_format_with_options_and_a_trailing_slash(tmp_path: Path) -> None:
    uri, origin = choose(tmp_path, {"sources.list": ONE_LINE})
    assert uri == "http://apt.lan:3142/debian"
    assert origin.endswith("sources.list:2")


def test_sources_list_comes_before_sources_list_d(tmp_path: Path) -> None:
    uri, _ = choose(tmp_path, {"sources.list": ONE_LINE, "sources.list.d/debian.sources": DEB822})
    assert uri == "http://apt.lan:3142/debian"


def test_third_party_repositories_are_not_the_debian_archive(tmp_path: Path) -> None:
    files = {
        "sources.list.d/google-cloud-sdk.list": "deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\n",
        "sources.list.d/nodesource.sources": "Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: nodistro\nComponents: main\n",
        "sources.list.d/zz-debian.list": "deb http://ftp.example.net/debian bookworm-updates main\n",
    }
    assert choose(tmp_path, files)[0] == "http://ftp.example.net/debian"


def test_disabled_and_unknown_files_are_ignored(tmp_path: Path) -> None:
    files = {
        "sources.list.d/a.sources": DEB822.replace("Types: deb\n#", "Types: deb\nEnabled: no\n#", 1),
        "sources.list.d/b.list.disabled-by-farm": "deb http://ignored.example/debian bookworm main\n",
    }
    # The first paragraph is disabled; the second is the security archive: nothing left.
    assert choose(tmp_path, files) == (DEFAULT_MIRROR, "default (no debian archive in apt's sources)")


def test_the_explicit_setting_wins(tmp_path: Path) -> None:
    uri, origin = choose(tmp_path, {"sources.list": ONE_LINE}, {MIRROR_ENV: "http://override.example/debian/"})
    assert (uri, origin) == ("http://override.example/debian", f"${MIRROR_ENV}")


def test_no_sources_at_all_falls_back_to_deb_debian_org(tmp_path: Path) -> None:
    assert choose(tmp_path, {})[0] == DEFAULT_MIRROR


@pytest.mark.parametrize(
    "uri", ["cdrom:[Debian GNU/Linux 12]/", "mirror+file:/etc/apt/mirrors.txt", "tor+http://x.onion/debian"]
)
def test_uris_debootstrap_cannot_use_are_skipped(tmp_path: Path, uri: str) -> None:
    files = {"sources.list": f"deb {uri} bookworm main\ndeb http://usable.example/debian bookworm main\n"}
    assert choose(tmp_path, files)[0] == "http://usable.example/debian"


def test_a_codename_newer_than_the_list_counts_through_os_release(tmp_path: Path) -> None:
    apt = apt_tree(tmp_path, {"sources.list": "deb http://m.example/debian zeta main\n"})
    (tmp_path / "os-release").write_text("VERSION_CODENAME=zeta\n")
    assert (
        find_debian_mirror(apt_dir=apt, environ={}, os_release=tmp_path / "os-release").uri == "http://m.example/debian"
    )


def test_parsers_read_every_field() -> None:
    one = list(parse_one_line("deb [ arch=amd64 ] http://a/debian trixie main non-free-firmware\n"))
    assert [(e.uri, e.suites, e.components) for e in one] == [
        ("http://a/debian", ("trixie",), ("main", "non-free-firmware"))
    ]
    multi = "Types: deb deb-src\nURIs: http://a/debian\n http://b/debian\nSuites: sid\nComponents: main\n"
    assert [e.uri for e in parse_deb822(multi)] == ["http://a/debian", "http://b/debian"]
