"""All lessons with their solutions, three at a time, round after round, beside a learner's own `redis` and `mynet`, on a busy machine.

Each round runs every lesson notebook with every exercise's reference solution inserted after its
exercise cell (each check must say "Correct", asked of this engine just now), under nbval, three
notebooks at once (pytest -n 3), while two CPU-bound processes keep both cores busy: lessons must
wait for what they show, not hope. The stored outputs come from Engine 28 (tested against it in
test_notebooks_engine28.py), so here every cell must run and every solution pass (nbval-lax). After every round nothing of any lesson is
left on the engine and the number of networks is back where it was; the learner's container and
network keep their ids, the container keeps running and stays attached to exactly its networks.

CI runs one round (the README's CI split; the Engine 28 recording runs every lesson and solution twice more); `DOCKERNET_NB_SOAK_ROUNDS=10` is the long version. The
lessons in ``RUN_ONCE`` (the multi-host lesson and its three engines) run live once, elsewhere, not here.
"""

from __future__ import annotations

import os
import subprocess
import sys

import docker.errors
import pytest

from dockernet_nb.engine import labels
from dockernet_nb.engine.connection import client
from tests.notebook_runs import REPO, SANITIZE, environment, lesson_names, lessons, with_answers

ROUNDS = int(os.environ.get("DOCKERNET_NB_SOAK_ROUNDS", "1"))
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


def _with_solutions(folder) -> list[str]:
    """Copies of every lesson with each solution inserted after its exercise, and a cell that fails unless it passed."""
    import nbformat

    copies = []
    for path in lessons(soak=True):
        notebook, inserted = with_answers(path)
        for position, index in enumerate(inserted):
            # `_` is the solution cell's result: the check's verdict.
            notebook.cells.insert(index + 1 + position, nbformat.v4.new_code_cell("assert _.ok, _"))
        target = folder / path.name
        nbformat.write(notebook, str(target))
        copies.append(str(target))
    return copies


def test_every_lesson_and_solution_round_after_round_three_at_a_time_on_a_busy_machine(learners_own, busy_machine, tmp_path):
    container, network = learners_own
    ids = (container.id, network.id)
    attached = sorted(container.attrs["NetworkSettings"]["Networks"])
    names = lesson_names(soak=True)
    networks_before = len(client().networks.list())
    copies = _with_solutions(tmp_path)
    for round_ in range(1, ROUNDS + 1):
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "tests.nbval_ipc", "-n", "3", "--dist", "loadscope", "--nbval-lax", *copies, "--rootdir", str(tmp_path),
             "--nbval-sanitize-with", str(SANITIZE), "-p", "no:cacheprovider", "-q", "-o", "addopts="],
            cwd=REPO / "notebooks",
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
