"""dnb.veth_pairs against the real engine, checked with sources it does not use.

The verb reads ``ip link show`` in each container and on the host (through the course's helper). The
test reads instead what the kernel files say: each container's ``/sys/class/net/<if>/iflink``, by a
plain ``docker exec``, and the host's ``ip -j link`` (JSON), by a one-off container the test starts with
the Docker SDK itself. For every course container of the session, the frame's host end must be the host
interface with that index, and its bridge that interface's master.
"""

from __future__ import annotations

import json

import pytest

import dockernet_nb as dnb
from dockernet_nb.engine import labels
from dockernet_nb.engine.connection import client
from dockernet_nb.engine.images import resolve


@pytest.fixture
def lesson():
    before = labels.lesson()
    dnb.start_lesson("tests-plumbing")
    yield
    dnb.cleanup()
    labels.set_lesson(before)


def _host_links() -> dict[int, dict]:
    """The host's interfaces by index, from ``ip -j link`` in a container the test starts itself."""
    output = client().containers.run(
        resolve("debian"), ["ip", "-j", "link", "show"], network_mode="host", remove=True, cap_drop=["ALL"],
        labels={labels.COURSE: "1", labels.SESSION: labels.session_id(), labels.NAME: "test-host-links"},
    )
    return {item["ifindex"]: item for item in json.loads(output) if "ifname" in item}


def _kernel_iflinks() -> dict[tuple[str, str], int]:
    """(container, interface) -> iflink, from /sys in every running container of this session that has a network."""
    found = {}
    selector = {"label": f"{labels.SESSION}={labels.session_id()}", "status": "running"}
    for container in client().containers.list(filters=selector):
        mode = container.attrs["HostConfig"]["NetworkMode"]
        if mode in ("host", "none") or mode.startswith("container:"):
            continue
        script = "for d in /sys/class/net/*; do [ $d = /sys/class/net/lo ] || echo ${d##*/} $(cat $d/iflink); done"
        result = container.exec_run(["sh", "-c", script])
        assert result.exit_code == 0, result.output
        for line in result.output.decode().split("\n"):
            if line.strip():
                interface, iflink = line.split()
                found[(container.labels[labels.NAME], interface)] = int(iflink)
    return found


def test_each_container_interface_is_paired_with_the_host_interface_the_kernel_names(lesson):
    front, back = dnb.create_net("front"), dnb.create_net("back")
    dnb.run("debian", "sleep 300", name="one", net="front", detach=True)
    dnb.run("busybox", "sleep 300", name="two", net="front", detach=True)
    dnb.run("debian", "sleep 300", name="both", net="front", detach=True)
    dnb.connect("both", "back")
    dnb.run("busybox", "sleep 300", name="loner", detach=True)  # Docker's default network
    dnb.run("busybox", "sleep 300", name="hermit", net="none", detach=True)
    dnb.run("busybox", "sleep 300", name="guest", net="container:one", detach=True)

    pairs = dnb.veth_pairs()

    iflinks = _kernel_iflinks()
    host = _host_links()
    assert set(iflinks) == {("one", "eth0"), ("two", "eth0"), ("both", "eth0"), ("both", "eth1"), ("loner", "eth0")}
    got = {
        (r.container, r.interface): (r.iflink, r.veth, r.veth_ifindex, r.bridge) for r in pairs.itertuples()
    }
    assert set(got) == set(iflinks)
    for key, iflink in iflinks.items():
        peer = host[iflink]
        assert got[key] == (iflink, peer["ifname"], iflink, peer["master"]), key
    gateways = {front.name: front.gateway, back.name: back.gateway, "bridge": dnb.gateway_of("bridge")}
    bridges = {front.name: f"br-{front.id}", back.name: f"br-{back.id}", "bridge": "docker0"}
    for row in pairs.itertuples():
        assert row.gateway == gateways[row.network]
        assert row.bridge == bridges[row.network]
    assert "eth0@if" in pairs.raw and "master docker0" in pairs.raw


def test_bridges_and_routes_of_a_network(lesson):
    lan = dnb.create_net("lan")
    dnb.run("debian", "sleep 300", name="a", net="lan", detach=True)
    dnb.run("debian", "sleep 300", name="b", net="lan", detach=True)
    dnb.exec("a", ["ping", "-c", "1", dnb.address_of("b", "lan")])
    bridge = dnb.bridge_of("lan")
    assert bridge == f"br-{lan.id}"
    pairs = dnb.veth_pairs()
    ports = dnb.bridge_links("lan")
    assert sorted(ports["interface"]) == sorted(pairs["veth"])
    assert set(ports["master"]) == {bridge} and set(ports["network"]) == {"lan"}
    fdb = dnb.bridge_fdb("lan")
    learned = fdb[fdb["state"].isna() & fdb["interface"].str.startswith("veth")]
    # The bridge learned each container's MAC address behind that container's veth.
    assert set(zip(learned["mac"], learned["interface"], strict=True)) >= set(zip(pairs["mac"], pairs["veth"], strict=True))
    routes = dnb.host_routes("lan")
    assert routes[["destination", "iface"]].values.tolist() == [[lan.subnet.split("/")[0], bridge]]


def test_namespaces_built_by_hand_in_a_lab_container(lesson):
    dnb.run("debian", "sleep 300", name="lab", cap_add=["NET_ADMIN", "SYS_ADMIN"], detach=True)
    pid = int(dnb.exec("lab", ["sh", "-c", "unshare --net sleep 300 > /dev/null 2>&1 & echo $!"]).stdout)
    for command in (
        "ip link add br0 type bridge",
        "ip addr add 172.16.13.1/24 dev br0",
        "ip link set br0 up",
        f"ip link add veth-red type veth peer name eth0 netns {pid}",
        "ip link set veth-red master br0",
        "ip link set veth-red up",
        f"nsenter --net=/proc/{pid}/ns/net ip addr add 172.16.13.2/24 dev eth0",
        f"nsenter --net=/proc/{pid}/ns/net ip link set eth0 up",
    ):
        assert dnb.exec("lab", command).ok, command
    pairs = dnb.veth_pairs(inside="lab", namespaces={"red": pid})
    # /sys in lab shows lab's own namespace whatever nsenter enters, so the namespace's side is read as JSON.
    inside = json.loads(dnb.exec("lab", f"nsenter --net=/proc/{pid}/ns/net ip -j link show eth0").stdout)
    iflink = inside[0]["link_index"]
    index = int(dnb.exec("lab", "cat /sys/class/net/veth-red/ifindex").stdout)
    row = pairs.iloc[0]
    assert (row.container, row.interface, row.iflink, row.veth, row.veth_ifindex) == ("red", "eth0", iflink, "veth-red", index)
    assert (row.bridge, row.network, row.gateway, row.address) == ("br0", "br0", "172.16.13.1", "172.16.13.2/24")
