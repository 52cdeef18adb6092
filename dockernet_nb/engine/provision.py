"""Getting a local engine on a fresh Debian machine: install docker.io with apt, start dockerd.

Only ever acts when no engine answers. It never restarts or reconfigures a running engine, and it
remembers the dockerd it started (a pid file) so that ``dockernet-nb engine --stop`` stops that one
and nothing else.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from dockernet_nb.engine.connection import answers, how_to_get_an_engine, reset_client

__all__ = ["ensure_engine", "stop_started_engine", "PID_FILE"]

PID_FILE = Path(os.environ.get("DOCKERNET_NB_DOCKERD_PIDFILE", "/run/dockernet-nb-dockerd.pid"))
LOG_FILE = Path(os.environ.get("DOCKERNET_NB_DOCKERD_LOG", "/var/log/dockernet-nb-dockerd.log"))
START_TIMEOUT = 60


def _debian_family() -> bool:
    try:
        text = Path("/etc/os-release").read_text()
    except OSError:
        return False
    return "debian" in text.lower() and shutil.which("apt-get") is not None


def _local_socket() -> bool:
    host = os.environ.get("DOCKER_HOST", "")
    return host in ("", "unix:///var/run/docker.sock", "unix:///run/docker.sock")


def ensure_engine(say: Callable[[str], None] = print) -> int:
    """Make sure an engine answers; return a process exit code (0 = an engine answers)."""
    if answers():
        from dockernet_nb.engine.connection import engine_version

        where = os.environ.get("DOCKER_HOST") or "the local socket"
        say(f"A Docker engine ({engine_version()}) already answers at {where}: nothing to do.")
        return 0
    if os.geteuid() != 0 or not _debian_family() or not _local_socket():
        say(how_to_get_an_engine())
        return 1
    if shutil.which("dockerd") is None or shutil.which("iptables") is None:
        say("No engine answers and dockerd is not installed: installing Debian's docker.io and iptables ...")
        subprocess.run(["apt-get", "update", "-q"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "docker.io", "iptables"],
            check=True,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        say("Installed docker.io and iptables.")
    say(f"Starting dockerd in the background (log: {LOG_FILE}) ...")
    LOG_FILE.parent.mkdir(parents=True, exist_ok=True)
    with open(LOG_FILE, "ab") as log:
        process = subprocess.Popen(
            ["dockerd"], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    PID_FILE.write_text(str(process.pid))
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


def stop_started_engine(say: Callable[[str], None] = print) -> int:
    """Stop the dockerd that ``ensure_engine`` started, if any; leave every other engine alone."""
    try:
        pid = int(PID_FILE.read_text().strip())
    except (OSError, ValueError):
        say("dockernet-nb started no dockerd here: nothing to stop.")
        return 0
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        say(f"The dockerd dockernet-nb started (pid {pid}) is already gone.")
        PID_FILE.unlink(missing_ok=True)
        return 0
    for _ in range(150):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        os.kill(pid, signal.SIGKILL)
    PID_FILE.unlink(missing_ok=True)
    reset_client()
    say(f"Stopped the dockerd dockernet-nb started (pid {pid}).")
    return 0
