"""`dockernet-nb lab [DIR]`: the one command a learner needs, on Linux, macOS or Windows.

1. The engine step: an engine that answers is used as it is; with none, on Debian/Ubuntu as root,
   Docker is installed and started (as `dockernet-nb engine` does); anywhere else the next step is
   explained and the lessons run in replay mode until an engine answers.
2. The images step, only where an engine answers (as `dockernet-nb images`).
3. The lessons are copied into the workspace, DIR or ``~/dockernet-nb`` (``DOCKERNET_NB_WORKSPACE``
   changes the default); a lesson the learner changed is never overwritten (see
   :mod:`dockernet_nb.workspace`).
4. JupyterLab starts there, bound to 127.0.0.1 with a token, with the course's settings layered
   under the learner's own (no "Jupyter news?" prompt, no update check); the learner's own Jupyter
   settings are never written.

``--copy-only`` does step 3 alone; ``--no-browser`` starts JupyterLab without opening a browser.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

__all__ = ["add", "run", "jupyter_command", "jupyter_env", "LAB_CONFIG"]

# A Jupyter config folder of the course's own, put first on JUPYTER_CONFIG_PATH for the JupyterLab it
# starts: labconfig/default_setting_overrides.json there changes JupyterLab's defaults (the learner's
# own settings still win), and nothing in the learner's ~/.jupyter is written.
LAB_CONFIG = Path(__file__).resolve().parents[1] / "lab_config"


def add(commands) -> None:
    parser = commands.add_parser(
        "lab",
        help="set up the engine and images, copy the lessons into a workspace, and open JupyterLab there",
        description=(
            "Set up what the lessons need (a Docker engine and the course images, where an engine can be had), "
            "copy the lessons into a workspace folder without overwriting one you changed, and open JupyterLab there."
        ),
    )
    parser.add_argument("dir", nargs="?", metavar="DIR", help="the workspace folder (default: ~/dockernet-nb, or DOCKERNET_NB_WORKSPACE)")
    parser.add_argument("--copy-only", action="store_true", help="only copy the lessons into the workspace; no engine, images or JupyterLab")
    parser.add_argument("--no-browser", action="store_true", help="start JupyterLab without opening a browser (open the printed link yourself)")
    parser.add_argument("--port", type=int, default=8888, help="JupyterLab's port on 127.0.0.1 (default 8888, or the next free one)")


def _say(line: str) -> None:
    print(line, flush=True)


def _heading(text: str) -> None:
    _say(f"\n== {text}")


def engine_step(say=_say) -> bool:
    """True when an engine answers after the step; otherwise the lessons will replay."""
    from dockernet_nb.engine import provision

    if provision.ensure_engine(say) == 0:
        return True
    say("Without an engine the lessons run in replay mode: they show a recorded live run. Start an engine, "
        "then restart a notebook's kernel, and it runs live.")
    return False


def images_step(say=_say) -> None:
    from dockernet_nb.display.progress import print_report
    from dockernet_nb.engine import images
    from dockernet_nb.errors import DockernetError

    try:
        images.ensure_images(report=print_report)
    except DockernetError as e:
        say(f"The course images could not all be made: {e}\nThe first lesson (00-setup) tries again and says what to do.")


def jupyter_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for JupyterLab: the course's config folder first on JUPYTER_CONFIG_PATH."""
    env = dict(os.environ if base is None else base)
    paths = [str(LAB_CONFIG)] + [p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def jupyter_command(workspace: Path, *, port: int = 8888, browser: bool = True, as_root: bool = False) -> list[str]:
    """JupyterLab on ``workspace``, on 127.0.0.1 only, with a token (Jupyter's own, printed in its link)."""
    command = [
        sys.executable, "-m", "jupyterlab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--ServerApp.root_dir={workspace}",
        # Nothing fetched from the internet behind the learner's back: no news feed, no update check.
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    if not browser:
        command.append("--no-browser")
    if as_root:
        command.append("--allow-root")
    return command


def _start_jupyterlab(workspace: Path, args: argparse.Namespace) -> int:
    from dockernet_nb.engine.provision import running_as_root

    command = jupyter_command(workspace, port=args.port, browser=not args.no_browser, as_root=running_as_root())
    process = subprocess.Popen(command, cwd=workspace, env=jupyter_env())
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            # JupyterLab got the Ctrl-C too and asks (or stops) itself; wait for it to finish.
            continue


def run(args: argparse.Namespace) -> int:
    from dockernet_nb import workspace as ws

    folder = Path(args.dir).expanduser() if args.dir else ws.default_workspace()
    folder = folder.resolve()
    forced = os.environ.get("DOCKERNET_NB_MODE", "").strip().lower()
    if not args.copy_only:
        if forced == "replay":
            _say("DOCKERNET_NB_MODE=replay: no engine or images step; the lessons replay a recorded live run.")
        else:
            _heading("Docker engine")
            if engine_step():
                _heading("Course images")
                images_step()
        _heading("Lessons")
    report = ws.sync(folder)
    for line in report.lines():
        _say(line)
    if args.copy_only:
        return 0
    _heading(f"JupyterLab on {folder} (stop it with Ctrl-C, twice)")
    return _start_jupyterlab(folder, args)
