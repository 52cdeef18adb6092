"""Parsers against recorded real output (tests/fixtures) plus schema, dialect and error tests.

Fixture layout: ``tests/fixtures/<image>/<command>--<case>.txt`` recorded by
``tests/record_fixtures.sh``, and ``tests/fixtures/malformed/<parser>--<case>.txt`` written by
hand. Beside each ``.txt`` an expected ``.json``: ``{"columns", "records", "attrs"}`` or
``{"error": "ParseError"}``. :func:`write_expected_json` (run by the script) writes them with the
parsers; every value was then checked against its ``.txt`` by eye.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dockernet_nb.errors import ParseError
from dockernet_nb.parsers import compose_progress, compose_ps, getent, ifconfig, ip_addr, ip_route, iptables, ping, route

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PAIRS = sorted(FIXTURES.glob("*/*.txt"))
PARSERS = [ifconfig, ip_addr, ip_route, iptables, ping, route, getent, compose_ps, compose_progress]

# Recorded file name prefix (the command as typed, dashed) -> parser.
COMMANDS: dict[str, ModuleType] = {
    "ifconfig": ifconfig,
    "ip-addr": ip_addr,
    "ip-s-addr": ip_addr,
    "ip-j-addr": ip_addr,
    "ip-j-s-addr": ip_addr,
    "ip-o-addr": ip_addr,
    "ip-route": ip_route,
    "ip-6-route": ip_route,
    "ip-j-route": ip_route,
    "ip-j-6-route": ip_route,
    "route-n": route,
    "route-n-A-inet6": route,
    "ping": ping,
    "iptables-save": iptables,
    "iptables-S": iptables,
    "iptables-S-t-nat": iptables,
    # the everyday lessons (08-12); recorded by tests/record_everyday_fixtures.sh
    "getent-hosts": getent,
    "getent-ahosts": getent,
    "getent-ahostsv4": getent,
    "docker-compose-ps-format-json": compose_ps,
    "docker-compose-progress-json": compose_progress,
}

# Written out rather than imported, so a schema change has to change this file too.
INTERFACE = {
    "name": "string",
    "mac": "string",
    "ipv4": "string",
    "prefixlen": "Int64",
    "broadcast": "string",
    "mtu": "Int64",
    "up": "boolean",
    "ipv6": "string",
    "rx_packets": "Int64",
    "rx_bytes": "Int64",
    "tx_packets": "Int64",
    "tx_bytes": "Int64",
}
ROUTE = {
    "destination": "string",
    "gateway": "string",
    "genmask": "string",
    "flags": "string",
    "metric": "Int64",
    "iface": "string",
}
SCHEMAS: dict[ModuleType, dict[str, str]] = {
    getent: {"address": "string", "family": "Int64", "names": "string"},
    compose_ps: {
        "service": "string", "name": "string", "state": "string", "health": "string", "exit_code": "Int64",
        "networks": "string", "ports": "string", "image": "string",
    },
    compose_progress: {"kind": "string", "name": "string", "status": "string"},
    ifconfig: INTERFACE,
    ip_addr: INTERFACE,
    route: ROUTE,
    ip_route: ROUTE,
    ping: {"seq": "Int64", "address": "string", "bytes": "Int64", "ttl": "Int64", "time_ms": "float64"},
    iptables: {
        col: "string"
        for col in (
            "table chain target protocol source destination in_iface out_iface dport sport to extra rule".split()
        )
    },
}


# --- fixture helpers (also used by tests/record_fixtures.sh) -------------------------------------


def parser_for(path: Path) -> ModuleType:
    command = path.name.split("--")[0]
    if path.parent.name == "malformed":
        return {m.__name__.rsplit(".", 1)[1]: m for m in PARSERS}[command]
    return COMMANDS[command]


def read_text(path: Path) -> str:
    # newline="" keeps the text byte-for-byte (no \r translation); bad bytes cannot stop a test.
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        return f.read()


def _jsonable(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def frame_to_json(df: pd.DataFrame) -> dict[str, Any]:
    records = [{col: _jsonable(v) for col, v in zip(df.columns, row)} for row in df.itertuples(index=False)]
    # Round-trip attrs through JSON so tuples/ints compare like the stored file.
    return {"columns": list(df.columns), "records": records, "attrs": json.loads(json.dumps(df.attrs))}


def expected_of(path: Path) -> dict[str, Any]:
    try:
        return frame_to_json(parser_for(path).parse(read_text(path)))
    except ParseError:
        return {"error": "ParseError"}


def write_expected_json(paths: Iterable[str | Path]) -> None:
    for p in map(Path, paths):
        out = p.with_suffix(".json")
        out.write_text(json.dumps(expected_of(p), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {out}")


def fixture(name: str) -> str:
    return read_text(FIXTURES / f"{name}.txt")


# --- every recorded and malformed fixture -------------------------------------------------------


def test_fixtures_exist() -> None:
    assert {p.parent.name for p in PAIRS} == {"busybox", "debian", "malformed", "compose"}
    assert len(PAIRS) >= 80
    missing = [p.name for p in PAIRS if not p.with_suffix(".json").exists()]
    assert missing == []


@pytest.mark.parametrize("txt", PAIRS, ids=[f"{p.parent.name}/{p.name}" for p in PAIRS])
def test_fixture(txt: Path) -> None:
    expected = json.loads(txt.with_suffix(".json").read_text(encoding="utf-8"))
    parser = parser_for(txt)
    text = read_text(txt)
    if expected.get("error") == "ParseError":
        with pytest.raises(ParseError):
            parser.parse(text)
        return
    df = parser.parse(text)
    assert {c: str(t) for c, t in df.dtypes.items()} == SCHEMAS[parser]
    assert frame_to_json(df) == expected


# --- schema on empty input --------------------------------------------------------------------


@pytest.mark.parametrize("parser", PARSERS, ids=lambda m: m.__name__.rsplit(".", 1)[1])
@pytest.mark.parametrize("text", ["", " ", "\n\n", " \t\r\n  \n"], ids=repr)
def test_empty_input_gives_full_schema(parser: ModuleType, text: str) -> None:
    df = parser.parse(text)
    assert len(df) == 0
    assert list(df.columns) == list(SCHEMAS[parser])
    assert {c: str(t) for c, t in df.dtypes.items()} == SCHEMAS[parser]
    assert parser.SCHEMA == SCHEMAS[parser]


def test_empty_input_attrs() -> None:
    assert ping.parse("").attrs["summary"] == {
        "dialect": None,
        "destination": None,
        "resolved": None,
        "transmitted": None,
        "received": None,
        "loss_pct": None,
        "rtt_min": None,
        "rtt_avg": None,
        "rtt_max": None,
        "error": None,
        "errors": 0,
    }
    assert iptables.parse("\n").attrs == {"policies": {}, "dialect": None}
    assert ifconfig.parse("").attrs == {"dialect": None}


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


def test_route_n_header_only() -> None:
    df = route.parse(fixture("busybox/route-n--net-none"))
    assert len(df) == 0 and list(df.columns) == list(ROUTE)


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


# --- ParseError on text that is not the command's output ----------------------------------------

GARBAGE = "total 0\ndrwxr-xr-x 2 root root 40 Jan  1 00:00 " + "x" * 100 + "\n"


@pytest.mark.parametrize("parser", PARSERS, ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_parse_error_names_command_and_line(parser: ModuleType) -> None:
    with pytest.raises(ParseError) as info:
        parser.parse(GARBAGE)
    message = str(info.value)
    assert message.startswith(f"{parser.COMMAND}:")
    assert "'total 0'" in message


def test_parse_error_truncates_long_lines() -> None:
    with pytest.raises(ParseError) as info:
        route.parse("x" * 500)
    assert "x" * 57 + "..." in str(info.value) and "x" * 58 not in str(info.value)


# --- import hygiene ---------------------------------------------------------------------------


def test_parsers_never_import_docker() -> None:
    parsers_dir = Path(ifconfig.__file__).parent
    for source in parsers_dir.glob("*.py"):
        assert "import docker" not in source.read_text(encoding="utf-8"), source.name


def test_import_pulls_only_pandas_and_stdlib() -> None:
    # The parsers package on its own: a stand-in parent package keeps dockernet_nb/__init__.py
    # (the verbs, which need docker) out of the picture. Only pandas, the stdlib and
    # dockernet_nb.errors may load.
    package_dir = Path(ifconfig.__file__).parents[1]
    code = (
        "import sys, types; pkg = types.ModuleType('dockernet_nb'); "
        f"pkg.__path__ = [{str(package_dir)!r}]; sys.modules['dockernet_nb'] = pkg; "
        "before = set(sys.modules); import dockernet_nb.parsers; "
        "print(' '.join(sorted(set(sys.modules) - before)))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    ours = {m for m in loaded if m.startswith("dockernet_nb.")}
    assert ours == {"dockernet_nb.errors", "dockernet_nb.parsers"} | {
        f"dockernet_nb.parsers.{m}" for m in ("_common", "ifconfig", "ip_addr", "ip_route", "iptables", "ping", "route")
    }
    top = {m.split(".")[0] for m in loaded} - {"dockernet_nb"}
    third_party = {m for m in top if m not in sys.stdlib_module_names and not m.startswith("_")}
    # pandas and what pandas itself imports.
    assert third_party <= {"pandas", "numpy", "dateutil", "pytz", "tzdata", "six", "cython_runtime"}, third_party
