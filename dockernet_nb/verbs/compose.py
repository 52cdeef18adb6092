"""Docker Compose projects: bring one up from a Compose file written in a cell, list it, take it down.

The course runs Compose v2 (:mod:`dockernet_nb.engine.compose_cli` finds it) against the learner's
engine, with two changes a learner can see in the full docker command:

- the project's engine-side name is ``<lesson>-<session>-<project>``, so Compose names its containers
  ``<lesson>-<session>-<project>-<service>-<n>`` and its networks ``<lesson>-<session>-<project>_<net>``:
  a project of your own called ``shop`` (or services called ``web`` and ``db``) is never touched;
- the file Compose runs is the learner's, with the course's labels, loopback DNS, loopback-bound
  published ports and course subnets written in (:mod:`dockernet_nb.engine.compose_policy`), so
  ``dnb.cleanup()`` and ``dockernet-nb clean`` remove what the project made and nothing else.

Tables show the learner-facing names (``shop-web-1``, ``shop_front``). Example::

    >>> dnb.compose_up("shop", open("compose.yaml").read())       # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from dockernet_nb.engine import commands, images, labels
from dockernet_nb.engine.compose_cli import ComposeCli, require_compose
from dockernet_nb.engine.compose_policy import course_project
from dockernet_nb.engine.connection import client, engine_errors
from dockernet_nb.engine.objects import container_handle, find_container
from dockernet_nb.engine.ports import default_publish_ip
from dockernet_nb.errors import CommandTimeout, EngineError, InvalidInput, NameInUse, NotFound
from dockernet_nb.parsers import compose_progress
from dockernet_nb.parsers import compose_ps as compose_ps_parser
from dockernet_nb.replay import recordable
from dockernet_nb.verbs import networks as network_verbs

__all__ = ["compose_up", "compose_ps", "compose_down"]

_PROJECT = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
PS_COLUMNS = ["service", "container", "state", "health", "networks", "addresses", "ports"]
COMPOSE_PROJECT_LABEL = "com.docker.compose.project"


def _engine_project(project: str) -> str:
    if not isinstance(project, str) or not _PROJECT.match(project):
        raise InvalidInput(
            f"{project!r} is not a Compose project name: use lower-case letters, digits, '-' and '_', like 'shop'."
        )
    engine_side = labels.docker_name(project)
    if not _PROJECT.match(engine_side):
        raise InvalidInput(f"Compose cannot name a project {engine_side!r}: start the lesson with a lower-case name.")
    return engine_side


def _project_labels() -> dict[str, str]:
    """The course's labels for everything a project makes (no name label: Compose names each object)."""
    return {k: v for k, v in labels.labels_for("compose").items() if k != labels.NAME}


