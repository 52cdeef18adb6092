"""Speed of the everyday lessons (08-12): live against the same docker commands as a bare script, and replay.

Run by hand (never as a test), on a machine with the engine, the course images and a Compose v2:

    .venv/bin/python benchmarks/bench_everyday.py                     # the engine DOCKER_HOST names
    .venv/bin/python benchmarks/bench_everyday.py --engine28 bench28   # a local Engine 28 (root, Linux)
    .venv/bin/python benchmarks/bench_everyday.py 09-names 12-firewall # some lessons only

For each lesson: the wall time of ``benchmarks/lessons/NN-*.sh`` (the lesson's docker commands, plain), of
the notebook run live as it is stored (a fresh kernel, no solutions), their ratio (the target is at most
2x), and the notebook replayed with no engine (target: under 3 s of cell time; the kernel's own start is
shown apart).
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LESSONS = ("08-compose", "09-names", "10-network-modes", "11-ipv6", "12-firewall")


def _cell_seconds(notebook) -> float:
    total = 0.0
    for cell in notebook.cells:
        timing = cell.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if start and end:
            parse = datetime.datetime.fromisoformat
            total += (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds()
    return total


def run_notebook(path: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, seconds spent in cells) of one fresh-kernel run."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(str(path), as_version=4)
    started = time.perf_counter()
    NotebookClient(notebook, timeout=900, kernel_name="python3", record_timing=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute(env=env, cwd=str(path.parent))
    return time.perf_counter() - started, _cell_seconds(notebook)


def bench(lessons: list[str]) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKERNET_NB_", "PYTEST_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    env["PYTHON"] = sys.executable
    replay = {**env, "DOCKER_HOST": "unix:///nonexistent/dockernet-nb.sock", "DOCKERNET_NB_MODE": "replay"}
    print(f"{'lesson':<18} {'script':>8} {'live':>8} {'ratio':>6} {'replay cells':>13} {'replay wall':>12}")
    for lesson in lessons:
        script = REPO / "benchmarks" / "lessons" / f"{lesson}.sh"
        started = time.perf_counter()
        subprocess.run(["bash", str(script)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        bare = time.perf_counter() - started
        path = REPO / "notebooks" / f"{lesson}.ipynb"
        live, _ = run_notebook(path, {**env, "DOCKERNET_NB_MODE": "live"})
        wall, cells = run_notebook(path, replay)
        print(f"{lesson:<18} {bare:7.1f}s {live:7.1f}s {live / bare:5.2f}x {cells:12.2f}s {wall:11.1f}s", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lessons", nargs="*", default=list(LESSONS))
    parser.add_argument("--engine28", metavar="NAME", help="run everything on a local Engine 28 of this name")
    args = parser.parse_args()
    if not args.engine28:
        return bench(args.lessons)
    sys.path.insert(0, str(REPO))
    from dockernet_nb.engine.spawn import forky, local

    engine = local.start_local_engine(args.engine28, tree=forky.ensure_tree().path)
    try:
        engine.load(["dockernet-nb/busybox:1", "dockernet-nb/debian:1", "dockernet-nb/redis:1", "dockernet-nb/uptime:1"])
        print(f"on a local Docker Engine {engine.version}", flush=True)
        return engine.run([sys.executable, __file__, *args.lessons], cwd=REPO, default_socket=True).returncode
    finally:
        print(local.stop_local_engine(args.engine28))


if __name__ == "__main__":
    sys.exit(main())
