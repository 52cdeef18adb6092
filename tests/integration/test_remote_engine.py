"""A lesson's verbs against a remote engine reached over TCP (DOCKER_HOST=tcp://...).

The remote engine is a second dockerd in a network namespace the test makes, listening on its end of
a veth pair; published ports bind to that address and tcp_request reaches them there.
"""

from __future__ import annotations

import time

import pytest

import dockernet_nb as dnb
from dockernet_nb import replay
from dockernet_nb.engine import connection as engine
from dockernet_nb.engine import labels
from tests.second_engine import SecondEngine


@pytest.fixture
def remote(monkeypatch):
    with SecondEngine(tcp=True) as second:
        second.load_images("dockernet-nb/busybox:1", "dockernet-nb/uptime:1")
        monkeypatch.setenv("DOCKER_HOST", second.docker_host)
        monkeypatch.delenv("DOCKERNET_NB_MODE", raising=False)
        engine.reset_client()
        replay.set_mode(None)
        lesson = labels.lesson()
        try:
            yield second
        finally:
            try:
                dnb.cleanup()
            finally:
                monkeypatch.delenv("DOCKER_HOST")
                engine.reset_client()
                replay.set_mode(None)
                labels.set_lesson(lesson)


def test_a_lesson_runs_against_a_tcp_engine_published_ports_included(remote):
    status = dnb.start_lesson("remote")
    assert status.mode == "live" and status.where == remote.docker_host
    net = dnb.create_net("mynet")
    server = dnb.run("uptime", name="nc", net="mynet", ports="8000:8000", detach=True)
    # The port binds to the address the course reaches the engine at, not the remote host's loopback.
    assert server.ports == {"8000/tcp": f"{remote.engine_side}:8000"}
    for _ in range(50):
        if dnb.logs("nc").stderr.startswith("listening"):
            break
        time.sleep(0.1)
    reply = dnb.tcp_request(8000)
    assert "load average" in reply
    # From another machine the port is DNATed by the engine's iptables, which keeps the source: the
    # server sees the client's own address, not the bridge gateway a host-local connection shows.
    assert f" from {remote.host_side}:" in dnb.logs("nc").stderr

    frame = dnb.ping(None, "nc", image="busybox", net="mynet", count=2)
    assert set(frame.address) == {server.addresses["mynet"]}
    interfaces = dnb.inspect_interfaces("nc").set_index("name")
    assert interfaces.loc["eth0", "ipv4"] == server.addresses["mynet"]
    routes = dnb.inspect_routes("nc")
    assert routes.set_index("destination").loc["0.0.0.0", "gateway"] == net.gateway

    removed = dnb.cleanup()
    assert set(removed.name) == {"nc", "mynet"}
    assert remote.client().containers.list(all=True) == []
    assert {n.name for n in remote.client().networks.list()} == {"bridge", "host", "none"}
