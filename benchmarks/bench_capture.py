"""Speed of packet captures: from dnb.start_capture to tcpdump listening, and a big capture into its frame.

Run by hand on a machine with the engine and the course images (never as a test):

    .venv/bin/python benchmarks/bench_capture.py [--runs 10] [--packets 10000]

1. ``dnb.start_capture`` until it returns, which is when tcpdump in the capture container says it is
   listening (so the next packet is caught): median and worst of ``--runs``; budget 1.5 s. Each run
   also pings once and checks that the ping was caught, and times ``dnb.stop_capture`` beside it.
2. The frame ``stop_capture`` builds from a capture file: parsing (dpkt) and naming the hosts, on a
   ``--packets`` capture made in memory from the recorded fixtures (as in ``bench_pcap.py``); budget 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import dockernet_nb as dnb  # noqa: E402  (after the path above)
from benchmarks.bench_pcap import capture as synthetic_capture  # noqa: E402
from dockernet_nb.verbs.capture import packets_frame  # noqa: E402


def start_and_stop(runs: int) -> tuple[list[float], list[float]]:
    dnb.start_lesson("bench-capture")
    dnb.create_net("lan")
    dnb.run("debian", "sleep 600", name="alice", net="lan", detach=True)
    dnb.run("debian", "sleep 600", name="bob", net="lan", detach=True)
    bob = dnb.address_of("bob", "lan")
    starts, stops = [], []
    try:
        for _ in range(runs + 1):  # the first run warms the client and the image cache up
            began = time.perf_counter()
            cap = dnb.start_capture("alice", filter="icmp")
            ready = time.perf_counter()
            dnb.exec("alice", ["ping", "-n", "-c", "1", bob])
            stopping = time.perf_counter()
            packets = dnb.stop_capture(cap)
            stopped = time.perf_counter()
            assert list(packets["icmp_type"]) == [8, 0], packets["summary"].tolist()
            starts.append(ready - began)
            stops.append(stopped - stopping)
    finally:
        dnb.cleanup()
    return starts[1:], stops[1:]


def frame_time(packets: int, runs: int) -> tuple[float, float, int]:
    """Median wall and CPU time of turning a capture file into the named frame (CPU time is what load does not change)."""
    data = synthetic_capture(packets)
    book = {"127.0.0.11": "Docker DNS", "10.0.0.1": "alice"}
    walls, cpus = [], []
    for _ in range(runs + 1):
        wall, cpu = time.perf_counter(), time.process_time()
        frame = packets_frame(data, book)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls[1:]), statistics.median(cpus[1:]), len(frame)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--packets", type=int, default=10_000)
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} cores, load average {load:.2f} (others' work slows the wall times)")
    starts, stops = start_and_stop(args.runs)
    print(
        f"  start_capture -> listening   median {statistics.median(starts):5.2f} s, worst {max(starts):5.2f} s "
        f"({args.runs} runs; budget 1.5 s)"
    )
    print(f"  stop_capture -> frame        median {statistics.median(stops):5.2f} s, worst {max(stops):5.2f} s")
    median, cpu, rows = frame_time(args.packets, 5)
    print(f"  {rows} packets -> named frame  median {median:5.2f} s wall, {cpu:5.2f} s CPU (5 runs; budget 1 s)")
    return 0 if statistics.median(starts) <= 1.5 and median <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
