"""Course objects on the engine: list them by label and scope, and remove them (nothing unlabelled)."""

from __future__ import annotations

import pandas as pd

from dockernet_nb.engine import labels
from dockernet_nb.engine.connection import client, engine_errors
from dockernet_nb.errors import ContainerNotFound, ImageMissing, InvalidInput, NetworkNotFound, NotFound

__all__ = ["course_objects", "host_rule_objects", "remove_objects", "session_taken_elsewhere", "SCOPES", "HOST_RULE"]

SCOPES = ("session", "stale", "all")
OBJECT_COLUMNS = ["kind", "name", "docker_name", "session", "lesson", "owner_alive", "id"]
HOST_RULE = "host-rule"  # a rule the course added to the engine host's firewall (see engine.host_rules)


def course_objects(scope: str = "all") -> pd.DataFrame:
    """Course containers and networks on the engine.

    ``scope``: "session" (this kernel's), "stale" (made by a kernel on this host that no longer runs),
    or "all" (everything carrying the course label). Nothing without the label is ever listed.
    """
    if scope not in SCOPES:
        raise InvalidInput(f"scope must be one of {SCOPES}, got {scope!r}")
    filters = {"label": labels.COURSE}
    rows = []
    with engine_errors("listing the course's containers and networks"):
        # One list call (not one inspect per container): a container removed meanwhile cannot break it.
        found = [
            ("container", c["Names"][0].lstrip("/"), c.get("Labels") or {}, c["Id"])
            for c in client().api.containers(all=True, filters=filters)
        ]
        found += [("network", n["Name"], n.get("Labels") or {}, n["Id"]) for n in client().api.networks(filters=filters)]
    for kind, docker_name, object_labels, object_id in found:
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
                "name": labels.short_name(docker_name, object_labels),
                "docker_name": docker_name,
                "session": object_labels.get(labels.SESSION, ""),
                "lesson": object_labels.get(labels.LESSON, ""),
                "owner_alive": alive,
                "id": object_id[:12],
            }
        )
    # The engine lists in no stable order; containers first, then networks, each by name.
    frame = pd.DataFrame(rows, columns=OBJECT_COLUMNS)
    return frame.sort_values(["kind", "name"], ignore_index=True)


def host_rule_objects(scope: str = "all", *, also_session: bool = False) -> pd.DataFrame:
    """The course's rules in the engine host's firewall, as rows like :func:`course_objects`'s.

    kind ``host-rule``, name ``<chain> <target>``, docker_name the rule as iptables-save prints it, id
    its table. One look at the host's iptables (a helper container), so only the clean-ups call it.
    ``also_session`` adds this session's rules to a "stale" scope.
    """
    from dockernet_nb.engine import host_rules

    if scope not in SCOPES:
        raise InvalidInput(f"scope must be one of {SCOPES}, got {scope!r}")
    try:
        found = host_rules.course_host_rules("all" if also_session else scope)
    except ImageMissing:
        # The helper that adds host rules is the course's debian image: without it on this engine, the
        # course never added a rule to its host, so there is nothing to take back (an engine that only
        # ever got busybox, such as a second engine in a test or a fresh remote one).
        return pd.DataFrame(columns=OBJECT_COLUMNS)
    if also_session and scope != "all":
        keep = (found["session"] == labels.session_id()) | (~found["owner_alive"].astype(bool) if scope == "stale" else False)
        found = found[keep]
    rows = [
        {"kind": HOST_RULE, "name": f"{r.chain} {r.target}", "docker_name": r.rule, "session": r.session,
         "lesson": r.lesson, "owner_alive": r.owner_alive, "id": r.table}
        for r in found.itertuples()
    ]
    return pd.DataFrame(rows, columns=OBJECT_COLUMNS)


def remove_objects(objects: pd.DataFrame) -> None:
    """Remove the listed course objects by id (never by a name someone else may have taken since).

    Host rules (kind ``host-rule``) are deleted exactly as listed, and only when they carry the
    course's comment.
    """
    rules = objects[objects.kind == HOST_RULE]
    if len(rules):
        from dockernet_nb.engine import host_rules

        host_rules.remove_host_rules(pd.DataFrame({"table": rules["id"], "rule": rules["docker_name"]}))
    api = client().api
    # Containers first: a network cannot go while something is attached to it.
    for row in objects[objects.kind == "container"].itertuples():
        try:
            with engine_errors(f"removing container {row.docker_name}", missing=ContainerNotFound, what=row.docker_name):
                api.remove_container(row.id, force=True)
        except NotFound:
            pass  # already gone: another cleanup won the race
    for row in objects[objects.kind == "network"].itertuples():
        try:
            with engine_errors(f"removing network {row.docker_name}", missing=NetworkNotFound, what=row.docker_name):
                api.remove_network(row.id)
        except NotFound:
            pass


def session_taken_elsewhere() -> bool:
    """True when objects of this session id exist that another process made (an id drawn twice)."""
    selector = {"label": f"{labels.SESSION}={labels.session_id()}"}
    with engine_errors("looking for objects of this session id"):
        found = client().api.containers(all=True, filters=selector) + client().api.networks(filters=selector)
    me = labels.owner()
    return any((item.get("Labels") or {}).get(labels.OWNER) != me for item in found)
