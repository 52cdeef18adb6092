"""Record the tcpdump fixtures of the multi-host lesson from real engine nodes, and write their expected frames.

    PYTHONPATH=$PWD .venv/bin/python tests/record_vxlan_fixtures.py          # record, then write the .json
    PYTHONPATH=$PWD .venv/bin/python tests/record_vxlan_fixtures.py --expected   # only rewrite the .json

Two nodes form a swarm with an overlay ``lab``; alpha (node1) and beta (node2) sit on it and a one-replica
service ``web`` runs on the worker. On node1's uplink:

- ``tests/fixtures/engine/tcpdump-nn-e-v-r--vxlan-ping.out``: what ``dnb.capture_vxlan`` decodes for two
  pings from alpha to beta (four VXLAN packets);
- ``tests/fixtures/engine/tcpdump-nn-e-v-r--uplink-mixed.out``: a few packets of each kind from six
  seconds of everything on the uplink (gossip on UDP 7946, the swarm's TCP 2377, this machine's API calls,
  VXLAN carrying a ping and a TCP connection), whole packets as tcpdump printed them.

The ``.json`` beside each is written by the parser (``{"columns", "records", "attrs"}``, or
``{"error": "ParseError"}`` for the hand-made ``tests/fixtures/malformed/tcpdump_vxlan--*.out``); check
every changed value against its ``.out`` by eye before committing.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LIMITS = {"gossip": 3, "swarm": 3, "other": 1, "vxlan-icmp": 2, "vxlan-tcp": 4}


def _packets(text: str) -> list[list[str]]:
    packets: list[list[str]] = []
    for line in text.splitlines():
        if re.match(r"^\d{2}:\d{2}:\d{2}\.\d+ ", line):
            packets.append([line])
        elif packets:
            packets[-1].append(line)
    return packets


def _kind(packet: list[str]) -> str:
    if "VXLAN" in packet[1]:
        return "vxlan-icmp" if "ICMP" in packet[3] else "vxlan-tcp"
    if ".2377" in packet[1]:
        return "swarm"
    return "gossip" if ".7946" in packet[1] else "other"


def record() -> None:
    import dockernet_nb as dnb
    from dockernet_nb.engine import swarm as nodes_edge

    dnb.start_lesson("fixtures")
    try:
        dnb.start_nodes(2)
        dnb.swarm_init("node1", workers=["node2"])
        dnb.create_overlay("lab")
        dnb.node_run("node1", "busybox", "sleep 3600", name="alpha", net="lab")
        dnb.node_run("node2", "busybox", "sleep 3600", name="beta", net="lab")
        dnb.create_service("web", replicas=1, constraints=["node.role==worker"])
        node1 = nodes_edge.node("node1")
        start = "rm -f /tmp/all.pcap; (timeout 6 tcpdump -i eth0 -nn -U -w /tmp/all.pcap > /tmp/all.err 2>&1 &)"
        nodes_edge.exec_in_node(node1, ["sh", "-c", start], timeout=5)
        time.sleep(1)
        dnb.node_ping("alpha", "beta", count=1)
        dnb.node_exec("alpha", "wget -qO- http://web:8000/")
        time.sleep(6)
        _, text = nodes_edge.exec_in_node(node1, ["sh", "-c", "tcpdump -nn -e -v -r /tmp/all.pcap 2>/dev/null"], timeout=10)
        chosen, counts = [], dict.fromkeys(LIMITS, 0)
        for packet in _packets(text):
            kind = _kind(packet)
            if counts[kind] < LIMITS[kind]:
                chosen.append(packet)
                counts[kind] += 1
        folder = FIXTURES / "engine"
        folder.mkdir(exist_ok=True)
        (folder / "tcpdump-nn-e-v-r--uplink-mixed.out").write_text("\n".join(line for p in chosen for line in p) + "\n")
        ping = dnb.capture_vxlan("node1", "alpha", "beta", count=2)
        (folder / "tcpdump-nn-e-v-r--vxlan-ping.out").write_text(ping.raw)
    finally:
        dnb.cleanup()


def inputs() -> list[Path]:
    return sorted([*(FIXTURES / "engine").glob("tcpdump-*.out"), *(FIXTURES / "malformed").glob("tcpdump_vxlan--*.out")])


def expected_of(path: Path) -> dict:
    import numpy as np
    import pandas as pd

    from dockernet_nb.errors import ParseError
    from dockernet_nb.parsers import tcpdump_vxlan

    def plain(value):
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            return None
        return value.item() if isinstance(value, np.generic) else value

    try:
        frame = tcpdump_vxlan.parse(path.read_text())
    except ParseError:
        return {"error": "ParseError"}
    records = [{c: plain(v) for c, v in zip(frame.columns, row, strict=True)} for row in frame.itertuples(index=False)]
    return {"columns": list(frame.columns), "records": records, "attrs": json.loads(json.dumps(frame.attrs))}


def write_expected() -> None:
    for path in inputs():
        target = path.with_suffix(".json")
        target.write_text(json.dumps(expected_of(path), indent=1) + "\n")
        print(f"wrote {target}")


if __name__ == "__main__":
    if "--expected" not in sys.argv:
        record()
    write_expected()
