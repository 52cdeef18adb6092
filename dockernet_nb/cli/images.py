"""`dockernet-nb images`: make sure every course image exists (present, from a registry, built, or pulled)."""

from __future__ import annotations

import argparse


def add(commands) -> None:
    parser = commands.add_parser("images", help="make sure every course image exists (present, pulled or built)")
    parser.add_argument("names", nargs="*", help="only these images (default: all)")
    parser.add_argument("--source", choices=["auto", "registry", "offline", "hub"], default="auto")
    parser.add_argument("--list", action="store_true", help="show the course images and whether they are present")
    parser.add_argument("--publish", metavar="REGISTRY", help="push the course images to a registry (host:port)")


def run(args: argparse.Namespace) -> int:
    from dockernet_nb.cli import no_engine
    from dockernet_nb.engine import images

    if no_engine():
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
