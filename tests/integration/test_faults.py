"""Faults and misuse: engines that stop, kernels that die, sessions that share an engine.

Engines that stop are real: a second dockerd in a network namespace of the test's own, stopped and
started again. Kernels are real IPython kernels (jupyter_client), killed with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from jupyter_client.manager import start_new_kernel

import dockernet_nb as dnb
from dockernet_nb.engine import connection as engine
from dockernet_nb.engine import labels
from dockernet_nb.engine.connection import client
from tests.second_engine import SecondEngine

pytestmark = pytest.mark.usefixtures("fresh")


@pytest.fixture
def stoppable_engine(monkeypatch):
    with SecondEngine() as second:
        second.load_images("dockernet-nb/busybox:1")
        monkeypatch.setenv("DOCKER_HOST", second.docker_host)
        engine.reset_client()
        try:
            yield second
        finally:
            try:
                dnb.cleanup()
            finally:
                monkeypatch.delenv("DOCKER_HOST")
                engine.reset_client()


def test_an_engine_that_stops_mid_lesson_gives_one_clear_error_and_the_next_cell_works(stoppable_engine):
    assert dnb.run("busybox", "echo before", net="none").stdout == "before\n"
    outcome = {}

    def long_cell():
        try:
            dnb.run("busybox", "sleep 60", name="long", net="none", timeout=120)
        except Exception as e:  # handed to the test below
            outcome["error"] = e

    cell = threading.Thread(target=long_cell)
    cell.start()
    time.sleep(1.5)
    stopped_at = time.monotonic()
    stoppable_engine.stop()
    cell.join(timeout=30)
    assert not cell.is_alive(), "a cell kept waiting for an engine that had stopped"
    assert time.monotonic() - stopped_at < 20
    assert isinstance(outcome.get("error"), dnb.EngineUnavailable)

    started = time.monotonic()
    with pytest.raises(dnb.EngineUnavailable, match=r"Docker Desktop|stopped answering|Lost the Docker engine"):
        dnb.containers()
    assert time.monotonic() - started < 10

    stoppable_engine.start()
    assert dnb.run("busybox", "echo after", net="none").stdout == "after\n"
    # The container the stopped engine was running is still labelled, so cleanup finds it.
    assert "long" in set(dnb.cleanup().name)


def _kernel_running(code: str):
    km, kc = start_new_kernel(kernel_name="python3")
    outputs = []
    reply = kc.execute_interactive(code, timeout=120, output_hook=lambda msg: outputs.append(msg))
    assert reply["content"]["status"] == "ok", reply["content"]
    text = "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")
    return km, kc, text


KERNEL_LESSON = """
import os, dockernet_nb as dnb
dnb.start_lesson({lesson!r})
dnb.create_net("mynet")
box = dnb.run("busybox", "sleep 300", name="box", net="mynet", detach=True)
print(os.getpid(), box.docker_name, box.addresses["mynet"])
"""


def _objects_of_session(session: str) -> set[str]:
    found = {c.name for c in client().containers.list(all=True, filters={"label": f"{labels.SESSION}={session}"})}
    found |= {n.name for n in client().networks.list(filters={"label": f"{labels.SESSION}={session}"})}
    return found


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dockernet_nb.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_a_killed_kernels_leftovers_are_listed_then_removed_by_clean_and_nothing_else():
    km, kc, text = _kernel_running(KERNEL_LESSON.format(lesson="killed"))
    pid, box_name, _ = text.split()
    session = box_name.split("-")[1]
    os.kill(int(pid), signal.SIGKILL)
    kc.stop_channels()
    km.cleanup_resources()
    leftovers = _objects_of_session(session)
    assert leftovers == {f"killed-{session}-box", f"killed-{session}-mynet"}

    # Things that must survive: this (live) session's own objects and a container that is not the course's.
    live = dnb.run("busybox", "sleep 300", name="live-box", detach=True)
    foreign = client().containers.run("dockernet-nb/busybox:1", "sleep 300", name=f"mine-{session}", detach=True)
    try:
        dry = _cli("clean", "--dry-run")
        assert dry.returncode == 0
        for name in leftovers:
            assert name in dry.stdout
        assert live.docker_name not in dry.stdout and foreign.name not in dry.stdout
        assert _objects_of_session(session) == leftovers  # a dry run removes nothing

        done = _cli("clean")
        assert done.returncode == 0 and "Removed" in done.stdout
        assert _objects_of_session(session) == set()
        foreign.reload()
        assert foreign.status == "running"
        assert dnb.containers().set_index("name").loc["live-box", "status"] == "running"
    finally:
        foreign.remove(force=True)


def test_two_kernels_on_the_same_lesson_and_names_do_not_collide():
    first = _kernel_running(KERNEL_LESSON.format(lesson="shared"))
    second = _kernel_running(KERNEL_LESSON.format(lesson="shared"))
    try:
        _, _, text1 = first
        _, _, text2 = second
        name1, ip1 = text1.split()[1:]
        name2, ip2 = text2.split()[1:]
        assert name1 != name2
        # Each kernel reaches its own "box" by name on its own "mynet".
        for (_, kc, _), ip in ((first, ip1), (second, ip2)):
            reply: list[str] = []
            kc.execute_interactive(
                'f = dnb.ping("box", "box", count=1); print(f.address[0]); dnb.cleanup()',
                timeout=120,
                output_hook=lambda msg, reply=reply: reply.append(msg["content"].get("text", "")),
            )
            assert "".join(reply).split()[0] == ip
    finally:
        for km, kc, _ in (first, second):
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    for text in (text1, text2):
        session = text.split()[1].split("-")[1]
        assert _objects_of_session(session) == set()


def test_networks_come_back_to_the_pool_after_many_lessons():
    before = {n.id for n in client().networks.list()}
    subnets = set()
    for _ in range(10):
        for name in ("mynet", "lan1", "lan2"):
            subnets.add(dnb.create_net(name).subnet)
        dnb.cleanup()
    after = {n.id for n in client().networks.list(filters={"label": f"{labels.SESSION}={labels.session_id()}"})}
    assert after == set()
    assert {n.id for n in client().networks.list()} - before == set()
    # Freed /24s are taken again, so ten lessons use no more subnets than one does at a time.
    assert len(subnets) <= 3 + 6  # a little slack for other tests creating networks meanwhile
