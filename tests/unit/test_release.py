"""Release files, read as plain text: one version in one place, the license, the changelog, Binder's list.

Building and checking the real sdist and wheel (and installing the wheel) is
``tests/integration/test_wheel.py``; this file catches the same mistakes in milliseconds.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import dockernet_nb

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower()


def test_the_version_lives_only_in_the_package():
    assert "version" not in PROJECT and "version" in PROJECT["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "dockernet_nb.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", dockernet_nb.__version__)
    setup_py = (REPO / "setup.py").read_text(encoding="utf-8")
    assert "version=" not in setup_py


def test_the_changelog_has_an_entry_for_this_version():
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(dockernet_nb.__version__)}\b", changelog, re.MULTILINE)


def test_the_license_is_mit_and_ships_as_a_file():
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text
    # With a license expression, a License :: classifier is refused by the build.
    assert not any(c.startswith("License ::") for c in PROJECT["classifiers"])


def test_the_project_points_at_its_repository():
    urls = PROJECT["urls"]
    assert urls["Source"] == "https://github.com/dockernet-nb/dockernet-nb"
    assert all(url.startswith("https://github.com/dockernet-nb/dockernet-nb") for url in urls.values())
    assert PROJECT["scripts"] == {"dockernet-nb": "dockernet_nb.cli:main"}


def test_binder_installs_every_dependency_of_the_package():
    binder = (REPO / "binder" / "requirements.txt").read_text(encoding="utf-8")
    listed = {_name(line) for line in binder.splitlines() if line.strip() and not line.startswith("#")}
    assert {_name(d) for d in PROJECT["dependencies"]} <= listed


def test_the_sdist_carries_the_lessons_the_wheel_is_built_from():
    manifest = (REPO / "MANIFEST.in").read_text(encoding="utf-8")
    assert "include notebooks/*.ipynb notebooks/*.md" in manifest
    assert "recursive-include dockernet_nb/lab_config *.json" in manifest
    for name in ("LICENSE", "CHANGELOG.md", "README.md", "setup.py"):
        assert name in manifest
