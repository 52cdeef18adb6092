"""Long jobs that share nothing with the other tests, started in the background once pytest has collected.

- the Engine 28 recording of every lesson (`dockernet-nb record --local-engine`, about 10 minutes on the
  project's 2-core machines): that engine lives in network and mount namespaces of its own, so it
  touches nothing the other tests look at (the host engine's containers, networks and iptables);
- Binder's environment built from binder/ and every lesson replayed in it with no engine at all.

Each test file that needs one only waits for its result; run alone, it starts the job itself. Under
CPU contention both the jobs and the tests go slower, which the lessons must bear anyway (they wait for
paths instead of hoping). ``DOCKERNET_NB_NO_BACKGROUND=1`` runs each job when its test starts instead.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.notebook_runs import NO_ENGINE, REPO, SANITIZE, environment, lessons


class Job(threading.Thread):
    """One background job: ``work(job)`` runs in a thread; its result (or error) waits for the test."""

    def __init__(self, name: str, work: Callable[[Job], Any]) -> None:
        super().__init__(name=name, daemon=True)
        self.work = work
        self.folder = Path(tempfile.mkdtemp(prefix=f"dockernet-nb-{name}-"))
        self.processes: list[subprocess.Popen] = []
        self.result: Any = None
        self.error: BaseException | None = None
        self.seconds = 0.0
        self.stopping = False

    def run(self) -> None:
        started = time.monotonic()
        try:
            self.result = self.work(self)
        except BaseException as error:  # handed to the test that waits
            self.error = error
        finally:
            self.seconds = time.monotonic() - started

    def call(self, command: list[str], *, log: str, timeout: float, **options: Any) -> tuple[int, str]:
        """Run one command of the job (its output into ``log`` in the job's folder): (exit code, output)."""
        if self.stopping:
            raise RuntimeError(f"{self.name} was stopped")
        path = self.folder / log
        with path.open("w") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, text=True, **options)
            self.processes.append(process)
            try:
                code = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                raise
        return code, path.read_text(errors="replace")

    def outcome(self, timeout: float) -> Any:
        """The job's result once it has finished (started now if it was not); its error is raised here."""
        if not self.is_alive() and self.seconds == 0.0 and self.result is None and self.error is None:
            self.start()
        self.join(timeout=timeout)
        if self.is_alive():
            raise TimeoutError(f"{self.name} did not finish within {timeout:g} s")
        if self.error is not None:
            raise self.error
        return self.result

    def stop(self) -> None:
        """End what still runs (Ctrl-C first, so a recording stops its own engine), then drop the folder."""
        self.stopping = True
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=120)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if self.is_alive():
            self.join(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)


# --- the jobs ----------------------------------------------------------------------------------------


def record_engine28(job: Job) -> dict[str, Any]:
    """Every lesson recorded on a local Engine 28 into the job's folder: {"recordings", "code", "printed"}."""
    recordings, scratch = job.folder / "recordings", job.folder / "notebooks"
    recordings.mkdir()
    scratch.mkdir()
    copies = [str(shutil.copy(path, scratch)) for path in lessons()]
    code, printed = job.call(
        [sys.executable, "-m", "dockernet_nb.cli", "record", "--local-engine", "--engine-name", "ci28", "--no-save-notebooks", *copies],
        log="record.log", timeout=2400, cwd=REPO, env=environment(DOCKERNET_NB_RECORDINGS=str(recordings)),
    )  # fmt: skip
    return {"recordings": recordings, "code": code, "printed": printed}


def replay_in_binder(job: Job) -> dict[str, Any]:
    """Binder's environment made as repo2docker makes it (requirements.txt, then postBuild, which installs
    the package and copies its lessons into ``~/dockernet-nb``), then every copied lesson replayed there
    under nbval with DOCKER_HOST at a socket that does not exist: {"workspace", "code", "printed"}."""
    venv, home, source = job.folder / "venv", job.folder / "home", job.folder / "source"
    home.mkdir()
    steps = [
        ([sys.executable, "-m", "venv", str(venv)], {}),
        ([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r",
          str(REPO / "binder" / "requirements.txt")], {}),
    ]  # fmt: skip
    for number, (command, options) in enumerate(steps):
        code, printed = job.call(command, log=f"step{number}.log", timeout=1200, **options)
        if code:
            return {"workspace": None, "code": code, "printed": printed}
    # postBuild installs the package from the repository root; a copy keeps build files out of the repo.
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".venv", ".git", "*.egg-info", "build", "test-artifacts"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKERNET_NB_", "PYTEST_"))}
    code, printed = job.call(
        ["bash", str(REPO / "binder" / "postBuild")], log="postBuild.log", timeout=600, cwd=source,
        env={**env, "HOME": str(home), "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"},
    )  # fmt: skip
    if code:
        return {"workspace": None, "code": code, "printed": printed}
    workspace = home / "dockernet-nb"
    copies = sorted(str(p) for p in workspace.glob("*.ipynb"))
    code, printed = job.call(
        [str(venv / "bin" / "python"), "-m", "pytest", "--nbval", *copies, "--nbval-sanitize-with", str(SANITIZE),
         "-p", "no:cacheprovider", "-q", "-o", "addopts=", "--rootdir", str(workspace)],
        log="nbval.log", timeout=1800, cwd=workspace, env={**env, "HOME": str(home), "DOCKER_HOST": NO_ENGINE},
    )  # fmt: skip
    return {"workspace": workspace, "code": code, "printed": printed}


JOBS: dict[str, Callable[[Job], Any]] = {
    "tests/integration/test_notebooks_engine28.py": record_engine28,
    "tests/integration/test_replay_notebooks.py": replay_in_binder,
}
_started: dict[str, Job] = {}


def start_if_collected(items) -> None:
    """Start the job of each collected test file that has one (unless told not to)."""
    if os.environ.get("DOCKERNET_NB_NO_BACKGROUND") == "1":
        return
    collected = {item.nodeid.split("::")[0] for item in items}
    for test_file in JOBS:
        if test_file in collected and test_file not in _started:
            if test_file.endswith("engine28.py"):
                from dockernet_nb.engine.spawn import forky

                if forky.why_not_here():
                    continue  # the test skips itself and says why
            job(test_file).start()


def job(test_file: str) -> Job:
    """The job of ``test_file``: the one started at collection, or a new one (started when first waited for)."""
    if test_file not in _started:
        _started[test_file] = Job(Path(test_file).stem, JOBS[test_file])
    return _started[test_file]


def stop_all() -> None:
    for running in _started.values():
        running.stop()
    _started.clear()
