"""Exercise checks of the multi-host lesson (15): VXLAN's outer addresses, and who answers after a node went away.

Like the other checks, each asks the engines for the truth when it runs, through the recorded
:func:`~dockernet_nb.checks.exercise.ask`, and returns "Correct", or "Not yet" with a hint. Example::

    >>> from dockernet_nb import checks
    >>> checks.check_vxlan_outer_address(None)       # doctest: +SKIP
    Not yet: there is no answer yet (answer is None).
    Hint: ...
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dockernet_nb.checks.exercise import ask, exercise, question
from dockernet_nb.checks.result import CheckResult, failed, no_answer, passed
from dockernet_nb.engine import swarm as nodes_edge
from dockernet_nb.errors import DockernetError, NotFound
from dockernet_nb.verbs import services as service_verbs
from dockernet_nb.verbs import swarm as swarm_verbs

__all__ = ["check_vxlan_outer_address", "check_replicas_after_failure"]


@question("vxlan_peer")
def _vxlan_peer(source: str, target: str) -> dict[str, Any] | None:
    """Where ``source`` and ``target`` run: their nodes, those nodes' LAN addresses, the target's overlay address."""
    try:
        source_node, _ = nodes_edge.locate(source)
        target_node, container = nodes_edge.locate(target)
    except NotFound:
        return None
    overlay = sorted(
        (endpoint.get("IPAddress") or "" for endpoint in (container.attrs.get("NetworkSettings", {}).get("Networks") or {}).values()),
    )
    return {
        "source_node": source_node.name,
        "source_address": source_node.address,
        "target_node": target_node.name,
        "target_address": target_node.address,
        "target_overlay": [a for a in overlay if a],
    }


@exercise("vxlan-outer-address")
def check_vxlan_outer_address(answer: Any, *, source: str = "alpha", target: str = "gamma") -> CheckResult:
    """15-multi-host: the outer destination address of the VXLAN packets that carry ``source``'s ping to ``target``.

    ``answer`` is that address as a string: the LAN address of the node ``target`` runs on.
    """
    hint = (
        f"The tunnel runs between the two nodes, not between the containers: the outer packet goes from the node "
        f"{source} runs on to the node {target} runs on. Which node runs {target}, and what is that node's address "
        "in the nodes table of section 1?"
    )
    if answer is None:
        return no_answer(hint)
    shown = str(answer).strip()
    seen = ask("vxlan_peer", source=source, target=target)
    if seen is None:
        return failed(f"{source} or {target} does not run any more.", "Run the cells of sections 1 to 4 again.")
    if shown == seen["target_address"]:
        return passed(
            f"{shown} is {seen['target_node']}'s address on the LAN: the outer packet travels node to node "
            f"({seen['source_node']} -> {seen['target_node']}); inside it, {source}'s ping to {target} keeps its own "
            "overlay addresses."
        )
    if shown in seen["target_overlay"]:
        return failed(f"{shown} is {target}'s address on the overlay: that is the inner destination, inside the tunnel.", hint)
    if shown == seen["source_address"]:
        return failed(f"{shown} is the address of {seen['source_node']}, where the packets come from.", hint)
    return failed(f"{shown} is not the outer destination of those packets.", hint)


@question("service_nodes")
def _service_nodes(service: str) -> list[str] | None:
    """The nodes that are up and run a replica of ``service`` now."""
    try:
        tasks = service_verbs.service_tasks(service)
        nodes = swarm_verbs.swarm_nodes()
    except (NotFound, DockernetError):
        return None
    ready = set(nodes.loc[nodes["status"] == "ready", "node"])
    running = tasks[(tasks["desired"] == "running") & (tasks["state"] == "running") & tasks["node"].isin(ready)]
    return sorted(set(running["node"]))


def _names(answer: Any) -> set[str] | None:
    if isinstance(answer, str):
        return {answer.strip()}
    if isinstance(answer, Iterable):
        names = {str(item).strip() for item in answer}
        return names if names and all(names) else None
    return None


@exercise("replicas-after-failure")
def check_replicas_after_failure(answer: Any, *, service: str = "web") -> CheckResult:
    """15-multi-host: the nodes whose replicas answer ``service`` now that a node went away.

    ``answer`` is a set (or list) of node names, like ``{"node1", "node2"}``.
    """
    hint = (
        f"Two things decide where {service}'s replicas may run: its constraint (node.role==worker keeps them off the "
        "manager) and which nodes are up (dnb.swarm_nodes()). The swarm keeps the number of replicas, so the one that "
        f"ran on the lost node had to go somewhere. dnb.service_tasks({service!r}) shows where (ignore the rows whose "
        "desired state is shutdown)."
    )
    if answer is None:
        return no_answer(hint)
    names = _names(answer)
    if names is None:
        return failed("answer should be a set of node names, like {'node1', 'node2'}.", hint)
    expected = ask("service_nodes", service=service)
    if expected is None:
        return failed(f"service {service} does not run any more.", "Run the cells of sections 5 and 6 again.")
    missing, extra = sorted(set(expected) - names), sorted(names - set(expected))
    if not missing and not extra:
        return passed(
            f"Only {', '.join(expected)} run{'s' if len(expected) == 1 else ''} {service} now: the manager is kept free "
            "by the constraint, the lost node's replica was started again on a worker that is up, and Docker's DNS "
            "names only replicas that run."
        )
    parts = [f"{', '.join(missing)} also run{'s' if len(missing) == 1 else ''} a replica" if missing else "",
             f"no replica runs on {', '.join(extra)}" if extra else ""]
    return failed("; ".join(p for p in parts if p) + ".", hint)
