"""Running a class's hub as a child process, and talking to it through JupyterHub's REST API.

:class:`Hub` starts ``jupyterhub`` with the class's settings (in a process group of its own, so its
proxy goes with it), waits until the proxy answers, and offers the few REST calls the classroom
command, the tests and the benchmarks need: start a learner's server and wait for it, make a token
for a learner, stop a server. :func:`remove_class` removes everything a class made on the host
engine, by its labels, and its folder's engines and (unless kept) homes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests

from dockernet_nb.classroom.network import remove_network
from dockernet_nb.classroom.settings import CLASSROOM, SETTINGS_ENV, ClassSettings
from dockernet_nb.engine.labels import COURSE
from dockernet_nb.engine.spawn.common import ENGINE, host_client
from dockernet_nb.engine.spawn.dind import remove_engine
from dockernet_nb.errors import DockernetError

__all__ = ["Hub", "HubError", "remove_class", "class_objects", "CONFIG"]

CONFIG = Path(__file__).with_name("jupyterhub_config.py")


class HubError(DockernetError):
    """The hub did not start, or refused a request (the message quotes its answer or its log)."""


class Hub:
    """One class's JupyterHub process."""

    def __init__(self, settings: ClassSettings, *, config: Path | None = None) -> None:
        self.settings = settings
        self.config = config or CONFIG
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = settings.hub_dir / "hub.log"

    # -- the process ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.settings.proxy_ip}:{self.settings.proxy_port}"

    def start(self, *, timeout: float = 120, foreground_log: bool = False) -> Hub:
        self.settings.hub_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        env = dict(os.environ, **{SETTINGS_ENV: str(self.settings.settings_file)})
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[2]), env.get("PYTHONPATH", "")]))
        log = None if foreground_log else self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(self.config)],
            cwd=self.settings.hub_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT if log else None,
            start_new_session=True,  # its proxy is in its group: both end together
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise HubError(f"the hub exited ({self.process.returncode}); the end of its log:\n{self.log_tail()}")
            with contextlib.suppress(requests.RequestException):
                # the hub's own API first (quietly), then the same through the proxy's route
                hub_api = f"http://{self.settings.hub_ip}:{self.settings.hub_port}/hub/api/"
                if requests.get(hub_api, timeout=2).status_code == 200 and requests.get(f"{self.url}/hub/api/", timeout=2).status_code == 200:
                    return self
            time.sleep(0.3)
        self.stop()
        raise HubError(f"the hub gave no answer at {self.url} in {timeout:.0f} s; the end of its log:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, *, timeout: float = 120) -> int | None:
        """Stop the hub (it stops every server, so every learner's engine goes); then its process group."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)  # the group this hub led: its proxy and service, nothing else
        self.process = None
        return process.returncode

    def __enter__(self) -> Hub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the REST API -----------------------------------------------------------------------------
    def api(self, method: str, path: str, *, token: str | None = None, json: Any = None, ok: tuple[int, ...] = (200, 201, 202, 204)) -> Any:
        answer = requests.request(
            method,
            f"{self.url}/hub/api/{path.lstrip('/')}",
            headers={"Authorization": f"token {token or self.settings.admin_token}"},
            json=json,
            timeout=60,
        )
        if answer.status_code not in ok:
            raise HubError(f"{method} {path}: {answer.status_code} {answer.text[:400]}")
        return answer.json() if answer.content else None

    def user(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self.api("GET", f"users/{urllib.parse.quote(name)}")
        return result

    def spawn(self, name: str) -> None:
        """Ask for a learner's server (what logging in does); returns at once."""
        self.api("POST", f"users/{urllib.parse.quote(name)}/server", ok=(201, 202, 400))

    def wait_ready(self, name: str, *, timeout: float = 300) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            server = (self.user(name).get("servers") or {}).get("", {})
            if server.get("ready"):
                return dict(server)
            if not server:
                raise HubError(f"{name}'s server is not starting; the end of the hub's log:\n{self.log_tail()}")
            time.sleep(0.2)
        raise HubError(f"{name}'s server was not ready in {timeout:.0f} s; the end of the hub's log:\n{self.log_tail()}")

    def stop_server(self, name: str, *, timeout: float = 120) -> None:
        self.api("DELETE", f"users/{urllib.parse.quote(name)}/server", ok=(202, 204, 400))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not (self.user(name).get("servers") or {}):
                return
            time.sleep(0.2)
        raise HubError(f"{name}'s server did not stop in {timeout:.0f} s")

    def token_for(self, name: str, note: str = "dockernet-nb classroom") -> str:
        """A new API token for learner ``name`` (with the learner's own permissions)."""
        made = self.api("POST", f"users/{urllib.parse.quote(name)}/tokens", json={"note": note, "expires_in": 86400})
        return str(made["token"])

    def server_url(self, name: str) -> str:
        return f"{self.url}/user/{urllib.parse.quote(name)}/"


def class_objects(settings: ClassSettings, client: docker.DockerClient | None = None) -> dict[str, list[str]]:
    """Names of the containers, volumes and networks on the host engine that carry this class's label."""
    client = client or host_client()
    selector = {"label": f"{CLASSROOM}={settings.class_id}"}
    return {
        "containers": [c.name for c in client.containers.list(all=True, filters=selector) if c.labels.get(COURSE) == "1"],
        "volumes": [v.name for v in client.volumes.list(filters=selector) if (v.attrs.get("Labels") or {}).get(COURSE) == "1"],
        "networks": [n.name for n in client.networks.list(filters=selector) if (n.attrs.get("Labels") or {}).get(COURSE) == "1"],
    }


def remove_class(settings: ClassSettings, *, keep_homes: bool = False, client: docker.DockerClient | None = None) -> dict[str, list[str]]:
    """Remove everything the class made: learners' containers, engines with their volumes and
    certificates, the class network, and the class folder (``keep_homes``: keep the learners' homes
    and the settings). Selected by the class label only; returns what was there."""
    client = client or host_client()
    found = class_objects(settings, client)
    selector = {"label": f"{CLASSROOM}={settings.class_id}"}
    engines = set()
    for container in client.containers.list(all=True, filters=selector):
        if container.labels.get(COURSE) != "1":
            continue
        if ENGINE in container.labels:
            engines.add(container.labels[ENGINE])
            continue
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True)  # learners' servers first: they live in the engines' namespaces
    for volume in client.volumes.list(filters=selector):
        labels = volume.attrs.get("Labels") or {}
        if labels.get(COURSE) == "1" and ENGINE in labels:
            engines.add(labels[ENGINE])
    for name in sorted(engines):
        remove_engine(name, client=client)
    remove_network(settings, client)
    shutil.rmtree(settings.engines_dir, ignore_errors=True)
    if not keep_homes and settings.folder.exists():
        shutil.rmtree(settings.folder, ignore_errors=True)
    return found
