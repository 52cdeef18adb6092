"""Time Engine 28 start-up: docker-in-docker cold and warm, and the local engine.

Run by hand as root on a machine with the host engine and the course images (never as a test):

    .venv/bin/python benchmarks/bench_engines.py [--runs 5] [--rebuild]

- dind cold: a fresh engine volume; start the engine container and load the core images
  (busybox, debian, redis, uptime) from the host engine;
- dind warm: the volume kept from the previous run; start the engine, the images are already there;
- local: start the local engine (its data folder kept) until it answers; and the first image load.

``--rebuild`` also times a fresh forky tree (debootstrap, about 85 s) and its import as the image.
Prints medians; the issue's target for dind start plus core images is 20 s or less. Everything the
benchmark starts is removed at the end (the cached tree and image stay).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from dockernet_nb.engine.spawn import dind, forky, local
from dockernet_nb.engine.spawn.common import host_client
from dockernet_nb.engine.spawn.transfer import CORE_IMAGES

DIND = "bench28"
LOCAL = "benchlocal28"


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="also time a fresh tree build and image import")
    args = parser.parse_args()
    host = host_client(timeout=600)

    if args.rebuild:
        tree = forky.ensure_tree(rebuild=True)
        image = forky.ensure_engine_image(tree=tree, client=host)
        print(
            f"forky tree (dockerd {tree.full_version}): {tree.build_seconds:.1f} s; image import: {image.import_seconds:.1f} s"
        )
    else:
        tree = forky.ensure_tree()
        forky.ensure_engine_image(tree=tree, client=host)

    figures: dict[str, list[float]] = {"dind cold: start + core images": [], "dind warm: start + core images": []}
    figures |= {"dind: engine answers (cold)": [], "dind: core images loaded (cold)": []}
    figures |= {"local: engine answers": [], "local: core images loaded (first time)": []}
    try:
        for _ in range(args.runs):
            dind.remove_engine(DIND, client=host)
            start = time.perf_counter()
            engine = dind.start_engine(DIND, client=host)
            answered = time.perf_counter() - start
            engine.load(CORE_IMAGES)
            figures["dind cold: start + core images"].append(time.perf_counter() - start)
            figures["dind: engine answers (cold)"].append(answered)
            figures["dind: core images loaded (cold)"].append(time.perf_counter() - start - answered)
            dind.stop_engine(DIND, client=host)
            figures["dind warm: start + core images"].append(
                timed(lambda: dind.start_engine(DIND, client=host, images=CORE_IMAGES))
            )
            dind.stop_engine(DIND, client=host)
        for run in range(args.runs):
            local.stop_local_engine(LOCAL)
            if run == 0:
                local.remove_local_engine(LOCAL)
            start = time.perf_counter()
            engine_l = local.start_local_engine(LOCAL, tree=tree.path)
            figures["local: engine answers"].append(time.perf_counter() - start)
            if run == 0:
                start = time.perf_counter()
                engine_l.load(CORE_IMAGES)
                figures["local: core images loaded (first time)"].append(time.perf_counter() - start)
    finally:
        dind.remove_engine(DIND, client=host)
        local.remove_local_engine(LOCAL)
    print(f"\nEngine 28 ({tree.full_version}) start-up, {args.runs} runs, medians (min-max):")
    for label, values in figures.items():
        if values:
            print(f"  {label:42s} {statistics.median(values):6.1f} s  ({min(values):.1f}-{max(values):.1f})")
    print("  target (issue 12): dind start + core images <= 20 s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
