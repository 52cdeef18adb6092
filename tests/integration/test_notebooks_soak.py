"""All notebooks, at the same time, ten times in a row, beside a learner's own `redis` and `mynet`.

Each round is a full nbval run over notebooks/ with three notebooks at once (pytest -n 3). After every
round nothing of any lesson is left on the engine and the number of networks is back where it was, so
ten rounds neither exhaust Docker's address pools nor leak; the learner's container and network keep
their ids and the container keeps running.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import docker.errors
import pytest

from dockernet_nb.engine import labels
from dockernet_nb.engine.connection import client

REPO = Path(__file__).resolve().parents[2]
# The multi-host lesson starts three engines of its own and takes a minute or more: it runs live once in CI
# (recorded afresh by test_replay_notebooks.py, its cleanup checked by tests/integration/test_multihost.py),
# not ten rounds here.
ONCE = {"15-multi-host.ipynb"}
NOTEBOOKS = sorted(p for p in (REPO / "notebooks").glob("*.ipynb") if p.name not in ONCE)
ROUNDS = int(os.environ.get("DOCKERNET_NB_SOAK_ROUNDS", "10"))


def _lessons() -> set[str]:
    found = set()
    for path in NOTEBOOKS:
        found.update(re.findall(r'start_lesson\((?:\\)?"([\w.-]+)(?:\\)?"\)', path.read_text()))
    return found


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


def _left_behind(lessons: set[str]) -> list[str]:
    left = []
    for lesson in lessons:
        label = {"label": f"{labels.LESSON}={lesson}"}
        left += [f"container {c['Names'][0]}" for c in client().api.containers(all=True, filters=label)]
        left += [f"network {n['Name']}" for n in client().api.networks(filters=label)]
    return left


def test_every_notebook_ten_times_concurrently_leaves_nothing_and_spares_the_learners_own(learners_own):
    container, network = learners_own
    ids = (container.id, network.id)
    lessons = _lessons()
    assert len(lessons) == len(NOTEBOOKS)
    networks_before = len(client().networks.list())
    for round_ in range(1, ROUNDS + 1):
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-n", "3", "--nbval", *map(str, NOTEBOOKS),
             "--nbval-sanitize-with", str(REPO / "tests" / "nbval_sanitize.cfg"), "-p", "no:cacheprovider", "-q",
             "-o", "addopts="],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=1200,
        )
        assert run.returncode == 0, f"round {round_}:\n{run.stdout[-5000:]}\n{run.stderr[-2000:]}"
        assert _left_behind(lessons) == [], f"round {round_} left objects behind"
        assert len(client().networks.list()) == networks_before, f"round {round_} changed the number of networks"
    container.reload()
    assert (container.id, client().networks.get("mynet").id) == ids
    assert container.status == "running"
    assert container.name == "redis" and not labels.is_course(container.labels)
