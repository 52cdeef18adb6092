"""What netfilter does with the first packet of a new connection, worked out from ``iptables-save`` rules.

Pure: it takes the frame :mod:`dockernet_nb.parsers.iptables` makes (several tables at once, told apart
by its ``table`` column) and a :class:`Packet`, and walks one chain the way the kernel does for a
connection's first packet: rule by rule from the top, into a user chain on a jump, back on ``RETURN``
or at that chain's end, until a rule decides (``ACCEPT``, ``DROP``, ``REJECT``, ``DNAT``, ``SNAT``,
``MASQUERADE``, ...) or the built-in chain ends and its policy decides. Later packets of the connection
never walk the nat table again: the kernel's connection tracking (conntrack) repeats the first decision.

It understands the matches Docker writes: ``-p``, ``-s``, ``-d``, ``-i``, ``-o`` (with ``!``, and ``+``
at the end of an interface name), ``--dport``/``--sport``, ``-m multiport --dports``, ``-m addrtype
--src-type/--dst-type LOCAL`` and ``-m conntrack --ctstate`` (a first packet is ``NEW``). A rule with any
other match is taken as not matching, and its step says so.

Example::

    >>> from dockernet_nb.parsers import iptables
    >>> rules = iptables.parse(
    ...     "*nat\\n-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER\\n"
    ...     "-A DOCKER -d 172.18.0.1/32 ! -i docker0 -p tcp -m tcp --dport 8007 -j DNAT --to-destination 172.17.0.2:8000\\n"
    ...     "COMMIT\\n")
    >>> verdict = walk(rules, "nat", "OUTPUT", Packet(src="172.18.0.1", dst="172.18.0.1", dport=8007))
    >>> verdict.target, verdict.to
    ('DNAT', '172.17.0.2:8000')
"""

from __future__ import annotations

import dataclasses
import ipaddress
import shlex
from typing import Any

import pandas as pd

from dockernet_nb.records import PathStep

__all__ = ["Packet", "Verdict", "walk", "TERMINAL"]

# Targets that end the walk of a table for this packet.
TERMINAL = frozenset({"ACCEPT", "DROP", "REJECT", "DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NFQUEUE", "QUEUE"})
# Targets that do something (log, mark, set a conntrack option) and let the walk go on.
GOES_ON = frozenset({"LOG", "NFLOG", "MARK", "CONNMARK", "CT", "TRACE", "CHECKSUM", "TCPMSS", "NOTRACK"})
# Options of targets (they sit in the parser's ``extra`` column with the matches), and whether they take a value.
_TARGET_OPTIONS = {
    "--reject-with": True, "--to-ports": True, "--log-prefix": True, "--log-level": True, "--set-xmark": True,
    "--set-mark": True, "--zone": True, "--helper": True, "--random": False, "--random-fully": False,
    "--persistent": False, "--notrack": False, "--log-uid": False,
}
MAX_DEPTH = 20  # jumps inside jumps; Docker's deepest is three


@dataclasses.dataclass(frozen=True)
class Packet:
    """The first packet of a connection, as far as the rules can see it.

    ``src``/``dst`` are addresses (anything that is not an address, such as "another machine", is in no
    subnet); ``in_iface`` is "" for a packet the host itself sends, ``out_iface`` "" before routing.
    ``local_dst``/``local_src``: the address is one of the host's own (``-m addrtype ... LOCAL``).
    """

    src: str
    dst: str
    dport: int
    proto: str = "tcp"
    sport: int | None = None
    in_iface: str = ""
    out_iface: str = ""
    local_dst: bool = True
    local_src: bool = False
    state: str = "NEW"


@dataclasses.dataclass(frozen=True)
class Verdict:
    """How a walk ended: the deciding target (or the policy), its ``--to`` address, and the steps on the way."""

    target: str
    to: str = ""
    by_policy: bool = False
    steps: tuple[PathStep, ...] = ()


def _negated(value: Any) -> tuple[bool, str]:
    text = str(value).strip()
    if text.startswith("!"):
        return True, text[1:].strip()
    return False, text


def _in_subnet(address: str, cidr: str) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


def _iface(name: str, pattern: str) -> bool:
    return name.startswith(pattern[:-1]) if pattern.endswith("+") else name == pattern


def _port_in(port: int | None, spec: str) -> bool:
    if port is None:
        return False
    for part in spec.split(","):
        low, _, high = part.partition(":")
        try:
            if int(low or 0) <= port <= int(high or low or 65535):
                return True
        except ValueError:
            return False
    return False


