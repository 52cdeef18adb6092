"""Exercise checks of the routing lessons (05 router, 06 OSPF; lesson 07's are in :mod:`dockernet_nb.checks.ports`).

Like :mod:`dockernet_nb.checks.basics`, each check asks the engine for the truth when it runs (it tries
the connection, reads the routing table) through the recorded :func:`~dockernet_nb.checks.exercise.ask`,
and returns "Correct", or "Not yet" with a hint. Example::

    >>> from dockernet_nb import checks
    >>> checks.check_web_closed_to_lan1(None)        # doctest: +SKIP
    Not yet: there is no answer yet (answer is None).
    Hint: ...
"""

from __future__ import annotations

import time
from typing import Any

from dockernet_nb.checks.exercise import ask, exercise, question
from dockernet_nb.checks.result import CheckResult, failed, no_answer, passed
from dockernet_nb.errors import NotFound
from dockernet_nb.verbs import ospf, routes
from dockernet_nb.verbs.common import addresses_of

__all__ = ["check_web_closed_to_lan1", "check_ospf_detour"]

@question("lan_filter")
def _lan_filter(client: str, neighbour: str, server: str, port: int, net: str) -> dict[str, Any] | None:
    try:
        server_ip = addresses_of(server).get(net)
        neighbour_ip = addresses_of(neighbour).get(net)
    except NotFound:
        return None
    if not server_ip or not neighbour_ip:
        return {"on_net": False}
    target = f"{server}:{port}"
    seen = routes.reachability([client, neighbour], {target: f"{server_ip}:{port}", neighbour: neighbour_ip})
    table = seen.set_index("from")
    details = {f"{d['from']}->{d['to']}": d["output"][-120:] for d in seen.attrs["details"]}
    return {
        "on_net": True,
        "neighbour_reaches_server": bool(table.loc[neighbour, target]),
        "client_reaches_server": bool(table.loc[client, target]),
        "client_reaches_neighbour": bool(table.loc[client, neighbour]),
        "client_refused": "refused" in details.get(f"{client}->{target}", "").lower(),
    }


@exercise("web-closed-to-lan1")
def check_web_closed_to_lan1(
    answer: Any,
    *,
    client: str = "alice",
    neighbour: str = "bob",
    server: str = "web",
    port: int = 8000,
    net: str = "lan2",
) -> CheckResult:
    """05-router-and-lans: ``client`` (lan1) is refused on ``server:port``; ``neighbour`` (lan2) still reaches it.

    "Refused" means the router answers with a reset (``-j REJECT --reject-with tcp-reset``), so the
    client learns at once; a rule that silently drops (``-j DROP``) makes the client wait for a timeout
    and is not what the exercise asks for. ``answer`` is what the learner's iptables step returned.
    """
    hint = (
        "iptables reads a chain from the top and the first rule that matches decides. Look at where your rule "
        "landed in dnb.iptables_rules('router', chain='FORWARD'): is there a rule above it that already decides "
        f"for port {port}? And does your rule refuse (REJECT) or stay silent (DROP)?"
    )
    if answer is None:
        return no_answer(hint)
    seen = ask("lan_filter", client=client, neighbour=neighbour, server=server, port=port, net=net)
    if seen is None:
        return failed(f"{server} or {neighbour} does not run any more.", "Run the cells of sections 3 to 8 again.")
    if not seen["on_net"]:
        return failed(f"{server} and {neighbour} should both be on {net}.", "Run the cells of sections 3 to 8 again.")
    target = f"{server}:{port}"
    if not seen["neighbour_reaches_server"]:
        return failed(f"{neighbour} cannot reach {target} either: is {server} still running?", hint)
    if seen["client_reaches_server"]:
        return failed(f"{client} still reaches {target} through the router.", hint)
    if not seen["client_reaches_neighbour"]:
        return failed(
            f"{client} cannot even ping {neighbour} any more: the router now drops more than port {port}.",
            f"Block only TCP to port {port} (-p tcp --dport {port}); list the rules with dnb.iptables_rules('router').",
        )
    if not seen["client_refused"]:
        return failed(
            f"{client} no longer reaches {target}, but nobody told it: its connection timed out instead of being refused.",
            "-j DROP throws the packet away silently; -j REJECT --reject-with tcp-reset answers with a reset.",
        )
    return passed(
        f"{client} is refused on {target} while {neighbour} reaches it: the router filters only what it forwards, "
        f"and {neighbour}'s packets never pass through it."
    )


@question("ospf_paths")
def _ospf_paths(router: str, peer: str, lan: str, wait: float) -> dict[str, Any]:
    deadline = time.monotonic() + wait
    while True:
        neighbours = ospf.ospf_neighbours(router)
        table = ospf.ospf_routes(router)
        full = bool(len(neighbours[(neighbours["neighbour"] == peer) & (neighbours["state"] == "Full")]))
        to_lan = table[table["network"] == lan]
        via = sorted(set(to_lan["via"].dropna()))
        metric = int(to_lan["metric"].iloc[0]) if len(to_lan) else None
        if (full and via and peer not in via) or time.monotonic() > deadline:
            return {"peer_full": full, "via": via, "metric": metric, "has_route": bool(len(to_lan))}
        time.sleep(0.5)


@exercise("ospf-detour")
def check_ospf_detour(
    answer: Any,
    *,
    router: str = "r1",
    peer: str = "r2",
    detour: str = "r3",
    link: str = "n12",
    lan: str = "lan2",
    wait: float = 10,
) -> CheckResult:
    """06-routing-daemon: ``router`` reaches ``lan`` through ``detour`` while its direct ``link`` to ``peer`` is up.

    OSPF needs a moment to recompute after a change, so the check waits up to ``wait`` seconds.
    """
    hint = (
        f"OSPF adds up the costs of the interfaces on a path and takes the cheapest. What does each interface "
        f"on {router}'s paths to {lan} cost now, and which one would you make dearer? (`ip ospf cost` on an "
        "interface, through vtysh.)"
    )
    if answer is None:
        return no_answer(hint)
    seen = ask("ospf_paths", router=router, peer=peer, lan=lan, wait=wait)
    if seen["peer_full"] and seen["via"] == [detour]:
        return passed(
            f"{router} keeps its Full adjacency with {peer} on {link}, yet sends {lan} traffic via {detour} "
            f"(total cost {seen['metric']}): the cheapest path, not the shortest, wins."
        )
    if not seen["peer_full"]:
        return failed(
            f"{router} has no Full adjacency with {peer} any more: the direct link must stay up.",
            "Undo what took the link down (as in section 6: no router ospf, dnb.connect, dnb.configure_ospf), then change its cost.",
        )
    if not seen["has_route"]:
        return failed(f"{router} has no route to {lan} at all.", hint)
    return failed(f"{router} still sends {lan} traffic via {', '.join(seen['via']) or 'nowhere'}.", hint)
