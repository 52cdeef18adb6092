"""All lessons, three at a time, round after round, beside a learner's own `redis` and `mynet`, on a busy machine.

Each round runs every lesson notebook with nbval (three notebooks at once, pytest -n 3) while two
CPU-bound processes keep both cores busy: lessons must wait for what they show, not hope. The stored
outputs come from Engine 28, so on another engine the round checks that every cell runs (nbval-lax);
on the engine the outputs came from it compares them too. After every round nothing of any lesson is
left on the engine and the number of networks is back where it was; the learner's container and
network keep their ids, the container keeps running and stays attached to exactly its networks.

CI runs two rounds (the README's CI split); `DOCKERNET_NB_SOAK_ROUNDS=10` is the long version. The
lessons in ``RUN_ONCE`` (the multi-host lesson and its three engines) run live once, elsewhere, not here.
"""

from __future__ import annotations

import os
import subprocess
import sys

import docker.errors
import pytest

from dockernet_nb.engine import labels
from dockernet_nb.engine.connection import client, engine_version
from tests.notebook_runs import REPO, SANITIZE, environment, lesson_names, lessons

ROUNDS = int(os.environ.get("DOCKERNET_NB_SOAK_ROUNDS", "2"))
BUSY_PROCESSES = 2


@pytest.fixture(scope="module")
def learners_own():
    """A container named redis and a network named mynet that the course did not make."""
    made = []
    try:
        network = client().networks.get("mynet")
    except docker.errors.NotFound:
        network = client().networks.create("mynet", driver="bridge")
        made.append(network)
    try:
        container = client().containers.get("redis")
    except docker.errors.NotFound:
        container = client().containers.run("dockernet-nb/busybox:1", "sleep 3600", name="redis", network="mynet", detach=True)
        made.append(container)
    yield container, network
    for thing in reversed(made):
        thing.remove(**({"force": True} if hasattr(thing, "status") else {}))


@pytest.fixture
def busy_machine():
    """Two processes that keep both cores busy for as long as the test runs (started and stopped here)."""
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(BUSY_PROCESSES)]
    yield
    for burner in burners:
        burner.kill()
        burner.wait()


def _left_behind(names: set[str]) -> list[str]:
    left = []
    for lesson in names:
        label = {"label": f"{labels.LESSON}={lesson}"}
        left += [f"container {c['Names'][0]}" for c in client().api.containers(all=True, filters=label)]
        left += [f"network {n['Name']}" for n in client().api.networks(filters=label)]
    return left


def _recorded_on_this_engine() -> bool:
    import json

    recorded = {json.loads(p.read_text()).get("engine_version") for p in (REPO / "dockernet_nb" / "recordings").glob("*.json")}
    return recorded == {engine_version()}


def test_every_lesson_round_after_round_three_at_a_time_on_a_busy_machine(learners_own, busy_machine):
    container, network = learners_own
    ids = (container.id, network.id)
    attached = sorted(container.attrs["NetworkSettings"]["Networks"])
    names = lesson_names(soak=True)
    networks_before = len(client().networks.list())
    strictness = [] if _recorded_on_this_engine() else ["--nbval-lax"]
    for round_ in range(1, ROUNDS + 1):
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-n", "3", "--nbval", *strictness, *map(str, lessons(soak=True)),
             "--nbval-sanitize-with", str(SANITIZE), "-p", "no:cacheprovider", "-q", "-o", "addopts="],
            cwd=REPO,
            env=environment(),
            capture_output=True,
            text=True,
            timeout=2400,
        )
        assert run.returncode == 0, f"round {round_}:\n{run.stdout[-6000:]}\n{run.stderr[-2000:]}"
        assert _left_behind(names) == [], f"round {round_} left objects behind"
        assert len(client().networks.list()) == networks_before, f"round {round_} changed the number of networks"
    container.reload()
    assert (container.id, client().networks.get("mynet").id) == ids
    assert container.status == "running"
    assert sorted(container.attrs["NetworkSettings"]["Networks"]) == attached
    assert container.name == "redis" and not labels.is_course(container.labels)
