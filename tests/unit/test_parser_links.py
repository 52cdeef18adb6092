"""ip link, bridge link and bridge fdb, read from a course container and from the host's network view.

Every value is compared with the fixtures' ``.json`` by test_parser_fixtures.py; here: the text and
JSON dialects agree, and the recordings say what the lessons will point at (a container's eth0 is
one end of a veth whose other end is plugged into its network's bridge on the host).
"""

from __future__ import annotations

import pandas as pd
import pytest

from dockernet_nb.parsers import bridge_fdb, bridge_link, ip_link
from tests.unit.parser_fixtures import fixture


@pytest.mark.parametrize("case", ["user-network", "vxlan-bridge", "host-view"])
def test_ip_link_text_and_json_agree(case: str) -> None:
    js = ip_link.parse(fixture(f"debian/ip-j-d-link--{case}"))
    text = ip_link.parse(fixture(f"debian/ip-d-link--{case}"))
    assert (js.attrs["dialect"], text.attrs["dialect"]) == ("json", "text")
    pd.testing.assert_frame_equal(js, text, check_exact=True)


def test_ip_link_without_d_has_no_kind() -> None:
    plain = ip_link.parse(fixture("debian/ip-j-link--user-network"))
    detailed = ip_link.parse(fixture("debian/ip-j-d-link--user-network"))
    assert plain["kind"].isna().all()
    pd.testing.assert_frame_equal(plain.drop(columns="kind"), detailed.drop(columns="kind"))
    pd.testing.assert_frame_equal(plain, ip_link.parse(fixture("debian/ip-link--user-network")))


def test_a_containers_eth0_is_a_veth_into_its_networks_bridge() -> None:
    inside = ip_link.parse(fixture("debian/ip-j-d-link--user-network")).set_index("name")
    host = ip_link.parse(fixture("debian/ip-j-d-link--host-view")).set_index("ifindex")
    eth0 = inside.loc["eth0"]
    assert (eth0["kind"], eth0["link_netnsid"]) == ("veth", 0) and pd.isna(eth0["master"])
    # eth0's iflink is the host end's ifindex, and the host end's iflink is eth0's ifindex.
    peer = host.loc[eth0["iflink"]]
    assert peer["kind"] == "veth" and peer["iflink"] == eth0["ifindex"]
    assert peer["master"] == "dnbfx-br13" and host.set_index("name").loc["dnbfx-br13", "kind"] == "bridge"
    lo = inside.loc["lo"]
    assert pd.isna(lo["mac"]) and pd.isna(lo["kind"]) and lo["state"] == "UNKNOWN" and bool(lo["up"])


def test_vxlan_inside_a_bridge() -> None:
    df = ip_link.parse(fixture("debian/ip-j-d-link--vxlan-bridge")).set_index("name")
    assert (df.loc["vxlan42", "kind"], df.loc["vxlan42", "master"], df.loc["vxlan42", "mtu"]) == ("vxlan", "br0", 1450)
    assert df.loc["br0", "kind"] == "bridge" and df.loc["eth0", "kind"] == "veth"
    ports = bridge_link.parse(fixture("debian/bridge-j-link--vxlan-bridge"))
    assert ports[["interface", "master", "state"]].values.tolist() == [["vxlan42", "br0", "forwarding"]]
    fdb = bridge_fdb.parse(fixture("debian/bridge-j-fdb-show--vxlan-bridge"))
    default = fdb[fdb["mac"] == "00:00:00:00:00:00"].iloc[0]
    assert (default["interface"], default["dst"], default["state"], default["flags"]) == (
        "vxlan42",
        "172.29.13.6",
        "permanent",
        "self",
    )


def test_busybox_ip_link_has_no_state() -> None:
    df = ip_link.parse(fixture("busybox/ip-link--user-network")).set_index("name")
    assert df["state"].isna().all() and df.loc["eth0", "iflink"] > 0 and pd.isna(df.loc["eth0", "link_netnsid"])
    assert df.loc["eth0", "mac"] == "02:42:ac:1d:0d:03"


def test_missing_device_is_no_row() -> None:
    df = ip_link.parse(fixture("debian/ip-link--no-such-device"))
    assert len(df) == 0 and df.attrs["dialect"] == "text"


def test_peer_named_in_the_same_namespace() -> None:
    text = (
        "5: veth1@veth0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n"
        "    link/ether 7e:9a:15:23:3c:01 brd ff:ff:ff:ff:ff:ff\n"
        "6: veth0@veth1: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n"
        "    link/ether 7e:9a:15:23:3c:02 brd ff:ff:ff:ff:ff:ff\n"
    )
    assert ip_link.parse(text)["iflink"].tolist() == [6, 5]


@pytest.mark.parametrize("case", ["vxlan-bridge"])
def test_bridge_link_text_and_json_agree(case: str) -> None:
    pd.testing.assert_frame_equal(
        bridge_link.parse(fixture(f"debian/bridge-j-link--{case}")), bridge_link.parse(fixture(f"debian/bridge-link--{case}"))
    )


def test_host_view_bridge_ports() -> None:
    ports = bridge_link.parse(fixture("debian/bridge-j-link--host-view"))
    ours = ports[ports["master"] == "dnbfx-br13"]
    assert len(ours) == 2 and set(ours["state"]) == {"forwarding"} and ours["iflink"].notna().all()
    assert len(bridge_link.parse(fixture("debian/bridge-j-link--no-bridge"))) == 0


@pytest.mark.parametrize("case", ["user-network", "vxlan-bridge"])
def test_bridge_fdb_text_and_json_agree(case: str) -> None:
    js = bridge_fdb.parse(fixture(f"debian/bridge-j-fdb-show--{case}"))
    text = bridge_fdb.parse(fixture(f"debian/bridge-fdb-show--{case}"))
    pd.testing.assert_frame_equal(js, text)


def test_the_bridge_learned_each_containers_mac_on_its_port() -> None:
    fdb = bridge_fdb.parse(fixture("debian/bridge-j-fdb-show--user-network"))
    learned = fdb[fdb["master"].notna() & fdb["state"].isna()]
    assert sorted(learned["mac"]) == ["02:42:ac:1d:0d:02", "02:42:ac:1d:0d:03"]  # .2 and .3 on 172.29.13.0/24
    assert learned["interface"].str.startswith("veth").all() and learned["interface"].nunique() == 2
    own = fdb[fdb["flags"] == "self"]
    assert set(own["state"]) == {"permanent"} and own["master"].isna().all()
