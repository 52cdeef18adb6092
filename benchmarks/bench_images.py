"""Time `dockernet-nb images`: warm (all present) and, with --cold, a full offline rebuild.

    .venv/bin/python benchmarks/bench_images.py [--cold]

--cold removes the course image tags first (only those: tags with the course's own name and label),
so run it only where rebuilding them is fine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from dockernet_nb.engine.connection import client
from dockernet_nb.engine.images import CATALOG, IMAGE_LABEL


def run_images() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dockernet_nb.cli", "images"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cold", action="store_true")
    cold = parser.parse_args().cold
    if cold:
        for image in reversed(CATALOG):
            found = client().images.get(image.tag)
            if found.labels.get(IMAGE_LABEL) == image.name:
                client().images.remove(image.tag)
        print(f"cold offline build of all {len(CATALOG)} images: {run_images():.1f} s")
    warm = [run_images() for _ in range(5)]
    print(f"warm run, all images present: median {statistics.median(warm):.2f} s over 5 runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
