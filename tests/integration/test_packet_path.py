"""dnb.packet_path against the real engine: the snapshot holds what docker inspect, the docker-proxy
processes and the host's nat table report, and the way it predicts is the way a real connection takes
(the server's log shows the client's own port through DNAT, another one through docker-proxy)."""

from __future__ import annotations

import socket

import pytest

import dockernet_nb as dnb
from dockernet_nb.engine import labels
from dockernet_nb.engine.connection import client
from dockernet_nb.verbs.packet_path import read_packet_path


@pytest.fixture
def lesson():
    before = labels.lesson()
    dnb.start_lesson("tests-packet-path")
    yield
    dnb.cleanup()
    labels.set_lesson(before)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _measured(server: str, command: str, net: str, client_port: int) -> tuple[str, str]:
    """Connect for real from ``client_port``; (the way the server's log shows, the address it logged)."""
    reply = dnb.run("debian", command, net=net)
    assert "load average" in reply.stdout, reply.output
    last = dnb.connections(server).iloc[-1]
    return ("dnat" if int(last["client_port"]) == client_port else "docker-proxy"), str(last["client"])


def test_the_snapshot_holds_what_the_engine_reports_and_predicts_the_real_way(lesson):
    port = _free_port()
    dnb.run("uptime", name="web", ports=f"{port}:8000", detach=True)
    dnb.wait_for_port("web", 8000)

    path = read_packet_path("web", port=port)

    attrs = client().api.inspect_container(labels.docker_name("web"))
    assert path.server_ip == attrs["NetworkSettings"]["Networks"]["bridge"]["IPAddress"]
    assert path.server_gateway == attrs["NetworkSettings"]["Networks"]["bridge"]["Gateway"]
    assert path.published == f"127.0.0.1:{port}" and path.server_port == 8000
    proxies = dnb.docker_proxies(host_port=port)
    if len(proxies):  # engines run docker-proxy unless started with --userland-proxy=false
        row = proxies.iloc[0]
        assert path.proxy == f"{row.host_ip}:{port} -> {row.container_ip}:{row.container_port}"
    nat = dnb.host_iptables_rules(table="nat", chain="DOCKER")
    assert path.dnat_rule in set(nat.loc[nat["target"] == "DNAT", "rule"])
    assert path.docker and path.docker[0].essential.startswith("docker inspect")

    way, seen = _measured("web", f"nc -p 20031 -w 2 127.0.0.1 {port}", "host", 20031)
    assert (path.way, path.seen_ip) == (way, seen)


def test_every_client_takes_the_way_predicted_for_a_port_on_a_gateway(lesson):
    port = _free_port()
    other = dnb.create_net("othernet")
    dnb.run("uptime", name="web", ports=f"{other.gateway}:{port}:8000", detach=True)
    dnb.wait_for_port("web", 8000)
    dnb.run("debian", "sleep 300", name="visitor", net="othernet", detach=True)
    dnb.run("debian", "sleep 300", name="neighbour", detach=True)

    cases = {"host": ("host", 20032), "visitor": ("othernet", 20033), "neighbour": ("bridge", 20034)}
    for who, (net, client_port) in cases.items():
        path = read_packet_path("web", port=port, client=who)
        assert path.target == f"{other.gateway}:{port}"
        way, seen = _measured("web", f"nc -p {client_port} -w 2 {other.gateway} {port}", net, client_port)
        assert (who, path.way, path.seen_ip, path.port_kept) == (who, way, seen, way == "dnat")

    remote = read_packet_path("web", port=port, client="remote")  # worked out from the rules only
    assert remote.way == "dnat" and remote.seen_ip == "another machine"


def test_a_container_on_another_network_is_refused_where_the_port_is_not_published(lesson):
    port = _free_port()
    other = dnb.create_net("othernet")
    dnb.run("uptime", name="web", ports=f"{port}:8000", detach=True)
    dnb.wait_for_port("web", 8000)
    dnb.run("debian", "sleep 300", name="visitor", net="othernet", detach=True)

    path = read_packet_path("web", port=port, client="visitor", address=other.gateway)
    assert path.way == "none" and "127.0.0.1 only" in path.why
    refused = dnb.run("debian", f"nc -v -w 2 {other.gateway} {port}", net="othernet")
    assert refused.exit_code == 1 and "refused" in refused.stderr

    picture = dnb.packet_path("web", port=port, client="visitor", address=other.gateway)
    assert picture.text == path.summary() and "stops there" in picture.text


def test_a_server_on_no_network_publishes_nothing(lesson):
    port = _free_port()
    dnb.run("uptime", name="lonely", net="none", ports=f"{port}:8000", detach=True)
    path = read_packet_path("lonely", port=port)
    assert path.way == "none" and path.published == "" and "on no network" in path.why
    with pytest.raises(dnb.ConnectionRefused):
        dnb.tcp_request(port)
