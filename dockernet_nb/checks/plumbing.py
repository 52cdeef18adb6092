"""Exercise checks of lesson 13 (what a Docker network is made of, then the same built by hand).

The checks ask the engine for the truth by other means than the verbs the learner used: a
container's ``/sys/class/net/eth0/iflink`` and the host's ``ip -j link``; inside the lab container,
the namespace's own addresses and links, a ping, and the server's log of who connected. Example::

    >>> from dockernet_nb import checks
    >>> checks.check_host_peer(None)          # doctest: +SKIP
    Not yet: there is no answer yet (answer is None).
"""

from __future__ import annotations

import json
import shlex
import time
from typing import Any

import pandas as pd

from dockernet_nb.checks.exercise import ask, exercise, question
from dockernet_nb.checks.result import CheckResult, failed, no_answer, passed, text_answer
from dockernet_nb.errors import NotFound
from dockernet_nb.parsers import ip_addr, ip_link
from dockernet_nb.verbs import containers as container_verbs
from dockernet_nb.verbs.common import addresses_of
from dockernet_nb.verbs.plumbing import read_host
from dockernet_nb.verbs.servers import connections

__all__ = ["check_host_peer", "check_third_namespace", "check_nat_source"]

LAB = "lab"
HAND_SUBNET = "172.16.13.0/24"
RED_ADDRESS = "172.16.13.2"
GREEN_ADDRESS = "172.16.13.4"
MASQUERADE = ["-s", HAND_SUBNET, "!", "-o", "br0", "-j", "MASQUERADE"]


# --- what the checks ask the engine ------------------------------------------------------------------


@question("host_peer")
def _host_peer(container: str) -> dict[str, Any] | None:
    """The host end of a container's eth0: its iflink from /sys, matched in the host's ``ip -j link``."""
    try:
        read = container_verbs.exec(container, ["cat", "/sys/class/net/eth0/iflink"])
    except NotFound:
        return None
    if not read.ok or not read.stdout.strip().isdigit():
        return {"iflink": None, "veth": None, "master": None, "others": {}}
    iflink = int(read.stdout.strip())
    (text,) = read_host(["ip", "-j", "link", "show"])
    host = [item for item in json.loads(text) if "ifname" in item]
    peer = next((item for item in host if item.get("ifindex") == iflink), None)
    return {
        "iflink": iflink,
        "veth": peer.get("ifname") if peer else None,
        "master": peer.get("master") if peer else None,
        "others": {str(item["ifname"]): item.get("master") for item in host if str(item["ifname"]).startswith("veth")},
    }


def _in_lab(argv: list[str]) -> Any:
    return container_verbs.exec(LAB, argv)


_HOLDERS = (
    "for p in $(ls /proc | grep -E '^[0-9]+$'); do "
    '[ "$(readlink /proc/$p/ns/net)" = "$(readlink /proc/1/ns/net)" ] || echo $p; done'
)


@question("hand_namespaces")
def _hand_namespaces() -> list[dict[str, Any]] | None:
    """Every namespace built by hand in the lab: a process that holds it, its addresses, its links' bridge, a ping to red.

    One question whatever the learner answers, so a recording answers it for a right answer and a wrong one alike.
    """
    try:
        lab_links = ip_link.parse(_in_lab(["ip", "link", "show"]).stdout)
    except NotFound:
        return None
    found, seen = [], set()
    for pid in (int(p) for p in _in_lab(["sh", "-c", _HOLDERS]).stdout.split()):
        enter = ["nsenter", f"--net=/proc/{pid}/ns/net"]
        namespace = _in_lab(["readlink", f"/proc/{pid}/ns/net"]).stdout.strip()
        links = _in_lab([*enter, "ip", "link", "show"])
        if not links.ok or namespace in seen:
            continue
        seen.add(namespace)
        addresses = ip_addr.parse(_in_lab([*enter, "ip", "-4", "addr", "show"]).stdout)
        masters = {}
        for link in ip_link.parse(links.stdout).itertuples():
            if link.name == "lo" or pd.isna(link.iflink):
                continue
            peer = lab_links[lab_links["ifindex"] == link.iflink]
            masters[str(link.name)] = None if peer.empty or pd.isna(peer["master"].iloc[0]) else str(peer["master"].iloc[0])
        ping = _in_lab([*enter, "ping", "-c", "1", "-W", "2", RED_ADDRESS])
        found.append(
            {
                "pid": pid,
                "addresses": sorted(
                    f"{r.ipv4}/{r.prefixlen}" for r in addresses.dropna(subset=["ipv4"]).itertuples() if r.name != "lo"
                ),
                "masters": masters,
                "ping": ping.ok,
            }
        )
    return found


