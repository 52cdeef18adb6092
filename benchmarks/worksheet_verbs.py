"""The worksheet's steps (``benchmarks/worksheet.sh``) done through the course's verbs, in one Python process.

Run by hand or by ``bench_course.py``: ``.venv/bin/python benchmarks/worksheet_verbs.py``. It does the same
work as the shell script, step for step, so its time against the script's is what the verbs themselves
cost over the docker CLI; what the lessons add on top (a kernel per notebook, pictures, checks, the
steps that go beyond the worksheet) is then the rest of the lessons' time. Everything it makes carries
the course label and goes at the end (``dnb.cleanup()``).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DOCKERNET_NB_MODE", "live")
# The progress file of a throwaway folder: a benchmark is no lesson the learner started.
os.environ["DOCKERNET_NB_DATA"] = tempfile.mkdtemp(prefix="dnb-bench-")

import dockernet_nb as dnb
from dockernet_nb.errors import ConnectionRefused


def _get(port: int) -> str:
    try:
        return dnb.tcp_request(port)
    except ConnectionRefused:
        return "connection refused"


def worksheet() -> None:
    dnb.start_lesson("bench-worksheet")
    try:
        dnb.create_net("mynet")
        dnb.networks()
        dnb.run("redis", name="redis", net="mynet", detach=True)
        dnb.ping(None, "redis", image="debian", net="mynet", count=4)
        for command in ("ping", "set foo bar", "get foo"):
            dnb.run("redis", f"redis-cli -h redis {command}", net="mynet")
        dnb.ping(None, "8.8.8.8", image="debian", net="none", count=1)
        dnb.inspect_interfaces(image="busybox")
        dnb.inspect_routes(image="busybox")
        dnb.inspect_interfaces(image="busybox", net="none")
        dnb.inspect_routes(image="busybox", net="none")
        dnb.run("busybox", "ifconfig eth0", net="none")
        nc = dnb.run("uptime", name="nc", net="none", ports="8000:8000", detach=True)
        dnb.wait_for_port(nc, 8000)
        _get(8000)
        dnb.exec(nc, "nc localhost 8000")
        dnb.stop(nc, timeout=1)
        dnb.rm(nc)
        nc = dnb.run("uptime", name="nc", ports="8000:8000", detach=True)
        dnb.wait_for_port(nc, 8000)
        _get(8000)
        dnb.logs(nc)
        dnb.exec(nc, "route -n")
        dnb.stop(nc, timeout=1)
        dnb.rm(nc)
    finally:
        dnb.cleanup()


if __name__ == "__main__":
    worksheet()
