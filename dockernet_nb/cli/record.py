"""`dockernet-nb record [NOTEBOOK ...]`: run notebooks live, record the engine's answers for replay mode."""

from __future__ import annotations

import argparse
import sys


def add(commands) -> None:
    parser = commands.add_parser("record", help="run notebooks live and record the engine's answers for replay mode")
    parser.add_argument("notebooks", nargs="*", help="notebook paths (default: notebooks/*.ipynb)")
    parser.add_argument(
        "--no-save-notebooks",
        dest="save_notebooks",
        action="store_false",
        help="do not store the fresh outputs in the notebooks (by default they are, so outputs and recordings match)",
    )
    parser.add_argument(
        "--local-engine",
        action="store_true",
        help="record on a local Engine 28 started for the purpose (Linux, root; built from Debian's testing suite)",
    )
    parser.add_argument("--engine-name", default="record", help="the local engine's name (two recordings at once need two)")


def _start_nodes(notebooks: list[str]) -> bool:
    """Whether any of these notebooks (all of notebooks/ when none is named) starts engine nodes."""
    import glob
    from pathlib import Path

    paths = notebooks or sorted(glob.glob("notebooks/*.ipynb"))
    return any("start_nodes(" in Path(path).read_text(encoding="utf-8") for path in paths if Path(path).exists())


def _record_on_local_engine(args: argparse.Namespace) -> int:
    """The same recording, run in the network namespace of a local Engine 28 (as a Linux learner's engine)."""
    from dockernet_nb.engine.images import CATALOG
    from dockernet_nb.engine.spawn import forky, local

    tree = forky.ensure_tree()
    engine = local.start_local_engine(args.engine_name, tree=tree.path)
    print(f"Recording on a local Docker Engine {engine.version} (its own network namespace, socket at the default path).")
    try:
        tags = [image.tag for image in CATALOG]
        if _start_nodes(args.notebooks) and forky.find_engine_image() is not None:
            tags.append(forky.ENGINE_TAG)  # the multi-host lesson starts its nodes from it, inside this engine
        copied = engine.load(tags)
        print(f"Course images in it: copied {len(copied.copied)}, already there {len(copied.skipped)}.")
        argv = [sys.executable, "-m", "dockernet_nb.cli", "record", *args.notebooks]
        argv += [] if args.save_notebooks else ["--no-save-notebooks"]
        return engine.run(argv, default_socket=True).returncode
    finally:
        print(local.stop_local_engine(args.engine_name))


def run(args: argparse.Namespace) -> int:
    import glob
    from pathlib import Path

    if args.local_engine:
        return _record_on_local_engine(args)

    from dockernet_nb.cli import no_engine
    from dockernet_nb.recorder import record_notebook

    if no_engine():
        return 1
    paths = args.notebooks or sorted(glob.glob("notebooks/*.ipynb"))
    if not paths:
        print("No notebooks given and none in ./notebooks: pass their paths.")
        return 1
    failed = 0
    for path in paths:
        try:
            record_notebook(Path(path), save=args.save_notebooks)
        except Exception as e:  # a failed cell (nbclient's error) or a solution that does not pass
            failed += 1
            print(f"{path}: nothing saved for it:\n{str(e)[:2000]}")
    return 1 if failed else 0
