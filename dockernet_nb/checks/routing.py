"""Exercise checks of the routing lessons: 05 (a router between two LANs) and 06 (OSPF among FRR routers).

Lesson 07's checks are in :mod:`dockernet_nb.checks.ports`, lesson 90's in :mod:`dockernet_nb.checks.console`.

Like :mod:`dockernet_nb.checks.basics`, each check asks the engine for the truth when it runs (it tries
the connection, reads the routing tables) through the recorded :func:`~dockernet_nb.checks.exercise.ask`,
and returns "Correct", or "Not yet" with a hint. Where the learner's answer itself shows the mistake (a
rules table whose ACCEPT still comes first, a vtysh run that set no cost) the check says so before it
asks the engine anything. Example::

    >>> from dockernet_nb import checks
    >>> checks.check_web_closed_to_lan1(None)        # doctest: +SKIP
    Not yet: there is no answer yet (answer is None).
    Hint: ...
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pandas as pd

from dockernet_nb.checks.exercise import ask, exercise, question
from dockernet_nb.checks.result import CheckResult, failed, no_answer, passed
from dockernet_nb.errors import NotFound
from dockernet_nb.records import CommandResult
from dockernet_nb.verbs import containers, ospf
from dockernet_nb.verbs.common import addresses_of

__all__ = ["check_web_closed_to_lan1", "check_ospf_detour", "check_way_back_ttl"]

VERDICTS = ("ACCEPT", "DROP", "REJECT")


def _attempt(source: str, command: list[str], tries: int = 2) -> CommandResult:
    """Run a probe in ``source``; on a busy machine a first packet can be late, so one more try."""
    result = containers.exec(source, command, timeout=20)
    for _ in range(tries - 1):
        if result.ok:
            break
        time.sleep(0.5)
        result = containers.exec(source, command, timeout=20)
    return result


def _rounds(deadline: float, pause: float) -> Iterator[None]:
    """Rounds of a look that may need a moment: one, then another after ``pause`` until ``deadline`` (time.monotonic())."""
    yield
    while time.monotonic() <= deadline:
        time.sleep(pause)
        yield


# --- 05: close the uptime server to lan1 --------------------------------------------------------------


@question("lan_filter")
def _lan_filter(client: str, neighbour: str, server: str, port: int, net: str) -> dict[str, Any] | None:
    try:
        server_ip = addresses_of(server).get(net)
        neighbour_ip = addresses_of(neighbour).get(net)
        addresses_of(client)
    except NotFound:
        return None
    if not server_ip or not neighbour_ip:
        return {"on_net": False}
    # nc -v says how a failed connection ended: "Connection refused" (a reset or an ICMP error came
    # back) or "timed out" (nothing came back: a DROP).
    tried = containers.exec(client, ["nc", "-v", "-z", "-w", "2", server_ip, str(port)], timeout=20)
    text = tried.output.lower()
    outcome = "reached" if tried.ok else "refused" if "refused" in text else "silent"
    return {
        "on_net": True,
        "client": outcome,
        "client_said": tried.output.strip()[-160:],
        "neighbour_reaches_server": _attempt(neighbour, ["nc", "-z", "-w", "2", server_ip, str(port)]).ok,
        "client_reaches_neighbour": _attempt(client, ["ping", "-c", "1", "-W", "2", neighbour_ip]).ok,
    }


def _first_verdict(rules: pd.DataFrame, port: int) -> pd.Series | None:
    """The first FORWARD rule in a rules table that could decide for a TCP connection to ``port``."""
    if not {"chain", "target", "protocol", "dport"} <= set(rules.columns):
        return None
    for _, rule in rules[rules["chain"] == "FORWARD"].iterrows():
        protocol, dport = rule["protocol"], rule["dport"]
        if rule["target"] not in VERDICTS:
            continue
        if (pd.isna(protocol) or protocol in ("tcp", "all")) and (pd.isna(dport) or dport == str(port)):
            return rule
    return None


def _judge_rules(answer: Any, port: int, hint: str) -> CheckResult | None:
    """A verdict from the learner's own answer when it already shows the mistake; None: ask the engine."""
    if isinstance(answer, CommandResult) and not answer.ok:
        said = answer.output.strip().splitlines()[-1:] or [f"exit code {answer.exit_code}"]
        return failed(f"the command you ran failed: {said[0]}", hint)
    if not isinstance(answer, pd.DataFrame):
        return None
    first = _first_verdict(answer, port)
    if first is None or pd.isna(first["dport"]):
        return None  # no rule for the port, or a broader one: the engine decides
    if first["target"] == "ACCEPT":
        return failed(
            f"in the rules you handed in, the first FORWARD rule that decides for TCP port {port} is "
            f"`{first['rule']}`: it lets the connection through.",
            hint,
        )
    if first["target"] == "DROP":
        return failed(
            f"in the rules you handed in, the first FORWARD rule for TCP port {port} is `{first['rule']}`: "
            "the client would wait for a timeout instead of being refused.",
            hint,
        )
    return None


