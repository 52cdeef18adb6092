"""`dockernet-nb doctor`: the engine, the mode the lessons will run in, the images, and what differs here.

What kind of engine answers decides what some lessons show. :mod:`dockernet_nb.engine.kind` reads the
engine's ``docker info`` (and DOCKER_HOST) as plain data: Docker Desktop (its ``OperatingSystem`` says
so), rootless (``SecurityOptions`` holds ``name=rootless``), remote (DOCKER_HOST is ``tcp://`` or
``ssh://``). :data:`LESSON_NOTES` says, for each kind, which lessons behave differently and how; any
lesson with a ``net="host"`` cell is added on Desktop and remote engines, found by reading the lessons.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["KINDS", "kinds", "LESSON_NOTES", "lesson_notes", "lessons_with_host_network", "add", "run"]

KINDS = ("desktop", "rootless", "remote")


def kinds(kind: Any) -> list[str]:
    """The kinds an engine is (see :class:`dockernet_nb.engine.kind.EngineKind`): 'desktop', 'rootless', 'remote'."""
    return [name for name in KINDS if kind is not None and getattr(kind, name, False)]


def describe(kind: Any, docker_host: str) -> str:
    """One line on where the engine runs, as far as the lessons care."""
    words = []
    if kind.desktop:
        words.append("Docker Desktop (the engine runs in its own Linux VM)")
    if kind.rootless:
        words.append("rootless (the engine runs as a user, inside RootlessKit's namespaces)")
    if kind.remote:
        words.append(f"remote (DOCKER_HOST={docker_host}: containers run on that host, not this machine)")
    return "; ".join(words) or "a local engine on this machine (as the lessons describe)"


# (kind, lesson, what differs there). Kinds: see KINDS.
LESSON_NOTES: tuple[tuple[str, str, str], ...] = (
    ("desktop", "06-routing-daemon",
     "the KVM check cannot look inside Docker Desktop's VM, so its rows say 'not checked'"),
    ("desktop", "07-where-a-published-port-goes",
     "the host's iptables rules and docker-proxy processes shown are those of Docker Desktop's Linux VM, "
     "not this laptop's; ports still reach you through Desktop's own forwarding"),
    ("remote", "06-routing-daemon",
     "the KVM check is about the engine's host and cannot run from here, so its rows say 'not checked'"),
    ("remote", "07-where-a-published-port-goes",
     "the host's iptables rules and docker-proxy processes shown are those of the engine's host, not this machine's"),
    ("rootless", "03-publishing-ports",
     "published ports go through rootlesskit's port driver: the server may log another client address than "
     "the lesson's 172.17.0.1"),
    ("rootless", "07-where-a-published-port-goes",
     "the engine's NAT rules live in rootlesskit's network namespace, not the host's: the iptables and "
     "docker-proxy views differ from the lesson's"),
)

HOST_NETWORK_NOTE = {
    "desktop": 'its net="host" cells show the network of Docker Desktop\'s VM, not this laptop\'s',
    "remote": 'its net="host" cells show the network of the engine\'s host, not this machine\'s',
}

_HOST_NETWORK = re.compile(r"""\bnet\s*=\s*["']host["']""")


def lessons_with_host_network(lessons: dict[str, Path]) -> list[str]:
    """Stems of the lessons with a code cell that uses ``net="host"``."""
    found = []
    for name, path in lessons.items():
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError, AttributeError):
            continue
        code = "\n".join("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
        if _HOST_NETWORK.search(code):
            found.append(name.removesuffix(".ipynb"))
    return found


def lesson_notes(kind: Any, mode: str, host_network_lessons: Sequence[str] = ()) -> list[tuple[str, str]]:
    """(lesson, what differs) for an engine of this ``kind`` (None: no engine) with the lessons in ``mode``."""
    if mode == "replay":
        return [("every lesson", "replays the answers of a recorded live run: read, re-run and plot them; a command "
                 "the recording never made raises NotRecorded")]
    notes = [(lesson, text) for k, lesson, text in LESSON_NOTES if k in kinds(kind)]
    for k in kinds(kind):
        if k in HOST_NETWORK_NOTE:
            notes += [(lesson, HOST_NETWORK_NOTE[k]) for lesson in host_network_lessons]
    return notes


def add(commands) -> None:
    commands.add_parser(
        "doctor", help="the engine and its kind, the mode the lessons run in, the images, and what differs here"
    )


def _forced_mode() -> str:
    return os.environ.get("DOCKERNET_NB_MODE", "").strip().lower()


def _recordings_line() -> str:
    from dockernet_nb.replay import recordings_dir

    folder = recordings_dir()
    dates, engines, count = set(), set(), 0
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        count += 1
        dates.add(str(data.get("recorded_at")))
        engines.add(str(data.get("engine_version")))
    if not count:
        return f"no recordings in {folder}: replay mode cannot answer"
    return f"{count} lessons recorded live on {', '.join(sorted(dates))} with Docker engine {', '.join(sorted(engines))}"


def _workspace_line() -> str:
    from dockernet_nb import workspace

    folder = workspace.default_workspace()
    try:
        report = workspace.sync(folder, dry_run=True)
    except Exception as e:  # a broken workspace must not stop the doctor
        return f"{folder}: {e}"
    if report.same_folder:
        return f"{folder} (the course's own lesson folder)"
    if not folder.exists():
        return f"{folder} (not made yet: `dockernet-nb lab` copies the lessons there)"
    counts = {status: len(report.names(status)) for status in (workspace.ADDED, workspace.UPDATED, workspace.LEFT_ALONE)}
    parts = [f"{len(report.lessons)} lessons"]
    if counts[workspace.LEFT_ALONE]:
        parts.append(f"{counts[workspace.LEFT_ALONE]} changed by you")
    waiting = counts[workspace.ADDED] + counts[workspace.UPDATED]
    if waiting:
        parts.append(f"{waiting} new or newer in the course (`dockernet-nb lab` copies them)")
    return f"{folder} ({'; '.join(parts)})"


def run(args: argparse.Namespace) -> int:
    from dockernet_nb import __version__, workspace
    from dockernet_nb.engine.connection import answers, client, engine_host, how_to_get_an_engine
    from dockernet_nb.engine.kind import classify

    print(f"dockernet-nb {__version__}, Python {sys.version.split()[0]} on {sys.platform}")
    docker_host = os.environ.get("DOCKER_HOST", "")
    where = docker_host or "the local socket"
    forced = _forced_mode()
    live = answers()
    problems = 0
    kind = None
    if live:
        info = client().info()
        kind = classify(client().version(), info, docker_host)
        print(f"engine:    Docker {kind.version} at {where} "
              f"({kind.operating_system or 'unknown OS'}, {info.get('OSType', '?')}/{info.get('Architecture', '?')})")
        print(f"kind:      {describe(kind, docker_host)}")
        print(f"ports:     published ports are reached at {engine_host()}")
    else:
        print(f"engine:    none answers at {where}")
    if forced:
        mode = forced
        why = f"DOCKERNET_NB_MODE={forced}"
    else:
        mode = "live" if live else "replay"
        why = "an engine answers" if live else "no engine answers"
    print(f"mode:      {mode} ({why})")
    if mode == "live" and not live:
        print("           live mode is forced but no engine answers: every lesson will stop at its first cell.")
        problems += 1
    if mode == "replay":
        print(f"recorded:  {_recordings_line()}")
    if live:
        from dockernet_nb.engine import images

        table = images.image_table()
        print("images:")
        shown = table[["name", "tag", "present", "size_mb"]].to_string(index=False)
        print("  " + shown.replace("\n", "\n  "))
        missing = table[~table.present]
        if len(missing):
            print(f"           missing: {', '.join(missing.name)}; `dockernet-nb images` makes them "
                  "(or `dockernet-nb lab`, which does it first).")
            problems += mode == "live"
    print(f"workspace: {_workspace_line()}")
    try:
        host_network = lessons_with_host_network(workspace.shipped_lessons())
    except Exception:
        host_network = []
    notes = lesson_notes(kind, mode, host_network)
    if notes:
        print("lessons that behave differently here:")
        for lesson, text in notes:
            print(f"  {lesson}: {text}")
    else:
        print("lessons:   every lesson runs here as written")
    if not live:
        print()
        print(how_to_get_an_engine())
    if problems:
        return 1
    print("everything the lessons need is here." if mode == "live" else "the lessons can run, in replay mode.")
    return 0
