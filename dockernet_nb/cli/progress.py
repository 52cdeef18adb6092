"""`dockernet-nb progress`: which lessons and exercises this learner has done (from the progress file)."""

from __future__ import annotations

import argparse


def add(commands) -> None:
    parser = commands.add_parser("progress", help="show which lessons and exercises you have done")
    parser.add_argument("--json", action="store_true", help="print the progress file itself")


def run(args: argparse.Namespace) -> int:
    import json

    from dockernet_nb import ledger
    from dockernet_nb.verbs.progress import progress

    if args.json:
        print(json.dumps(ledger.read(), indent=1, sort_keys=True))
        return 0
    table = progress()
    print(f"Progress file: {table.attrs['file']}")
    if table.empty:
        print("No lessons found.")
        return 0
    done = int(table["passed"].sum())
    print(f"{done} of {len(table)} exercises passed.\n")
    shown = table.assign(passed=table["passed"].map({True: "yes", False: ""}))
    print(shown[["lesson", "exercise", "passed", "attempts", "hints", "passed_at"]].fillna("").to_string(index=False))
    return 0
