"""Run the lesson notebooks under nbval on a local Engine 28, as a Linux learner's machine would.

    python tests/engines/run_notebooks.py [--engine NAME] [--remove] [extra pytest arguments]

Starts (or reaches) the local Engine 28 (building the forky tree the first time), copies the course
images into it from the host engine, then runs

    python -m pytest --nbval notebooks/ --nbval-sanitize-with tests/nbval_sanitize.cfg -o addopts= -p no:cacheprovider

inside the engine's network namespace with DOCKER_HOST at its socket, so each notebook kernel sees
``127.0.0.1:PORT`` through that engine's docker-proxy, as on a laptop. This repository's package is
imported (PYTHONPATH), whatever the venv has installed. Prints a summary of the failing cells (from
pytest's JUnit report) and exits with pytest's status. The engine is stopped afterwards; its images
stay in its folder for the next run unless ``--remove``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from dockernet_nb.engines import forky, local

ALL_IMAGES = (
    "dockernet-nb/busybox:1",
    "dockernet-nb/debian:1",
    "dockernet-nb/redis:1",
    "dockernet-nb/uptime:1",
    "dockernet-nb/frr:1",
)


def failing_cells(report: Path) -> list[tuple[str, str, str]]:
    """(test id, kind, first line of the reason) for each failed or errored cell in a JUnit report."""
    rows = []
    for case in ET.parse(report).iter("testcase"):
        for outcome in ("failure", "error"):
            node = case.find(outcome)
            if node is not None:
                text = (node.get("message") or node.text or "").strip()
                kind = "output differs" if "mismatch" in text.lower() or "difference" in text.lower() else outcome
                first = next((line for line in text.splitlines() if line.strip()), "")
                rows.append((f"{case.get('classname')}::{case.get('name')}", kind, re.sub(r"\s+", " ", first)[:160]))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", default="nb28", help="local engine name (default nb28)")
    parser.add_argument("--remove", action="store_true", help="delete the engine's data afterwards")
    args, pytest_args = parser.parse_known_args(argv)

    started = time.monotonic()
    tree = forky.ensure_tree()
    engine = local.start_local_engine(args.engine, tree=tree.path)
    print(
        f"local engine {engine.name}: Engine {engine.version} at {engine.docker_host} (netns {engine.netns})",
        flush=True,
    )
    try:
        copied = engine.load(ALL_IMAGES)
        print(
            f"images: copied {list(copied.copied)}, already there {list(copied.skipped)} ({copied.seconds:.1f} s)",
            flush=True,
        )
        with tempfile.TemporaryDirectory(prefix="dnb-nb28-") as tmp:
            report = Path(tmp) / "junit.xml"
            command = [sys.executable, "-m", "pytest", "--nbval", "notebooks/"]
            command += ["--nbval-sanitize-with", "tests/nbval_sanitize.cfg", "-o", "addopts=", "-p", "no:cacheprovider"]
            command += [f"--junitxml={report}", *pytest_args]
            env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")]))}
            print("running:", " ".join(command), flush=True)
            result = engine.run(command, cwd=REPO, env=env)
            print(
                f"\nnbval on local Engine {engine.version}: exit {result.returncode}, {time.monotonic() - started:.0f} s in all"
            )
            if report.exists():
                for test_id, kind, reason in failing_cells(report):
                    print(f"  FAILED {test_id} [{kind}] {reason}")
    finally:
        print((local.remove_local_engine if args.remove else local.stop_local_engine)(args.engine))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
