"""Pairing veth ends and drawing the plumbing, without an engine.

The ``ip link`` texts are written as Engine 28 and Engine 20.10 number interfaces: on 28 every
container's eth0 has index 2 in its own namespace, so only the container's ``iflink`` (the host end's
index) tells the pairs apart; on 20.10 the two ends have neighbouring host-wide numbers.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd
from matplotlib.text import Text

from dockernet_nb.display.topology import draw_topology
from dockernet_nb.parsers import ip_link
from dockernet_nb.records import ContainerNode, Endpoint, NetworkBox, TopologySnapshot, VethLink
from dockernet_nb.verbs.plumbing import PAIR_COLUMNS, bridge_name, match_pairs
from dockernet_nb.verbs.topology import snapshot_of_pairs, with_plumbing

HOST_28 = """\
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: docker0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default
    link/ether e6:81:26:58:ea:29 brd ff:ff:ff:ff:ff:ff
24: br-72a75eb822f7: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default
    link/ether a2:31:ed:ad:ac:cf brd ff:ff:ff:ff:ff:ff
25: veth33b0bae@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br-72a75eb822f7 state UP mode DEFAULT group default
    link/ether de:82:3e:aa:45:33 brd ff:ff:ff:ff:ff:ff link-netnsid 0
26: veth1ebf69f@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br-72a75eb822f7 state UP mode DEFAULT group default
    link/ether 76:cc:61:87:ee:be brd ff:ff:ff:ff:ff:ff link-netnsid 1
27: vethd9adaae@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master docker0 state UP mode DEFAULT group default
    link/ether 6e:c1:9b:d7:06:b7 brd ff:ff:ff:ff:ff:ff link-netnsid 2