def _pid_with(address: str) -> int | None:
    """The process in the lab that holds the namespace with ``address`` (the first one found)."""
    script = (
        "for p in $(ls /proc | grep -E '^[0-9]+$'); do "
        f"if nsenter --net=/proc/$p/ns/net ip -4 -o addr show 2>/dev/null | grep -q ' {address}/'; then echo $p; break; fi; "
        "done"
    )
    found = _in_lab(["sh", "-c", script]).stdout.strip()
    return int(found) if found.isdigit() else None


@question("seen_from_namespace")
def _seen_from_namespace(address: str, server: str, port: int) -> dict[str, Any] | None:
    """Connect from the hand-made namespace that has ``address`` to ``server``; whom did the server log?

    Only once the lab masquerades the namespaces' subnet: without it, the server's answer would leave
    this machine through the host's default route (the course's network rule).
    """
    try:
        lab_address = addresses_of(LAB)
    except NotFound:
        return None
    if not _in_lab(["iptables", "-t", "nat", "-C", "POSTROUTING", *MASQUERADE]).ok:
        return {"nat": False}
    pid = _pid_with(address)
    if pid is None:
        return {"nat": True, "namespace": False}
    target = next(iter(addresses_of(server).values()), "")
    before = len(connections(server))
    # A port added to br0 (the learner's green) can change br0's MAC address, which the namespace's
    # cached neighbour entry for its gateway still names for a while: forget it first, as Docker
    # avoids by giving its bridges a fixed MAC address.
    script = f"ip neigh flush all; nc -w 2 {shlex.quote(target)} {int(port)} < /dev/null > /dev/null"
    seen, tried = None, ""
    # On a busy machine the first packets can wait for ARP, and the server writes its log line a moment
    # after the connection: try a few times, and give the log time to show it.
    for _ in range(3):
        attempt = _in_lab(["nsenter", f"--net=/proc/{pid}/ns/net", "sh", "-c", script])
        tried = f"nc to {target}:{int(port)} from process {pid}'s namespace: exit code {attempt.exit_code} {attempt.output.strip()[-200:]}"
        deadline = time.monotonic() + 3
        while seen is None and time.monotonic() < deadline:
            log = connections(server)
            if len(log) > before:
                seen = str(log["client"].iloc[-1])
            else:
                time.sleep(0.2)
        if seen is not None:
            break
    return {"nat": True, "namespace": True, "seen": seen, "lab": list(lab_address.values()), "tried": tried}


# --- the checks --------------------------------------------------------------------------------------


@exercise("hood-peer")
def check_host_peer(answer: str | None) -> CheckResult:
    """13: the host end (a veth) of loner's eth0.

    ``answer`` is that interface's name as the host's ``ip link`` shows it, e.g. ``"veth1a2b3c4"``.
    """
    hint = (
        "Read loner's eth0@ifN in dnb.exec('loner', 'ip link show eth0'): N is the index of its peer on the host. "
        "Then find the host interface with that index in dnb.bridge_links('bridge') (column ifindex). Answer its name."
    )
    given = text_answer(answer, hint)
    truth = ask("host_peer", container="loner")
    if truth is None:
        return failed("there is no container loner any more.", "Run the cells of section 1 again, then this one.")
    if truth["veth"] and given == truth["veth"]:
        return passed(
            f"loner's eth0 names index {truth['iflink']} as its peer, and on the host that is {given}, plugged into "
            f"{truth['master']}: the default network's bridge."
        )
    if given in ("docker0",) or given.startswith("br-"):
        return failed(f"{given} is a bridge: the veth is the port plugged into it.", hint)
    if given.startswith("eth"):
        return failed(f"{given} is loner's own end of the pair; the question asks for the end on the host.", hint)
    if given in truth["others"]:
        return failed(f"{given} is the host end of another container's veth pair: its index is not {truth['iflink']}.", hint)
    return failed(f"the host has no veth called {given!r}.", hint)


