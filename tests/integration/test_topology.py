"""dnb.topology against the real engine: the picture shows the addresses `docker inspect` reports."""

from __future__ import annotations

import socket

import pytest
from matplotlib.text import Text

import dockernet_nb as dnb
from dockernet_nb.engine import labels
from dockernet_nb.engine.connection import client
from dockernet_nb.verbs.topology import read_snapshot


@pytest.fixture
def lesson():
    """A lesson of its own for each test; this session's objects are removed afterwards."""
    before = labels.lesson()
    dnb.start_lesson("tests-topology")
    yield
    dnb.cleanup()
    labels.set_lesson(before)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _inspected_address(container: str, network: str) -> str:
    attrs = client().api.inspect_container(labels.docker_name(container))
    return attrs["NetworkSettings"]["Networks"][labels.docker_name(network)]["IPAddress"]


def _texts(fig) -> dict[str, str]:
    figure = getattr(fig, "figure", fig)  # dnb.topology() answers a Picture around the Figure
    return {t.get_gid(): t.get_text() for t in figure.findobj(Text) if t.get_gid()}


def test_snapshot_has_what_docker_inspect_reports(lesson):
    port = _free_port()
    front, back = dnb.create_net("front"), dnb.create_net("back")
    dnb.run("busybox", "sleep 300", name="alpha", net="front", ports={8000: port}, detach=True)
    dnb.run("busybox", "sleep 300", name="beta", net="back", detach=True)
    dnb.run("busybox", "sleep 300", name="lonely", net="none", detach=True)

    snapshot = read_snapshot()

    api = client().api
    networks = {n.name: n for n in snapshot.networks}
    assert sorted(networks) == ["back", "front"]  # no course container is on the default bridge
    for handle in (front, back):
        config = api.inspect_network(handle.docker_name)["IPAM"]["Config"][0]
        assert networks[handle.name].subnet == config["Subnet"]
        assert networks[handle.name].gateway == handle.gateway
    endpoints = {(e.container, e.network): e.ipv4 for e in snapshot.endpoints}
    assert endpoints == {
        ("alpha", "front"): _inspected_address("alpha", "front"),
        ("beta", "back"): _inspected_address("beta", "back"),
    }
    containers = {c.name: c for c in snapshot.containers}
    assert containers["alpha"].ports == (f"127.0.0.1:{port} -> 8000/tcp",)
    assert containers["alpha"].image == "busybox"
    assert containers["lonely"].network_mode == "none"
    assert {c.status for c in containers.values()} == {"running"}


def test_picture_gains_and_loses_the_edge_on_connect_and_disconnect(lesson):
    dnb.create_net("front")
    dnb.create_net("back")
    dnb.run("busybox", "sleep 300", name="alpha", net="front", detach=True)
    dnb.run("busybox", "sleep 300", name="beta", net="back", detach=True)

    before = _texts(dnb.topology())
    assert before["endpoint:alpha|front"] == _inspected_address("alpha", "front")
    assert "endpoint:alpha|back" not in before

    dnb.connect("alpha", "back")
    new_address = _inspected_address("alpha", "back")
    connected = dnb.topology()
    texts = _texts(connected)
    assert texts["endpoint:alpha|back"] == new_address
    assert new_address in [t.get_text() for t in connected.figure.findobj(Text)]

    dnb.disconnect("alpha", "back")
    after = dnb.topology()
    assert "endpoint:alpha|back" not in _texts(after)
    assert new_address not in [t.get_text() for t in after.figure.findobj(Text)]
    assert _texts(after)["endpoint:alpha|front"] == _inspected_address("alpha", "front")


def test_default_bridge_and_host_gateway_appear_with_a_course_container_on_it(lesson):
    dnb.create_net("front")
    dnb.run("busybox", "sleep 300", name="alpha", net="front", detach=True)
    assert "gateway:bridge" not in _texts(dnb.topology())

    dnb.run("busybox", "sleep 300", name="plain", detach=True)  # no net=: Docker's default bridge
    endpoint = client().api.inspect_container(labels.docker_name("plain"))["NetworkSettings"]["Networks"]["bridge"]
    texts = _texts(dnb.topology())
    assert texts["gateway:bridge"] == f"gw {endpoint['Gateway']}"
    assert texts["endpoint:plain|bridge"] == endpoint["IPAddress"]
    assert texts["network-name:bridge"] == "bridge  (Docker's default)"
    assert texts["network-details:front"].startswith(f"subnet {dnb.networks().set_index('name').loc['front', 'subnet']}")


def test_a_container_without_network_is_drawn_apart(lesson):
    dnb.run("busybox", "sleep 300", name="lonely", net="none", detach=True)
    texts = _texts(dnb.topology(title="Only a lonely one"))
    assert texts["apart:lonely"] == "no network (--net none)"
    assert not any(gid.startswith("endpoint:") for gid in texts)


def test_other_sessions_are_left_out_unless_asked_for(lesson):
    dnb.create_net("front")
    ours = labels.docker_name("front")
    assert "front" in {n.name for n in read_snapshot().networks}
    everything = read_snapshot(all_sessions=True)
    assert ours in {n.name for n in everything.networks}  # named by Docker name across sessions


def test_an_internal_network_shows_the_gateway_the_engine_reports(lesson):
    dnb.create_net("inside", internal=True)
    dnb.run("busybox", "sleep 300", name="alpha", net="inside", detach=True)
    attrs = client().api.inspect_container(labels.docker_name("alpha"))
    gateway = attrs["NetworkSettings"]["Networks"][labels.docker_name("inside")]["Gateway"]
    texts = _texts(dnb.topology())
    assert gateway and texts["gateway:inside"] == f"gw {gateway}"
    assert texts["network-name:inside"] == "inside  (internal)"