"""


def _container(iflink: int, mac: str, index: int = 2) -> pd.DataFrame:
    return ip_link.parse(
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n"
        "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
        f"{index}: eth0@if{iflink}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default\n"
        f"    link/ether {mac} brd ff:ff:ff:ff:ff:ff link-netnsid 0\n"
    )


def _pairs() -> pd.DataFrame:
    lan = "br-72a75eb822f7"
    sides = [
        ("web", _container(25, "fe:c2:f3:46:17:90"), {lan: ("lan", "172.24.0.2/24")}),
        ("client", _container(26, "ee:d2:61:3d:98:49"), {lan: ("lan", "172.24.0.3/24")}),
        ("loner", _container(27, "02:42:ac:11:00:02"), {"docker0": ("bridge", "172.17.0.2/16")}),
    ]
    return match_pairs(sides, ip_link.parse(HOST_28), {lan: "172.24.0.1", "docker0": "172.17.0.1"})


def test_each_eth0_is_paired_with_the_host_interface_its_iflink_names() -> None:
    pairs = _pairs()
    assert list(pairs.columns) == list(PAIR_COLUMNS)
    shown = pairs[["container", "network", "interface", "ifindex", "iflink", "veth", "veth_iflink", "bridge", "gateway"]]
    assert shown.astype(object).values.tolist() == [
        ["client", "lan", "eth0", 2, 26, "veth1ebf69f", 2, "br-72a75eb822f7", "172.24.0.1"],
        ["loner", "bridge", "eth0", 2, 27, "vethd9adaae", 2, "docker0", "172.17.0.1"],
        ["web", "lan", "eth0", 2, 25, "veth33b0bae", 2, "br-72a75eb822f7", "172.24.0.1"],
    ]
    assert pairs.loc[2, "address"] == "172.24.0.2/24" and pairs.loc[2, "mac"] == "fe:c2:f3:46:17:90"


def test_an_interface_whose_peer_does_not_name_it_back_has_no_host_end() -> None:
    # The host's index 25 exists, but its peer is index 2, not 7: not this interface's pair.
    pairs = match_pairs([("odd", _container(25, "02:00:00:00:00:01", index=7), {})], ip_link.parse(HOST_28), {})
    assert pairs.loc[0, ["veth", "bridge", "network"]].isna().all()


def test_bridge_names_follow_docker() -> None:
    assert bridge_name({"Driver": "bridge", "Id": "72a75eb822f7aa00", "Options": {}}) == "br-72a75eb822f7"
    assert bridge_name({"Driver": "bridge", "Id": "x", "Options": {"com.docker.network.bridge.name": "docker0"}}) == "docker0"
    assert bridge_name({"Driver": "macvlan", "Id": "72a75eb822f7"}) == ""


def _texts(fig) -> dict[str, str]:
    return {t.get_gid(): t.get_text() for t in fig.findobj(Text) if t.get_gid()}


def _snapshot() -> TopologySnapshot:
    return TopologySnapshot(
        title="demo",
        networks=(
            NetworkBox("bridge", subnet="172.17.0.0/16", gateway="172.17.0.1", bridge="docker0"),
            NetworkBox("lan", subnet="172.24.0.0/24", gateway="172.24.0.1", bridge="br-72a75eb822f7"),
        ),
        containers=(ContainerNode("client", "debian"), ContainerNode("loner", "busybox"), ContainerNode("web", "uptime")),
        endpoints=(
            Endpoint("client", "lan", "172.24.0.3", 24),
            Endpoint("loner", "bridge", "172.17.0.2", 16),
            Endpoint("web", "lan", "172.24.0.2", 24),
        ),
    )


def test_without_links_the_picture_is_the_plain_one() -> None:
    texts = _texts(draw_topology(_snapshot()))
    assert texts["endpoint:web|lan"] == "172.24.0.2"
    assert texts["gateway:lan"] == "gw 172.24.0.1"
    assert "bridge br-" not in texts["network-details:lan"]
    assert not [gid for gid in texts if gid.startswith("veth:")]


def test_with_the_plumbing_each_veth_is_a_port_inside_its_bridge() -> None:
    shown = with_plumbing(_snapshot(), _pairs())
    assert shown.links == (
        VethLink("client", "lan", "eth0", "veth1ebf69f", "br-72a75eb822f7"),
        VethLink("loner", "bridge", "eth0", "vethd9adaae", "docker0"),
        VethLink("web", "lan", "eth0", "veth33b0bae", "br-72a75eb822f7"),
    )
    texts = _texts(draw_topology(shown))
    assert texts["veth:web|lan"] == "veth33b0bae"
    assert texts["endpoint:web|lan"] == "eth0 172.24.0.2"
    assert texts["gateway:lan"] == "br-72a75eb822f7 172.24.0.1"
    assert texts["network-details:lan"].endswith("bridge br-72a75eb822f7")


def test_namespaces_built_by_hand_become_a_picture_with_the_lab_as_host() -> None:
    lab = ip_link.parse(
        "2: br0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\n"
        "    link/ether 12:91:cb:ff:45:c3 brd ff:ff:ff:ff:ff:ff\n"
        "3: veth-red@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br0 state UP mode DEFAULT group default qlen 1000\n"
        "    link/ether 7e:5e:38:c6:46:c1 brd ff:ff:ff:ff:ff:ff link-netnsid 1\n"
    )
    pairs = match_pairs([("red", _container(3, "4e:77:28:85:7f:47"), {"br0": ("br0", "172.16.13.2/24")})], lab, {"br0": "172.16.13.1"})
    snapshot = snapshot_of_pairs(pairs, host="lab", title="by hand")
    assert snapshot.networks == (NetworkBox("br0", subnet="172.16.13.0/24", gateway="172.16.13.1", bridge="br0"),)
    assert snapshot.endpoints == (Endpoint("red", "br0", "172.16.13.2", 24),)
    texts = _texts(draw_topology(snapshot))
    assert texts["veth:red|br0"] == "veth-red"
    assert texts["gateway:br0"] == "br0 172.16.13.1"
