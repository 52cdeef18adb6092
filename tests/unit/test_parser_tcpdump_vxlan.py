"""The tcpdump parser of the multi-host lesson against real captures from engine nodes (and malformed ones).

Fixtures: ``tests/fixtures/engine/tcpdump-nn-e-v-r--<case>.out`` recorded by ``tests/record_vxlan_fixtures.py``
on two nodes of a swarm, and ``tests/fixtures/malformed/tcpdump_vxlan--<case>.out`` made by hand from
them; the ``.json`` beside each is the expected frame (or ``{"error": "ParseError"}``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dockernet_nb.errors import ParseError
from dockernet_nb.parsers import tcpdump_vxlan
from tests.record_vxlan_fixtures import expected_of, inputs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PAIRS = inputs()
SCHEMA = {
    "time": "float64",
    "source_mac": "string",
    "destination_mac": "string",
    "source": "string",
    "destination": "string",
    "protocol": "string",
    "length": "Int64",
    "ttl": "Int64",
    "src_port": "Int64",
    "dst_port": "Int64",
    "vni": "Int64",
    "inner_source_mac": "string",
    "inner_destination_mac": "string",
    "inner_source": "string",
    "inner_destination": "string",
    "inner_protocol": "string",
    "inner_length": "Int64",
    "inner_ttl": "Int64",
    "summary": "string",
    "icmp_type": "string",
    "icmp_seq": "Int64",
}


def test_there_are_recorded_and_malformed_fixtures_each_with_its_expected_frame():
    assert {p.parent.name for p in PAIRS} == {"engine", "malformed"}
    assert len(PAIRS) >= 6
    assert [p.name for p in PAIRS if not p.with_suffix(".json").exists()] == []


@pytest.mark.parametrize("path", PAIRS, ids=[f"{p.parent.name}/{p.name}" for p in PAIRS])
def test_fixture(path: Path):
    expected = json.loads(path.with_suffix(".json").read_text())
    if expected.get("error") == "ParseError":
        with pytest.raises(ParseError):
            tcpdump_vxlan.parse(path.read_text())
        return
    frame = tcpdump_vxlan.parse(path.read_text())
    assert {c: str(t) for c, t in frame.dtypes.items()} == SCHEMA
    assert expected_of(path) == expected


def test_a_ping_across_the_overlay_is_four_vxlan_packets_between_the_nodes_with_the_containers_inside():
    frame = tcpdump_vxlan.parse((FIXTURES / "engine" / "tcpdump-nn-e-v-r--vxlan-ping.out").read_text())
    assert list(frame["protocol"]) == ["VXLAN"] * 4
    assert list(frame["source"]) == ["172.16.200.3", "172.16.200.2"] * 2
    assert list(frame["destination"]) == ["172.16.200.2", "172.16.200.3"] * 2
    assert set(frame["dst_port"]) == {4789} and set(frame["vni"]) == {4097}
    assert list(frame["inner_source"]) == ["172.16.1.2", "172.16.1.4"] * 2
    assert list(frame["inner_destination"]) == ["172.16.1.4", "172.16.1.2"] * 2
    assert list(frame["icmp_type"]) == ["echo request", "echo reply"] * 2
    assert list(frame["icmp_seq"]) == [0, 0, 1, 1]
    # VXLAN's wrapping: outer IPv4 20 + UDP 8 + VXLAN 8 + the inner frame's Ethernet header 14.
    assert set(frame["length"] - frame["inner_length"]) == {50}
    assert frame.attrs["dialect"] == "tcpdump-e-v"


def test_the_uplink_carries_gossip_swarm_control_and_vxlan_side_by_side():
    frame = tcpdump_vxlan.parse((FIXTURES / "engine" / "tcpdump-nn-e-v-r--uplink-mixed.out").read_text())
    gossip = frame[frame["dst_port"] == 7946]
    assert len(gossip) == 3 and set(gossip["protocol"]) == {"UDP"} and gossip["vni"].isna().all()
    assert set(frame.loc[frame["dst_port"] == 2377, "protocol"]) == {"TCP"}
    tunnel = frame[frame["protocol"] == "VXLAN"]
    assert set(tunnel["inner_protocol"]) == {"ICMP", "TCP"}
    syn = tunnel[tunnel["summary"].str.startswith("Flags [S]")].iloc[0]
    assert (syn["inner_source"], syn["inner_destination"], syn["inner_length"]) == ("172.16.1.2", "172.16.1.6", 60)


def test_empty_input_gives_every_column_and_no_dialect():
    frame = tcpdump_vxlan.parse("")
    assert frame.empty and {c: str(t) for c, t in frame.dtypes.items()} == SCHEMA
    assert frame.attrs["dialect"] is None


def test_tcpdump_status_lines_alone_are_no_packets():
    text = "reading from file /tmp/x.pcap, link-type EN10MB (Ethernet), snapshot length 262144\n0 packets captured\n"
    assert tcpdump_vxlan.parse(text).empty


def test_errors_name_the_command_and_quote_the_line():
    with pytest.raises(ParseError, match=r"tcpdump -nn -e -v -r: .*'this is not tcpdump output'"):
        tcpdump_vxlan.parse("this is not tcpdump output\n")
    cut = (FIXTURES / "malformed" / "tcpdump_vxlan--cut-after-vxlan.out").read_text()
    with pytest.raises(ParseError, match="VXLAN packet without the frame it carries"):
        tcpdump_vxlan.parse(cut)


def test_a_capture_just_after_midnight_counts_on():
    text = (FIXTURES / "engine" / "tcpdump-nn-e-v-r--vxlan-ping.out").read_text()
    packets = text.split("\n", 4)
    late = text.replace(packets[0][:15], "23:59:59.999900", 1)
    frame = tcpdump_vxlan.parse(late)
    assert frame["time"].iloc[0] == 0.0 and 0 < frame["time"].iloc[1] < 86400


def test_the_parser_is_pure_and_its_example_runs():
    import ast

    tree = ast.parse(Path(tcpdump_vxlan.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name == "docker" or name.startswith(("docker.", "dockernet_nb.engine")) for name in imported)
    run = subprocess.run([sys.executable, "-m", "doctest", tcpdump_vxlan.__file__], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
