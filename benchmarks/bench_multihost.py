"""Time the multi-host lesson: three nodes up with their image, the swarm, and the whole notebook live.

Run by hand as root on a machine with the host engine, the course images and the engine image (never
as a test):

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_multihost.py [--runs 3] [--notebook]

- nodes: ``start_nodes(3)`` from nothing (fresh volumes): three engine containers started in parallel
  until each engine answers, busybox copied into each; the issue's target is 45 s or less;
- swarm: ``swarm_init`` (one manager, two workers, all ready, their swarm networks set up);
- removal: ``remove_nodes`` of this session (containers, volumes, cgroups);
- ``--notebook``: the whole of notebooks/15-multi-host.ipynb run live (nbclient), once per run; the
  target is 3 minutes or less.

Prints each run and the medians. Everything it starts is removed (by the session's labels).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def lesson_once() -> dict[str, float]:
    import dockernet_nb as dnb
    from dockernet_nb.engine.connection import client
    from dockernet_nb.engine.spawn import nodes

    dnb.start_lesson("benchmultihost")
    figures = {}
    started = time.perf_counter()
    try:
        dnb.start_nodes(3)
        figures["nodes: three up with busybox"] = time.perf_counter() - started
        step = time.perf_counter()
        dnb.swarm_init("node1", workers=["node2", "node3"])
        figures["swarm: init and two joins"] = time.perf_counter() - step
    finally:
        step = time.perf_counter()
        nodes.remove_nodes(client=client())
        figures["removal: three nodes"] = time.perf_counter() - step
    return figures


def notebook_once() -> float:
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(str(REPO / "notebooks" / "15-multi-host.ipynb"), as_version=4)
    started = time.perf_counter()
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(REPO / "notebooks")}}).execute()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--notebook", action="store_true", help="also run the whole lesson live each time")
    args = parser.parse_args()
    figures: dict[str, list[float]] = {}
    for run in range(args.runs):
        found = lesson_once()
        if args.notebook:
            found["lesson 15 live, every cell"] = notebook_once()
        print(f"run {run + 1}: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in found.items()), flush=True)
        for name, seconds in found.items():
            figures.setdefault(name, []).append(seconds)
    for name, values in figures.items():
        print(f"median {name}: {statistics.median(values):.1f} s (of {len(values)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
