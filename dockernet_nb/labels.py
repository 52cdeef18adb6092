"""Course labels, session ids and names: how the course knows what it made.

Every container and network the course creates carries the ``dockernet-nb`` label, the id of the
session (kernel) that made it, the lesson, and the learner-facing name. Docker names are prefixed with
``<lesson>-<session>-`` so two kernels (or a learner's own ``redis``) never collide; inside a network the
container is still reachable by the short name, through a network alias.
"""

from __future__ import annotations

import os
import re
import secrets
import socket

__all__ = [
    "COURSE",
    "SESSION",
    "LESSON",
    "NAME",
    "OWNER",
    "session_id",
    "lesson",
    "set_lesson",
    "docker_name",
    "labels_for",
    "is_course",
    "owner_alive",
    "BUILTIN_NETWORKS",
]

COURSE = "dockernet-nb"
SESSION = "dockernet-nb.session"
LESSON = "dockernet-nb.lesson"
NAME = "dockernet-nb.name"
OWNER = "dockernet-nb.owner"

BUILTIN_NETWORKS = frozenset({"bridge", "host", "none"})

_VALID_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")

_state = {"session": secrets.token_hex(2), "lesson": os.environ.get("DOCKERNET_NB_LESSON", "dnb")}


def session_id() -> str:
    """The id of this Python process's course session (4 hex digits)."""
    return _state["session"]


def adopt_session(session: str) -> None:
    """Take over a session id (replay mode acts as the session it replays)."""
    _state["session"] = session


def lesson() -> str:
    return _state["lesson"]


def set_lesson(name: str) -> None:
    if not _VALID_NAME.match(name):
        raise ValueError(f"lesson name {name!r} must be letters, digits, '.', '_' or '-'")
    _state["lesson"] = name


def prefix() -> str:
    return f"{lesson()}-{session_id()}-"


def docker_name(name: str) -> str:
    """The engine-side name for a learner-facing ``name``: ``redis`` -> ``bridge-3f2a-redis``."""
    return prefix() + name


def short_name(docker_name_: str, labels: dict[str, str] | None = None) -> str:
    """The learner-facing name of a course object (falls back to the Docker name)."""
    if labels and labels.get(NAME):
        return labels[NAME]
    return docker_name_


def _process_start(pid: int) -> str | None:
    """The kernel's start time of a process (Linux), or None when it is gone or a zombie."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else fields[19]


def owner() -> str:
    """host:pid:start of this process; the start time tells a reused pid from the original one."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_process_start(pid) or ''}"


def labels_for(name: str) -> dict[str, str]:
    """The labels every course container and network carries."""
    return {COURSE: "1", SESSION: session_id(), LESSON: lesson(), NAME: name, OWNER: owner()}


def is_course(labels: dict[str, str] | None) -> bool:
    return bool(labels) and labels.get(COURSE) == "1"


def owner_alive(labels: dict[str, str]) -> bool:
    """Whether the kernel that created an object still runs.

    Only decidable for objects made on this host; anything else counts as alive, so it is never
    removed as stale by mistake.
    """
    host, pid, start = (labels.get(OWNER, "").split(":") + ["", "", ""])[:3]
    if host != socket.gethostname() or not pid.isdigit():
        return True
    if os.path.isdir("/proc/self"):
        now = _process_start(int(pid))
        return now is not None and (not start or now == start)
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def valid_name(name: str) -> bool:
    return bool(_VALID_NAME.match(name))
