"""`dockernet-nb record [NOTEBOOK ...]`: run notebooks live, record the engine's answers for replay mode."""

from __future__ import annotations

import argparse


def add(commands) -> None:
    parser = commands.add_parser("record", help="run notebooks live and record the engine's answers for replay mode")
    parser.add_argument("notebooks", nargs="*", help="notebook paths (default: notebooks/*.ipynb)")
    parser.add_argument(
        "--no-save-notebooks",
        dest="save_notebooks",
        action="store_false",
        help="do not store the fresh outputs in the notebooks (by default they are, so outputs and recordings match)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import glob
    import os
    import time

    from dockernet_nb.engine.connection import answers, how_to_get_an_engine

    if not answers():
        print(how_to_get_an_engine())
        return 1
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    paths = args.notebooks or sorted(glob.glob("notebooks/*.ipynb"))
    if not paths:
        print("No notebooks given and none in ./notebooks: pass their paths.")
        return 1
    # The kernels inherit these: run live, and write what the engine answered to the recordings.
    os.environ["DOCKERNET_NB_MODE"] = "live"
    os.environ["DOCKERNET_NB_RECORD"] = "1"
    failed = 0
    for path in paths:
        started = time.monotonic()
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(
            notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": os.path.dirname(path) or "."}}
        )
        try:
            client.execute()
        except CellExecutionError as e:
            failed += 1
            print(f"{path}: a cell failed, nothing saved for it:\n{str(e)[:2000]}")
            continue
        if args.save_notebooks:
            nbformat.write(notebook, path)
        print(f"{path}: recorded live in {time.monotonic() - started:.1f} s" + (" (outputs saved)" if args.save_notebooks else ""))
    return 1 if failed else 0
