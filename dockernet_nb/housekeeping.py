"""Cleaning up: remove what the course made, by label, and nothing else."""

from __future__ import annotations

import pandas as pd

from dockernet_nb import labels
from dockernet_nb.replay import recordable
from dockernet_nb.engine import client, engine_errors

__all__ = ["cleanup", "course_objects", "remove_objects"]

SCOPES = ("session", "stale", "all")
OBJECT_COLUMNS = ["kind", "name", "docker_name", "session", "lesson", "owner_alive"]


def course_objects(scope: str = "all") -> pd.DataFrame:
    """Course containers and networks on the engine.

    ``scope``: "session" (this kernel's), "stale" (made by a kernel on this host that no longer runs),
    or "all" (everything carrying the course label). Nothing without the label is ever listed.
    """
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, got {scope!r}")
    filters = {"label": labels.COURSE}
    rows = []
    with engine_errors("listing the course's containers and networks"):
        # One list call (not one inspect per container): a container removed meanwhile cannot break it.
        found = [
            ("container", c["Names"][0].lstrip("/"), c.get("Labels") or {})
            for c in client().api.containers(all=True, filters=filters)
        ]
        found += [("network", n["Name"], n.get("Labels") or {}) for n in client().api.networks(filters=filters)]
    for kind, docker_name, object_labels in found:
        if not labels.is_course(object_labels):
            continue
        alive = labels.owner_alive(object_labels)
        mine = object_labels.get(labels.SESSION) == labels.session_id()
        if scope == "session" and not mine:
            continue
        if scope == "stale" and (alive or mine):
            continue
        rows.append(
            {
                "kind": kind,
                "name": object_labels.get(labels.NAME, docker_name),
                "docker_name": docker_name,
                "session": object_labels.get(labels.SESSION, ""),
                "lesson": object_labels.get(labels.LESSON, ""),
                "owner_alive": alive,
            }
        )
    # The engine lists in no stable order; containers first, then networks, each by name.
    frame = pd.DataFrame(rows, columns=OBJECT_COLUMNS)
    return frame.sort_values(["kind", "name"], ignore_index=True)


def remove_objects(objects: pd.DataFrame) -> None:
    api = client().api
    # Containers first: a network cannot go while something is attached to it.
    for row in objects[objects.kind == "container"].itertuples():
        with engine_errors(f"removing container {row.docker_name}"):
            try:
                api.remove_container(row.docker_name, force=True)
            except Exception as e:  # already gone (another cleanup won the race) is fine
                if "No such container" not in str(e) and "404" not in str(e):
                    raise
    for row in objects[objects.kind == "network"].itertuples():
        with engine_errors(f"removing network {row.docker_name}"):
            try:
                api.remove_network(row.docker_name)
            except Exception as e:
                if "not found" not in str(e).lower() and "404" not in str(e):
                    raise


@recordable
def cleanup(*, everything: bool = False, dry_run: bool = False) -> pd.DataFrame:
    """Remove this session's containers and networks, and those left by kernels that died.

    ``everything=True`` removes every course object on the engine (other running kernels' too).
    Returns a frame of what was (or, with ``dry_run=True``, would be) removed.
    Example::

        >>> dnb.cleanup()        # doctest: +SKIP
             kind   name  docker_name ...
        0  container  redis  bridge-3f2a-redis ...
    """
    if everything:
        objects = course_objects("all")
    else:
        objects = pd.concat([course_objects("session"), course_objects("stale")], ignore_index=True)
    if not dry_run:
        remove_objects(objects)
    return objects.reset_index(drop=True)
