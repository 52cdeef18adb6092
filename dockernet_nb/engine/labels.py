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

from dockernet_nb.errors import InvalidInput

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

SESSION_HEX = 8  # 32 bits, and start_lesson draws again if the engine already holds one: no two kernels share one

_state = {"session": secrets.token_hex(SESSION_HEX // 2), "lesson": os.environ.get("DOCKERNET_NB_LESSON", "dnb")}


def session_id() -> str:
    """The id of this Python process's course session (8 hex digits)."""
    return _state["session"]


def new_session() -> str:
    """Draw a fresh session id (when the one drawn is already on the engine)."""
    _state["session"] = secrets.token_hex(SESSION_HEX // 2)
    return _state["session"]


def adopt_session(session: str) -> None:
    """Take over a session id (replay mode acts as the session it replays)."""
    _state["session"] = session


def lesson() -> str:
    return _state["lesson"]


def set_lesson(name: str) -> None:
    if not isinstance(name, str) or not _VALID_NAME.match(name):
        raise InvalidInput(f"The lesson name {name!r} must be letters, digits, '.', '_' or '-', like 'bridge'.")
    _state["lesson"] = name


def prefix() -> str:
    return f"{lesson()}-{session_id()}-"


def docker_name(name: str) -> str:
    """The engine-side name for a learner-facing ``name``: ``redis`` -> ``bridge-3f2a-redis``."""
    return prefix() + name


def short_name(docker_name_: str, labels: dict[str, str] | None = None) -> str:
    """The learner-facing name of a course object: its name label, else the Docker name without this
    session's prefix (Compose names a project's containers ``<project>-<service>-<n>`` itself)."""
    if labels and labels.get(NAME):
        return labels[NAME]
    own = prefix()
    return docker_name_[len(own):] if docker_name_.startswith(own) and len(docker_name_) > len(own) else docker_name_


def _process_start(pid: int) -> str | None:
    """The kernel's start time of a process (Linux), or None when it is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else fields[19]


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


def _pid_namespace() -> str:
    """Which machine (boot id) and which pid namespace (its inode) this process's pids belong to."""
    try:
        namespace = os.readlink("/proc/self/ns/pid").removeprefix("pid:[").rstrip("]")
    except OSError:
        namespace = ""
    boot = _read("/proc/sys/kernel/random/boot_id").replace("-", "")[:12]
    return f"{boot or socket.gethostname()}/{namespace or 'nons'}"


def owner() -> str:
    """``<boot id>/<pid namespace>:pid:start`` of this process.

    A pid means something only inside its pid namespace on one boot of one machine; the start time
    tells a reused pid from the original one. Another notebook server on the same engine, in another
    container, sees a different namespace and so never judges this kernel dead.
    """
    pid = os.getpid()
    return f"{_pid_namespace()}:{pid}:{_process_start(pid) or ''}"


def labels_for(name: str) -> dict[str, str]:
    """The labels every course container and network carries."""
    return {COURSE: "1", SESSION: session_id(), LESSON: lesson(), NAME: name, OWNER: owner()}


def is_course(labels: dict[str, str] | None) -> bool:
    return labels is not None and labels.get(COURSE) == "1"


def owner_alive(labels: dict[str, str]) -> bool:
    """Whether the kernel that created an object still runs.

    Only decidable for objects made on this host; anything else counts as alive, so it is never
    removed as stale by mistake.
    """
    where, pid, start = [*labels.get(OWNER, "").split(":"), "", "", ""][:3]
    if where != _pid_namespace() or not pid.isdigit():
        return True  # another machine or pid namespace (or an old label): not ours to judge
    if os.path.isdir("/proc/self"):
        now = _process_start(int(pid))
        return now is not None and (not start or now == start)
    if os.name != "posix":
        return True  # Windows: os.kill(pid, 0) would send a console event, not probe; never judge dead
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def valid_name(name: object) -> bool:
    return isinstance(name, str) and bool(_VALID_NAME.match(name))