@exercise("web-closed-to-lan1")
def check_web_closed_to_lan1(
    answer: Any, *, client: str = "alice", neighbour: str = "bob", server: str = "web", port: int = 8000, net: str = "lan2"
) -> CheckResult:
    """05-router-and-lans: ``client`` (lan1) is refused on ``server:port``; ``neighbour`` (lan2) still reaches it.

    "Refused" means something answers the client's connection attempt with a refusal at once (a TCP
    reset or an ICMP error, which ``-j REJECT`` sends); a rule that silently drops (``-j DROP``) makes
    the client wait for a timeout and is not what the exercise asks for. ``answer`` is what the
    learner's iptables step returned (the rules table of ``dnb.add_rule``, or ``dnb.exec``'s result).
    """
    hint = (
        "iptables reads a chain from the top, and the first rule that matches decides. Look at the whole FORWARD "
        f"chain with dnb.iptables_rules('router', chain='FORWARD'): which rule decides for TCP port {port} from lan1 "
        "now, and what does the client hear when it decides?"
    )
    if answer is None:
        return no_answer(hint)
    early = _judge_rules(answer, port, hint)
    if early is not None:
        return early
    seen = ask("lan_filter", client=client, neighbour=neighbour, server=server, port=port, net=net)
    again = "Run the cells of sections 3 to 9 again."
    if seen is None:
        return failed(f"{client}, {neighbour} or {server} does not run any more.", again)
    if not seen["on_net"]:
        return failed(f"{server} and {neighbour} should both be on {net}.", again)
    target = f"{server}:{port}"
    if not seen["neighbour_reaches_server"]:
        return failed(f"{neighbour} cannot reach {target} either: is {server} still running?", hint)
    if seen["client"] == "reached":
        return failed(f"{client} still reaches {target} through the router.", hint)
    if not seen["client_reaches_neighbour"]:
        return failed(
            f"{client} cannot even ping {neighbour} any more: the router now stops more than TCP port {port}.",
            f"Stop only TCP to port {port}; list the rules with dnb.iptables_rules('router', chain='FORWARD').",
        )
    if seen["client"] == "silent":
        return failed(
            f"{client} no longer reaches {target}, but nobody told it so: its connection attempt timed out "
            "instead of being refused.",
            "Section 7 shows two ways a rule can stop a connection. Which one answers the client?",
        )
    return passed(
        f"{client} is refused on {target} at once ({seen['client_said'] or 'connection refused'}), while {neighbour} "
        f"reaches it: the router filters only what it forwards, and {neighbour}'s packets never pass through it."
    )


# --- 06: steer OSPF with a cost, and the way back ------------------------------------------------------


def _paths_to(router: str, lan: str) -> tuple[list[str], int | None]:
    table = ospf.ospf_routes(router)
    to_lan = table[table["network"] == lan]
    metric = int(to_lan["metric"].iloc[0]) if len(to_lan) else None
    return sorted(set(to_lan["via"].dropna())), metric


@question("ospf_paths")
def _ospf_paths(router: str, peer: str, lan: str, wait: float) -> dict[str, Any]:
    for _ in _rounds(time.monotonic() + wait, pause=0.5):  # OSPF may still be recomputing after the learner's change
        neighbours = ospf.ospf_neighbours(router)
        full = bool(len(neighbours[(neighbours["neighbour"] == peer) & (neighbours["state"] == "Full")]))
        via, metric = _paths_to(router, lan)
        if full and via and peer not in via:
            break
    return {"peer_full": full, "via": via, "metric": metric, "has_route": bool(via) or metric is not None}


def _judge_vtysh(answer: Any, hint: str) -> CheckResult | None:
    """A verdict from the learner's vtysh run when it already shows the mistake; None: ask the engine."""
    if not isinstance(answer, CommandResult):
        return None
    complaints = [line.strip() for line in answer.output.splitlines() if line.strip().startswith("%")]
    if not answer.ok or complaints:
        said = complaints[0] if complaints else (answer.output.strip().splitlines() or [f"exit code {answer.exit_code}"])[-1]
        return failed(f"vtysh did not take what you sent: {said}", hint)
    if "ospf cost" not in answer.command:
        return failed("what you ran has no `ip ospf cost` line in it: it changes no interface's cost.", hint)
    return None


