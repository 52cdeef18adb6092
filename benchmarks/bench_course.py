"""Speed of the whole course: the core lessons live against the worksheet as a bare script, and replay.

Run by hand (never as a test), on a machine with the engine and the course images:

    .venv/bin/python benchmarks/bench_course.py [--rounds 3]

1. ``benchmarks/worksheet.sh`` (the worksheet's docker commands, plain) against lessons 00-04 run live
   in fresh kernels as they are stored (target: the lessons at most 2x the script), with the part of
   each notebook spent outside its cells (the kernel starting, nbclient) shown apart;
2. every lesson under nbval with no engine at all, one after another, as Binder runs them (target: the
   whole course in 15 s of cell time), and the time in cells alone.

Prints medians over ``--rounds``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_everyday import REPO, run_notebook

CORE = ("00-setup", "01-bridge-networks", "02-no-network", "03-publishing-ports", "04-connect-disconnect")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKERNET_NB_", "PYTEST_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    return env


def core_against_worksheet(rounds: int) -> None:
    env = _env()
    scripts, lessons, cells = [], [], []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(["bash", str(REPO / "benchmarks" / "worksheet.sh")], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        scripts.append(time.perf_counter() - started)
        wall = inside = 0.0
        for lesson in CORE:
            seconds, in_cells = run_notebook(REPO / "notebooks" / f"{lesson}.ipynb", {**env, "DOCKERNET_NB_MODE": "live"})
            wall, inside = wall + seconds, inside + in_cells
        lessons.append(wall)
        cells.append(inside)
    script, live, live_cells = (statistics.median(x) for x in (scripts, lessons, cells))
    print(f"worksheet.sh: {script:.1f} s; lessons 00-04 live: {live:.1f} s ({live / script:.2f}x), "
          f"{live_cells:.1f} s of it in cells ({live_cells / script:.2f}x), {live - live_cells:.1f} s starting kernels "
          f"and between cells; medians of {rounds}", flush=True)  # fmt: skip


def replay_course(rounds: int) -> None:
    env = {**_env(), "DOCKER_HOST": "unix:///nonexistent/dockernet-nb.sock", "DOCKERNET_NB_MODE": "replay"}
    notebooks = sorted((REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    walls, cells, nbvals = [], [], []
    for _ in range(rounds):
        wall = inside = 0.0
        for path in notebooks:
            seconds, in_cells = run_notebook(path, env)
            wall, inside = wall + seconds, inside + in_cells
        walls.append(wall)
        cells.append(inside)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", "--nbval", *map(str, notebooks), "--nbval-sanitize-with",
                        str(REPO / "tests" / "nbval_sanitize.cfg"), "-q", "-o", "addopts=", "-p", "no:cacheprovider"],
                       cwd=REPO / "notebooks", env=env, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        nbvals.append(time.perf_counter() - started)
    wall, inside, nbval = (statistics.median(x) for x in (walls, cells, nbvals))
    print(f"{len(notebooks)} lessons replayed with no engine: {inside:.1f} s in cells, {wall:.1f} s with a fresh kernel "
          f"each; nbval over all of them (strict, one process): {nbval:.1f} s; medians of {rounds}", flush=True)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--replay-only", action="store_true")
    args = parser.parse_args()
    if not args.replay_only:
        core_against_worksheet(args.rounds)
    replay_course(args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
