"""Speed of the pcap parser: a 10,000-packet capture into its DataFrame, median of 5 runs.

Run by hand (never as a test; it needs no engine):

    .venv/bin/python benchmarks/bench_pcap.py [--packets 10000] [--runs 5] [--scapy]

The capture is made here, in memory, and never written to the repository: the packets of the
recorded fixtures (tests/fixtures/debian/tcpdump--*.pcap: DNS, ARP, ICMP, TCP, VXLAN, ICMPv6), cooked
ones given an Ethernet header, repeated with increasing timestamps until there are enough. The
budget is 1 s on the course's machine (2 cores). ``--scapy`` also times scapy's ``rdpcap`` on the
same bytes, when scapy is installed, for the comparison quoted in the parser's docstring.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import struct
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dockernet_nb.parsers import pcap  # noqa: E402  (after the path above)

FIXTURES = REPO / "tests" / "fixtures" / "debian"
COOKED_HEADER = {113: 16, 276: 20}  # LINUX_SLL, LINUX_SLL2: header length
ETHERNET_SOURCE, ETHERNET_DESTINATION = bytes.fromhex("02420a000001"), bytes.fromhex("02420a000002")


def recorded_frames() -> list[bytes]:
    """Every packet of the recorded captures, as an Ethernet frame."""
    frames = []
    for path in sorted(FIXTURES.glob("tcpdump--*.pcap")):
        data = path.read_bytes()
        link_type = struct.unpack_from("<I", data, 20)[0]
        offset = 24
        while offset < len(data):
            _, _, caplen, _ = struct.unpack_from("<IIII", data, offset)
            frame = data[offset + 16 : offset + 16 + caplen]
            offset += 16 + caplen
            if link_type in COOKED_HEADER:
                protocol = frame[14:16] if link_type == 113 else frame[0:2]
                frame = ETHERNET_DESTINATION + ETHERNET_SOURCE + protocol + frame[COOKED_HEADER[link_type] :]
            frames.append(frame)
    return frames


def capture(packets: int) -> bytes:
    frames = recorded_frames()
    out = io.BytesIO()
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    for i in range(packets):
        frame = frames[i % len(frames)]
        out.write(struct.pack("<IIII", 1_700_000_000 + i // 1000, (i % 1000) * 1000, len(frame), len(frame)))
        out.write(frame)
    return out.getvalue()


def timed(fn, runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time of this process: on a shared machine the two part ways."""
    fn()  # warm-up: the first call imports dpkt
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--packets", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scapy", action="store_true")
    args = parser.parse_args()
    data = capture(args.packets)
    frame = pcap.parse(data)
    assert len(frame) == args.packets, len(frame)
    print(f"{args.packets} packets, {len(data)} bytes; protocols: {frame['protocol'].value_counts().to_dict()}")
    median, cpu = timed(lambda: pcap.parse(data), args.runs)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"  pcap.parse -> DataFrame   {median:6.3f} s wall, {cpu:6.3f} s CPU (median of {args.runs}; budget 1 s wall)")
    print(f"  machine: {os.cpu_count()} cores, load average {load:.2f} (others' work slows the wall time)")
    if args.scapy:
        try:
            from scapy.all import rdpcap  # .all: without its layers loaded scapy reads raw bytes only
        except ImportError:
            print("  scapy is not installed here")
        else:
            median_scapy, cpu_scapy = timed(lambda: rdpcap(io.BytesIO(data)), args.runs)
            print(f"  scapy rdpcap (no frame)   {median_scapy:6.3f} s wall, {cpu_scapy:6.3f} s CPU (median of {args.runs})")
    return 0 if median <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
