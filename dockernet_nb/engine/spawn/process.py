"""Knowing a process is the one we started before sending it a signal.

A pid alone is not an identity: after a crash or a reboot the number may belong to a learner's
editor. The course records, for each process it starts, the pid *and* the kernel's start time
(``/proc/PID/stat`` field 22, in clock ticks since boot), and checks both, plus the program name and
the namespace it must live in, before every signal.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import time
from pathlib import Path

__all__ = ["ProcessId", "command_name", "identify", "matches", "namespace_inode", "signal_verified", "start_time"]


@dataclasses.dataclass(frozen=True)
class ProcessId:
    """Who a process is: pid, start time, program name and (optionally) the namespaces it runs in."""

    pid: int
    start: str
    comm: str
    net_ns: int | None = None  # inode of /proc/PID/ns/net
    mnt_ns: int | None = None  # inode of /proc/PID/ns/mnt


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # comm (field 2) is in parentheses and may contain spaces or ')': split after the last ')'.
    return text.rpartition(")")[2].split()


def start_time(pid: int) -> str | None:
    """Field 22 of /proc/PID/stat; None when the process is gone or a zombie (it can no longer run)."""
    fields = _stat_fields(pid)
    if not fields or fields[0] == "Z":
        return None
    return fields[19]  # fields[0] is field 3 (state): field 22 is fields[19]


def command_name(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return None


def namespace_inode(pid: int | str, kind: str) -> int | None:
    """The inode of a process's namespace (``pid`` may be "self"), or of a bind-mounted one (a path)."""
    path = str(pid) if str(pid).startswith("/") else f"/proc/{pid}/ns/{kind}"
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def identify(pid: int) -> ProcessId | None:
    """Everything :func:`matches` checks, read now; None when the process is gone."""
    start = start_time(pid)
    comm = command_name(pid)
    if start is None or comm is None:
        return None
    return ProcessId(pid, start, comm, namespace_inode(pid, "net"), namespace_inode(pid, "mnt"))


def matches(expected: ProcessId) -> bool:
    """True only when pid, start time, program name and recorded namespaces are all still the same."""
    now = identify(expected.pid)
    if now is None or now.start != expected.start or now.comm != expected.comm:
        return False
    if expected.net_ns is not None and now.net_ns != expected.net_ns:
        return False
    return expected.mnt_ns is None or now.mnt_ns == expected.mnt_ns


def signal_verified(expected: ProcessId, *, timeout: float = 30, kill_after: bool = True) -> bool:
    """SIGTERM the process if it is still ``expected``, wait, then SIGKILL (re-checked first).

    Returns True when the process is gone afterwards, False when it was never ours to signal or
    outlived both signals.
    """
    if not matches(expected):
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(expected.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not matches(expected):
            return True
        time.sleep(0.1)
    if kill_after and matches(expected):
        with contextlib.suppress(ProcessLookupError):
            os.kill(expected.pid, signal.SIGKILL)
        for _ in range(50):
            if not matches(expected):
                return True
            time.sleep(0.1)
    return not matches(expected)
