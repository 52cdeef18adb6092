"""Getting a local engine on a fresh Debian machine: install docker.io with apt, start dockerd if nothing else does.

Only ever acts when no engine answers, and asks again after every step that could have started one:
on a machine with systemd, installing ``docker.io`` starts ``docker.service`` (or a socket-activated
one that starts on the first connection), and a second dockerd beside it would fight it for
``/var/run/docker.sock``. It never restarts or reconfigures a running engine. The dockerd it starts
itself is remembered with its process start time and executable, so ``dockernet-nb engine --stop``
stops that process and nothing else, even when the pid file outlived it and the pid was reused.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dockernet_nb.engine import apt
from dockernet_nb.engine.connection import answers, how_to_get_an_engine, reset_client

__all__ = ["ensure_engine", "stop_started_engine", "Installer", "PID_FILE", "running_as_root"]

PID_FILE = Path(os.environ.get("DOCKERNET_NB_DOCKERD_PIDFILE", "/run/dockernet-nb-dockerd.pid"))
LOG_FILE = Path(os.environ.get("DOCKERNET_NB_DOCKERD_LOG", "/var/log/dockernet-nb-dockerd.log"))
START_TIMEOUT = 60
AFTER_INSTALL_WAIT = 20  # how long an engine the package started (or socket activation) gets to answer
DEFAULT_SOCKETS = ("", "unix:///var/run/docker.sock", "unix:///run/docker.sock")

Say = Callable[[str], None]


def running_as_root() -> bool:
    """True for root on Linux/macOS; False on Windows, which has no geteuid."""
    geteuid = getattr(os, "geteuid", None)
    return geteuid is not None and geteuid() == 0


def _debian_family() -> bool:
    try:
        text = Path("/etc/os-release").read_text()
    except OSError:
        return False
    return "debian" in text.lower() and shutil.which("apt-get") is not None


@dataclass
class Installer:
    """What the engine step installs; a test puts a package that starts an engine of its own here."""

    packages: tuple[str, ...] = ("docker.io", "iptables")

    def missing(self) -> bool:
        return shutil.which("dockerd") is None or shutil.which("iptables") is None

    def install(self, say: Say) -> None:
        apt.install(self.packages, start_services=True, say=say)


def _wait_for_an_engine(seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if answers(timeout=3):
            return True
        time.sleep(0.5)
    return False


def _engine_found(say: Say, why: str) -> int:
    from dockernet_nb.engine.connection import engine_version

    reset_client()
    where = os.environ.get("DOCKER_HOST") or "the local socket"
    say(f"A Docker engine ({engine_version()}) {why} at {where}: nothing to start.")
    return 0


def ensure_engine(say: Say = print, *, installer: Installer | None = None) -> int:
    """Make sure an engine answers; return a process exit code (0 = an engine answers)."""
    installer = installer or Installer()
    # Generous first probe: a socket-activated engine starts on this very connection.
    if answers(timeout=5):
        return _engine_found(say, "already answers")
    host = os.environ.get("DOCKER_HOST", "")
    local = not host or host.startswith("unix://")
    if sys.platform != "linux" or not running_as_root() or not _debian_family() or not local:
        say(how_to_get_an_engine())
        return 1
    if installer.missing():
        say(f"No engine answers and dockerd is not installed: installing Debian's {' and '.join(installer.packages)} ...")
        installer.install(say)
        say("Installed. Waiting for an engine the package may have started ...")
        if _wait_for_an_engine(AFTER_INSTALL_WAIT):
            return _engine_found(say, "answers, started by the package")
    if host not in DEFAULT_SOCKETS:
        say(f"No engine answers at {host}, and the course starts dockerd only on the default socket.\n" + how_to_get_an_engine())
        return 1
    return _start_dockerd(say)


def _process_start(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[19]
    except (OSError, IndexError):
        return None


def _executable(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return ""


def _start_dockerd(say: Say) -> int:
    say(f"Starting dockerd in the background (log: {LOG_FILE}) ...")
    LOG_FILE.parent.mkdir(parents=True, exist_ok=True)
    with open(LOG_FILE, "ab") as log:
        process = subprocess.Popen(
            ["dockerd"], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    record = {"pid": process.pid, "start": _process_start(process.pid), "exe": _executable(process.pid)}
    PID_FILE.write_text(json.dumps(record))
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            say(f"dockerd exited with code {process.returncode}; the end of {LOG_FILE} says why.")
            PID_FILE.unlink(missing_ok=True)
            return 1
        if answers(timeout=1):
            reset_client()
            waited = START_TIMEOUT - (deadline - time.monotonic())
            say(f"dockerd (pid {process.pid}) answers after {waited:.1f} s. Stop it with `dockernet-nb engine --stop`.")
            return 0
        time.sleep(0.3)
    say(f"dockerd did not answer within {START_TIMEOUT} s; see {LOG_FILE}.")
    return 1


def _started_dockerd() -> tuple[int | None, str]:
    """(pid, why) of the dockerd this step started, if that very process still runs."""
    try:
        record = json.loads(PID_FILE.read_text())
        pid, start, exe = int(record["pid"]), str(record["start"]), str(record["exe"])
    except (OSError, ValueError, KeyError, TypeError):
        return None, f"{PID_FILE} does not name a dockerd this command started"
    if _process_start(pid) != start:
        return None, f"the dockerd dockernet-nb started (pid {pid}) is gone"
    if os.path.basename(_executable(pid)) != "dockerd" or _executable(pid) != exe:
        return None, f"pid {pid} now belongs to another program ({_executable(pid) or 'unknown'})"
    return pid, ""


def stop_started_engine(say: Say = print) -> int:
    """Stop the dockerd that :func:`ensure_engine` started, if it still runs; leave every other process alone."""
    if not PID_FILE.exists():
        say("dockernet-nb started no dockerd here: nothing to stop.")
        return 0
    pid, why = _started_dockerd()
    if pid is None:
        PID_FILE.unlink(missing_ok=True)
        say(f"Nothing to stop: {why}. No process was signalled.")
        return 0
    os.kill(pid, signal.SIGTERM)
    for _ in range(150):
        if _started_dockerd()[0] is None:
            break
        time.sleep(0.2)
    else:
        if _started_dockerd()[0] == pid:
            os.kill(pid, signal.SIGKILL)
    PID_FILE.unlink(missing_ok=True)
    reset_client()
    say(f"Stopped the dockerd dockernet-nb started (pid {pid}).")
    return 0
