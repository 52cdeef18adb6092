"""`dockernet-nb classroom`: a live class on one machine, every learner with an engine of their own.

    dockernet-nb classroom prepare                 the images and the proxy (once per machine)
    dockernet-nb classroom start --learners a,b,c --instructors t [--pool 3] [--port 8000]
    dockernet-nb classroom status                  classes, engines and servers on this machine
    dockernet-nb classroom clean [--class ID] [--keep-homes]
    dockernet-nb classroom rootless-check          can this kernel run rootless engines?

``start`` runs the hub in the foreground (Ctrl-C stops the class: every server, every engine, the
network) and prints each person's password once. Registered in the main command with
``add(commands)``; also ``python -m dockernet_nb.classroom``.
"""

from __future__ import annotations

import argparse
import json
import secrets
import signal
import subprocess
import sys
from typing import Any

__all__ = ["add", "run", "main"]


def _names(text: str) -> list[str]:
    return [name.strip().lower() for name in text.split(",") if name.strip()]


def add(commands: Any) -> argparse.ArgumentParser:
    """Add ``classroom`` and its sub-commands to the main command's sub-parsers."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "classroom", help="a live class: JupyterHub with an engine of its own for every learner, and the instructor's page"
    )
    parser.add_argument("--root", help="where classes keep their files (default /var/lib/dockernet-nb/classroom)")
    sub = parser.add_subparsers(dest="classroom_command", required=True, metavar="STEP")

    sub.add_parser("prepare", help="build the engine and learner images and install the proxy (once per machine)")

    start = sub.add_parser("start", help="start a class's hub in the foreground (Ctrl-C stops everything)")
    start.add_argument("--learners", required=True, help="comma-separated learner names, e.g. ana,ben,cai")
    start.add_argument("--instructors", default="", help="comma-separated instructor names (they see the whole class)")
    start.add_argument("--class-id", default="", help="a short name for the class (default: a random one)")
    start.add_argument("--ip", default="127.0.0.1", help="the address the class's web page listens on (never all interfaces)")
    start.add_argument("--port", type=int, default=8000, help="its port (default 8000)")
    start.add_argument("--pool", type=int, default=2, help="warm engines kept ready (default 2)")
    start.add_argument("--engine-memory", default="1536m", help="memory per learner engine, its containers included")
    start.add_argument("--engine-pids", type=int, default=2048, help="processes per learner engine")
    start.add_argument("--engine-cpu-shares", type=int, default=512, help="CPU weight per learner engine")
    start.add_argument("--server-memory", default="1g", help="memory per learner notebook server and its kernels")
    start.add_argument("--server-cpus", type=float, default=1.0, help="CPUs per learner notebook server")
    start.add_argument("--rootless", action="store_true",
                       help="rootless engines (uid 1000 on the host, reached through a socket only the learner sees); "
                            "check first with `dockernet-nb classroom rootless-check`")

    sub.add_parser("status", help="classes, engines and learners' servers on this machine")

    clean = sub.add_parser("clean", help="remove a class's servers, engines, network and folder (by label only)")
    clean.add_argument("--class-id", default="", help="one class (default: every class under --root)")
    clean.add_argument("--keep-homes", action="store_true", help="keep the learners' home folders (their notebooks and progress)")

    sub.add_parser("rootless-check", help="measure whether this kernel lets a rootless engine run in a container")
    parser.set_defaults(func=run)
    return parser


def _settings_under(root: Any) -> list[Any]:
    from dockernet_nb.classroom.settings import load

    found = []
    for path in sorted(root.glob("*/settings.json")):
        try:
            found.append(load(path))
        except (OSError, ValueError, TypeError):
            continue
    return found


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from dockernet_nb.classroom.settings import default_root
    from dockernet_nb.engine.spawn.transfer import CORE_IMAGES

    root = Path(args.root) if args.root else default_root()
    step = args.classroom_command
    if step == "prepare":
        from dockernet_nb.classroom.prepare import prepare_machine

        prepare_machine(root=root, images=CORE_IMAGES)
        print("ready: the engine image, the learner image and the proxy are in place.")
        return 0
    if step == "start":
        return _start(args, root)
    if step == "status":
        return _status(root)
    if step == "clean":
        from dockernet_nb.classroom.hub import remove_class

        classes = [s for s in _settings_under(root) if not args.class_id or s.class_id == args.class_id]
        if not classes:
            print("no class to remove.")
            return 0
        for settings in classes:
            found = remove_class(settings, keep_homes=args.keep_homes)
            print(f"class {settings.class_id}: removed {sum(len(v) for v in found.values())} object(s) on the host engine"
                  + (" (homes kept)" if args.keep_homes else " and its folder"))
        return 0
    if step == "rootless-check":
        from dockernet_nb.classroom.rootless import check_rootless

        report = check_rootless()
        print(json.dumps(report, indent=1))
        return 0 if report.get("works") else 1
    raise SystemExit(f"unknown step {step}")


def _start(args: argparse.Namespace, root: Any) -> int:
    from dockernet_nb.classroom.hub import Hub, remove_class
    from dockernet_nb.classroom.prepare import new_class, prepare_machine
    from dockernet_nb.engine.spawn.transfer import CORE_IMAGES

    learners, instructors = _names(args.learners), _names(args.instructors)
    prepare_machine(root=root, images=CORE_IMAGES)
    settings, passwords = new_class(
        args.class_id or f"c{secrets.token_hex(2)}",
        learners,
        instructors=instructors,
        root=root,
        proxy_ip=args.ip,
        proxy_port=args.port,
        proxy_api_port=args.port + 1,
        progress_port=args.port + 2,
        pool_size=args.pool,
        engine_memory=args.engine_memory,
        engine_pids=args.engine_pids,
        engine_cpu_shares=args.engine_cpu_shares,
        server_memory=args.server_memory,
        server_cpus=args.server_cpus,
        rootless=args.rootless,
    )
    hub = Hub(settings)
    stopping = {"now": False}

    def stop(signum: int, frame: Any) -> None:
        stopping["now"] = True

    signal.signal(signal.SIGTERM, stop)
    try:
        hub.start()
        print(f"\nClass {settings.class_id} is open at {hub.url}/ (hub API on {settings.hub_ip}:{settings.hub_port})")
        print(f"Instructor's page: {hub.url}/services/progress/   ({settings.pool_size} engines warming up)")
        print("Passwords (shown only now; each person has their own):")
        for name, password in passwords.items():
            role = "instructor" if name in instructors else "learner"
            print(f"  {name:<16} {password}   ({role})")
        print("Ctrl-C stops the class: every server, every engine and the class network are removed.")
        while not stopping["now"] and hub.process is not None and hub.process.poll() is None:
            try:
                hub.process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                continue
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping the class ...")
        hub.stop()
        remove_class(settings, keep_homes=True)
        print(f"class {settings.class_id} stopped; learners' homes kept in {settings.folder / 'learners'} "
              f"(`dockernet-nb classroom clean --class-id {settings.class_id}` removes them)")
    return 0


def _status(root: Any) -> int:
    from dockernet_nb.classroom.hub import class_objects
    from dockernet_nb.classroom.image import describe

    image = describe()
    print(f"learner image: {image.get('tag', 'not built')} {image.get('fingerprint', '')} {image.get('size_mb', '')} MB")
    classes = _settings_under(root)
    if not classes:
        print(f"no classes under {root}")
    for settings in classes:
        objects = class_objects(settings)
        engines = [name for name in objects["containers"] if name.startswith("dockernet-nb-engine-")]
        servers = [name for name in objects["containers"] if name.startswith(settings.container_prefix)]
        print(f"class {settings.class_id}: {len(settings.learners)} learners, {len(engines)} engines, "
              f"{len(servers)} servers running, page on {settings.proxy_ip}:{settings.proxy_port}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dockernet-nb")
    add(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    from dockernet_nb.errors import DockernetError

    try:
        return int(args.func(args))
    except DockernetError as err:
        print(f"dockernet-nb classroom: {err}", file=sys.stderr)
        return 1
