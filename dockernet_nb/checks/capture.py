"""Exercise checks of lesson 14 (packet capture): the answers come from the engine, not from the learner's capture.

Example::

    >>> from dockernet_nb import checks
    >>> checks.check_dns_port(None)          # doctest: +SKIP
    Not yet: there is no answer yet (answer is None).
"""

from __future__ import annotations

import re
from typing import Any

from dockernet_nb.checks.exercise import ask, exercise, question
from dockernet_nb.checks.result import CheckResult, failed, no_answer, passed, text_answer
from dockernet_nb.errors import NotFound
from dockernet_nb.verbs import capture as capture_verbs
from dockernet_nb.verbs import containers as container_verbs
from dockernet_nb.verbs.lookups import gateway_of

__all__ = ["check_dns_port", "check_unforwarded_port"]

_DNS_SOCKET = re.compile(r"127\.0\.0\.11:(\d+)\b")
ANSWERS = {"SA": "SYN-ACK: accepted", "RA": "RST-ACK: refused", "nothing": "no answer at all"}


@question("embedded_dns_port")
def _embedded_dns_port(container: str) -> int | None:
    """The UDP port Docker's DNS server really listens on inside ``container`` (``ss -lun`` there)."""
    try:
        listing = container_verbs.exec(container, ["ss", "-l", "-u", "-n"])
    except NotFound:
        return None
    found = _DNS_SOCKET.search(listing.stdout)
    return int(found.group(1)) if found else None


@question("gateway_answer")
def _gateway_answer(container: str, net: str, port: int) -> dict[str, Any] | None:
    """Capture in ``container`` while it connects to its network's gateway on ``port``: the first answer's flags."""
    try:
        gateway = gateway_of(net)
        handle = capture_verbs.start_capture(container, filter=f"tcp port {int(port)}", timeout=60)
    except NotFound:
        return None
    container_verbs.exec(container, ["nc", "-w", "2", gateway, str(int(port))], timeout=20)
    packets = capture_verbs.stop_capture(handle)
    answers = packets[(packets["from"] == "host") & packets["tcp_flags"].notna()]
    return {"gateway": gateway, "flags": None if answers.empty else str(answers["tcp_flags"].iloc[0])}


@exercise("wire-dns-port")
def check_dns_port(answer: int | None) -> CheckResult:
    """14: the port alice's DNS queries really go to (after Docker's NAT rule), read from the capture."""
    hint = "In the first capture, look at the dst_port of the rows whose `to` is Docker DNS (the queries, not the answers)."
    # Asked even without an answer: the port differs from run to run, and a recording must hold the
    # port of the run whose capture the learner reads (the lesson's own), not the solutions' run.
    port = ask("embedded_dns_port", container="alice")
    if answer is None:
        return no_answer(hint)
    if port is None:
        return failed("alice is not running, or Docker's DNS server was not found in it.", "Run the cells of section 1 again.")
    if isinstance(answer, bool) or not isinstance(answer, int):
        return failed(f"answer should be a port number, got {answer!r}.", hint)
    if answer == port:
        return passed(
            f"Docker's DNS server listens on 127.0.0.11:{port} inside alice's namespace; a NAT rule there turns port 53 "
            "into it on the way in, and back into 53 on the way out, which is why the answers come from port 53."
        )
    if answer == 53:
        return failed(
            "53 is the port alice addressed and the port the answers come from, but not the one the "
            "queries reach: look at the queries' dst_port.",
            hint,
        )
    return failed(f"Docker's DNS server in alice does not listen on port {answer}.", hint)


@exercise("wire-unforwarded")
def check_unforwarded_port(answer: str | None) -> CheckResult:
    """14: predict, then see, what alice gets back from the host's port 8014 at the gateway address.

    ``answer`` is ``"SA"``, ``"RA"`` or ``"nothing"`` (see :data:`ANSWERS`). The check captures in alice while
    it connects, and judges by the first answer the capture saw.
    """
    hint = (
        "web is published on 127.0.0.1:8014 only. Does anything listen on the gateway's port 8014, and does any DNAT "
        "rule match a packet for the gateway's address? Answer 'SA', 'RA' or 'nothing'."
    )
    given = text_answer(answer, hint)
    if given not in ANSWERS:
        return failed(f"answer with one of {', '.join(repr(a) for a in ANSWERS)}; got {answer!r}.", hint)
    truth = ask("gateway_answer", container="alice", net="lan", port=8014)
    if truth is None:
        return failed("alice or lan is not there any more.", "Run the cells of section 1 again.")
    seen = truth["flags"] if truth["flags"] in ANSWERS else "nothing" if truth["flags"] is None else truth["flags"]
    if given == seen:
        why = {
            "RA": "the host's kernel refused: docker-proxy listens on 127.0.0.1:8014 only, and the DNAT rule matches "
            "127.0.0.1 only, so nothing forwards the gateway's port 8014.",
            "nothing": "the host's firewall dropped the SYN without an answer (a firewall of this machine, not Docker's).",
            "SA": "something on the host accepts connections on the gateway's port 8014.",
        }.get(seen, "")
        return passed(f"alice got {ANSWERS.get(seen, seen)} from {truth['gateway']}: {why}")
    return failed(f"the capture saw {ANSWERS.get(seen, seen)} from {truth['gateway']}, not {ANSWERS[given]}.", hint)
