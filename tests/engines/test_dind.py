"""Docker-in-docker Engine 28 on the host engine: it answers, runs course images, behaves like 28,
and goes away completely without touching anything the course did not make."""

from __future__ import annotations

from pathlib import Path

import docker
import pytest

from dockernet_nb.engine.labels import COURSE
from dockernet_nb.engine.spawn import cleanup, dind, forky
from dockernet_nb.engine.spawn.common import ENGINE, EngineNameInUse, EngineStartError


def test_the_engine_answers_with_the_image_version(dind_e28: dind.DindEngine, engine_image: forky.EngineImage) -> None:
    assert dind_e28.version.startswith(engine_image.version)
    assert dind_e28.client().ping()
    assert dind_e28.docker_host.endswith(f":{dind.PORT}")


def test_it_runs_busybox_after_a_load(dind_e28: dind.DindEngine) -> None:
    out = dind_e28.client().containers.run(
        "dockernet-nb/busybox:1", ["sh", "-c", "echo hello from $(hostname)"], remove=True
    )
    assert out.decode().startswith("hello from ")


def test_a_second_load_copies_nothing(dind_e28: dind.DindEngine) -> None:
    report = dind_e28.load(["dockernet-nb/busybox:1", "dockernet-nb/debian:1"])
    assert report.copied == () and set(report.skipped) == {"dockernet-nb/busybox:1", "dockernet-nb/debian:1"}


def test_an_internal_network_gives_no_default_route(dind_e28: dind.DindEngine) -> None:
    """Engine 25 and later: a container on an internal network has only its subnet's route."""
    client = dind_e28.client()
    network = client.networks.create("internal-test", internal=True)
    try:
        routes = client.containers.run(
            "dockernet-nb/busybox:1", ["ip", "route"], network=network.name, remove=True
        ).decode()
    finally:
        network.remove()
    assert "default" not in routes and " dev eth0 " in routes, routes


def test_the_inner_networks_stay_in_their_own_pool(dind_e28: dind.DindEngine) -> None:
    client = dind_e28.client()
    network = client.networks.create("pool-test")
    try:
        subnet = network.attrs["IPAM"]["Config"][0]["Subnet"]
    finally:
        network.remove()
    assert subnet.startswith(("172.20.", "172.21.", "172.22.", "172.23.")), subnet


def test_the_engine_objects_carry_the_course_labels(host: docker.DockerClient, dind_e28: dind.DindEngine) -> None:
    container = host.containers.get(dind_e28.container)
    volume = host.volumes.get(dind_e28.volume)
    network = host.networks.get(dind.NETWORK)
    for labels in (container.labels, volume.attrs["Labels"], network.attrs["Labels"]):
        assert labels[COURSE] == "1"
    assert container.labels[ENGINE] == volume.attrs["Labels"][ENGINE] == dind_e28.name
    assert network.attrs["Internal"] is True


def test_stop_keeps_the_volume_and_a_restart_is_warm(
    host: docker.DockerClient, engine_image: forky.EngineImage, token: str
) -> None:
    name = f"w{token}"
    engine = dind.start_engine(name, client=host, images=["dockernet-nb/busybox:1"])
    try:
        engine.client().containers.run("dockernet-nb/busybox:1", ["sleep", "300"], detach=True)
        assert dind.stop_engine(name, client=host)
        # cgroup v1: the inner containers' groups under the host hierarchy went with the engine.
        assert not list(Path("/sys/fs/cgroup").glob(f"*/{engine.container}"))
        assert not host.containers.list(all=True, filters={"name": engine.container})
        assert host.volumes.get(engine.volume)
        again = dind.start_engine(name, client=host)
        assert again.load(["dockernet-nb/busybox:1"]).copied == ()
    finally:
        dind.remove_engine(name, client=host)
    assert not [row for row in cleanup.list_engines(client=host) if row["name"] == name]
    assert not host.volumes.list(filters={"name": engine.volume})


def test_removal_leaves_a_learners_objects_of_the_same_name(
    host: docker.DockerClient, engine_image: forky.EngineImage, token: str
) -> None:
    """A learner's container and volume named like engine x's survive every removal; engine y goes."""
    mine, theirs = f"y{token}", f"x{token}"
    learner = host.containers.run(
        "dockernet-nb/busybox:1", ["sleep", "300"], name=f"dockernet-nb-engine-{theirs}", detach=True
    )
    learner_volume = host.volumes.create(f"dockernet-nb-engine-{theirs}-data")
    try:
        with pytest.raises(EngineNameInUse, match="docker rename"):
            dind.start_engine(theirs, client=host)
        with pytest.raises(EngineNameInUse):
            dind.remove_engine(theirs, client=host)
        engine = dind.start_engine(mine, client=host)
        removed = cleanup.remove_all_engines(only={mine, theirs}, client=host)
        assert [row["name"] for row in removed] == [mine]
        assert not host.containers.list(all=True, filters={"name": engine.container})
        assert not host.volumes.list(filters={"name": engine.volume})
        learner.reload()
        assert learner.status == "running"
        assert host.volumes.get(learner_volume.name)
    finally:
        learner.remove(force=True)
        learner_volume.remove()
        dind.remove_engine(mine, client=host)


def test_a_volume_alone_is_an_engine_too(
    host: docker.DockerClient, engine_image: forky.EngineImage, token: str
) -> None:
    """list/remove find a stopped engine by its volume, and remove_all takes it."""
    name = f"v{token}"
    dind.start_engine(name, client=host)
    dind.stop_engine(name, client=host)
    rows = [row for row in cleanup.list_engines(client=host) if row["name"] == name]
    assert rows and rows[0]["container"] == "" and rows[0]["volume"]
    assert dind.remove_engine(name, client=host)
    assert not [row for row in cleanup.list_engines(client=host) if row["name"] == name]


def test_an_engine_that_cannot_start_says_why_and_is_removed(
    host: docker.DockerClient, engine_image: forky.EngineImage, token: str
) -> None:
    name = f"f{token}"
    try:
        with pytest.raises(EngineStartError, match="bip"):
            dind.start_engine(name, client=host, bip="not-an-address", timeout=30)
        assert not host.containers.list(all=True, filters={"name": f"dockernet-nb-engine-{name}"})
    finally:
        dind.remove_engine(name, client=host)