@exercise("ospf-detour")
def check_ospf_detour(
    answer: Any, *, router: str = "r1", peer: str = "r2", detour: str = "r3", link: str = "n12", lan: str = "lan2", wait: float = 10
) -> CheckResult:
    """06-routing-daemon: ``router`` reaches ``lan`` through ``detour`` while its direct ``link`` to ``peer`` is up.

    ``answer`` is what ``dnb.exec`` returned for the vtysh command. OSPF needs a moment to recompute
    after a change, so the check waits up to ``wait`` seconds.
    """
    hint = (
        f"OSPF adds up the costs of the interfaces a packet leaves through and takes the cheapest path. Which "
        f"interface's cost would make {router}'s direct way to {lan} dearer than the way round, and on which router "
        "is it set? (`ip ospf cost` belongs in an interface's configuration, through vtysh.)"
    )
    if answer is None:
        return no_answer(hint)
    early = _judge_vtysh(answer, hint)
    if early is not None:
        return early
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


@question("way_back")
def _way_back(client: str, server: str, router: str, peer: str, lan: str, back_lan: str, wait: float) -> dict[str, Any] | None:
    try:
        server_ip = next(iter(addresses_of(server).values()), None)
    except NotFound:
        return None
    deadline = time.monotonic() + wait
    for _ in _rounds(deadline, pause=0.5):  # OSPF may still be recomputing after the learner's change
        there, there_metric = _paths_to(router, lan)
        back, back_metric = _paths_to(peer, back_lan)
        if there and back:
            break
    ttl = None
    if server_ip:
        for _ in _rounds(deadline, pause=0.3):
            reply = containers.exec(client, ["ping", "-c", "1", "-W", "2", server_ip], timeout=20)
            found = [word for word in reply.stdout.split() if word.startswith("ttl=")]
            if found:
                ttl = int(found[0].removeprefix("ttl="))
                break
    return {"there": there, "there_metric": there_metric, "back": back, "back_metric": back_metric, "ttl": ttl}


@exercise("way-back-ttl")
def check_way_back_ttl(
    answer: Any,
    *,
    client: str = "h1",
    server: str = "h2",
    router: str = "r1",
    peer: str = "r2",
    detour: str = "r3",
    lan: str = "lan2",
    back_lan: str = "lan1",
    wait: float = 10,
) -> CheckResult:
    """06-routing-daemon: predict the TTL of ``server``'s replies to ``client`` once ``router`` detours via ``detour``.

    ``answer`` is a whole number. The check reads the routes both ways (``router`` to ``lan``, ``peer``
    to ``back_lan``) and pings once from ``client``: the TTL a ping shows counts the routers the
    *reply* crossed, and the reply follows the tables of the routers on its own way.
    """
    hint = (
        f"A ping's TTL is the TTL of the reply: 64 when {server} sent it, one less for every router that forwarded it. "
        f"Which routers does the reply from {server} cross? Ask the routers on its way: "
        f"dnb.ospf_routes('{peer}') says where {peer} sends traffic for {back_lan}."
    )
    if answer is None:
        return no_answer(hint)
    if isinstance(answer, bool) or not isinstance(answer, (int, str)) or not str(answer).strip().isdigit():
        return failed(f"{answer!r} is not a TTL: answer with a whole number, such as 64.", hint)
    predicted = int(str(answer).strip())
    seen = ask("way_back", client=client, server=server, router=router, peer=peer, lan=lan, back_lan=back_lan, wait=wait)
    if seen is None:
        return failed(f"{server} does not run any more.", "Run the cells of sections 4 to 6 again.")
    if seen["there"] != [detour]:
        return failed(
            f"{router} does not send {lan} traffic via {detour} yet (it goes via {', '.join(seen['there']) or 'nowhere'}).",
            "Solve the exercise above first: this prediction is about the detour.",
        )
    if seen["ttl"] is None:
        return failed(f"{client} got no reply from {server} just now.", "Run the cells of section 4 again, then ping h2 from h1.")
    if predicted != seen["ttl"]:
        return failed(f"{client} does not see TTL {predicted} in {server}'s replies. Ping it and look.", hint)
    crossed = 64 - seen["ttl"]
    return passed(
        f"TTL {seen['ttl']}: the reply crossed {crossed} router(s). The request went {router} -> {detour} -> {peer}, but "
        f"{peer} sends traffic for {back_lan} via {', '.join(seen['back'])} (total cost {seen['back_metric']}): the cost you "
        f"set on {router} counts only for packets leaving {router}, so the way back is not the way there."
    )
