"""Exercise checks of the published-port lessons (03 publishing ports, 07 where a published port goes).

Each check asks the engine what it needs through :func:`~dockernet_nb.checks.exercise.ask` (recorded,
so replay mode judges the same way): it connects for real and reads the server's log, so the verdict
is what this engine does, whatever its version or its docker-proxy setting. Example::

    >>> from dockernet_nb import checks
    >>> checks.check_visitor_address(None)          # doctest: +SKIP
    Not yet: there is no answer yet (answer is None).
    Hint: ...
"""

from __future__ import annotations

import re
from typing import Any

from dockernet_nb.checks.exercise import ask, exercise, question, running_container
from dockernet_nb.checks.result import CheckResult, failed, handle_name, no_answer, passed
from dockernet_nb.engine import images
from dockernet_nb.engine.objects import find_network, ipam_of
from dockernet_nb.errors import DockernetError
from dockernet_nb.records import ContainerHandle
from dockernet_nb.verbs import containers as container_verbs
from dockernet_nb.verbs import servers
from dockernet_nb.verbs.tcp import tcp_request

__all__ = ["check_published_uptime", "check_visitor_address", "check_proxy_or_dnat"]

PROBE_PORT = 20123  # the client port the 07 check connects from (outside the ephemeral range): DNAT keeps it, the proxy does not

# Where a lesson's cells set up what a check needs, named as the lesson's headings name them (a unit
# test keeps these equal to the notebooks' headings).
SERVER_SECTION_03 = "section 2"
OTHERNET_SECTION_07 = "section 4"


# --- what the checks ask the engine ------------------------------------------------------------------


@question("published_server")
def _published_server(name: str, port: int) -> dict[str, Any] | None:
    live = running_container(name)
    if live is None:
        return None
    try:
        reply = tcp_request(port)
    except DockernetError as e:
        reply = f"ERROR: {e}"
    return {"status": live.status, "image": live.image, "ports": live.ports, "networks": list(live.addresses), "reply": reply}


def _gateway(net: str) -> str:
    return ipam_of(find_network(net).attrs)[1] or ""


@question("direct_visit")
def _direct_visit(server: str, net: str, port: int) -> dict[str, Any] | None:
    """A one-off container on ``net`` connects to ``server``'s own address there; who did the server log?"""
    live = running_container(server)
    if live is None:
        return None
    server_ip = live.addresses.get(net)
    if not server_ip:
        return {"on_net": False}
    before = len(servers.connections(server))
    reply = container_verbs.run("debian", ["sh", "-c", f"hostname -i; nc -w 2 {server_ip} {port}"], net=net)
    seen = servers.connections(server)
    words = reply.stdout.split()
    return {
        "on_net": True,
        "server_ip": server_ip,
        "client_ip": words[0] if words else "",
        "gateway": _gateway(net),
        "reached": "load average" in reply.stdout and len(seen) > before,
        "seen": str(seen["client"].iloc[-1]) if len(seen) > before else None,
        "output": reply.output.strip()[-120:],
    }


@question("published_path")
def _published_path(server: str, net: str) -> dict[str, Any] | None:
    live = running_container(server)
    if live is None:
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


# --- the checks --------------------------------------------------------------------------------------


@exercise("published-uptime")
def check_published_uptime(answer: ContainerHandle | str | None, *, port: int = 8123) -> CheckResult:
    """03-publishing-ports: ``answer`` is the handle of an uptime server the host reaches on ``port``."""
    hint = (
        f"Start it as in {SERVER_SECTION_03} with name='clock' and detach=True, but change the host side of ports= "
        f"(ports='HOST:CONTAINER') to {port}."
    )
    name = handle_name(answer, hint)
    if re.fullmatch(r"[\d.]*:?\d+:\d+(/\w+)?", name):
        return failed(f"{name!r} is what ports= takes; answer should be the handle dnb.run(..., detach=True) returned.", hint)
    live = ask("published_server", name=name, port=port)
    if live is None:
        return failed(f"no container named {name!r} runs now.", hint)
    if live["status"] != "running":
        return failed(f"{name} is {live['status']}, not running.", hint)
    if images.resolve("uptime") != live["image"]:
        return failed(f"{name} runs {live['image']}, not the uptime server.", hint)
    published = live["ports"].get("8000/tcp", "")
    if not published.endswith(f":{port}"):
        return failed(f"{name} publishes container port 8000 on {published or 'nothing'}, not on host port {port}.", hint)
    if not live["networks"] or set(live["networks"]) == {"none"}:
        return failed(f"{name} is on no network, so Docker cannot forward the port to it.", hint)
    reply = live["reply"]
    if reply.startswith("ERROR: "):
        return failed(f"the host could not reach it: {reply[7:]}", hint)
    if "load average" not in reply:
        return failed(f"something answered on port {port}, but not with uptime: {reply.strip()[:80]!r}", hint)
    return passed(f"the host reached {name} on port {port} and got its uptime back.")


@exercise("visitor-address")
def check_visitor_address(answer: str | None, *, server: str = "nc", net: str = "bridge", port: int = 8000) -> CheckResult:
    """03-publishing-ports: a container on ``net`` connects straight to ``server``'s own address; whom does the log name?

    ``answer`` is ``"gateway"`` (the bridge's address on the host, as for the host's request) or
    ``"client"`` (the visiting container's own address). The check makes that connection for real.
    """
    hint = (
        "Answer 'gateway' or 'client'. Look at the packet-path picture again: why did the gateway appear in the log "
        "there? Then follow this new connection's packets from one container to the other."
    )
    if answer is None:
        return no_answer(hint)
    given = str(answer).strip().lower()
    if given not in ("gateway", "client"):
        return failed(f"{answer!r} is neither 'gateway' nor 'client'.", hint)
    seen = ask("direct_visit", server=server, net=net, port=port)
    if seen is None:
        return failed(f"no container named {server!r} runs now.", f"Run the cells of {SERVER_SECTION_03} again.")
    if not seen["on_net"]:
        return failed(f"{server} is not on {net}.", f"Run the cells of {SERVER_SECTION_03} again.")
    if not seen["reached"]:
        return failed(f"a container on {net} could not reach {seen['server_ip']}:{port} just now ({seen['output']}).",
                      f"Run the cells of {SERVER_SECTION_03} again.")
    truth = "client" if seen["seen"] == seen["client_ip"] else "gateway" if seen["seen"] == seen["gateway"] else None
    if truth is None:
        return failed(f"{server} logged {seen['seen']}, neither the visitor ({seen['client_ip']}) nor the gateway.", hint)
    if given == truth:
        story = (
            f"{server} logged {seen['seen']}, the visitor's own address: the packets went from one container to the "
            f"other across the bridge, with no program or NAT rule on the host in between."
            if truth == "client"
            else f"{server} logged the gateway {seen['seen']}: something on the host stood in between."
        )
        return passed(story)
    return failed(f"{server} logged {seen['seen']}, which is {'the visitor' if truth == 'client' else 'the gateway'}.", hint)


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
    again = f"Run the cells of {OTHERNET_SECTION_07} again (they publish {server} on othernet's gateway)."
    if seen is None:
        return failed(f"no container named {server!r} runs now.", again)
    if not seen["published"]:
        return failed(f"{server} publishes no port right now.", again)
    if not seen["reached"]:
        return failed(f"a container on {net} could not reach {seen['address']} just now ({seen['output']}).", again)
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
