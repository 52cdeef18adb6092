"""Values read from the recorded fixtures by the iproute2, net-tools, busybox, ping and iptables parsers.

Every fixture's every value is compared with its expected ``.json`` by tests/unit/test_parser_fixtures.py;
the tests here say what a reader should notice in them (dialects agree, peers are stripped, ...).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from dockernet_nb.parsers import ifconfig, ip_addr, ip_route, iptables, ping, route
from tests.unit.parser_fixtures import fixture

ROUTE_COLUMNS = ["destination", "gateway", "genmask", "flags", "metric", "iface"]


# --- dialect detection --------------------------------------------------------------------------


def _interfaces(df: pd.DataFrame) -> pd.DataFrame:
    cols = ["name", "mac", "ipv4", "prefixlen", "broadcast", "mtu", "up", "ipv6"]
    return df[cols].sort_values("name").reset_index(drop=True)


def test_ifconfig_dialects_agree_on_default_bridge() -> None:
    bb = ifconfig.parse(fixture("busybox/ifconfig--default-bridge"))
    nt = ifconfig.parse(fixture("debian/ifconfig--default-bridge"))
    assert (bb.attrs["dialect"], nt.attrs["dialect"]) == ("busybox", "net-tools")
    pd.testing.assert_frame_equal(_interfaces(bb), _interfaces(nt))
    eth0 = nt.set_index("name").loc["eth0"]
    assert (eth0["mac"], eth0["ipv4"], eth0["prefixlen"], eth0["broadcast"]) == (
        "02:42:ac:11:00:02",
        "172.17.0.2",
        16,
        "172.17.255.255",
    )
    lo = bb.set_index("name").loc["lo"]
    assert pd.isna(lo["mac"]) and lo["mtu"] == 65536 and lo["prefixlen"] == 8 and bool(lo["up"])


def test_ifconfig_device_not_found_is_no_interface() -> None:
    bb = ifconfig.parse("ifconfig: eth0: error fetching interface information: Device not found\n")
    nt = ifconfig.parse("eth0: error fetching interface information: Device not found\n")
    assert len(bb) == 0 and len(nt) == 0
    assert (bb.attrs["dialect"], nt.attrs["dialect"]) == ("busybox", "net-tools")


def test_ifconfig_ipv6_entries() -> None:
    bb = ifconfig.parse(fixture("busybox/ifconfig--ipv6")).set_index("name")
    nt = ifconfig.parse(fixture("debian/ifconfig--ipv6")).set_index("name")
    # Entries keep the text's order, which the kernel does not fix: compare as sets.
    assert set(bb.loc["eth0", "ipv6"].split()) == {"fe80::42:acff:fe1d:c05/64", "fd00:dbf::5/64"}
    assert set(nt.loc["eth0", "ipv6"].split()) == {"fd00:dbf::6/64", "fe80::42:acff:fe1d:c06/64"}
    assert bb.loc["lo", "ipv6"] == nt.loc["lo", "ipv6"] == "::1/128"
    assert (bb.loc["eth0", "ipv6_global"], bb.loc["eth0", "ipv6_link_local"]) == ("fd00:dbf::5/64", "fe80::42:acff:fe1d:c05/64")
    assert pd.isna(nt.loc["lo", "ipv6_global"]) and pd.isna(nt.loc["lo", "ipv6_link_local"])  # ::1 is neither


DUAL_STACK = {
    "debian": ("eth0", "172.31.250.5", {"fd00:dead:beef::5/64", "fd00:dead:beef::55/64"}, "fe80::42:acff:fe1f:fa05/64"),
    "busybox": ("eth0", "172.31.250.6", {"fd00:dead:beef::6/64"}, "fe80::42:acff:fe1f:fa06/64"),
}


@pytest.mark.parametrize(
    "name",
    ["debian/ifconfig--dual-stack", "debian/ip-addr--dual-stack", "debian/ip-j-addr--dual-stack",
     "busybox/ifconfig--dual-stack", "busybox/ip-addr--dual-stack"],
)
def test_dual_stack_addresses_every_dialect(name: str) -> None:
    # debian's eth0 has Docker's address and one added by hand: both global, one link-local.
    parser = ifconfig if "ifconfig" in name else ip_addr
    iface, ipv4, global_addresses, link_local = DUAL_STACK[name.split("/")[0]]
    row = parser.parse(fixture(name)).set_index("name").loc[iface]
    assert row["ipv4"] == ipv4 and row["prefixlen"] == 24
    assert set(row["ipv6_global"].split()) == global_addresses and row["ipv6_link_local"] == link_local
    assert set(row["ipv6"].split()) == global_addresses | {link_local}


def test_ip_addr_text_and_json_agree() -> None:
    text = ip_addr.parse(fixture("debian/ip-addr--multi-homed"))
    js = ip_addr.parse(fixture("debian/ip-j-addr--multi-homed"))
    assert (text.attrs["dialect"], js.attrs["dialect"]) == ("text", "json")
    pd.testing.assert_frame_equal(_interfaces(text), _interfaces(js))
    by_name = js.set_index("name")
    assert by_name.loc["eth0", "ipv4"] == "172.29.10.7" and by_name.loc["eth1", "ipv4"] == "172.29.11.7"
    assert by_name.loc["eth1", "mac"] == "02:42:ac:1d:0b:07"
    assert js["rx_bytes"].isna().all()  # no -s: no counters


def test_ip_addr_counters_with_s() -> None:
    text = ip_addr.parse(fixture("debian/ip-s-addr--default-bridge")).set_index("name")
    js = ip_addr.parse(fixture("debian/ip-j-s-addr--default-bridge")).set_index("name")
    assert text.loc["lo", ["rx_packets", "rx_bytes", "tx_packets", "tx_bytes"]].tolist() == [0, 0, 0, 0]
    assert js.loc["lo", ["rx_packets", "rx_bytes", "tx_packets", "tx_bytes"]].tolist() == [0, 0, 0, 0]
    assert text.loc["eth0", "rx_bytes"] > 0 and js.loc["eth0", "rx_bytes"] > 0


def test_ip_addr_strips_peer_suffix() -> None:
    raw = fixture("busybox/ip-addr--default-bridge")
    assert "eth0@if" in raw
    assert ip_addr.parse(raw)["name"].tolist() == ["lo", "eth0"]


def test_ip_route_text_json_and_route_n_agree() -> None:
    def routes(df: pd.DataFrame) -> list[tuple[Any, ...]]:
        return sorted(map(tuple, df.astype(object).to_numpy().tolist()))

    text = ip_route.parse(fixture("debian/ip-route--extra-routes"))
    js = ip_route.parse(fixture("debian/ip-j-route--extra-routes"))
    assert (text.attrs["dialect"], js.attrs["dialect"]) == ("text", "json")
    assert routes(text) == routes(js)
    assert ("172.29.60.7", "172.29.10.1", "255.255.255.255", "UGH", 0, "eth0") in routes(text)
    assert ("172.29.61.0", "172.29.11.1", "255.255.255.0", "UG", 50, "eth1") in routes(text)
    # multipath: one row per nexthop
    assert [r for r in routes(text) if r[0] == "172.29.62.0"] == [
        ("172.29.62.0", "172.29.10.1", "255.255.255.0", "UG", 0, "eth0"),
        ("172.29.62.0", "172.29.11.1", "255.255.255.0", "UG", 0, "eth1"),
    ]
    # route -n agrees on every plain unicast route (it prints blackhole/multipath differently).
    plain = [r for r in routes(text) if not r[0].startswith("172.29.62.")]
    assert set(plain) <= set(routes(route.parse(fixture("debian/route-n--extra-routes"))))


@pytest.mark.parametrize("image", ["busybox", "debian"])
def test_ip_route_matches_route_n(image: str) -> None:
    for case in ("default-bridge", "multi-homed", "ipv6"):
        a = ip_route.parse(fixture(f"{image}/ip-route--{case}"))
        b = route.parse(fixture(f"{image}/route-n--{case}"))
        pd.testing.assert_frame_equal(a, b)


def test_ip_route_default_bridge_values() -> None:
    df = ip_route.parse(fixture("busybox/ip-route--default-bridge"))
    assert df.astype(object).to_numpy().tolist() == [
        ["0.0.0.0", "172.17.0.1", "0.0.0.0", "UG", 0, "eth0"],
        ["172.17.0.0", "0.0.0.0", "255.255.0.0", "U", 0, "eth0"],
    ]


def test_ip_6_route_rows_look_like_route_n_A_inet6() -> None:
    # IPv6 destinations keep their prefix length (route -n -A inet6's form); there is no genmask.
    expected = [
        ["fd00:dbf::/64", "::", None, "U", 256, "eth0"],
        ["fe80::/64", "::", None, "U", 256, "eth0"],
        ["::/0", "fd00:dbf::1", None, "UG", 1024, "eth0"],
    ]
    for name in ("debian/ip-6-route--ipv6", "debian/ip-j-6-route--ipv6"):
        df = ip_route.parse(fixture(name))
        assert df.astype(object).where(df.notna(), None).values.tolist() == expected
    # `ip route` on the same dual-stack container still prints (and gives) IPv4 only.
    assert set(ip_route.parse(fixture("debian/ip-route--ipv6"))["gateway"]) <= {"0.0.0.0", "172.29.12.1"}


@pytest.mark.parametrize("name", ["debian/ip-6-route--dual-stack", "debian/ip-j-6-route--dual-stack", "busybox/ip-6-route--dual-stack"])
def test_ip_6_route_dual_stack(name: str) -> None:
    # busybox also lists "multicast ff00::/8": a special type, skipped as route -n would.
    df = ip_route.parse(fixture(name))
    assert df[["destination", "gateway", "flags", "metric"]].values.tolist() == [
        ["fd00:dead:beef::/64", "::", "U", 256],
        ["fe80::/64", "::", "U", 256],
        ["::/0", "fd00:dead:beef::1", "UG", 1024],
    ]
    assert df["genmask"].isna().all()


def test_ip_6_multipath_gives_a_row_per_nexthop() -> None:
    for name in ("debian/ip-6-route--multipath", "debian/ip-j-6-route--multipath"):
        df = ip_route.parse(fixture(name))
        hops = df[df["destination"] == "fd00:dbf:1::/64"]
        assert hops["gateway"].tolist() == ["fd00:dbf::1", "fd00:dbf::5"] and set(hops["flags"]) == {"UG"}


def test_default_takes_the_family_of_its_gateway_or_of_its_neighbours() -> None:
    assert ip_route.parse("default via fd00::1 dev eth0 metric 1024\n").loc[0, "destination"] == "::/0"
    assert ip_route.parse("default dev tun0\n").loc[0, "destination"] == "0.0.0.0"
    six = ip_route.parse("fd00:1::/64 dev tun0 metric 256\ndefault dev tun0 metric 1024\n")
    assert six["destination"].tolist() == ["fd00:1::/64", "::/0"]
    host = ip_route.parse("fd00:1::7 via fd00:1::1 dev eth0\n")
    assert host.loc[0, ["destination", "flags"]].tolist() == ["fd00:1::7/128", "UGH"]


def test_route_n_header_only() -> None:
    df = route.parse(fixture("busybox/route-n--net-none"))
    assert len(df) == 0 and list(df.columns) == ROUTE_COLUMNS


BUSYBOX_PING = (
    "PING web (172.29.10.2): 56 data bytes\n"
    "64 bytes from 172.29.10.2: seq=0 ttl=64 time=0.807 ms\n"
    "\n--- web ping statistics ---\n"
    "1 packets transmitted, 1 packets received, 0% packet loss\n"
    "round-trip min/avg/max = 0.807/0.807/0.807 ms\n"
)


@pytest.mark.parametrize(
    ("text", "dialect"),
    [
        ("PING web (172.29.10.2): 56 data bytes\n", "busybox"),
        ("PING web (172.29.10.2) 56(84) bytes of data.\n", "iputils"),
        ("PING fd00:dbf::5(fd00:dbf::5) 56 data bytes\n", "iputils"),
        ("64 bytes from 172.29.10.2: seq=3 ttl=64 time=1 ms\n", "busybox"),
        ("64 bytes from 172.29.10.2: icmp_seq=3 ttl=64 time=1 ms\n", "iputils"),
        ("round-trip min/avg/max = 0.1/0.2/0.3 ms\n", "busybox"),
        ("rtt min/avg/max/mdev = 0.1/0.2/0.3/0.1 ms\n", "iputils"),
        ("ping: bad address 'nosuchhost'\n", "busybox"),
        ("ping: sendto: Network is unreachable\n", "busybox"),
        ("ping: connect: Network is unreachable\n", "iputils"),
        ("ping: nosuchhost: Name or service not known\n", "iputils"),
        ("ping: nosuchhost: Temporary failure in name resolution\n", "iputils"),
    ],
)
def test_ping_dialect(text: str, dialect: str) -> None:
    assert ping.parse(text).attrs["summary"]["dialect"] == dialect


def test_ping_by_name_both_dialects() -> None:
    bb = ping.parse(fixture("busybox/ping--by-name"))
    iu = ping.parse(fixture("debian/ping--by-name"))
    assert bb["seq"].tolist() == [0, 1, 2, 3]  # busybox counts from 0
    assert iu["seq"].tolist() == [1, 2, 3, 4]  # iputils from 1
    # iputils prints "dnbfx-target.dnbfx-net1 (172.29.10.2)": only the address is kept.
    assert set(bb["address"]) == set(iu["address"]) == {"172.29.10.2"}
    for df in (bb, iu):
        s = df.attrs["summary"]
        assert (s["destination"], s["resolved"], s["transmitted"], s["received"], s["loss_pct"]) == (
            "dnbfx-target",
            "172.29.10.2",
            4,
            4,
            0.0,
        )
        assert s["rtt_min"] == df["time_ms"].min() and s["rtt_max"] == df["time_ms"].max()
        assert df["ttl"].tolist() == [64] * 4 and df["bytes"].tolist() == [64] * 4


@pytest.mark.parametrize(
    ("name", "dialect", "destination", "resolved"),
    [
        ("debian/ping-6--by-name", "iputils", "dnbfx-ds-bb", "fd00:dead:beef::6"),
        ("debian/ping6--by-name", "iputils", "dnbfx-ds-bb", "fd00:dead:beef::6"),
        # Without -6, iputils on a dual-stack network takes the IPv6 address first.
        ("debian/ping--dual-stack-by-name", "iputils", "dnbfx-ds-bb", "fd00:dead:beef::6"),
        ("busybox/ping-6--by-name", "busybox", "dnbfx-ds-deb", "fd00:dead:beef::5"),
        ("busybox/ping6--by-name", "busybox", "dnbfx-ds-deb", "fd00:dead:beef::5"),
        ("busybox/ping--dual-stack-by-name", "busybox", "dnbfx-ds-deb", "fd00:dead:beef::5"),
    ],
)
def test_ping_ipv6_by_name(name: str, dialect: str, destination: str, resolved: str) -> None:
    # iputils prints "PING dnbfx-ds-bb(dnbfx-ds-bb.dnbfx-dual (fd00:dead:beef::6)) 56 data bytes".
    df = ping.parse(fixture(name))
    s = df.attrs["summary"]
    assert (s["dialect"], s["destination"], s["resolved"], s["transmitted"], s["received"]) == (
        dialect, destination, resolved, 2, 2
    )
    assert set(df["address"]) == {resolved} and len(df) == 2 and set(df["ttl"]) == {64}


@pytest.mark.parametrize(
    ("name", "dialect", "error"),
    [
        ("busybox/ping--net-none", "busybox", "ping: sendto: Network is unreachable"),
        ("debian/ping--net-none", "iputils", "ping: connect: Network is unreachable"),
        ("busybox/ping--no-such-host", "busybox", "ping: bad address 'nosuchhost'"),
        ("debian/ping--no-such-host", "iputils", "ping: nosuchhost: Name or service not known"),
        ("debian/ping--no-such-host-dns-down", "iputils", "ping: nosuchhost: Temporary failure in name resolution"),
    ],
)
def test_ping_errors_are_summaries_not_exceptions(name: str, dialect: str, error: str) -> None:
    df = ping.parse(fixture(name))
    assert len(df) == 0
    s = df.attrs["summary"]
    assert (s["dialect"], s["error"], s["transmitted"], s["rtt_avg"]) == (dialect, error, None, None)


def test_ping_host_unreachable_counts_errors() -> None:
    s = ping.parse(fixture("debian/ping--host-unreachable")).attrs["summary"]
    assert s["received"] == 0 and s["loss_pct"] == 100.0 and s["errors"] >= 1
    assert s["errors"] == fixture("debian/ping--host-unreachable").count("Destination Host Unreachable")


def test_ping_killed_has_replies_but_no_summary() -> None:
    for name in ("busybox/ping--killed", "debian/ping--killed"):
        df = ping.parse(fixture(name))
        assert len(df) >= 1
        assert df.attrs["summary"]["transmitted"] is None and df.attrs["summary"]["resolved"] == "172.29.10.2"


def test_iptables_dialects_and_values() -> None:
    save = iptables.parse(fixture("debian/iptables-save--rules"))
    dash_s = iptables.parse(fixture("debian/iptables-S--rules"))
    assert (save.attrs["dialect"], dash_s.attrs["dialect"]) == ("iptables-save", "iptables -S")
    assert save.attrs["policies"]["filter/FORWARD"] == "DROP"
    assert dash_s.attrs["policies"] == {"INPUT": "ACCEPT", "FORWARD": "DROP", "OUTPUT": "ACCEPT"}
    assert dash_s["table"].isna().all()
    rules = save.set_index(["table", "chain", "target"])
    redis = rules.loc[("filter", "FORWARD", "DROP")]
    assert (redis["protocol"], redis["dport"]) == ("tcp", "6379")
    ssh = save[save["dport"] == "22"].iloc[0]
    assert ssh["source"] == "! 172.29.10.0/24"
    assert "ssh from net1 only" in ssh["extra"]
    masq = rules.loc[("nat", "POSTROUTING", "MASQUERADE")]
    assert (masq["source"], masq["out_iface"]) == ("172.29.10.0/24", "eth1")
    dnat = rules.loc[("nat", "PREROUTING", "DNAT")]
    assert (dnat["in_iface"], dnat["dport"], dnat["to"]) == ("eth0", "8080", "172.29.11.2:80")
    # -S shows the filter table only: same filter rules as iptables-save.
    filter_rules = save[save["table"] == "filter"]["rule"].tolist()
    assert dash_s["rule"].tolist() == filter_rules


def test_iptables_negation_and_quotes() -> None:
    df = iptables.parse('-A INPUT ! -i eth0 -p tcp -m comment --comment "two words" ! --dport 22 -j DROP\n')
    row = df.iloc[0]
    assert (row["in_iface"], row["dport"], row["protocol"], row["target"]) == ("! eth0", "! 22", "tcp", "DROP")
    assert row["extra"] == '-m comment --comment "two words"'
