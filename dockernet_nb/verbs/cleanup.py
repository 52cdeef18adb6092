"""``dnb.cleanup()``: remove what this kernel made (and what dead kernels left), nothing else."""

from __future__ import annotations

import pandas as pd

from dockernet_nb.engine import commands, host_rules
from dockernet_nb.engine.connection import client, engine_errors
from dockernet_nb.engine.sweep import OBJECT_COLUMNS, course_objects, host_rule_objects, remove_objects
from dockernet_nb.replay import recordable

__all__ = ["cleanup"]


def _remove_nodes(*, everything: bool, dry_run: bool) -> list[dict]:
    """The multi-host lesson's nodes: this session's and dead kernels' (every one with ``everything``)."""
    try:
        from dockernet_nb.engine.spawn.nodes import remove_nodes
    except ImportError:  # a system that starts no nodes (Windows) has none to remove
        return []
    with engine_errors("removing the lesson's engine nodes"):
        found = remove_nodes(everything=everything, dry_run=dry_run, client=client())
        return found + ([] if everything else remove_nodes(stale=True, dry_run=dry_run, client=client()))


@recordable
def cleanup(*, everything: bool = False, dry_run: bool = False) -> pd.DataFrame:
    """Remove this session's containers and networks, and those left by kernels that died.

    A kernel that added rules to the engine host's firewall (``dnb.host_rule``) also takes those back,
    with any that dead kernels left (rows of kind ``host-rule``). ``everything=True`` removes every
    course object and host rule on the engine (other running kernels' too). Engine nodes of a
    multi-host lesson go first, whole: container, volume and everything their engines held (kind ``node``).
    Returns a frame of what was (or, with ``dry_run=True``, would be) removed.
    Example::

        >>> dnb.cleanup()        # doctest: +SKIP
             kind   name  docker_name ...
        0  container  redis  bridge-3f2a-redis ...
    """
    nodes = _remove_nodes(everything=everything, dry_run=dry_run)
    if nodes:
        containers = [str(n["docker_name"]) for n in nodes if not str(n["docker_name"]).endswith("-data")]
        if containers:
            commands.note(commands.join("docker", "rm", "-f", *containers))
        volumes = [name if name.endswith("-data") else f"{name}-data" for name in (str(n["docker_name"]) for n in nodes)]
        commands.note(commands.join("docker", "volume", "rm", *volumes))
    if everything:
        objects = course_objects("all")
    else:
        objects = pd.concat([course_objects("session"), course_objects("stale")], ignore_index=True)
    if everything or host_rules.added_this_session():
        # Only a kernel that changed the host's firewall pays for a look at it (a helper container).
        rules = host_rule_objects("all" if everything else "stale", also_session=True)
        objects = pd.concat([rules, objects], ignore_index=True) if len(rules) else objects
    for kind, word in (("container", "rm -f"), ("network", "network rm")):
        names = list(objects[objects.kind == kind].docker_name)
        if names:
            commands.note(commands.join("docker", *word.split(), *names))
    if not dry_run:
        remove_objects(objects)
    if dry_run:  # the nodes' containers are still listed among the objects: show each once
        objects = objects[~objects.docker_name.isin([n["docker_name"] for n in nodes])]
    removed = pd.concat([pd.DataFrame(nodes, columns=OBJECT_COLUMNS), objects], ignore_index=True) if nodes else objects
    return removed.reset_index(drop=True)
