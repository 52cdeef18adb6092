"""Classroom speed and capacity on this machine (run by hand, never as a timed test).

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_classroom.py [--learners 3] [--json out.json]

With a class of N learners and N warm engines:

1. login to a running kernel: from asking for a learner's server (what logging in does) to a kernel
   in their notebook server that has answered, each learner one after another (engines already warm);
2. lesson 01 (with its answers) by one learner alone, then by all N at once: each one's time and the
   ratio to the lone run;
3. what one learner costs while lesson 01 runs: peak memory of their engine (with every container in
   it) and of their notebook server, and the CPU seconds both used, read from the host's cgroups;
   and from those, how many learners fit on this machine.

Everything the class made is removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dockernet_nb.classroom.hub import Hub, remove_class  # noqa: E402
from dockernet_nb.classroom.prepare import new_class, prepare_machine  # noqa: E402
from dockernet_nb.classroom.remote import RemoteKernel  # noqa: E402
from dockernet_nb.engine.spawn.transfer import CORE_IMAGES  # noqa: E402
from tests.classroom.conftest import free_port  # noqa: E402
from tests.classroom.test_three_learners import first_line, lesson_with_answers  # noqa: E402

CGROUP = Path("/sys/fs/cgroup")


def wait_pool(hub: Hub, count: int, timeout: float = 900) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if hub.log_path.read_text(errors="replace").count("dockernet-nb pool] engine ") >= count:
            return time.monotonic() - started
        time.sleep(1)
    raise TimeoutError("the pool did not fill")


async def login_to_kernel(hub: Hub, name: str) -> float:
    started = time.monotonic()
    await asyncio.to_thread(hub.spawn, name)
    await asyncio.to_thread(hub.wait_ready, name)
    token = await asyncio.to_thread(hub.token_for, name)
    kernel = await RemoteKernel(hub.server_url(name), token).start("notebooks/01-bridge-networks.ipynb")
    seconds = time.monotonic() - started
    await kernel.close()
    hub.tokens[name] = token  # type: ignore[attr-defined]
    return seconds


async def lesson(hub: Hub, name: str) -> float:
    notebook, inserted = lesson_with_answers()
    kernel = await RemoteKernel(hub.server_url(name), hub.tokens[name]).start("notebooks/01-bridge-networks.ipynb")  # type: ignore[attr-defined]
    started = time.monotonic()
    import nbformat

    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.from_dict(o) for o in await kernel.execute(cell.source)]
    seconds = time.monotonic() - started
    await kernel.close()
    verdicts = [first_line(notebook.cells[i]) for i in inserted]
    assert all(v.startswith("Correct") for v in verdicts), verdicts
    return seconds


def container_ids(hub: Hub, name: str) -> list[str]:
    import docker

    host = docker.from_env()
    server = host.containers.get(f"{hub.settings.container_prefix}-{name}")
    engine = server.attrs["HostConfig"]["NetworkMode"].split(":", 1)[1]
    return [server.id, host.containers.get(engine).id]


def read_int(path: Path) -> int:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


class Sampler(threading.Thread):
    """Peak memory (cgroup v1 memory.usage_in_bytes, page cache included) of each container, every 0.2 s."""

    def __init__(self, ids: list[str]) -> None:
        super().__init__(daemon=True)
        self.ids = ids
        self.peak = dict.fromkeys(ids, 0)
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for cid in self.ids:
                self.peak[cid] = max(self.peak[cid], read_int(CGROUP / "memory" / "docker" / cid / "memory.usage_in_bytes"))
            time.sleep(0.2)


def cpu_seconds(cid: str) -> float:
    return read_int(CGROUP / "cpuacct" / "docker" / cid / "cpuacct.usage") / 1e9


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=3)
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    names = [f"l{i}" for i in range(1, args.learners + 1)]
    prepare_machine(images=CORE_IMAGES, say=lambda m: print(m, file=sys.stderr))
    settings, _ = new_class(
        f"b{secrets.token_hex(3)}", names, instructors=["ida"], pool_size=args.learners,
        proxy_port=free_port(), proxy_api_port=free_port(), progress_port=free_port(), hub_port=free_port(), default_url="/lab",
    )
    hub = Hub(settings)
    hub.tokens = {}  # type: ignore[attr-defined]
    figures: dict[str, Any] = {"learners": args.learners, "load_average_at_start": os.getloadavg()}
    try:
        hub.start()
        figures["pool_filled_s"] = round(wait_pool(hub, args.learners), 1)
        logins = [asyncio.run(login_to_kernel(hub, name)) for name in names]
        figures["login_to_kernel_s"] = [round(s, 1) for s in logins]
        figures["login_to_kernel_median_s"] = round(statistics.median(logins), 1)

        ids = container_ids(hub, names[0])
        sampler = Sampler(ids)
        sampler.start()
        cpu_before = sum(cpu_seconds(c) for c in ids)
        alone = asyncio.run(lesson(hub, names[0]))
        sampler.stop.set()
        sampler.join()
        figures["lesson01_alone_s"] = round(alone, 1)
        figures["lesson01_cpu_s_per_learner"] = round(sum(cpu_seconds(c) for c in ids) - cpu_before, 1)
        figures["peak_memory_mb"] = {"server": round(sampler.peak[ids[0]] / 2**20), "engine": round(sampler.peak[ids[1]] / 2**20)}

        async def together() -> list[float]:
            return list(await asyncio.gather(*(lesson(hub, name) for name in names)))

        at_once = asyncio.run(together())
        figures["lesson01_at_once_s"] = [round(s, 1) for s in at_once]
        figures["at_once_over_alone"] = round(max(at_once) / alone, 2)
        per_learner = sum(figures["peak_memory_mb"].values())
        figures["learners_fitting_memory_24GiB"] = int(0.9 * 24 * 1024 // max(per_learner, 1))
        # Two cores: N learners running the lesson at once each take about N*cpu/2 s of CPU time;
        # within 2x of the lone run while N*cpu/2 <= 2*alone.
        figures["learners_within_2x_by_cpu"] = int(4 * alone // max(figures["lesson01_cpu_s_per_learner"], 0.1))
        figures["load_average_at_end"] = os.getloadavg()
    finally:
        hub.stop()
        remove_class(settings)
    print(json.dumps(figures, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