def _present(value: Any) -> bool:
    return value is not None and value is not pd.NA and not (isinstance(value, float) and value != value) and str(value) != ""


def _columns_match(rule: Any, packet: Packet) -> bool:
    """The rule's own columns (-p -s -d -i -o --dport --sport) against the packet."""
    checks = (
        ("protocol", lambda v: v == packet.proto),
        ("source", lambda v: _in_subnet(packet.src, v)),
        ("destination", lambda v: _in_subnet(packet.dst, v)),
        ("in_iface", lambda v: _iface(packet.in_iface, v)),
        ("out_iface", lambda v: _iface(packet.out_iface, v)),
        ("dport", lambda v: _port_in(packet.dport, v)),
        ("sport", lambda v: _port_in(packet.sport, v)),
    )
    for column, test in checks:
        value = getattr(rule, column)
        if not _present(value):
            continue
        negated, text = _negated(value)
        if test(text) == negated:
            return False
    return True


def _extra_match(extra: Any, packet: Packet) -> bool | None:
    """The rule's other matches against the packet: True, False, or None when a match is not understood."""
    if not _present(extra):
        return True
    try:
        words = shlex.split(str(extra))
    except ValueError:
        return None
    i, negate = 0, False
    while i < len(words):
        word = words[i]
        value = words[i + 1] if i + 1 < len(words) else ""
        if word == "!":
            negate, i = True, i + 1
            continue
        if word == "-m" or word == "--comment":
            i += 2
            continue
        if word in _TARGET_OPTIONS:
            i += 2 if _TARGET_OPTIONS[word] else 1
            continue
        if word in ("--dst-type", "--src-type"):
            if value != "LOCAL":
                return None
            result = packet.local_dst if word == "--dst-type" else packet.local_src
        elif word in ("--ctstate", "--state"):
            result = packet.state in value.split(",")
        elif word in ("--dports", "--sports"):
            result = _port_in(packet.dport if word == "--dports" else packet.sport, value)
        elif word in ("--dport", "--sport"):
            result = _port_in(packet.dport if word == "--dport" else packet.sport, value)
        else:
            return None
        if result == negate:
            return False
        negate, i = False, i + 2
    return True


def _rules_of(rules: pd.DataFrame, table: str) -> pd.DataFrame:
    if "table" in rules.columns and rules["table"].notna().any():
        return rules[rules["table"] == table]
    return rules


def walk(rules: pd.DataFrame, table: str, chain: str, packet: Packet, *, detours: bool = True) -> Verdict:
    """Walk ``table``'s built-in ``chain`` with ``packet``'s first packet; see the module docstring.

    Steps name every rule that matched (a jump, a ``RETURN``, the deciding rule) and every jump out of
    the built-in chain that did *not* match (that is often the answer to "why was this not rewritten?").
    ``detours=False`` leaves out jumps into chains that came back without deciding, and the misses:
    only the way to the deciding rule is left (the filter table's long FORWARD chain reads better so).
    """
    own = _rules_of(rules, table)
    policies = rules.attrs.get("policies") or {}
    steps: list[PathStep] = []

    def step(row: Any, outcome: str) -> None:
        steps.append(PathStep(table=table, chain=str(row.chain), rule=str(row.rule), outcome=outcome))

    def visit(name: str, depth: int) -> Verdict | None:
        if depth > MAX_DEPTH:
            return Verdict("DROP", steps=tuple(steps))
        for row in own[own["chain"] == name].itertuples(index=False):
            target = str(row.target) if _present(row.target) else ""
            columns = _columns_match(row, packet)
            extra = _extra_match(row.extra, packet) if columns else False
            if extra is None:
                step(row, "not understood here: taken as no match")
                continue
            if not extra:
                if detours and depth == 0 and target and target not in TERMINAL and target not in GOES_ON:
                    step(row, "no match")
                continue
            if target == "RETURN":
                step(row, "return")
                return None
            if target in TERMINAL:
                to = str(row.to) if _present(row.to) else ""
                step(row, f"{target} to {to}" if to else target)
                return Verdict(target, to=to, steps=tuple(steps))
            if not target or target in GOES_ON:
                continue
            mark = len(steps)
            step(row, f"jump to {target}")
            decided = visit(target, depth + 1)
            if decided is not None:
                return decided
            if not detours:
                del steps[mark:]
        return None

    decided = visit(chain, 0)
    if decided is not None:
        return decided
    policy = str(policies.get(f"{table}/{chain}") or policies.get(chain) or "ACCEPT")
    return Verdict(policy, by_policy=True, steps=tuple(steps))
