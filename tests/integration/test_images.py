"""Every course image does its job on the real engine."""

from __future__ import annotations

import socket
import time

import pytest

import dockernet_nb as dnb
from dockernet_nb.engine.images import CATALOG, resolve

pytestmark = pytest.mark.usefixtures("fresh")


def test_every_catalog_image_is_on_the_engine_with_its_course_tag():
    from dockernet_nb.engine.connection import client

    for image in CATALOG:
        found = client().images.get(image.tag)
        assert image.tag in found.tags
        assert resolve(image.name) == image.tag


def test_busybox_ifconfig_shows_eth0_and_lo_on_the_default_bridge():
    result = dnb.run("busybox", "ifconfig")
    assert result.exit_code == 0
    assert result.stdout.startswith("eth0")
    assert "\nlo " in result.stdout
    assert "inet addr:172.17." in result.stdout


def test_busybox_route_and_ping_are_the_worksheet_tools():
    routes = dnb.run("busybox", "route -n")
    assert "Kernel IP routing table" in routes.stdout
    assert "0.0.0.0         172.17.0.1" in routes.stdout
    ping = dnb.run("busybox", "ping -c 1 127.0.0.1", net="none")
    assert "1 packets received" in ping.stdout


def test_debian_image_pings_loopback_with_iputils():
    result = dnb.run("debian", ["ping", "-c", "2", "127.0.0.1"], net="none")
    assert result.exit_code == 0
    assert "2 packets transmitted, 2 received, 0% packet loss" in result.stdout
    assert "rtt min/avg/max/mdev" in result.stdout  # the iputils dialect, not busybox's


def test_debian_image_has_iproute2_and_net_tools():
    result = dnb.run("debian", "sh -c 'ip -V; ifconfig lo; route -n'", net="none")
    assert "iproute2" in result.stdout
    assert "flags=73<UP,LOOPBACK,RUNNING>" in result.stdout
    assert "Kernel IP routing table" in result.stdout


def test_redis_cli_gets_pong_from_redis_server_over_a_user_network():
    dnb.create_net("imgnet")
    dnb.run("redis", name="redis", net="imgnet", detach=True)
    reply = None
    for _ in range(50):  # redis-server needs a moment before it accepts connections
        reply = dnb.run("redis", "redis-cli -h redis ping", net="imgnet")
        if reply.stdout.strip() == "PONG":
            break
        time.sleep(0.1)
    assert reply.stdout.strip() == "PONG"
    assert dnb.run("redis", "redis-cli -h redis set foo bar", net="imgnet").stdout.strip() == "OK"
    assert dnb.run("redis", "redis-cli -h redis get foo", net="imgnet").stdout.strip() == "bar"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_listener(container, port=8000):
    for _ in range(50):
        if dnb.logs(container).stderr.startswith("listening"):
            return
        time.sleep(0.1)


def test_uptime_server_answers_ten_connections_in_a_row_from_the_host():
    port = _free_port()
    server = dnb.run("uptime", name="nc", ports=f"{port}:8000", detach=True)
    _wait_for_listener(server)
    replies = [dnb.tcp_request(port) for _ in range(10)]
    assert all(" up " in r and "load average" in r for r in replies), replies
    log = dnb.logs(server).stderr.splitlines()
    connects = [line for line in log if line.startswith("connect to")]
    assert len(connects) == 10
    # The host's connection arrives from the bridge's gateway (docker-proxy), as in the worksheet.
    assert all(" from 172.17.0.1:" in line for line in connects)


def test_uptime_server_answers_ten_connections_from_inside_the_container():
    server = dnb.run("uptime", name="nc-inside", net="none", detach=True)
    _wait_for_listener(server)
    for _ in range(10):
        reply = dnb.exec(server, "nc localhost 8000")
        assert reply.exit_code == 0
        assert "load average" in reply.stdout
    assert dnb.containers().set_index("name").loc["nc-inside", "status"] == "running"
