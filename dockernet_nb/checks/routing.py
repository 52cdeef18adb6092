"""Exercise checks of lesson 07 (where a published port goes); 05 and 06 have theirs in :mod:`.routers`.

Like :mod:`dockernet_nb.checks.basics`, each check asks the engine for the truth when it runs (it tries
the connection, reads the routing table) through the recorded :func:`~dockernet_nb.checks.exercise.ask`,
and returns "Correct", or "Not yet" with a hint. Example::

    >>> from dockernet_nb import checks
    >>> checks.check_proxy_or_dnat(None)        # doctest: +SKIP
    Not yet: there is no answer yet (answer is None).
    Hint: ...
"""

from __future__ import annotations

from typing import Any

from dockernet_nb.checks.exercise import ask, exercise, question
from dockernet_nb.checks.result import CheckResult, failed, no_answer, passed
from dockernet_nb.engine.objects import container_handle, find_container
from dockernet_nb.errors import NotFound
from dockernet_nb.verbs import containers as container_verbs
from dockernet_nb.verbs import servers

__all__ = ["check_proxy_or_dnat"]

PROBE_PORT = 20123  # the client port the 07 check connects from (outside the ephemeral range): DNAT keeps it, the proxy does not


@question("published_path")
def _published_path(server: str, net: str) -> dict[str, Any] | None:
    try:
        live = container_handle(find_container(server))
    except NotFound:
        return None
    published = live.ports.get("8000/tcp", "")
    host_ip, _, host_port = published.rpartition(":")
    if not host_ip or not host_port.isdigit():
        return {"published": False}
    before = len(servers.connections(server))
    reply = container_verbs.run("debian", ["nc", "-p", str(PROBE_PORT), "-w", "2", host_ip, host_port], net=net)
    seen = servers.connections(server)
    reached = reply.ok and len(seen) > before
    return {
        "published": True,
        "address": f"{host_ip}:{host_port}",
        "reached": reached,
        "output": reply.output.strip()[:80],
        "client_port": int(seen["client_port"].iloc[-1]) if reached else None,
    }


@exercise("proxy-or-dnat")
def check_proxy_or_dnat(answer: Any, *, server: str = "web", net: str = "bridge") -> CheckResult:
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
    seen = ask("published_path", server=server, net=net)
    if seen is None:
        return failed(f"no container named {server!r} runs now.", "Run the cells of section 5 again.")
    if not seen["published"]:
        return failed(f"{server} publishes no port right now.", "Run the cells of section 5 again.")
    if not seen["reached"]:
        return failed(
            f"a container on {net} could not reach {seen['address']} just now ({seen['output']}).",
            "Run the cells of section 5 again.",
        )
    truth = "dnat" if seen["client_port"] == PROBE_PORT else "proxy"
    story = (
        f"the server saw client port {PROBE_PORT}, the one the client chose: the kernel rewrote the destination."
        if truth == "dnat"
        else f"the client connected from port {PROBE_PORT}, the server saw another one: docker-proxy accepted the "
        "connection and opened its own."
    )
    if given == truth:
        return passed(f"{truth}: {story}")
    return failed(f"the engine says {truth}, not {given}.", hint)
