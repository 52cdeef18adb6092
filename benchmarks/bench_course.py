"""Speed of the whole course: the core lessons live against the worksheet as a bare script, and replay.

Run by hand (never as a test), on a machine with the engine and the course images:

    .venv/bin/python benchmarks/bench_course.py [--rounds 3] [--replay-only] [--against REV]

1. ``benchmarks/worksheet.sh`` (the worksheet's docker commands, plain) against the same steps through
   the verbs (``worksheet_verbs.py``: what the verbs cost over the CLI for the same work) and against
   lessons 00-04 run live in fresh kernels as they are stored (target: the lessons at most 2x the
   script), with the part of each notebook spent outside its cells (the kernel starting, nbclient)
   shown apart;
2. every lesson replayed with no engine at all in a fresh kernel, as Binder runs them: wall time, time
   in cells, and the kernel's own CPU seconds (start, imports, cells; a busy machine stretches it far
   less than wall time). With ``--against REV`` the lessons of that revision (a temporary git worktree)
   run too, each lesson in both trees one after the other, so old and new meet the same load;
3. nbval over every lesson in one process (strict: every output compared), as the replay test runs it.

Prints medians over ``--rounds``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_everyday import REPO, _cell_seconds, run_notebook

CORE = ("00-setup", "01-bridge-networks", "02-no-network", "03-publishing-ports", "04-connect-disconnect")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKERNET_NB_", "PYTEST_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    return env


def core_against_worksheet(rounds: int) -> None:
    env = _env()
    scripts, verbs, lessons, cells = [], [], [], []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(["bash", str(REPO / "benchmarks" / "worksheet.sh")], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        scripts.append(time.perf_counter() - started)
        started = time.perf_counter()
        subprocess.run([sys.executable, str(REPO / "benchmarks" / "worksheet_verbs.py")], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        verbs.append(time.perf_counter() - started)
        wall = inside = 0.0
        for lesson in CORE:
            seconds, in_cells = run_notebook(REPO / "notebooks" / f"{lesson}.ipynb", {**env, "DOCKERNET_NB_MODE": "live"})
            wall, inside = wall + seconds, inside + in_cells
        lessons.append(wall)
        cells.append(inside)
    script, through_verbs, live, live_cells = (statistics.median(x) for x in (scripts, verbs, lessons, cells))
    print(f"worksheet.sh: {script:.1f} s; the same steps through the verbs (worksheet_verbs.py): {through_verbs:.1f} s "
          f"({through_verbs / script:.2f}x); lessons 00-04 live: {live:.1f} s ({live / script:.2f}x), "
          f"{live_cells:.1f} s of it in cells ({live_cells / script:.2f}x), {live - live_cells:.1f} s starting kernels "
          f"and between cells; medians of {rounds}", flush=True)  # fmt: skip


def _kernel_cpu_cell():
    import nbformat

    # Appended to a copy of the lesson: the kernel's own CPU seconds (its start, imports and every cell),
    # which a busy machine stretches far less than wall time.
    return nbformat.v4.new_code_cell(
        "import resource as _r; _u = _r.getrusage(_r.RUSAGE_SELF); print('KERNEL-CPU', _u.ru_utime + _u.ru_stime)"
    )


def _replay_once(tree: Path, path: Path) -> tuple[float, float, float]:
    """(wall, seconds in cells, kernel CPU seconds) of one lesson replayed in a fresh kernel from ``tree``."""
    import nbformat
    from nbclient import NotebookClient

    env = {**_env(), "DOCKER_HOST": "unix:///nonexistent/dockernet-nb.sock", "DOCKERNET_NB_MODE": "replay"}
    env["PYTHONPATH"] = str(tree)
    notebook = nbformat.read(str(path), as_version=4)
    notebook.cells.append(_kernel_cpu_cell())
    started = time.perf_counter()
    NotebookClient(notebook, timeout=900, kernel_name="python3", record_timing=True).execute(env=env, cwd=str(path.parent))
    wall = time.perf_counter() - started
    last = notebook.cells.pop()
    cpu = float(next(o["text"] for o in last.outputs if "KERNEL-CPU" in o.get("text", "")).split()[-1])
    return wall, _cell_seconds(notebook), cpu


def replay_course(rounds: int, against: str | None) -> None:
    """Every lesson replayed with no engine, this tree and (``--against REV``) an older one, interleaved."""
    trees = {"this tree": REPO}
    if against:
        old = Path(tempfile.mkdtemp(prefix="dnb-bench-")) / "old"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(old), against], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        # As ./course does for this tree: bytecode compiled once, not in every kernel.
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(old / "dockernet_nb")], check=True, stdout=subprocess.DEVNULL)
        trees[against] = old
    try:
        totals: dict[str, list[tuple[float, float, float]]] = {name: [] for name in trees}
        for _ in range(rounds):
            sums = {name: [0.0, 0.0, 0.0] for name in trees}
            for path in sorted((REPO / "notebooks").glob("[0-9][0-9]-*.ipynb")):
                for name, tree in trees.items():  # one lesson after the other in each tree: the same load
                    for i, value in enumerate(_replay_once(tree, tree / "notebooks" / path.name)):
                        sums[name][i] += value
            for name in trees:
                totals[name].append(tuple(sums[name]))  # type: ignore[arg-type]
        count = len(list((REPO / "notebooks").glob("[0-9][0-9]-*.ipynb")))
        for name, runs in totals.items():
            wall, cells, cpu = (statistics.median(run[i] for run in runs) for i in range(3))
            print(f"{name}: {count} lessons replayed with no engine: {cells:.1f} s in cells, {wall:.1f} s with a fresh "
                  f"kernel each, {cpu:.1f} s of kernel CPU; medians of {rounds}", flush=True)  # fmt: skip
    finally:
        if against:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(trees[against])], check=False)


def nbval_course() -> None:
    env = {**_env(), "DOCKER_HOST": "unix:///nonexistent/dockernet-nb.sock", "DOCKERNET_NB_MODE": "replay"}
    notebooks = sorted((REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "--nbval", *map(str, notebooks), "--nbval-sanitize-with",
                    str(REPO / "tests" / "nbval_sanitize.cfg"), "-q", "-o", "addopts=", "-p", "no:cacheprovider"],
                   cwd=REPO / "notebooks", env=env, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    print(f"nbval over every lesson (strict, one process): {time.perf_counter() - started:.1f} s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--replay-only", action="store_true")
    parser.add_argument("--against", metavar="REV", help="also replay the lessons of this git revision, interleaved")
    args = parser.parse_args()
    if not args.replay_only:
        core_against_worksheet(args.rounds)
    replay_course(args.rounds, args.against)
    nbval_course()
    return 0


if __name__ == "__main__":
    sys.exit(main())