def _environment() -> dict[str, str]:
    """This process's environment for Compose, talking to the engine the course talks to."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    env.setdefault("DOCKER_HOST", "unix:///var/run/docker.sock")
    env.pop("DOCKER_CONTEXT", None)
    return env


def _compose(cli: ComposeCli, words: list[str], *, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            cli.command(*words), cwd=cwd, env=_environment(), capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as e:
        raise CommandTimeout(
            f"`docker compose {' '.join(words[:4])} ...` was still running after {timeout:g} s; the project may be "
            "half up. Run dnb.compose_down(...) to remove it, then try again with a larger timeout=."
        ) from e


def _refuse_foreign(engine_project: str) -> None:
    """A project of this engine-side name that the course did not make is never touched."""
    with engine_errors("looking for the project's containers"):
        found = client().api.containers(all=True, filters={"label": f"{COMPOSE_PROJECT_LABEL}={engine_project}"})
    for container in found:
        if not labels.is_course(container.get("Labels")):
            raise NameInUse(
                f"The Compose project {engine_project!r} holds containers the course did not make; it is left alone."
            )


def _short(name: str) -> str:
    own = labels.prefix()
    return name[len(own):] if name.startswith(own) else name


def _existing_subnets(engine_project: str) -> dict[str, list[str]]:
    """The subnets of the networks this project made before (engine-side name -> subnets)."""
    with engine_errors("looking for the project's networks"):
        found = client().api.networks(filters={"label": f"{COMPOSE_PROJECT_LABEL}={engine_project}"})
    return {
        n["Name"]: [c["Subnet"] for c in (n.get("IPAM") or {}).get("Config") or [] if c.get("Subnet")]
        for n in found
        if labels.is_course(n.get("Labels"))
    }


_KIND_ORDER = {"Network": 0, "Volume": 1, "Container": 2}


def _progress_frame(text: str) -> pd.DataFrame:
    """What Compose did, one row per object: networks first, then containers, each by name.

    Compose works on several objects at once, so the order of its events changes from run to run;
    the table does not (the events in their order are in ``attrs["raw"]``).
    """
    frame = compose_progress.parse(text)
    frame["name"] = frame["name"].map(_short).astype("string")
    rank = frame["kind"].map(lambda kind: _KIND_ORDER.get(kind, 3))
    errors = list(frame.attrs.get("errors") or [])
    frame = frame.assign(_rank=rank).sort_values(["_rank", "name"]).drop(columns="_rank").reset_index(drop=True)
    frame.attrs.update(raw=text, errors=errors)
    return frame


def _normalised(cli: ComposeCli, engine_project: str, folder: Path, compose_yaml: str) -> dict[str, Any]:
    (folder / "compose.yaml").write_text(compose_yaml, encoding="utf-8")
    result = _compose(cli, ["-p", engine_project, "-f", "compose.yaml", "config", "--format", "json"], cwd=folder)
    if result.returncode != 0:
        message = result.stderr.strip().replace(str(folder) + "/", "")
        raise InvalidInput(f"Compose could not read the file: {message[-600:]}")
    return json.loads(result.stdout)


@recordable
def compose_up(project: str, compose_yaml: str, *, wait: bool = False, timeout: float = 120) -> pd.DataFrame:
    """Bring up a Compose project from the text of a Compose file (``docker compose -p PROJECT up -d``).

    Returns what Compose did, one row per object: kind (Network, Container), name, last status.
    ``wait=True`` waits until every service runs (and is healthy, where it has a healthcheck), as
    ``--wait`` does. Running it again with a changed file updates the project, as Compose does.
    Example::

        >>> dnb.compose_up("shop", shop_yaml)                      # doctest: +SKIP
              kind          name   status
        0  Network  shop_default  Created
        1  Container  shop-web-1  Started
    """
    if not isinstance(compose_yaml, str) or not compose_yaml.strip():
        raise InvalidInput("compose_yaml must be the text of a Compose file (services: ...).")
    engine_project = _engine_project(project)
    cli = require_compose()
    _refuse_foreign(engine_project)
    essential = commands.join("docker", "compose", "-p", project, "up", "-d", *(["--wait"] if wait else []))
    with tempfile.TemporaryDirectory(prefix="dockernet-nb-compose-") as scratch:
        folder = Path(scratch)
        config = _normalised(cli, engine_project, folder, compose_yaml)
        plain = f"docker compose -p {project} up -d (in a folder holding your compose.yaml)"
        words = ["-p", engine_project, "-f", "course-compose.json", "--progress", "json", "up", "-d", "--pull", "never"]
        if wait:
            words += ["--wait", "--wait-timeout", str(int(timeout))]
        for attempt in range(3):
            course = course_project(
                config,
                project=engine_project,
                labels=_project_labels(),
                publish_ip=default_publish_ip(),
                image_tag=images.resolve,
                free4=(str(s) for s in network_verbs._free_subnets()),
                free6=(str(s) for s in network_verbs._free_subnets(network_verbs.COURSE_POOL6)),
                docker_command=plain,
                existing=_existing_subnets(engine_project),
            )
            (folder / "course-compose.json").write_text(json.dumps(course, indent=1), encoding="utf-8")
            result = _compose(cli, words, cwd=folder, timeout=timeout + 30)
            text = result.stdout + result.stderr
            if result.returncode == 0 or "overlap" not in text.lower() or attempt == 2:
                break  # an overlap: another session took a subnet a moment ago; choose again
        commands.note(essential, commands.join("docker", "compose", *words[:2], "-f", "course-compose.json", *words[4:]))
    progress = [line for line in text.splitlines() if line.startswith("{")]
    frame = _progress_frame("\n".join(progress))
    if result.returncode != 0:
        errors = frame.attrs.get("errors") or [line for line in text.splitlines() if not line.startswith("{")][-3:]
        message = "; ".join(dict.fromkeys(str(e) for e in errors)) or f"exit code {result.returncode}"
        if "No such image" in message:
            raise InvalidInput(
                f"Compose could not start {project}: {message}. The course never pulls images: use the course images "
                "(busybox, debian, redis, uptime), or pull yours first with `docker pull`."
            )
        raise EngineError(f"Compose could not bring up {project}: {message}")
    return frame


@recordable
def compose_ps(project: str) -> pd.DataFrame:
    """The project's containers (``docker compose -p PROJECT ps -a``), with their networks and addresses.

    Columns: service, container, state, health, networks, addresses (``network: address``), ports.
    Example::

        >>> dnb.compose_ps("shop")                                  # doctest: +SKIP
    """
    engine_project = _engine_project(project)
    cli = require_compose()
    commands.note(commands.join("docker", "compose", "-p", project, "ps", "-a"))
    result = _compose(cli, ["-p", engine_project, "ps", "-a", "--format", "json"])
    if result.returncode != 0:
        raise EngineError(f"Compose could not list {project}: {result.stderr.strip()[-400:]}")
    table = compose_ps_parser.parse(result.stdout)
    rows = []
    for row in table.itertuples():
        try:
            handle = container_handle(find_container(str(row.name)))
        except NotFound:
            continue  # removed between Compose's listing and now
        rows.append(
            {
                "service": row.service,
                "container": handle.name,
                "state": row.state,
                "health": row.health if pd.notna(row.health) else "",
                "networks": ", ".join(sorted(handle.addresses)),
                "addresses": ", ".join(f"{net}: {ip}" for net, ip in sorted(handle.addresses.items()) if ip),
                "ports": row.ports if pd.notna(row.ports) else "",
            }
        )
    frame = pd.DataFrame(rows, columns=PS_COLUMNS)
    frame.attrs["raw"] = result.stdout
    return frame


@recordable
def compose_down(project: str, *, timeout: int = 1) -> pd.DataFrame:
    """Stop and remove the project's containers and networks (``docker compose -p PROJECT down``).

    Returns one row per object Compose removed. ``timeout`` is how long each container gets to stop
    before it is killed (``-t``). A project that is not there gives an empty table.
    """
    engine_project = _engine_project(project)
    cli = require_compose()
    _refuse_foreign(engine_project)
    words = ["-p", engine_project, "--progress", "json", "down", "-t", str(int(timeout))]
    commands.note(commands.join("docker", "compose", "-p", project, "down", "-t", str(int(timeout))), commands.join("docker", "compose", *words))
    result = _compose(cli, words)
    text = result.stdout + result.stderr
    frame = _progress_frame("\n".join(line for line in text.splitlines() if line.startswith("{")))
    if result.returncode != 0:
        raise EngineError(f"Compose could not take {project} down: {'; '.join(frame.attrs.get('errors') or []) or text[-400:]}")
    return frame