@exercise("hood-green")
def check_third_namespace(answer: int | None) -> CheckResult:
    """13: a third namespace, green, at 172.16.13.4, plugged into br0, that reaches red."""
    hint = (
        "Repeat the steps for red with a new process (new_namespace('green')): a veth pair veth-green/eth0 into it, veth-green "
        f"into br0 and up, then in green {GREEN_ADDRESS}/24 on eth0 and eth0 up. Answer the process id that holds green."
    )
    if answer is None:
        return no_answer(hint)
    if isinstance(answer, bool) or not isinstance(answer, int):
        return failed(f"answer should be the process id (a number, like red), got {answer!r}.", hint)
    namespaces = ask("hand_namespaces")
    if namespaces is None:
        return failed("there is no lab container.", "Run the cells that start lab and build red and blue first.")
    state = next((n for n in namespaces if n["pid"] == answer), None)
    if state is None:
        return failed(f"no process {answer} in lab holds a namespace of its own.", hint)
    if f"{GREEN_ADDRESS}/24" not in state["addresses"]:
        return failed(f"that namespace has {', '.join(state['addresses']) or 'no IPv4 address'}, not {GREEN_ADDRESS}/24.", hint)
    if "br0" not in state["masters"].values():
        return failed("its interface's other end is not plugged into br0 (ip link set veth-green master br0).", hint)
    if not state["ping"]:
        return failed(
            f"it has the address and the bridge port, but a ping to red ({RED_ADDRESS}) got no answer: is "
            "veth-green up, and eth0 in green?",
            hint,
        )
    return passed(f"green has {GREEN_ADDRESS}/24, its veth is a port of br0, and it reaches red: a third container, by hand.")


@exercise("hood-nat-source")
def check_nat_source(answer: str | None) -> CheckResult:
    """13: predict the client address web logs for a connection from red, then verify.

    ``answer`` is that address as a string. The check connects from red's namespace (once lab masquerades
    its subnet) and reads who web logged.
    """
    hint = (
        "MASQUERADE rewrites the source of a packet leaving through another interface than br0 to the address of that "
        "interface. Which interface does red's packet to web leave the lab by, and which address does it have?"
    )
    given = text_answer(answer, hint)
    truth = ask("seen_from_namespace", address=RED_ADDRESS, server="web", port=8000)
    if truth is None:
        return failed("lab (or web) is not running.", "Run the cells that start lab and web first.")
    if not truth["nat"]:
        return failed(
            "lab has no MASQUERADE rule for 172.16.13.0/24 yet, so the check will not connect.",
            "Run the cell that adds the NAT rule first.",
        )
    if not truth.get("namespace"):
        return failed(f"no namespace in lab has {RED_ADDRESS}.", "Build red as in the cells above first.")
    seen = truth["seen"]
    if seen is None:
        return failed(
            f"the connection from red did not reach web ({truth.get('tried', '')}).", "Check red's default route (via 172.16.13.1)."
        )
    if given == seen:
        return passed(
            f"web logged {seen}: lab's own address. red's {RED_ADDRESS} never left the lab; MASQUERADE "
            "put lab's address in its place, as Docker's rule does with the host's address."
        )
    if given == RED_ADDRESS:
        return failed(
            f"that is red's own address, but web logged {seen}: the packet's source was rewritten on its way out.", hint
        )
    return failed(f"web logged {seen}, not {given}.", hint)
