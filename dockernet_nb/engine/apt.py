"""Installing Debian packages for the course, with or without letting them start services.

The engine step wants Debian's ``docker.io`` to start its service where the machine has an init
system (then the engine is there and the course starts nothing itself). The test tools
(``docker-registry``, ``openssh-server``, ``chromium``) are needed only as programs: their services
would listen on the machine's addresses after the tests end. For those, :func:`install` puts a
``policy-rc.d`` in place that answers 101 ("action not allowed"), the Debian interface that
``invoke-rc.d`` and ``deb-systemd-invoke`` ask before they start anything, and restores whatever
was there before.

Run as a program for ``./course test``: ``python -m dockernet_nb.engine.apt --no-services PACKAGE ...``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from dockernet_nb.errors import SetupError

__all__ = ["install", "services_held", "POLICY"]

POLICY = Path("/usr/sbin/policy-rc.d")
DENY_ALL = "#!/bin/sh\n# Written by dockernet-nb while it installs tools: no service may start.\nexit 101\n"


@contextlib.contextmanager
def services_held(policy: Path = POLICY) -> Iterator[None]:
    """While inside, ``invoke-rc.d``/``deb-systemd-invoke`` start no service; the old policy comes back after."""
    previous = policy.read_bytes() if policy.exists() else None
    mode = policy.stat().st_mode if policy.exists() else 0o755
    policy.write_text(DENY_ALL)
    policy.chmod(0o755)
    try:
        yield
    finally:
        if previous is None:
            policy.unlink(missing_ok=True)
        else:
            policy.write_bytes(previous)
            policy.chmod(mode & 0o7777)


def _run(command: list[str], what: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        tail = "\n".join(result.stdout.strip().splitlines()[-8:])
        raise SetupError(f"{what} failed (`{' '.join(command)}`, exit code {result.returncode}):\n{tail}")


def install(packages: Sequence[str], *, start_services: bool, say: Callable[[str], None] = print) -> None:
    """``apt-get install`` the packages; with ``start_services=False`` none of their services starts."""
    if shutil.which("apt-get") is None:
        raise SetupError(f"apt-get is not here: install {' '.join(packages)} with this system's package manager.")
    hold = contextlib.nullcontext() if start_services else services_held()
    say(f"Installing {' '.join(packages)} with apt-get" + ("" if start_services else " (their services are not started)") + " ...")
    with hold:
        _run(["apt-get", "update", "-q"], "Updating apt's package lists")
        _run(["apt-get", "install", "-y", "-q", *packages], f"Installing {' '.join(packages)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dockernet_nb.engine.apt", description=__doc__.splitlines()[0])
    parser.add_argument("--no-services", action="store_true", help="start none of the packages' services")
    parser.add_argument("packages", nargs="+")
    args = parser.parse_args(argv)
    try:
        install(args.packages, start_services=not args.no_services)
    except SetupError as e:
        print(e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
