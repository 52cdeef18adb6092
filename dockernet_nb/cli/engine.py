"""`dockernet-nb engine [--stop]`: make sure a Docker engine answers; stop only the dockerd this started."""

from __future__ import annotations

import argparse


def add(commands) -> None:
    parser = commands.add_parser("engine", help="make sure a Docker engine answers (installs and starts one on Debian as root)")
    parser.add_argument("--stop", action="store_true", help="stop the dockerd this command started, and only that one")


def run(args: argparse.Namespace) -> int:
    from dockernet_nb.engine import provision

    if args.stop:
        return provision.stop_started_engine()
    code = provision.ensure_engine()
    if code:
        return code
    from dockernet_nb.engine.compose_cli import ensure_compose

    return ensure_compose()  # lesson 08 drives Docker Compose v2: make sure one is there
