"""Run the lesson notebooks under nbval on a local Engine 28, as a Linux learner's machine would.

    python tests/engines/run_notebooks.py [--engine NAME] [--remove] [--default-socket] [extra pytest arguments]

Starts (or reaches) the local Engine 28 (building the forky tree the first time), copies the course
images into it from the host engine, then runs

    python -m pytest --nbval notebooks/ --nbval-sanitize-with tests/nbval_sanitize.cfg -o addopts= -p no:cacheprovider

inside the engine's network namespace with DOCKER_HOST at its socket, so each notebook kernel sees
``127.0.0.1:PORT`` through that engine's docker-proxy, as on a laptop. ``--default-socket`` leaves
DOCKER_HOST unset and binds the engine's socket over /var/run/docker.sock in a private mount namespace
instead: lesson banners then say "at the local socket" as a learner's do (the sanitizer in
tests/nbval_sanitize.cfg does not cover a DOCKER_HOST path with a dot in it, such as docker.sock). This repository's package is
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

from dockernet_nb.engine.spawn import forky, local  # noqa: E402 - after the path to this repository

ALL_IMAGES = (
    "dockernet-nb/busybox:1",
    "dockernet-nb/debian:1",
    "dockernet-nb/redis:1",
    "dockernet-nb/uptime:1",
    "dockernet-nb/frr:1",
    forky.ENGINE_TAG,  # the multi-host lesson starts its engine nodes from it, inside the engine under test
)


_ANSI = re.compile(r"(\x1b|#x1B)\[[0-9;]*m")


def _why(text: str) -> str:
    """One line: the exception a cell raised, or which output differed and the first changed line."""
    lines = [_ANSI.sub("", line).rstrip() for line in text.splitlines()]
    if any("caused an exception" in line for line in lines):
        raised = [line for line in lines if re.match(r"^\w+(Error|Exception|Unavailable|Missing|Timeout): ", line)]
        return "raised " + (raised[-1] if raised else "an exception")
    kind = next((line.strip() for line in lines if "mismatch" in line), "outputs differ")
    changed = [line.strip() for line in lines if re.match(r"^\s+[-+] ", line)][:2]
    return f"{kind}: " + " | ".join(changed)


def failing_cells(report: Path) -> list[tuple[str, str]]:
    """(test id, why) for each failed or errored cell in a JUnit report."""
    rows = []
    for case in ET.parse(report).iter("testcase"):
        for outcome in ("failure", "error"):
            node = case.find(outcome)
            if node is not None:
                why = _why((node.text or "") + "\n" + (node.get("message") or ""))
                rows.append((f"{case.get('classname')}::{case.get('name')}", why[:220]))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", default="nb28", help="local engine name (default nb28)")
    parser.add_argument("--remove", action="store_true", help="delete the engine's data afterwards")
    parser.add_argument(
        "--default-socket",
        action="store_true",
        help="no DOCKER_HOST: the kernel finds the engine at /var/run/docker.sock, as on a laptop",
    )
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
            result = engine.run(command, cwd=REPO, env=env, default_socket=args.default_socket)
            print(
                f"\nnbval on local Engine {engine.version}: exit {result.returncode}, {time.monotonic() - started:.0f} s in all"
            )
            if report.exists():
                for test_id, why in failing_cells(report):
                    print(f"  FAILED {test_id}: {why}")
    finally:
        print((local.remove_local_engine if args.remove else local.stop_local_engine)(args.engine))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
