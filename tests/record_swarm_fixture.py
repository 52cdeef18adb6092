"""Record ``tests/fixtures/engine/tcpdump--swarm-overlay.pcap``: VXLAN between two swarm nodes, for the pcap parser.

    PYTHONPATH=$PWD .venv/bin/python tests/record_swarm_fixture.py
    PYTHONPATH=$PWD .venv/bin/python -m tests.unit.parser_fixtures tests/fixtures/engine/tcpdump--swarm-overlay.pcap

Two engine nodes (the multi-host lesson's, docker-in-docker) form a swarm with an attachable overlay
``lab``; alpha (node1) pings beta (node2) once and fetches a page from a one-replica service on node2,
while tcpdump in node1 captures UDP port 4789 on its uplink, as ``dnb.capture_vxlan`` does. The second
command writes the expected frame beside it: check it against ``tcpdump -nn -e -v -r`` of the same file
by eye before committing. Everything started is removed afterwards.
"""

from __future__ import annotations

import time
from pathlib import Path

TARGET = Path(__file__).resolve().parent / "fixtures" / "engine" / "tcpdump--swarm-overlay.pcap"


def main() -> None:
    import dockernet_nb as dnb
    from dockernet_nb.engine import swarm as nodes_edge

    dnb.start_lesson("fixtures")
    try:
        dnb.start_nodes(2)
        dnb.swarm_init("node1", workers=["node2"])
        dnb.create_overlay("lab")
        dnb.node_run("node1", "busybox", "sleep 600", name="alpha", net="lab")
        dnb.node_run("node2", "busybox", "sleep 600", name="beta", net="lab")
        dnb.create_service("web", replicas=1, constraints=["node.role==worker"])
        node1 = nodes_edge.node("node1")
        start = "rm -f /tmp/o.pcap; (timeout 8 tcpdump -i eth0 -nn -U -w /tmp/o.pcap udp port 4789 > /tmp/o.err 2>&1 &)"
        nodes_edge.exec_in_node(node1, ["sh", "-c", start], timeout=5)
        time.sleep(1)
        dnb.node_ping("alpha", "beta", count=1)
        dnb.node_exec("alpha", "wget -qO- http://web:8000/")
        time.sleep(8)
        TARGET.parent.mkdir(exist_ok=True)
        TARGET.write_bytes(nodes_edge.read_in_node(node1, "/tmp/o.pcap"))
        print(f"recorded {TARGET}")
    finally:
        dnb.cleanup()


if __name__ == "__main__":
    main()
