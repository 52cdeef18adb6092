"""Values read from vtysh JSON recorded from real FRR 8.4 routers (the course's "frr" image).

Every fixture's every value is compared with its expected ``.json`` by tests/unit/test_parser_fixtures.py;
the tests here say what a reader should notice in them.

The recordings (``tests/fixtures/frr/*.txt``) are made by :func:`record` at the bottom, which runs
lesson 06's topology through the package's own verbs (they label and clean up what they create) and
then writes every ``.json`` with the parsers; ``tests/record_fixtures.sh frr`` runs it. Read
``git diff tests/fixtures/frr`` and check each changed value against its ``.txt`` by eye. Cases marked
"cut" are a real recording cut short on purpose, written by the recorder too.
"""

from __future__ import annotations

import sys
import time

import pytest

from dockernet_nb.errors import ParseError
from dockernet_nb.parsers import frr_ospf_neighbors, frr_routes
from tests.unit.parser_fixtures import FIXTURES, fixture, write_expected_json

FRR_FIXTURES = FIXTURES / "frr"


def frr(name: str) -> str:
    return fixture(f"frr/{name}")


@pytest.mark.parametrize("parser", [frr_ospf_neighbors, frr_routes], ids=["neighbors", "routes"])
def test_empty_object_is_no_rows(parser) -> None:
    df = parser.parse("{\n}\n")
    assert len(df) == 0 and df.attrs == {"dialect": "json"}
    assert {c: str(t) for c, t in df.dtypes.items()} == parser.SCHEMA


# --- values read from the recordings -----------------------------------------------------------------


def test_point_to_point_neighbours_are_full_without_role() -> None:
    df = frr_ospf_neighbors.parse(frr("show-ip-ospf-neighbor-json--triangle"))
    assert df["neighbor_id"].tolist() == ["0.0.0.2", "0.0.0.3"]
    assert df["state"].tolist() == ["Full", "Full"] and df["role"].isna().all()
    assert df["iface"].tolist() == ["eth0", "eth1"]
    # ifaceName "eth0:172.24.x.2" splits into our interface and our address on it.
    for row in df.itertuples():
        assert row.local_address.rsplit(".", 1)[0] == row.address.rsplit(".", 1)[0]
    assert (df["dead_ms"] <= 4000).all() and (df["up_ms"] > 0).all()
    assert (df[["retransmit", "request", "db_summary"]] == 0).all().all()


def test_after_the_break_one_neighbour_is_left() -> None:
    df = frr_ospf_neighbors.parse(frr("show-ip-ospf-neighbor-json--after-break"))
    assert df[["neighbor_id", "state", "iface"]].astype(object).values.tolist() == [["0.0.0.3", "Full", "eth1"]]


def test_broadcast_roles_and_two_way() -> None:
    df = frr_ospf_neighbors.parse(frr("show-ip-ospf-neighbor-json--broadcast-drother")).set_index("neighbor_id")
    # r5 (priority 0) on a shared network with the DR r4 (priority 1) and r6 (priority 0).
    assert (df.loc["0.0.0.4", "state"], df.loc["0.0.0.4", "role"], df.loc["0.0.0.4", "priority"]) == ("Full", "DR", 1)
    assert (df.loc["0.0.0.6", "state"], df.loc["0.0.0.6", "role"], df.loc["0.0.0.6", "priority"]) == ("2-Way", "DROther", 0)
    assert df["iface"].tolist() == ["eth0", "eth0"]  # one shared network, one interface
    dr = frr_ospf_neighbors.parse(frr("show-ip-ospf-neighbor-json--broadcast-dr")).set_index("neighbor_id")
    assert set(dr["state"]) == {"Full"} and set(dr["role"]) == {"DROther"}


def test_no_ospf_is_empty() -> None:
    df = frr_ospf_neighbors.parse(frr("show-ip-ospf-neighbor-json--no-ospf"))
    assert len(df) == 0 and df.attrs["dialect"] == "json"


def test_triangle_routes_with_equal_cost_paths() -> None:
    df = frr_routes.parse(frr("show-ip-route-json--triangle"))
    used = df[df["selected"]]
    assert set(used["protocol"]) == {"connected", "ospf"}
    ospf = used[used["protocol"] == "ospf"]
    assert set(ospf["distance"]) == {110} and set(ospf["metric"]) == {20}
    # The far point-to-point subnet costs the same through either neighbour: two rows, two next hops.
    per_prefix = ospf.groupby("prefix")["nexthop"].nunique()
    assert sorted(per_prefix.tolist()) == [1, 1, 2]
    assert ospf["installed"].all() and ospf["fib"].all() and ospf["active"].all()
    connected = used[used["protocol"] == "connected"]
    assert len(connected) == 3 and connected["nexthop"].isna().all() and connected["directly_connected"].all()
    # OSPF also knows the connected subnets, but the connected route wins (not selected, not installed).
    shadowed = df[(df["protocol"] == "ospf") & df["directly_connected"]]
    assert len(shadowed) == 3 and not shadowed["selected"].any() and not shadowed["installed"].any()
    assert (df["prefix_len"] == 24).all()


def test_routes_change_after_the_break() -> None:
    before = frr_routes.parse(frr("show-ip-route-json--triangle"))
    after = frr_routes.parse(frr("show-ip-route-json--after-break"))
    before_hops = set(before.loc[before["protocol"] == "ospf", "nexthop"].dropna())
    after_hops = set(after.loc[after["selected"] & (after["protocol"] == "ospf"), "nexthop"].dropna())
    assert len(before_hops) == 2 and len(after_hops) == 1 and after_hops < before_hops
    assert 30 in set(after["metric"])  # the far LAN is now three hops of cost 10 away


