"""Bad input, as a table: each row either gets a clear error that says what to do, or works.

Every row runs against the real engine, and after each row nothing of the course is left running
except what the row's own set-up made (cleaned by the `fresh` fixture).
"""

from __future__ import annotations

import inspect

import pytest

import dockernet_nb as dnb
from dockernet_nb.engine import labels
from dockernet_nb.engine.connection import client

pytestmark = pytest.mark.usefixtures("fresh")


def _box():
    dnb.create_net("bad-in")
    return dnb.run("busybox", "sleep 120", name="bad-in-box", net="bad-in", detach=True)


def _overlap():
    dnb.create_net("first-of-two", subnet="172.30.77.0/24")
    dnb.create_net("second-of-two", subnet="172.30.77.0/25")


# (id, action, expected error class or None for "works", a phrase the message must contain)
CASES = [
    ("net name with spaces", lambda: dnb.create_net("my net"), dnb.InvalidInput, "letters, digits"),
    ("net name empty", lambda: dnb.create_net(""), dnb.InvalidInput, "not a valid network name"),
    ("net name builtin", lambda: dnb.create_net("bridge"), dnb.InvalidInput, "built-in"),
    ("subnet with host bits", lambda: dnb.create_net("n", subnet="172.30.1.5/24"), dnb.InvalidInput, "Did you mean 172.30.1.0/24"),
    ("subnet not a subnet", lambda: dnb.create_net("n", subnet="mynet"), dnb.InvalidInput, "Write it like"),
    ("gateway outside", lambda: dnb.create_net("n", subnet="172.30.2.0/24", gateway="172.30.3.1"), dnb.InvalidInput, "outside the subnet"),
    ("gateway without subnet", lambda: dnb.create_net("n", gateway="172.30.3.1"), dnb.InvalidInput, "pass subnet="),
    ("overlapping subnets", _overlap, dnb.InvalidInput, "overlaps"),
    ("unknown driver", lambda: dnb.create_net("n", driver="nosuch"), dnb.InvalidInput, "no network driver"),
    ("unknown image", lambda: dnb.run("dockernet-nb/nope:1", "true"), dnb.ImageMissing, "dockernet-nb images"),
    ("unknown network", lambda: dnb.run("busybox", "true", net="nosuchnet"), dnb.NetworkNotFound, "dnb.create_net('nosuchnet')"),
    ("unknown container exec", lambda: dnb.exec("nosuchbox", "true"), dnb.ContainerNotFound, "dnb.containers()"),
    ("unknown container logs", lambda: dnb.logs("nosuchbox"), dnb.ContainerNotFound, "No container named 'nosuchbox'"),
    ("unknown container connect", lambda: dnb.connect("nosuchbox", "bridge"), dnb.ContainerNotFound, "nosuchbox"),
    ("unknown network remove", lambda: dnb.remove_net("nosuchnet"), dnb.NetworkNotFound, "dnb.networks()"),
    ("port spec words", lambda: dnb.run("busybox", "true", ports="http"), dnb.InvalidInput, "'8000:8000'"),
    ("port out of range", lambda: dnb.run("busybox", "true", ports="99999:80"), dnb.InvalidInput, "1-65535"),
    ("command list with a number", lambda: dnb.run("busybox", ["echo", 3]), dnb.InvalidInput, "only strings"),
    ("command unbalanced quote", lambda: dnb.run("busybox", "echo 'oops"), dnb.InvalidInput, "quotes"),
    ("command not in image", lambda: dnb.run("busybox", "nosuchcmd", net="none"), dnb.InvalidInput, "no program 'nosuchcmd'"),
    ("container name with slash", lambda: dnb.run("busybox", "true", name="a/b"), dnb.InvalidInput, "not a valid container name"),
    ("timeout zero", lambda: dnb.run("busybox", "true", timeout=0), dnb.InvalidInput, "positive"),
    ("ping count zero", lambda: dnb.ping(None, "127.0.0.1", count=0), dnb.InvalidInput, "1 to 100"),
    ("ping an option", lambda: dnb.ping(None, "-f"), dnb.InvalidInput, "not a host name"),
    ("exec without command", lambda: dnb.exec(_box(), ""), dnb.InvalidInput, "needs a command"),
    ("connect ip not an address", lambda: dnb.connect(_box(), "bad-in", ip="999.1.1.1"), dnb.InvalidInput, "not an IPv4"),
    ("tcp port out of range", lambda: dnb.tcp_request(70000), dnb.InvalidInput, "1 to 65535"),
    ("tcp data as text", lambda: dnb.tcp_request(8000, data="PING"), dnb.InvalidInput, "bytes"),
    ("both container and image", lambda: dnb.inspect_interfaces(_box(), image="busybox"), dnb.InvalidInput, "not both"),
    ("neither container nor image", lambda: dnb.inspect_routes(), dnb.InvalidInput, "image="),
    ("command as list works", lambda: dnb.run("busybox", ["echo", "ok"], net="none"), None, "ok"),
    ("command as string works", lambda: dnb.run("busybox", "echo ok", net="none"), None, "ok"),
    ("non-ascii output works", lambda: dnb.run("busybox", ["echo", "größe ✓"], net="none"), None, "größe ✓"),
    ("exec of a missing program is a result", lambda: dnb.exec(_box(), "nosuchcmd"), None, "executable file not found"),
    ("ports with net none work", lambda: dnb.run("busybox", "true", net="none", ports="18300:8000"), None, ""),
    ("timeout as text", lambda: dnb.run("busybox", "true", timeout="5"), dnb.InvalidInput, "timeout=30"),
    ("exec timeout as text", lambda: dnb.exec(_box(), "true", timeout="5"), dnb.InvalidInput, "timeout=30"),
    ("lesson name with a space", lambda: dnb.start_lesson("my lesson"), dnb.InvalidInput, "like 'bridge'"),
    ("env not a dict", lambda: dnb.run("busybox", "true", env=["A=1"]), dnb.InvalidInput, "env must be a dict"),
    ("cap_add ALL", lambda: dnb.run("busybox", "true", cap_add=["ALL"]), dnb.InvalidInput, "power"),
    ("cap_add SYS_MODULE", lambda: dnb.run("busybox", "true", cap_add=["SYS_MODULE"]), dnb.InvalidInput, "SYS_MODULE"),
    ("kernel sysctl", lambda: dnb.run("busybox", "true", sysctls={"kernel.pid_max": "10"}), dnb.InvalidInput, "net.*"),
    ("pid host", lambda: dnb.run("busybox", "true", pid="host"), dnb.InvalidInput, "pid='host'"),
    ("host network with NET_ADMIN", lambda: dnb.run("busybox", "true", net="host", cap_add=["NET_ADMIN"]), dnb.InvalidInput, "host's own routes"),
    ("pid of an unknown container", lambda: dnb.run("busybox", "true", pid="container:nosuchbox"), dnb.ContainerNotFound, "nosuchbox"),
    ("subnet outside the course ranges", lambda: dnb.create_net("n", subnet="10.1.2.0/24"), dnb.InvalidInput, "any_subnet=True"),
    ("options not strings", lambda: dnb.create_net("n", options={"a": 1}), dnb.InvalidInput, "dict of strings"),
    ("host rules of an unknown table", lambda: dnb.host_iptables_rules(table="nosuch"), dnb.InvalidInput, "filter, nat"),
    ("an id prefix is not a name", lambda: dnb.exec(_box().id[:5], "true"), dnb.ContainerNotFound, "No container named"),
]


@pytest.mark.parametrize(("action", "error", "phrase"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gets_a_clear_error_or_works(action, error, phrase):
    if error is None:
        result = action()
        assert phrase in result.output
        return
    with pytest.raises(error) as caught:
        action()
    assert phrase in str(caught.value)
    assert isinstance(caught.value, dnb.DockernetError)


def test_a_failed_call_leaves_no_container_behind():
    with pytest.raises(dnb.InvalidInput):
        dnb.run("busybox", "nosuchcmd", name="never-started", net="none")
    assert client().containers.list(all=True, filters={"label": f"{labels.NAME}=never-started"}) == []


def test_no_verb_offers_privileged_devices_or_volumes():
    # What the policy cannot see, the signature does not offer (the behaviour is in test_trust.py).
    assert {"privileged", "devices", "volumes", "user"} & set(inspect.signature(dnb.run).parameters) == set()
