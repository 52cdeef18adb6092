"""Every parser against every fixture pair in tests/fixtures (jc style), and what every parser promises.

One parametrized test reads each recorded or malformed input with the parser its name maps to
(:data:`tests.unit.parser_fixtures.COMMANDS`) and compares every value of the frame, its dtypes and its
attrs with the ``.json`` beside it, or checks the ParseError it expects, message and all. The rest
holds for every parser alike: a fixed schema (written out here, so a schema change has to change this
file too), zero rows with every column for empty input, errors that name the command and quote the
line, and no Docker anywhere.
"""

from __future__ import annotations

import ast
import doctest
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import dockernet_nb.parsers
from dockernet_nb.errors import ParseError
from dockernet_nb.parsers import (
    bridge_fdb,
    bridge_link,
    compose_progress,
    compose_ps,
    docker_proxy,
    frr_ospf_neighbors,
    frr_routes,
    getent,
    ifconfig,
    ip_addr,
    ip_link,
    ip_route,
    iptables,
    pcap,
    ping,
    route,
    uptime_log,
)
from tests.unit.parser_fixtures import (
    FIXTURES,
    PARSERS,
    frame_to_json,
    inputs,
    name_of,
    parser_for,
    read,
)

PAIRS = inputs()
PARSERS_DIR = Path(dockernet_nb.parsers.__file__).parent

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
    "ipv6_global": "string",
    "ipv6_link_local": "string",
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
        "service": "string",
        "name": "string",
        "state": "string",
        "health": "string",
        "exit_code": "Int64",
        "networks": "string",
        "ports": "string",
        "image": "string",
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
            "table",
            "chain",
            "target",
            "protocol",
            "source",
            "destination",
            "in_iface",
            "out_iface",
            "dport",
            "sport",
            "to",
            "extra",
            "rule",
        )
    },
    frr_ospf_neighbors: {
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
    },
    frr_routes: {
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
    },
    uptime_log: {"server": "string", "server_port": "Int64", "client": "string", "client_port": "Int64"},
    docker_proxy: {
        "pid": "Int64",
        "proto": "string",
        "host_ip": "string",
        "host_port": "Int64",
        "container_ip": "string",
        "container_port": "Int64",
    },
    ip_link: {
        "name": "string",
        "ifindex": "Int64",
        "iflink": "Int64",
        "link_netnsid": "Int64",
        "kind": "string",
        "master": "string",
        "mac": "string",
        "mtu": "Int64",
        "state": "string",
        "up": "boolean",
    },
    bridge_link: {
        "interface": "string",
        "ifindex": "Int64",
        "iflink": "Int64",
        "master": "string",
        "state": "string",
        "mtu": "Int64",
        "priority": "Int64",
        "cost": "Int64",
        "up": "boolean",
    },
    bridge_fdb: {
        "mac": "string",
        "interface": "string",
        "master": "string",
        "vlan": "Int64",
        "flags": "string",
        "state": "string",
        "dst": "string",
    },
    pcap: {
        "time": "float64",
        "direction": "string",
        "source": "string",
        "destination": "string",
        "protocol": "string",
        "length": "Int64",
        "summary": "string",
        "src_port": "Int64",
        "dst_port": "Int64",
        "tcp_flags": "string",
        "seq": "Int64",
        "ack": "Int64",
        "icmp_type": "Int64",
        "icmp_seq": "Int64",
        "ttl": "Int64",
        "dns_id": "Int64",
        "dns_qname": "string",
        "dns_qtype": "string",
        "dns_answers": "string",
        "arp_op": "string",
        "vni": "Int64",
        "inner_source": "string",
        "inner_destination": "string",
        "inner_protocol": "string",
    },
}
# Input that is "nothing" for each parser: text parsers also take blank lines as nothing.
BLANK_TEXTS = ["", " ", "\n\n", " \t\r\n  \n"]
EMPTY_INPUTS: dict[ModuleType, list[str | bytes]] = {pcap: [b""]}
# Parsers that skip lines of other programs by design (a container's log mixes in the server's own
# lines; ps filtered by hand lists other processes): foreign text gives zero rows, not an error.
SKIP_FOREIGN_LINES = {uptime_log, docker_proxy}


def _ids(parsers: list[ModuleType]) -> list[str]:
    return [name_of(p) for p in parsers]


def _dtypes(df) -> dict[str, str]:
    return {c: str(t) for c, t in df.dtypes.items()}


# --- the fixtures themselves ----------------------------------------------------------------------


def test_every_input_has_its_expected_json() -> None:
    assert len(PAIRS) >= 218
    assert [p.name for p in PAIRS if not p.with_suffix(".json").exists()] == []
    # A .json with no input beside it is a fixture someone forgot to delete.
    inputs_by_stem = {p.with_suffix("") for p in PAIRS}
    assert [p.name for p in FIXTURES.glob("*/*.json") if p.with_suffix("") not in inputs_by_stem] == []


@pytest.mark.parametrize("parser", PARSERS, ids=_ids(PARSERS))
def test_every_parser_has_recorded_and_malformed_fixtures(parser: ModuleType) -> None:
    mine = [p for p in PAIRS if parser_for(p) is parser]
    assert [p for p in mine if p.parent.name != "malformed"], "no recording of real output"
    assert [p for p in mine if p.parent.name == "malformed"], "no malformed fixture"


