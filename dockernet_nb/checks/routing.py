"""Exercise checks of the routing lessons (05 router, 06 OSPF, 07 published ports).

Like :mod:`dockernet_nb.checks`, each check asks the engine for the truth when it runs (it tries the
connection, reads the routing table) instead of comparing with a stored value, and returns a
:class:`~dockernet_nb.checks.CheckResult`: "Correct", or "Not yet" with a hint. Example::

    >>> from dockernet_nb import checks
    >>> checks.check_web_closed_to_lan1(None)        # doctest: +SKIP
    Not yet: there is no answer yet (answer is None).
    Hint: ...
"""

from __future__ import annotations

import time

from dockernet_nb.checks.result import CheckResult, failed, no_answer, passed
from dockernet_nb.engine.objects import container_handle, find_container
from dockernet_nb.errors import DockernetError, NotFound
from dockernet_nb.verbs import containers as container_verbs
from dockernet_nb.verbs import ospf, routes, servers
from dockernet_nb.verbs.common import addresses_of

__all__ = ["check_web_closed_to_lan1", "check_ospf_detour", "check_proxy_or_dnat"]

PROBE_PORT = 20123  # the client port the 07 check connects from (outside the ephemeral range): DNAT keeps it, the proxy does not


def check_web_closed_to_lan1(
    answer,
    *,
    client: str = "alice",
    neighbour: str = "bob",
    server: str = "web",
    port: int = 8000,
    net: str = "lan2",
) -> CheckResult:
    """05-router-and-lans: ``client`` (lan1) no longer reaches ``server:port``; ``neighbour`` (lan2) still does.

    ``answer`` is what the learner's iptables step returned; the check then tries the connections.
    """
    hint = (
        "iptables reads a chain from the top and the first rule that matches decides. The ACCEPT rule for "
        f"port {port} from section 7 comes first, so a rule appended below it (-A) never gets a say: insert "
        "yours above it (-I FORWARD 1 ...) or delete the ACCEPT rule (iptables -D FORWARD ...). "
        "Keep the answer: answer = dnb.exec('router', ...) or dnb.add_rule('router', ...)."
    )
    if answer is None:
        return no_answer(hint)
    try:
        server_ip = addresses_of(server).get(net)
        neighbour_ip = addresses_of(neighbour).get(net)
    except NotFound:
        return failed(f"{server} or {neighbour} does not run any more.", "Run the cells of sections 3 to 8 again.")
    if not server_ip or not neighbour_ip:
        return failed(f"{server} and {neighbour} should both be on {net}.", "Run the cells of sections 3 to 8 again.")
    target = f"{server}:{port}"
    try:
        seen = routes.reachability(
            [client, neighbour], {target: f"{server_ip}:{port}", neighbour: neighbour_ip}
        ).set_index("from")
    except DockernetError as e:
        return failed(f"could not try the connections: {e}", "Run the cells of sections 3 to 8 again.")
    if not seen.loc[neighbour, target]:
        return failed(f"{neighbour} cannot reach {target} either: is {server} still running?", hint)
    if seen.loc[client, target]:
        return failed(f"{client} still reaches {target} through the router.", hint)
    if not seen.loc[client, neighbour]:
        return failed(
            f"{client} cannot even ping {neighbour} any more: the router now drops more than port {port}.",
            "Block only TCP to port 8000 (-p tcp --dport 8000); list the rules with dnb.iptables_rules('router').",
        )
    return passed(
        f"{client} is refused on {target} while {neighbour} reaches it: the router filters only what it forwards, "
        f"and {neighbour}'s packets never pass through it."
    )


