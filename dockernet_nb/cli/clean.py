"""`dockernet-nb clean [--all] [--dry-run]`: remove what dead kernels left behind, and only labelled things.

First the multi-host lesson's engine nodes (:func:`dockernet_nb.engine.spawn.nodes.remove_stale_nodes`),
whole, then the other course objects, then (with ``--all``) the engines the course started.
"""

from __future__ import annotations

import argparse


def add(commands) -> None:
    parser = commands.add_parser("clean", help="remove what dead kernels left behind (--all: every course object and engine)")
    parser.add_argument(
        "--all", action="store_true",
        help="every course container and network, running kernels' too, and the engines the course started (with their volumes)",
    )
    parser.add_argument("--dry-run", action="store_true", help="list, remove nothing")


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from dockernet_nb.cli import no_engine
    from dockernet_nb.engine.sweep import course_objects, host_rule_objects, remove_objects

    if no_engine():
        return 1
    _nodes(args)
    scope = "all" if args.all else "stale"
    # The course's containers and networks, and the rules it added to the host's firewall (lesson 12).
    objects = pd.concat([course_objects(scope), host_rule_objects(scope)], ignore_index=True)
    what = "course object(s)" if args.all else "course object(s) left by kernels that no longer run"
    if objects.empty:
        print(f"No {what}: nothing to remove.")
    else:
        print(objects.to_string(index=False))
        if args.dry_run:
            print(f"--dry-run: would remove these {len(objects)} {what}.")
        else:
            remove_objects(objects)
            print(f"Removed {len(objects)} {what}. Nothing without the course label was touched.")
    _engines(args)
    return 0


def _nodes(args: argparse.Namespace) -> None:
    """The multi-host lesson's engine nodes that kernels which no longer run left behind (every one with --all),
    whole: container, volume (everything the node's engine held) and cgroups."""
    try:
        from dockernet_nb.engine.spawn.nodes import remove_nodes
    except ImportError:  # a system that starts no nodes (Windows) has none to remove
        return
    rows = remove_nodes(stale=not args.all, everything=args.all, dry_run=args.dry_run)
    if rows:
        names = ", ".join(f"{row['name']} ({row['lesson']}-{row['session']})" for row in rows)
        done = "--dry-run: would remove" if args.dry_run else "Removed"
        print(f"{done} {len(rows)} engine node(s) of the multi-host lesson, with their volumes: {names}.")


def _engines(args: argparse.Namespace) -> None:
    """The engines the course started itself (docker-in-docker and local Engine 28s), with their volumes."""
    from dockernet_nb.engine.spawn import cleanup

    found = cleanup.list_engines() + cleanup.list_local_engines()
    if not found:
        return
    names = ", ".join(row["name"] for row in found)
    if not args.all:
        print(f"Course engines kept (tests, recordings, classes start them; `clean --all` removes them): {names}.")
        return
    if args.dry_run:
        print(f"--dry-run: would remove these course engines and their volumes: {names}.")
        return
    removed = cleanup.remove_all()
    count = sum(len(rows) for rows in removed.values())
    print(f"Removed {count} course engine part(s) (containers, volumes, local engines, their network): {names}.")
