"""The `dockernet-nb` command: lab | reset | engine | images | doctor | clean | record | progress | classroom.

One module per command, each with ``add(commands)`` (its parser and arguments) and ``run(args)`` (what
it does, returning a process exit code), which :func:`build_parser` makes the command's action.
Commands import what they need when they run, so `dockernet-nb --help` stays quick. ``python -m
dockernet_nb.cli`` is the same command.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["main", "build_parser", "no_engine"]

COMMANDS = ("lab", "reset", "engine", "images", "doctor", "clean", "record", "progress", "classroom")


def build_parser() -> argparse.ArgumentParser:
    import importlib

    from dockernet_nb import __version__

    parser = argparse.ArgumentParser(
        prog="dockernet-nb",
        description="The dockernet-nb course: open the lessons in JupyterLab, and set up and look after what they need.",
        epilog="Start with `dockernet-nb lab`: it copies the lessons into ~/dockernet-nb and opens JupyterLab there.",
    )
    parser.add_argument("--version", action="version", version=f"dockernet-nb {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"dockernet_nb.cli.{name}")
        module.add(commands)
        commands.choices[name].set_defaults(func=module.run)
    return parser


def no_engine() -> bool:
    """Whether no Docker engine answers; if none does, say how to get one (the command then exits 1)."""
    from dockernet_nb.engine.connection import answers, how_to_get_an_engine

    if answers():
        return False
    print(how_to_get_an_engine())
    return True


def main(argv: list[str] | None = None) -> int:
    from dockernet_nb.errors import DockernetError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DockernetError as e:
        print(f"dockernet-nb {args.command}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
