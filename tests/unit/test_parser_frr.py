"""The FRR parser against vtysh JSON recorded from real FRR 8.4 routers (the course's "frr" image).

Fixture layout: ``tests/fixtures/frr/<command>--<case>.out`` is what vtysh printed, byte for byte, and
``<command>--<case>.json`` beside it the expected frame (``{"columns", "records", "attrs"}``) or
``{"error": "ParseError"}``. The ``.out`` suffix keeps these apart from the ``.txt`` fixtures that
tests/unit/test_parsers.py collects.

Re-record them (needs the engine and the frr image; creates labelled containers and removes them)::

    .venv/bin/python tests/unit/test_parser_frr.py --record

That rebuilds every ``.out`` from live routers, then every ``.json`` with the parser: read
``git diff tests/fixtures/frr`` and check each changed value against its ``.out`` by eye.
``--json-only`` rewrites only the ``.json`` files. Cases marked "cut" are a real recording cut
short on purpose, written by the recorder too.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dockernet_nb.errors import ParseError
from dockernet_nb.parsers import frr

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "frr"
PAIRS = sorted(FIXTURES.glob("*.out"))
PARSERS = {"show-ip-ospf-neighbor-json": frr.parse_neighbors, "show-ip-route-json": frr.parse_routes}

# Written out rather than imported, so a schema change has to change this file too.
NEIGHBORS = {
    "neighbor_id": "string",
    "priority": "Int64",
    "state": "string",
    "role": "string",
    "address": "string",
    "iface": "string",
    "local_address": "string",
    "up_ms": "Int64",
    "dead_ms": "Int64",
    "retransmit": "Int64",
    "request": "Int64",
    "db_summary": "Int64",
}
ROUTES = {
    "prefix": "string",
    "prefix_len": "Int64",
    "protocol": "string",
    "selected": "boolean",
    "installed": "boolean",
    "distance": "Int64",
    "metric": "Int64",
    "nexthop": "string",
    "iface": "string",
    "directly_connected": "boolean",
    "active": "boolean",
    "fib": "boolean",
    "uptime": "string",
}
SCHEMAS = {frr.parse_neighbors: NEIGHBORS, frr.parse_routes: ROUTES}


def parser_for(path: Path):
    return PARSERS[path.name.split("--")[0]]


def read_text(path: Path) -> str:
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        return f.read()


def fixture(name: str) -> str:
    return read_text(FIXTURES / f"{name}.out")


def _jsonable(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def frame_to_json(df: pd.DataFrame) -> dict[str, Any]:
    records = [{c: _jsonable(v) for c, v in zip(df.columns, row)} for row in df.itertuples(index=False)]
    return {"columns": list(df.columns), "records": records, "attrs": json.loads(json.dumps(df.attrs))}


def expected_of(path: Path) -> dict[str, Any]:
    try:
        return frame_to_json(parser_for(path)(read_text(path)))
    except ParseError:
        return {"error": "ParseError"}


# --- every recorded fixture -------------------------------------------------------------------------


def test_fixtures_exist() -> None:
    assert len(PAIRS) >= 12
    assert {parser_for(p) for p in PAIRS} == set(SCHEMAS)
    assert [p.name for p in PAIRS if not p.with_suffix(".json").exists()] == []


@pytest.mark.parametrize("out", PAIRS, ids=[p.name for p in PAIRS])
def test_fixture(out: Path) -> None:
    expected = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    parse = parser_for(out)
    text = read_text(out)
    if expected.get("error") == "ParseError":
        with pytest.raises(ParseError):
            parse(text)
        return
    df = parse(text)
    assert {c: str(t) for c, t in df.dtypes.items()} == SCHEMAS[parse]
    assert frame_to_json(df) == expected


# --- fixed schema on empty input ----------------------------------------------------------------------


@pytest.mark.parametrize("parse", list(SCHEMAS), ids=lambda f: f.__name__)
@pytest.mark.parametrize("text", ["", " ", "\n\n", " \t\r\n"], ids=repr)
def test_empty_input_gives_full_schema(parse, text: str) -> None:
    df = parse(text)
    assert len(df) == 0 and list(df.columns) == list(SCHEMAS[parse])
    assert {c: str(t) for c, t in df.dtypes.items()} == SCHEMAS[parse]
    assert df.attrs == {"dialect": None}


@pytest.mark.parametrize("parse", list(SCHEMAS), ids=lambda f: f.__name__)
def test_empty_object_is_no_rows(parse) -> None:
    df = parse("{\n}\n")
    assert len(df) == 0 and df.attrs == {"dialect": "json"}
    assert {c: str(t) for c, t in df.dtypes.items()} == SCHEMAS[parse]


def test_schema_constants() -> None:
    assert frr.NEIGHBOR_SCHEMA == NEIGHBORS and frr.ROUTE_SCHEMA == ROUTES


# --- values read from the recordings -----------------------------------------------------------------


def test_point_to_point_neighbours_are_full_without_role() -> None:
    df = frr.parse_neighbors(fixture("show-ip-ospf-neighbor-json--triangle"))
    assert df["neighbor_id"].tolist() == ["0.0.0.2", "0.0.0.3"]
    assert df["state"].tolist() == ["Full", "Full"] and df["role"].isna().all()
    assert df["iface"].tolist() == ["eth0", "eth1"]
    # ifaceName "eth0:172.24.x.2" splits into our interface and our address on it.
    for row in df.itertuples():
        assert row.local_address.rsplit(".", 1)[0] == row.address.rsplit(".", 1)[0]
    assert (df["dead_ms"] <= 4000).all() and (df["up_ms"] > 0).all()
    assert (df[["retransmit", "request", "db_summary"]] == 0).all().all()


def test_after_the_break_one_neighbour_is_left() -> None:
    df = frr.parse_neighbors(fixture("show-ip-ospf-neighbor-json--after-break"))
    assert df[["neighbor_id", "state", "iface"]].astype(object).values.tolist() == [["0.0.0.3", "Full", "eth1"]]


def test_broadcast_roles_and_two_way() -> None:
    df = frr.parse_neighbors(fixture("show-ip-ospf-neighbor-json--broadcast-drother")).set_index("neighbor_id")
    # r5 (priority 0) on a shared network with the DR r4 (priority 1) and r6 (priority 0).
    assert (df.loc["0.0.0.4", "state"], df.loc["0.0.0.4", "role"], df.loc["0.0.0.4", "priority"]) == ("Full", "DR", 1)
    assert (df.loc["0.0.0.6", "state"], df.loc["0.0.0.6", "role"], df.loc["0.0.0.6", "priority"]) == ("2-Way", "DROther", 0)
    assert df["iface"].tolist() == ["eth0", "eth0"]  # one shared network, one interface
    dr = frr.parse_neighbors(fixture("show-ip-ospf-neighbor-json--broadcast-dr")).set_index("neighbor_id")
    assert set(dr["state"]) == {"Full"} and set(dr["role"]) == {"DROther"}


def test_no_ospf_is_empty() -> None:
    df = frr.parse_neighbors(fixture("show-ip-ospf-neighbor-json--no-ospf"))
    assert len(df) == 0 and df.attrs["dialect"] == "json"


def test_triangle_routes_with_equal_cost_paths() -> None:
    df = frr.parse_routes(fixture("show-ip-route-json--triangle"))
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
    before = frr.parse_routes(fixture("show-ip-route-json--triangle"))
    after = frr.parse_routes(fixture("show-ip-route-json--after-break"))
    before_hops = set(before.loc[before["protocol"] == "ospf", "nexthop"].dropna())
    after_hops = set(after.loc[after["selected"] & (after["protocol"] == "ospf"), "nexthop"].dropna())
    assert len(before_hops) == 2 and len(after_hops) == 1 and after_hops < before_hops
    assert 30 in set(after["metric"])  # the far LAN is now three hops of cost 10 away


def test_kernel_default_route_without_ospf() -> None:
    df = frr.parse_routes(fixture("show-ip-route-json--no-ospf"))
    assert set(df["protocol"]) == {"kernel", "connected"}
    default = df[df["prefix"] == "0.0.0.0/0"].iloc[0]
    assert (default["protocol"], default["prefix_len"], bool(default["selected"])) == ("kernel", 0, True)
    assert default["nexthop"].endswith(".1")


# --- errors -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["show-ip-route-json--zebra-not-running", "show-ip-ospf-neighbor-json--ospfd-not-running",
     "show-ip-ospf-neighbor-json--unknown-command", "show-ip-route-json--cut"],
)
def test_recorded_errors_raise(name: str) -> None:
    with pytest.raises(ParseError) as info:
        parser_for(FIXTURES / f"{name}.out")(fixture(name))
    assert str(info.value).startswith("show ip ")


def test_each_parser_refuses_the_other_command() -> None:
    with pytest.raises(ParseError, match="unexpected JSON shape"):
        frr.parse_neighbors(fixture("show-ip-route-json--triangle"))
    with pytest.raises(ParseError, match="unexpected JSON shape"):
        frr.parse_routes(fixture("show-ip-ospf-neighbor-json--triangle"))


@pytest.mark.parametrize("text", ["[]", '"Full"', "42", '{"neighbors": []}', '{"neighbors": {"0.0.0.2": {}}}'])
def test_wrong_shapes_raise(text: str) -> None:
    with pytest.raises(ParseError):
        frr.parse_neighbors(text)


@pytest.mark.parametrize("text", ["[]", '{"172.24.1.0/24": {}}', '{"172.24.1.0/24": [{"prefix": "172.24.1.0/24"}]}',
                                  '{"172.24.1.0/24": [{"protocol": "ospf", "nexthops": [{"ip": ["x"]}]}]}'])
def test_wrong_route_shapes_raise(text: str) -> None:
    with pytest.raises(ParseError):
        frr.parse_routes(text)


def test_parse_error_quotes_the_line() -> None:
    with pytest.raises(ParseError) as info:
        frr.parse_routes("zebra is not running\n")
    assert "'zebra is not running'" in str(info.value)


def test_parser_never_imports_docker() -> None:
    assert "import docker" not in Path(frr.__file__).read_text(encoding="utf-8")


# --- recording (run by hand: python tests/unit/test_parser_frr.py --record) -----------------------------


def write_expected_json() -> None:
    for out in sorted(FIXTURES.glob("*.out")):
        out.with_suffix(".json").write_text(json.dumps(expected_of(out), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {out.with_suffix('.json')}")


def record() -> None:  # pragma: no cover - needs the engine
    import time

    import dockernet_nb as dnb
    from dockernet_nb.verbs import ospf as routing, routes

    caps = ["NET_ADMIN", "SYS_ADMIN"]
    forward = {"net.ipv4.ip_forward": "1"}
    FIXTURES.mkdir(parents=True, exist_ok=True)

    def vtysh(router: str, command: str) -> str:
        return dnb.exec(router, ["vtysh", "-c", command]).output

    def save(name: str, text: str) -> None:
        (FIXTURES / f"{name}.out").write_text(text, encoding="utf-8", newline="")
        print(f"recorded {name}.out")

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
        for number, (name, nets) in enumerate(links.items(), 1):
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
        routes = vtysh("r1", "show ip route json")
        save("show-ip-route-json--triangle", routes)
        save("show-ip-route-json--cut", routes[: len(routes) // 2])
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
            dnb.exec(name, ["vtysh", "-c", "configure terminal", "-c", f"interface {_iface(name)}",
                            "-c", f"ip ospf priority {priority}"])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            states = frr.parse_neighbors(vtysh("r5", "show ip ospf neighbor json"))
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
    write_expected_json()


def _iface(router: str) -> str:  # pragma: no cover - used by record()
    import dockernet_nb as dnb

    return dnb.exec(router, ["sh", "-c", "ls /sys/class/net | grep -v lo | head -1"]).stdout.strip()


if __name__ == "__main__":  # pragma: no cover
    if "--record" in sys.argv:
        record()
    elif "--json-only" in sys.argv:
        write_expected_json()
    else:
        print(__doc__)
