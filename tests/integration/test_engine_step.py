"""`dockernet-nb engine` finds the running engine and leaves it alone, however often it runs."""

from __future__ import annotations

import os
import subprocess
import sys

import dockernet_nb as dnb
from dockernet_nb.engine.connection import client


def _engine_step(env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dockernet_nb.cli", "engine"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_engine_step_is_idempotent_and_never_restarts_the_engine(fresh):
    # A running container would not survive an engine restart: it is the witness.
    witness = dnb.run("busybox", "sleep 120", name="witness", detach=True)
    started = client().api.inspect_container(witness.docker_name)["State"]["StartedAt"]
    first = _engine_step()
    second = _engine_step()
    assert first.returncode == 0 and second.returncode == 0
    for run in (first, second):
        assert "already answers" in run.stdout and "nothing to start" in run.stdout
        assert "Starting dockerd" not in run.stdout
    state = client().api.inspect_container(witness.docker_name)["State"]
    assert state["Running"] and state["StartedAt"] == started


def test_engine_step_explains_what_to_do_when_docker_host_points_nowhere(tmp_path):
    missing = tmp_path / "no-engine.sock"
    run = _engine_step({"DOCKER_HOST": f"unix://{missing}"})
    assert run.returncode == 1
    assert f"No Docker engine answered at unix://{missing}" in run.stdout
    assert "Docker Desktop" in run.stdout and "DOCKER_HOST" in run.stdout
    assert not missing.exists()  # it did not try to start an engine there


def test_stop_leaves_an_engine_it_did_not_start_alone(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "dockernet_nb.cli", "engine", "--stop"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DOCKERNET_NB_DOCKERD_PIDFILE": str(tmp_path / "none.pid")},
    )
    assert run.returncode == 0
    assert "started no dockerd" in run.stdout
    assert client().ping()
