"""Speed of the verbs against the Docker SDK and the docker CLI on the same work.

Run by hand on a machine with the engine and the course images (never as a test):

    .venv/bin/python benchmarks/bench_verbs.py [--runs 20]

Prints medians and ratios; the README quotes the figures measured on the project's machines.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

import dockernet_nb as dnb
from dockernet_nb.engine.connection import client
from dockernet_nb.engine.images import resolve


def timed(fn, runs: int) -> list[float]:
    fn()  # warm-up: first-call costs (client set-up, page cache) are not what we measure
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    dnb.start_lesson("bench")
    busybox = resolve("busybox")
    sdk = client()

    def with_dnb():
        assert dnb.run("busybox", "true", net="none").exit_code == 0

    def with_sdk():
        sdk.containers.run(busybox, "true", network_mode="none", remove=True)

    def with_cli():
        subprocess.run(["docker", "run", "--rm", "--pull", "never", "--net", "none", busybox, "true"], check=True)

    results = {"dnb.run": timed(with_dnb, runs), "SDK containers.run": timed(with_sdk, runs)}
    if shutil.which("docker"):
        results["docker run (CLI)"] = timed(with_cli, runs)
    base = statistics.median(results["SDK containers.run"])
    print(f"One-off `busybox true` with --net none, {runs} runs each (median):")
    for name, samples in results.items():
        median = statistics.median(samples)
        print(f"  {name:<20} {median * 1000:7.1f} ms   {median / base:4.2f}x the SDK")

    box = dnb.run("busybox", "sleep 600", name="bench-box", detach=True)
    try:
        probe = timed(lambda: dnb.inspect_interfaces(box), runs)
        print(f"dnb.inspect_interfaces on a running container: median {statistics.median(probe) * 1000:.1f} ms")
        raw = timed(lambda: sdk.containers.get(box.docker_name).exec_run("ifconfig"), runs)
        print(f"  SDK exec_run('ifconfig') alone:             median {statistics.median(raw) * 1000:.1f} ms")
    finally:
        dnb.cleanup()

    def in_fresh_process(code: str) -> float:
        samples = []
        for _ in range(10):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)

    bare = in_fresh_process("pass")
    plain = in_fresh_process("import dockernet_nb")
    loaded = in_fresh_process("import dockernet_nb; dockernet_nb.run; dockernet_nb.ping")
    print(f"import dockernet_nb: median {(plain - bare) * 1000:.0f} ms (process start subtracted)")
    print(f"  and loading the verbs (Docker SDK, pandas) on first use: {(loaded - bare) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
