"""Every exercise check says "Correct" for the engine's own truth, and "Not yet" with a hint otherwise.

The right answers are computed here from the real engine, by a different route than the check itself
takes where one exists (getent instead of inspect, the network's gateway instead of the routing table).
"""

from __future__ import annotations

import time

import pytest

import dockernet_nb as dnb
from dockernet_nb import checks
from dockernet_nb.engine import images, labels

# Not 8000 (only the ports lesson publishes that) and not 8123 (the exercise's port, for a learner).
UPTIME_PORT = 18123


@pytest.fixture(scope="module", autouse=True)
def checks_lesson():
    dnb.start_lesson("checks")
    yield
    dnb.cleanup()
    labels.set_lesson("tests")


@pytest.fixture(scope="module")
def redis_on_mynet():
    dnb.create_net("mynet")
    dnb.run("redis", name="redis", net="mynet", detach=True)
    yield
    dnb.rm("redis")
    dnb.remove_net("mynet")


def _assert_not_yet(result: checks.CheckResult) -> None:
    assert isinstance(result, checks.CheckResult)
    assert result.ok is False and not result
    assert result.hint.strip()
    assert repr(result).startswith("Not yet:") and "Hint:" in repr(result)


def _wait_until_answering(port: int, seconds: float = 10) -> str:
    """The first non-empty reply: Docker's proxy accepts (and closes) before the server listens."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            reply = dnb.tcp_request(port)
        except dnb.ConnectionRefused:
            reply = ""
        if reply or time.monotonic() > deadline:
            return reply
        time.sleep(0.2)


def test_smallest_image():
    table = images.image_table()
    smallest = table.loc[table["size_mb"].idxmin(), "name"]
    largest = table.loc[table["size_mb"].idxmax(), "name"]
    assert checks.check_smallest_image(smallest).ok
    assert checks.check_smallest_image(images.resolve(smallest)).ok
    _assert_not_yet(checks.check_smallest_image(largest))
    _assert_not_yet(checks.check_smallest_image("alpine"))
    _assert_not_yet(checks.check_smallest_image(None))


def test_redis_address(redis_on_mynet):
    looked_up = dnb.run("debian", "getent hosts redis", net="mynet")
    address = looked_up.stdout.split()[0]
    assert checks.check_redis_address(address).ok
    assert checks.check_redis_address(f" {address}\n").ok
    gateway = dnb.networks().set_index("name").loc["mynet", "gateway"]
    _assert_not_yet(checks.check_redis_address(gateway))
    _assert_not_yet(checks.check_redis_address(f"{address}/24"))
    _assert_not_yet(checks.check_redis_address("redis"))
    _assert_not_yet(checks.check_redis_address(None))


def test_redis_greeting(redis_on_mynet):
    wrong = dnb.run("redis", "redis-cli -h redis set greeting bye", net="mynet")
    _assert_not_yet(checks.check_redis_greeting(wrong))
    right = dnb.run("redis", "redis-cli -h redis set greeting hello", net="mynet")
    result = checks.check_redis_greeting(right)
    assert result.ok, result
    stored = dnb.run("redis", "redis-cli -h redis get greeting", net="mynet")
    assert stored.stdout.strip() == "hello"
    _assert_not_yet(checks.check_redis_greeting("set greeting hello"))
    _assert_not_yet(checks.check_redis_greeting(None))


def test_default_gateway():
    gateway = dnb.networks().set_index("name").loc["bridge", "gateway"]
    assert checks.check_default_gateway(gateway).ok
    _assert_not_yet(checks.check_default_gateway("0.0.0.0"))
    _assert_not_yet(checks.check_default_gateway("127.0.0.1"))
    _assert_not_yet(checks.check_default_gateway(None))


def test_loopback_prediction():
    truth = len(dnb.ping(None, "127.0.0.1", image="busybox", net="none", count=1)) > 0
    assert truth is True  # lo survives net="none"
    assert checks.check_loopback_prediction(truth).ok
    _assert_not_yet(checks.check_loopback_prediction(not truth))
    _assert_not_yet(checks.check_loopback_prediction("yes"))
    _assert_not_yet(checks.check_loopback_prediction(None))


def test_published_uptime():
    isolated = dnb.run("uptime", name="clock", net="none", ports=f"{UPTIME_PORT}:8000", detach=True)
    _assert_not_yet(checks.check_published_uptime(isolated, port=UPTIME_PORT))

    clock = dnb.run("uptime", name="clock", ports=f"{UPTIME_PORT}:8000", detach=True)
    assert "load average" in _wait_until_answering(UPTIME_PORT)
    result = checks.check_published_uptime(clock, port=UPTIME_PORT)
    assert result.ok, result
    assert checks.check_published_uptime("clock", port=UPTIME_PORT).ok
    _assert_not_yet(checks.check_published_uptime(clock, port=UPTIME_PORT + 1))

    dnb.stop("clock")
    _assert_not_yet(checks.check_published_uptime(clock, port=UPTIME_PORT))
    dnb.rm("clock")
    _assert_not_yet(checks.check_published_uptime(clock, port=UPTIME_PORT))
    _assert_not_yet(checks.check_published_uptime(None, port=UPTIME_PORT))


def test_on_both_networks():
    dnb.create_net("front", internal=True)
    dnb.create_net("back", internal=True)
    dnb.run("busybox", "sleep 300", name="app", net="front", detach=True)
    only_front = dnb.run("busybox", "sleep 300", name="solo", net="front", detach=True)

    app = dnb.connect("app", "back")
    assert set(app.addresses) == {"front", "back"}
    result = checks.check_on_both_networks(app)
    assert result.ok, result
    _assert_not_yet(checks.check_on_both_networks(only_front))
    _assert_not_yet(checks.check_on_both_networks(dnb.disconnect("app", "front")))
    _assert_not_yet(checks.check_on_both_networks("nobody"))
    _assert_not_yet(checks.check_on_both_networks(None))


def test_engine_name():
    predicted = labels.docker_name("web")
    assert checks.check_engine_name(predicted).ok
    web = dnb.run("busybox", "sleep 60", name="web", detach=True)
    assert web.docker_name == predicted  # the prediction is what the engine then shows
    assert checks.check_engine_name(f" {predicted}\n").ok
    _assert_not_yet(checks.check_engine_name("web"))
    _assert_not_yet(checks.check_engine_name(f"{labels.lesson()}-0000ffff-web"))
    _assert_not_yet(checks.check_engine_name(predicted.replace("web", "db")))
    _assert_not_yet(checks.check_engine_name(None))
    dnb.rm("web")


def test_bridge_isolation(redis_on_mynet):
    address = dnb.containers().set_index("name").loc["redis", "addresses"]
    from_default_bridge = dnb.run("debian", ["ping", "-c", "2", "-W", "1", address])
    truth = "0 received" not in from_default_bridge.stdout
    assert truth is False  # Docker isolates bridge networks from each other, on 20.10 as on 28
    assert checks.check_bridge_isolation(truth).ok
    _assert_not_yet(checks.check_bridge_isolation(not truth))
    _assert_not_yet(checks.check_bridge_isolation("no"))
    _assert_not_yet(checks.check_bridge_isolation(None))
    on_mynet = dnb.run("debian", ["ping", "-c", "1", "-W", "2", address], net="mynet")
    assert on_mynet.ok  # the same address answers from its own network
