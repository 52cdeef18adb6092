"""The `dockernet-nb` command: engine | images | doctor | clean | record."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def _engine(args: argparse.Namespace) -> int:
    from dockernet_nb.engine import provision

    if args.stop:
        return provision.stop_started_engine()
    return provision.ensure_engine()


def _images(args: argparse.Namespace) -> int:
    from dockernet_nb.engine import images
    from dockernet_nb.engine.connection import answers, how_to_get_an_engine

    if not answers():
        print(how_to_get_an_engine())
        return 1
    if args.publish:
        from dockernet_nb.display.progress import print_report
        from dockernet_nb.engine.images import registry

        registry.publish(args.publish, print_report)
        return 0
    if args.list:
        print(images.image_table().to_string(index=False))
        return 0
    outcome = images.ensure_images(args.names or None, source=args.source)
    for name, how in outcome.items():
        print(f"  {name:<8} {images.by_name(name).tag:<26} {how}")
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from dockernet_nb.engine import images
    from dockernet_nb.engine.connection import answers, engine_host, engine_version, how_to_get_an_engine

    if not answers():
        print(how_to_get_an_engine())
        return 1
    print(f"engine: Docker {engine_version()}; published ports are reached at {engine_host()}")
    table = images.image_table()
    print(table.to_string(index=False))
    missing = table[~table.present]
    if len(missing):
        print(f"missing images: {', '.join(missing.name)}; run `dockernet-nb images`.")
        return 1
    print("everything the lessons need is here.")
    return 0


def _clean(args: argparse.Namespace) -> int:
    from dockernet_nb.engine.connection import answers, how_to_get_an_engine
    from dockernet_nb.engine.sweep import course_objects, remove_objects

    if not answers():
        print(how_to_get_an_engine())
        return 1
    objects = course_objects("all" if args.all else "stale")
    what = "course object(s)" if args.all else "course object(s) left by kernels that no longer run"
    if objects.empty:
        print(f"No {what}: nothing to remove.")
        return 0
    print(objects.to_string(index=False))
    if args.dry_run:
        print(f"--dry-run: would remove these {len(objects)} {what}.")
        return 0
    remove_objects(objects)
    print(f"Removed {len(objects)} {what}. Nothing without the course label was touched.")
    return 0


def _record_on_local_engine(args: argparse.Namespace) -> int:
    """The same recording, run in the network namespace of a local Engine 28 (as a Linux learner's engine)."""
    from dockernet_nb.engine.images import CATALOG
    from dockernet_nb.engine.spawn import forky, local

    tree = forky.ensure_tree()
    engine = local.start_local_engine(args.engine_name, tree=tree.path)
    print(f"Recording on a local Docker Engine {engine.version} (its own network namespace, socket at the default path).")
    try:
        copied = engine.load([image.tag for image in CATALOG])
        print(f"Course images in it: copied {len(copied.copied)}, already there {len(copied.skipped)}.")
        argv = [sys.executable, "-m", "dockernet_nb.cli", "record", *args.notebooks]
        argv += [] if args.save_notebooks else ["--no-save-notebooks"]
        return engine.run(argv, default_socket=True).returncode
    finally:
        print(local.stop_local_engine(args.engine_name))


def _record(args: argparse.Namespace) -> int:
    import glob
    from pathlib import Path

    if args.local_engine:
        return _record_on_local_engine(args)

    from dockernet_nb.engine.connection import answers, how_to_get_an_engine
    from dockernet_nb.recorder import record_notebook

    if not answers():
        print(how_to_get_an_engine())
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dockernet-nb", description="Set up and look after the dockernet-nb course.")
    commands = parser.add_subparsers(dest="command", required=True)

    engine = commands.add_parser("engine", help="make sure a Docker engine answers (installs and starts one on Debian as root)")
    engine.add_argument("--stop", action="store_true", help="stop the dockerd this command started, and only that one")
    engine.set_defaults(func=_engine)

    images = commands.add_parser("images", help="make sure every course image exists (present, pulled or built)")
    images.add_argument("names", nargs="*", help="only these images (default: all)")
    images.add_argument("--source", choices=["auto", "registry", "offline", "hub"], default="auto")
    images.add_argument("--list", action="store_true", help="show the course images and whether they are present")
    images.add_argument("--publish", metavar="REGISTRY", help="push the course images to a registry (host:port)")
    images.set_defaults(func=_images)

    doctor = commands.add_parser("doctor", help="check the engine and the images, and say what is missing")
    doctor.set_defaults(func=_doctor)

    clean = commands.add_parser("clean", help="remove what dead kernels left behind (--all: every course object)")
    clean.add_argument("--all", action="store_true", help="every course container and network, running kernels' too")
    clean.add_argument("--dry-run", action="store_true", help="list, remove nothing")
    clean.set_defaults(func=_clean)

    record = commands.add_parser("record", help="run notebooks live and record the engine's answers for replay mode")
    record.add_argument("notebooks", nargs="*", help="notebook paths (default: notebooks/*.ipynb)")
    record.add_argument(
        "--no-save-notebooks",
        dest="save_notebooks",
        action="store_false",
        help="do not store the fresh outputs in the notebooks (by default they are, so outputs and recordings match)",
    )
    record.add_argument(
        "--local-engine",
        action="store_true",
        help="record on a local Engine 28 started for the purpose (Linux, root; built from Debian's testing suite)",
    )
    record.add_argument("--engine-name", default="record", help="the local engine's name (two recordings at once need two)")
    record.set_defaults(func=_record)
    return parser


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
