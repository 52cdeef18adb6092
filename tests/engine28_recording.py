"""The Engine 28 recording of every lesson, started in the background as soon as pytest has collected.

`dockernet-nb record --local-engine` runs every lesson twice on a local Engine 28 (about 10 minutes on
the project's 2-core machines). That engine lives in network and mount namespaces of its own, so the
recording touches nothing the other tests look at (the host engine's containers, networks and
iptables): it can run while they do, and tests/integration/test_notebooks_engine28.py only waits for
it. Under CPU contention both go slower, which the lessons must bear anyway (they wait for paths
instead of hoping). ``DOCKERNET_NB_ENGINE28_FOREGROUND=1`` records when the test starts instead.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.notebook_runs import REPO, environment, lessons

TEST_FILE = "tests/integration/test_notebooks_engine28.py"


class Recording:
    """One `record --local-engine` run of every lesson into a scratch folder of recordings."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="dockernet-nb-engine28-"))
        self.recordings = self.folder / "recordings"
        self.recordings.mkdir()
        scratch = self.folder / "notebooks"
        scratch.mkdir()
        self.copies = [str(shutil.copy(path, scratch)) for path in lessons()]
        self.log = self.folder / "record.log"
        self.process: subprocess.Popen | None = None
        self.started = 0.0

    def start(self) -> None:
        command = [sys.executable, "-m", "dockernet_nb.cli", "record", "--local-engine", "--engine-name", "ci28",
                   "--no-save-notebooks", *self.copies]  # fmt: skip
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command, cwd=REPO, env=environment(DOCKERNET_NB_RECORDINGS=str(self.recordings)),
                stdout=log, stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip
        self.started = time.monotonic()

    def wait(self, timeout: float = 2400) -> tuple[int, str, float]:
        """(exit code, what it printed, seconds since it started) once it has finished."""
        if self.process is None:
            self.start()
        assert self.process is not None
        code = self.process.wait(timeout=timeout)
        return code, self.log.read_text(errors="replace"), time.monotonic() - self.started

    def stop(self) -> None:
        """End the recording if it still runs (the run was cut short): Ctrl-C, so it stops its own engine."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_current: Recording | None = None


def start_if_collected(items) -> None:
    """Start the recording now when the Engine 28 notebook test is among the collected tests."""
    global _current
    if _current is not None or os.environ.get("DOCKERNET_NB_ENGINE28_FOREGROUND") == "1":
        return
    if not any(item.nodeid.startswith(TEST_FILE) for item in items):
        return
    from dockernet_nb.engine.spawn import forky

    if forky.why_not_here():
        return  # the test skips itself and says why
    _current = Recording()
    _current.start()


def current() -> Recording:
    """The recording started at collection, or a new one (started when first waited for)."""
    global _current
    if _current is None:
        _current = Recording()
    return _current


def stop() -> None:
    global _current
    if _current is not None:
        _current.stop()
        _current = None
