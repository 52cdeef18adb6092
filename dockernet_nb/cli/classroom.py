"""`dockernet-nb classroom ...`: a JupyterHub with an engine of its own for every learner (see dockernet_nb.classroom).

The classroom is Linux-only; its argument parser needs only the standard library, and the rest is
imported when a class step runs.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add", "run"]


def add(commands: Any) -> None:
    from dockernet_nb.classroom.command import add as add_classroom

    add_classroom(commands)


def run(args: argparse.Namespace) -> int:
    from dockernet_nb.classroom.command import run as run_classroom

    return run_classroom(args)
