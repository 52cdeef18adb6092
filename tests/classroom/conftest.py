"""A real class on this machine: JupyterHub, its proxy, the engine pool and learners' servers.

The hub runs as a child process with a class of its own (a fresh class id per test session, so two
runs on one machine never meet); everything it made is removed at the end by the class's label, and
the test fails if anything is left. Skipped only where a class cannot run at all (not Linux, not
root, no npm, or the classroom extra not installed), with the reason.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import secrets
import shutil
import socket
from collections.abc import Iterator

import pytest

from dockernet_nb.engine.spawn.transfer import CORE_IMAGES


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/classroom/" in str(item.fspath).replace("\\", "/") and "kubernetes" not in str(item.fspath):
            item.add_marker(pytest.mark.engine)


def why_no_class() -> str | None:
    if platform.system() != "Linux" or os.geteuid() != 0:
        return "a class runs engines with docker-in-docker: Linux as root only"
    for module in ("jupyterhub", "dockerspawner"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is missing: pip install -e '.[classroom]'"
    if shutil.which("npm") is None:
        return "npm is missing (JupyterHub's proxy comes from the npm registry): apt-get install npm"
    return None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


LEARNERS = ("ana", "ben", "cai")
INSTRUCTOR = "ida"


@pytest.fixture(scope="module")  # gone before the other tests: its engines take memory and CPU, and no sweep meets them
def classroom() -> Iterator[object]:
    """A running hub for three learners and an instructor, with three warm engines."""
    why = why_no_class()
    if why:
        pytest.skip(why)
    from dockernet_nb.classroom.hub import Hub, class_objects, remove_class
    from dockernet_nb.classroom.prepare import new_class, prepare_machine

    prepare_machine(images=CORE_IMAGES)
    settings, passwords = new_class(
        f"t{secrets.token_hex(3)}",
        LEARNERS,
        instructors=[INSTRUCTOR],
        pool_size=len(LEARNERS),
        proxy_port=free_port(),
        proxy_api_port=free_port(),
        progress_port=free_port(),
        hub_port=free_port(),
        default_url="/lab",
    )
    hub = Hub(settings)
    try:
        hub.start()
        hub.passwords = passwords  # type: ignore[attr-defined]
        yield hub
    finally:
        hub.stop()
        left = class_objects(settings)
        remove_class(settings)
    assert left == {"containers": [], "volumes": [], "networks": [settings.network]}, left
