"""Engine 28 tests run against real engines: the host engine, engine containers and local engines.

The forky tree takes about 85 s to build: one build serves the whole session, and it stays cached
between runs (the tree by its marker file, the image by its labels), so later sessions start in
seconds. Where the tree cannot be built (not root, no debootstrap, not Linux) these tests say why and
are skipped there only; a host engine that does not answer is a failure, as for the integration tests.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import docker
import pytest

from dockernet_nb.engine.spawn import cleanup, dind, forky, local
from dockernet_nb.engine.spawn.common import host_client
from dockernet_nb.engine.spawn.transfer import CORE_IMAGES


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/engines/" in str(item.fspath).replace("\\", "/") and "test_mirror" not in str(item.fspath):
            item.add_marker(pytest.mark.engine)


def _why_no_build() -> str | None:
    return forky.why_not_here()


@pytest.fixture(scope="session")
def host() -> Iterator[docker.DockerClient]:
    client = host_client()
    missing = [tag for tag in CORE_IMAGES if not client.images.list(name=tag)]
    if missing:
        pytest.fail(f"course images missing on the host engine: {missing}; run `dockernet-nb images`")
    yield client
    client.close()


@pytest.fixture(scope="session")
def engine_tree() -> forky.EngineTree:
    """The forky tree: built once (about 85 s), then reused from its cache folder."""
    why = _why_no_build()
    if why:
        pytest.skip(why)
    return forky.ensure_tree()


@pytest.fixture(scope="session")
def engine_image(host: docker.DockerClient, engine_tree: forky.EngineTree) -> forky.EngineImage:
    """The course engine image, imported from the session's tree unless already made from it."""
    return forky.ensure_engine_image(tree=engine_tree, client=host)


@pytest.fixture(scope="session")
def token() -> str:
    """Engine names unique to this session: two test runs on one host never share an engine."""
    return secrets.token_hex(2)


@pytest.fixture(scope="session")
def dind_e28(host: docker.DockerClient, engine_image: forky.EngineImage, token: str) -> Iterator[dind.DindEngine]:
    """One docker-in-docker Engine 28 with the core images, removed with its volume at the end."""
    engine = dind.start_engine(f"t{token}", client=host, images=CORE_IMAGES)
    yield engine
    dind.remove_engine(engine.name, client=host)
    cleanup.remove_engines_network(client=host)  # unless another session's engine still uses it


@pytest.fixture(scope="session")
def local_e28(host: docker.DockerClient, engine_tree: forky.EngineTree, token: str) -> Iterator[local.LocalEngine]:
    """One local Engine 28 with busybox and uptime, removed with its folder at the end."""
    engine = local.start_local_engine(
        f"l{token}", tree=engine_tree.path, images=["dockernet-nb/busybox:1", "dockernet-nb/uptime:1"]
    )
    yield engine
    local.remove_local_engine(engine.name)
