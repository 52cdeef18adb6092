"""configurable-http-proxy, JupyterHub's proxy, installed from the npm registry into a folder of the
classroom's own (``<classroom root>/proxy``), never globally: ``npm install --prefix``."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from dockernet_nb.errors import SetupError

__all__ = ["PACKAGE", "ensure_proxy", "proxy_command"]

PACKAGE = "configurable-http-proxy@5"


def proxy_command(folder: Path) -> Path:
    return Path(folder) / "node_modules" / ".bin" / "configurable-http-proxy"


def ensure_proxy(folder: Path, *, say: Callable[[str], None] = print) -> Path:
    """The proxy's executable, installed into ``folder`` first if it is not there yet."""
    command = proxy_command(folder)
    if command.exists():
        return command
    npm = shutil.which("npm")
    if npm is None:
        raise SetupError(
            "the classroom needs Node.js and npm for JupyterHub's proxy (Debian: apt-get install nodejs npm)"
        )
    Path(folder).mkdir(parents=True, exist_ok=True)
    say(f"installing {PACKAGE} from the npm registry into {folder}")
    done = subprocess.run(
        [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", "--omit=dev", PACKAGE],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or not command.exists():
        raise SetupError(f"npm could not install {PACKAGE}: {done.stderr.strip()[-800:]}")
    return command
