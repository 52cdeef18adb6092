"""The uptime server's log and docker-proxy processes, recorded from real containers.

Every value is compared with the fixtures' ``.json`` by test_parser_fixtures.py; here: what the
recordings show about where a visitor seems to come from.
"""

from __future__ import annotations

from dockernet_nb.parsers import docker_proxy, uptime_log
from tests.unit.parser_fixtures import fixture


def test_visitors_from_the_host_arrive_from_the_gateway() -> None:
    # A connection to the port published on 127.0.0.1 goes through docker-proxy, which connects from
    # the network's gateway; containers on the network arrive from their own addresses.
    df = uptime_log.parse(fixture("uptime/docker-logs--host-and-containers"))
    assert df["client"].tolist() == ["127.0.0.1", "172.29.15.1", "172.29.15.3", "172.29.15.4", "172.29.15.1"]
    # The first is the recorder's own readiness check, nc -z from inside the server's container.
    assert df.loc[0, "server"] == "127.0.0.1"
    assert set(df.loc[1:, "server"]) == {"172.29.15.2"} and set(df["server_port"]) == {8000}


def test_a_server_nobody_visited() -> None:
    text = fixture("uptime/docker-logs--no-visitors")
    assert text.startswith("listening on") and len(uptime_log.parse(text)) == 1  # only the readiness check


def test_ipv6_listener_addresses_are_shortened() -> None:
    df = uptime_log.parse(fixture("uptime/docker-logs--ipv6-listener"))
    assert df[["server", "client"]].values.tolist() == [
        ["::ffff:127.0.0.1", "::ffff:127.0.0.1"],
        ["fd00:dead:beef::7", "fd00:dead:beef::55"],
        ["::ffff:172.31.250.7", "::ffff:172.31.250.5"],
        ["fd00:dead:beef::7", "fd00:dead:beef::6"],
    ]


def test_one_docker_proxy_per_published_port() -> None:
    df = docker_proxy.parse(fixture("debian/ps-C-docker-proxy--two-ports"))
    assert df[["proto", "host_ip", "host_port", "container_ip", "container_port"]].values.tolist() == [
        ["tcp", "127.0.0.1", 28007, "172.29.15.2", 8000],
        ["udp", "127.0.0.1", 28053, "172.29.15.2", 53],
    ]
    both = docker_proxy.parse(fixture("debian/ps-C-docker-proxy--ipv6-host-address"))
    v6 = both[both["host_ip"] == "::1"].iloc[0]
    # The proxy listens on the host's IPv6 loopback and forwards to the container's IPv4 address.
    assert (v6["host_port"], v6["container_ip"]) == (28009, "172.29.15.6")
    assert both["pid"].is_unique and set(df["pid"]) <= set(both["pid"])