def test_kernel_default_route_without_ospf() -> None:
    df = frr_routes.parse(frr("show-ip-route-json--no-ospf"))
    assert set(df["protocol"]) == {"kernel", "connected"}
    default = df[df["prefix"] == "0.0.0.0/0"].iloc[0]
    assert (default["protocol"], default["prefix_len"], bool(default["selected"])) == ("kernel", 0, True)
    assert default["nexthop"].endswith(".1")


# --- errors -------------------------------------------------------------------------------------------


def test_each_parser_refuses_the_other_command() -> None:
    with pytest.raises(ParseError, match="unexpected JSON shape"):
        frr_ospf_neighbors.parse(frr("show-ip-route-json--triangle"))
    with pytest.raises(ParseError, match="unexpected JSON shape"):
        frr_routes.parse(frr("show-ip-ospf-neighbor-json--triangle"))


# --- recording (python -m tests.unit.test_parser_frr --record, or tests/record_fixtures.sh frr) ----------


def record() -> None:  # pragma: no cover - needs the engine
    import dockernet_nb as dnb
    from dockernet_nb.verbs import ospf as routing
    from dockernet_nb.verbs import routes

    caps = ["NET_ADMIN", "SYS_ADMIN"]
    forward = {"net.ipv4.ip_forward": "1"}
    FRR_FIXTURES.mkdir(parents=True, exist_ok=True)

    def vtysh(router: str, command: str) -> str:
        return dnb.exec(router, ["vtysh", "-c", command]).output

    def save(name: str, text: str) -> None:
        (FRR_FIXTURES / f"{name}.txt").write_text(text, encoding="utf-8", newline="")
        print(f"recorded {name}.txt")

    def router(name: str, nets: list[str], **options) -> None:
        dnb.run("frr", name=name, net=nets[0], cap_add=caps, sysctls=forward, detach=True, **options)
        routing.wait_for_frr(name)
        for net in nets[1:]:
            dnb.connect(name, net)
        routes.drop_default_route(name)

    dnb.start_lesson("fixtures")
    try:
        # A triangle of point-to-point links, a LAN behind each router: lesson 06's topology.
        for net in ("n12", "n23", "n13", "lan1", "lan2", "lan3"):
            dnb.create_net(net)
        links = {"r1": ["n12", "n13", "lan1"], "r2": ["n12", "n23", "lan2"], "r3": ["n13", "n23", "lan3"]}
        for name, nets in links.items():
            router(name, nets)
        save("show-ip-ospf-neighbor-json--no-ospf", vtysh("r1", "show ip ospf neighbor json"))
        dnb.run("frr", name="r0", net="lan1", cap_add=caps, sysctls=forward, detach=True)
        routing.wait_for_frr("r0")
        save("show-ip-route-json--no-ospf", vtysh("r0", "show ip route json"))
        save("show-ip-ospf-neighbor-json--unknown-command", vtysh("r0", "show ip ospf neighbour json"))
        dnb.rm("r0")
        for number, (name, nets) in enumerate(links.items(), 1):
            routing.configure_ospf(name, nets, router_id=f"0.0.0.{number}", point_to_point=nets[:2])
        routing.wait_for_ospf(list(links))
        time.sleep(1)
        save("show-ip-ospf-neighbor-json--triangle", vtysh("r1", "show ip ospf neighbor json"))
        table = vtysh("r1", "show ip route json")
        save("show-ip-route-json--triangle", table)
        save("show-ip-route-json--cut", table[: len(table) // 2])
        dnb.disconnect("r1", "n12")
        routing.wait_for_ospf(list(links))
        save("show-ip-ospf-neighbor-json--after-break", vtysh("r1", "show ip ospf neighbor json"))
        save("show-ip-route-json--after-break", vtysh("r1", "show ip route json"))

        # Three routers on one broadcast network: r4 (priority 1) becomes DR; r5 and r6 (priority 0)
        # are DROthers, Full with the DR and stuck at 2-Way with each other, as OSPF intends.
        dnb.create_net("shared")
        for number, priority in ((4, 1), (5, 0), (6, 0)):
            name = f"r{number}"
            router(name, ["shared"])
            routing.configure_ospf(name, ["shared"], router_id=f"0.0.0.{number}")
            dnb.exec(
                name,
                ["vtysh", "-c", "configure terminal", "-c", f"interface {_iface(name)}", "-c", f"ip ospf priority {priority}"],
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            states = frr_ospf_neighbors.parse(vtysh("r5", "show ip ospf neighbor json"))
            if sorted(states["state"]) == ["2-Way", "Full"] and "DR" in set(states["role"].dropna()):
                break
            time.sleep(0.5)
        save("show-ip-ospf-neighbor-json--broadcast-drother", vtysh("r5", "show ip ospf neighbor json"))
        save("show-ip-ospf-neighbor-json--broadcast-dr", vtysh("r4", "show ip ospf neighbor json"))

        # FRR started without SYS_ADMIN: its daemons refuse to run, and vtysh says so.
        dnb.run("frr", name="nocap", net="lan1", cap_add=["NET_ADMIN"], detach=True)
        time.sleep(3)
        save("show-ip-route-json--zebra-not-running", vtysh("nocap", "show ip route json"))
        save("show-ip-ospf-neighbor-json--ospfd-not-running", vtysh("nocap", "show ip ospf neighbor json"))
    finally:
        dnb.cleanup()
    write_expected_json(sorted(FRR_FIXTURES.glob("*.txt")))


def _iface(router: str) -> str:  # pragma: no cover - used by record()
    import dockernet_nb as dnb

    return dnb.exec(router, ["sh", "-c", "ls /sys/class/net | grep -v lo | head -1"]).stdout.strip()


if __name__ == "__main__":  # pragma: no cover
    if "--record" in sys.argv:
        record()
    else:
        print(__doc__)
