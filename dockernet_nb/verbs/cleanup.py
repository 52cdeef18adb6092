"""``dnb.cleanup()``: remove what this kernel made (and what dead kernels left), nothing else."""

from __future__ import annotations

import pandas as pd

from dockernet_nb.engine import commands, host_rules
from dockernet_nb.engine.sweep import course_objects, host_rule_objects, remove_objects
from dockernet_nb.replay import recordable

__all__ = ["cleanup"]


@recordable
def cleanup(*, everything: bool = False, dry_run: bool = False) -> pd.DataFrame:
    """Remove this session's containers and networks, and those left by kernels that died.

    A kernel that added rules to the engine host's firewall (``dnb.host_rule``) also takes those back,
    with any that dead kernels left (rows of kind ``host-rule``). ``everything=True`` removes every
    course object and host rule on the engine (other running kernels' too).
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
    return objects.reset_index(drop=True)