def check_ospf_detour(
    answer,
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
        f"OSPF adds up the costs of the interfaces on a path and takes the cheapest (every interface here costs "
        f"10). Make {router}'s interface on {link} expensive: find its name in the iface column of "
        f"dnb.ospf_neighbours('{router}'), then dnb.exec('{router}', ['vtysh', '-c', 'configure terminal', "
        "'-c', 'interface IFACE', '-c', 'ip ospf cost 100'])."
    )
    if answer is None:
        return no_answer(hint)
    deadline = time.monotonic() + wait
    while True:
        try:
            neighbours = ospf.ospf_neighbours(router)
            routes = ospf.ospf_routes(router)
        except DockernetError as e:
            return failed(f"could not ask {router}: {e}", "Run the cells of sections 2 to 6 again.")
        direct = neighbours[(neighbours["neighbour"] == peer) & (neighbours["state"] == "Full")]
        to_lan = routes[routes["network"] == lan]
        via = set(to_lan["via"].dropna())
        if not direct.empty and via == {detour}:
            metric = int(to_lan["metric"].iloc[0])
            return passed(
                f"{router} keeps its Full adjacency with {peer} on {link}, yet sends {lan} traffic via {detour} "
                f"(total cost {metric}): the cheapest path, not the shortest, wins."
            )
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    if direct.empty:
        return failed(
            f"{router} has no Full adjacency with {peer} any more: the direct link must stay up.",
            "Undo what took the link down (as in section 6: no router ospf, dnb.connect, dnb.configure_ospf), then change its cost.",
        )
    if to_lan.empty:
        return failed(f"{router} has no route to {lan} at all.", hint)
    return failed(f"{router} still sends {lan} traffic via {', '.join(sorted(via)) or 'nowhere'}.", hint)


def check_proxy_or_dnat(answer, *, server: str = "web", net: str = "bridge") -> CheckResult:
    """07-where-a-published-port-goes: which path does a container on ``net`` take to ``server``'s published port?

    ``answer`` is ``"proxy"`` (docker-proxy accepts it and opens a new connection) or ``"dnat"`` (the
    kernel rewrites the destination and the connection goes through as it is). The check connects from
    a one-off container on ``net`` from client port 20123 and reads the port the server saw.
    """
    hint = (
        "Answer 'proxy' or 'dnat'. Read the nat table's DOCKER chain from the top: which rule does a packet "
        f"arriving from the {net} network (interface docker0 on the host for 'bridge') meet first?"
    )
    if answer is None:
        return no_answer(hint)
    given = str(answer).strip().lower().replace("docker-proxy", "proxy")
    if given not in ("proxy", "dnat"):
        return failed(f"{answer!r} is neither 'proxy' nor 'dnat'.", hint)
    try:
        live = container_handle(find_container(server))
    except NotFound:
        return failed(f"no container named {server!r} runs now.", "Run the cells of section 5 again.")
    published = live.ports.get("8000/tcp", "")
    host_ip, _, host_port = published.rpartition(":")
    if not host_ip or not host_port.isdigit():
        return failed(f"{server} publishes no port right now.", "Run the cells of section 5 again.")
    before = len(servers.connections(server))
    reply = container_verbs.run("debian", ["nc", "-p", str(PROBE_PORT), "-w", "2", host_ip, host_port], net=net)
    seen = servers.connections(server)
    if not reply.ok or len(seen) <= before:
        return failed(
            f"a container on {net} could not reach {host_ip}:{host_port} just now ({reply.output.strip()[:80]}).",
            "Run the cells of section 5 again.",
        )
    truth = "dnat" if int(seen["client_port"].iloc[-1]) == PROBE_PORT else "proxy"
    story = (
        f"the server saw client port {PROBE_PORT}, the one the client chose: the kernel rewrote the destination."
        if truth == "dnat"
        else f"the client connected from port {PROBE_PORT}, the server saw another one: docker-proxy accepted the "
        "connection and opened its own, because the DOCKER chain lets traffic from Docker's bridges RETURN before DNAT."
    )
    if given == truth:
        return passed(f"{truth}: {story}")
    return failed(f"the engine says {truth}, not {given}.", hint)
