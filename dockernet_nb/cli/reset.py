"""`dockernet-nb reset LESSON ...`: put the course's version of a lesson back; keep the learner's as a dated backup."""

from __future__ import annotations

import argparse
from pathlib import Path


def add(commands) -> None:
    parser = commands.add_parser(
        "reset",
        help="put the course's version of a lesson back in the workspace; yours is kept beside it as a dated backup",
    )
    parser.add_argument("lessons", nargs="*", metavar="LESSON", help="a lesson: 01, 01-bridge-networks, bridge-networks ...")
    parser.add_argument("--all", action="store_true", help="every lesson")
    parser.add_argument("--dir", metavar="DIR", help="the workspace folder (default: ~/dockernet-nb, or DOCKERNET_NB_WORKSPACE)")


def run(args: argparse.Namespace) -> int:
    from dockernet_nb import workspace as ws

    folder = Path(args.dir).expanduser() if args.dir else ws.default_workspace()
    names = list(ws.shipped_lessons()) if args.all else args.lessons
    if not names:
        print("Name the lesson(s) to reset, or --all. The lessons: "
              + ", ".join(n.removesuffix(".ipynb") for n in ws.shipped_lessons()))
        return 2
    for name in names:
        result = ws.reset(folder, name)
        if result.backup is not None:
            print(f"{result.lesson}: the course's version is back; yours is now {result.backup.name}")
        else:
            print(f"{result.lesson}: the course's version is back (there was nothing of yours to keep)")
    return 0