def test_every_parser_module_is_mapped_tested_and_listed() -> None:
    modules = {p.stem for p in PARSERS_DIR.glob("*.py") if not p.stem.startswith("_")}
    assert set(_ids(PARSERS)) == modules
    assert set(SCHEMAS) == set(PARSERS)
    assert sorted(dockernet_nb.parsers.__all__) == sorted(modules)
    # The docstring's table: the rows between its second and third ==== rule.
    table = (dockernet_nb.parsers.__doc__ or "").split("\n==")[2].splitlines()[1:]
    assert sorted(line.split()[0] for line in table if line.strip()) == sorted(modules)


@pytest.mark.parametrize("path", PAIRS, ids=[f"{p.parent.name}/{p.name}" for p in PAIRS])
def test_fixture(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    parser = parser_for(path)
    data = read(path)
    if "error" in expected:
        assert expected["error"] == "ParseError"
        with pytest.raises(ParseError) as info:
            parser.parse(data)
        message = str(info.value)
        assert message == expected["message"]
        assert message.startswith(f"{parser.COMMAND}: ")
        if isinstance(data, str):
            quoted = ast.literal_eval(message.split("first offending line: ", 1)[1])
            assert quoted.removesuffix("...") in data
        return
    df = parser.parse(data)
    assert _dtypes(df) == SCHEMAS[parser]
    assert frame_to_json(df) == expected


# --- the fixed schema ---------------------------------------------------------------------------


@pytest.mark.parametrize("parser", PARSERS, ids=_ids(PARSERS))
def test_module_interface(parser: ModuleType) -> None:
    assert parser.__all__ == ["parse", "SCHEMA", "COMMAND"]
    assert SCHEMAS[parser] == parser.SCHEMA
    assert isinstance(parser.COMMAND, str) and parser.COMMAND
    assert parser.__doc__ and "Example::" in parser.__doc__
    for column in parser.SCHEMA:
        assert re.search(rf"^{column}\s", parser.__doc__, re.MULTILINE), f"{column} is not in the schema table"


@pytest.mark.parametrize("module", [*PARSERS, dockernet_nb.parsers], ids=[*_ids(PARSERS), "__init__"])
def test_docstring_examples_run(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("parser", PARSERS, ids=_ids(PARSERS))
def test_empty_input_gives_full_schema(parser: ModuleType) -> None:
    for empty in EMPTY_INPUTS.get(parser, BLANK_TEXTS):
        df = parser.parse(empty)
        assert len(df) == 0
        assert list(df.columns) == list(SCHEMAS[parser])
        assert _dtypes(df) == SCHEMAS[parser]


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
    for parser in (ifconfig, ip_addr, ip_route, ip_link, bridge_link, bridge_fdb, frr_ospf_neighbors, frr_routes):
        for blank in BLANK_TEXTS:
            assert parser.parse(blank).attrs == {"dialect": None}, (name_of(parser), blank)
    assert pcap.parse(b"").attrs == {"dialect": None, "link_type": None, "start": None}


# --- errors name the command and quote the line -------------------------------------------------

GARBAGE = "total 0\ndrwxr-xr-x 2 root root 40 Jan  1 00:00 " + "x" * 100 + "\n"
STRICT = [p for p in PARSERS if p not in SKIP_FOREIGN_LINES and p not in EMPTY_INPUTS]


@pytest.mark.parametrize("parser", STRICT, ids=_ids(STRICT))
def test_parse_error_names_command_and_line(parser: ModuleType) -> None:
    with pytest.raises(ParseError) as info:
        parser.parse(GARBAGE)
    message = str(info.value)
    assert message.startswith(f"{parser.COMMAND}:")
    assert "'total 0'" in message


@pytest.mark.parametrize("parser", sorted(SKIP_FOREIGN_LINES, key=name_of), ids=_ids(sorted(SKIP_FOREIGN_LINES, key=name_of)))
def test_foreign_lines_are_skipped(parser: ModuleType) -> None:
    df = parser.parse(GARBAGE)
    assert len(df) == 0 and list(df.columns) == list(SCHEMAS[parser])


def test_parse_error_truncates_long_lines() -> None:
    with pytest.raises(ParseError) as info:
        route.parse("x" * 500)
    assert "x" * 57 + "..." in str(info.value) and "x" * 58 not in str(info.value)


# --- import hygiene ---------------------------------------------------------------------------


def test_parsers_never_import_docker() -> None:
    for source in PARSERS_DIR.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(?:import|from)\s+docker\b(?!net)", text, re.MULTILINE), source.name


def test_import_pulls_only_pandas_and_stdlib() -> None:
    # The parsers package on its own: a stand-in parent package keeps dockernet_nb/__init__.py
    # (the verbs, which need docker) out of the picture. Only pandas, the stdlib and
    # dockernet_nb.errors may load.
    package_dir = PARSERS_DIR.parent
    code = (
        "import sys, types; pkg = types.ModuleType('dockernet_nb'); "
        f"pkg.__path__ = [{str(package_dir)!r}]; sys.modules['dockernet_nb'] = pkg; "
        "before = set(sys.modules); import dockernet_nb.parsers; "
        "print(' '.join(sorted(set(sys.modules) - before)))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    ours = {m for m in loaded if m.startswith("dockernet_nb.")}
    modules = {f"dockernet_nb.parsers.{p.stem}" for p in PARSERS_DIR.glob("*.py") if p.stem != "__init__"}
    assert ours == {"dockernet_nb.errors", "dockernet_nb.parsers"} | modules
    top = {m.split(".")[0] for m in loaded} - {"dockernet_nb"}
    third_party = {m for m in top if m not in sys.stdlib_module_names and not m.startswith("_")}
    # pandas and what pandas itself imports.
    assert third_party <= {"pandas", "numpy", "dateutil", "pytz", "tzdata", "six", "cython_runtime"}, third_party
