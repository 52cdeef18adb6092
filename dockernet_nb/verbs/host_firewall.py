"""The engine host's own firewall: add (and take back) a rule of yours in DOCKER-USER or INPUT.

Docker writes its rules into the host's iptables and leaves one chain, ``DOCKER-USER``, for yours:
the FORWARD chain jumps there first, before any rule Docker wrote. :func:`host_rule` adds a rule there
(or in ``INPUT``) through the course's host helper (:mod:`dockernet_nb.engine.host_rules`), tagged
with this session's comment so that :func:`dockernet_nb.cleanup` removes it again, and only it.

A host rule must be about this session's things: it names an address inside one of this session's
networks (``-s``/``-d``), one of their bridges (``-i``/``-o``), or a host port one of this session's
containers publishes (``--dport``). A rule like ``-I DOCKER-USER -j DROP`` would cut every container
on the machine off, yours and other people's, and is refused. Example::

    >>> dnb.host_rule(f"-I DOCKER-USER -s {alice_ip} -d {web_ip} -p tcp --dport 8000 -j ACCEPT")  # doctest: +SKIP
"""

from __future__ import annotations

import ipaddress
import shlex

import pandas as pd

from dockernet_nb.engine import commands, host_rules, labels
from dockernet_nb.engine.connection import client, engine_errors
from dockernet_nb.errors import InvalidInput
from dockernet_nb.parsers import iptables
from dockernet_nb.replay import recordable
from dockernet_nb.verbs.common import rule_words

__all__ = ["host_rule", "remove_host_rule", "course_host_rules", "host_ip6tables_rules"]

CHAINS = ("DOCKER-USER", "INPUT")
TARGETS = ("ACCEPT", "DROP", "REJECT", "RETURN")
_REFUSED = {"-t", "--table", "-g", "--goto", "-N", "-X", "-F", "-P", "-Z", "-E", "-R", "-D"}
RULE_COLUMNS = ["chain", "target", "protocol", "source", "destination", "in_iface", "out_iface", "dport", "extra"]


def _session_scope() -> tuple[list[ipaddress.IPv4Network | ipaddress.IPv6Network], set[str], set[str]]:
    """This session's subnets, bridge names (``br-<id>``) and published host ports, asked of the engine now."""
    session = {"label": f"{labels.SESSION}={labels.session_id()}"}
    subnets: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    bridges: set[str] = set()
    ports: set[str] = set()
    with engine_errors("listing this session's networks and containers"):
        for network in client().api.networks(filters=session):
            bridges.add((network.get("Options") or {}).get("com.docker.network.bridge.name") or f"br-{network['Id'][:12]}")
            for config in (network.get("IPAM") or {}).get("Config") or []:
                if config.get("Subnet"):
                    subnets.append(ipaddress.ip_network(config["Subnet"], strict=False))
        for container in client().api.containers(filters=session):
            for port in container.get("Ports") or []:
                if port.get("PublicPort"):
                    ports.add(str(port["PublicPort"]))
    return subnets, bridges, ports


def _in_scope(value: str, subnets: list) -> bool:
    try:
        given = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return any(given.version == s.version and given.subnet_of(s) for s in subnets)


def _checked(rule: str) -> tuple[list[str], list[str]]:
    """(the words that add the rule, the rule's spec without its verb: chain first); refuses what is not allowed."""
    if not isinstance(rule, str):
        raise InvalidInput(f"rule must be a string like '-I DOCKER-USER -s 172.24.0.3 -j DROP', got {rule!r}.")
    words, position, rest = rule_words(
        rule, ", starting with -I or -A and the chain, e.g. '-I DOCKER-USER -s 172.24.0.3 -j DROP'"
    )
    chain = words[1]
    if chain not in CHAINS:
        raise InvalidInput(f"The course adds host rules to {' and '.join(CHAINS)} only (not {chain}): Docker rewrites its own chains.")
    refused = sorted(set(rest) & _REFUSED | ({"comment"} if "comment" in rest else set()))
    if refused:
        raise InvalidInput(f"{', '.join(refused)} cannot be part of a host rule (the course adds its own comment to each).")
    target = rest[rest.index("-j") + 1] if "-j" in rest and rest.index("-j") + 1 < len(rest) else None
    if target not in TARGETS:
        raise InvalidInput(f"A host rule ends in -j with one of {', '.join(TARGETS)}; got {target!r}.")
    subnets, bridges, ports = _session_scope()
    narrowing = {
        **dict.fromkeys(("-s", "--source", "-d", "--destination"), lambda v: all(_in_scope(a, subnets) for a in v.split(","))),
        **dict.fromkeys(("-i", "--in-interface", "-o", "--out-interface"), lambda v: v in bridges),
        **dict.fromkeys(("--dport", "--destination-port", "--ctorigdstport"), lambda v: v in ports),
    }
    narrow = any(flag in narrowing and narrowing[flag](value) for flag, value, negated in _options(rest) if not negated)
    if not narrow:
        raise InvalidInput(
            "A host rule must be about this session's own containers: name an address in one of its networks "
            "(-s/-d), one of its bridges (-i/-o), or a host port one of its containers publishes (--dport). "
            "A broader rule would reach other people's containers on this machine too."
        )
    # The course's comment goes before the target, as iptables-save prints matches before -j.
    at = rest.index("-j")
    spec = [chain, *rest[:at], "-m", "comment", "--comment", host_rules.comment_for(), *rest[at:]]
    return [words[0], chain, *position, *spec[1:]], spec


def _options(words: list[str]):
    """(option, value, negated) for every ``-x value`` / ``! -x value`` in a rule."""
    i = 0
    while i < len(words):
        negated = words[i] == "!"
        flag = words[i + 1] if negated and i + 1 < len(words) else words[i]
        at = i + (2 if negated else 1)
        if flag.startswith("-") and at < len(words):
            yield flag, words[at], negated
            i = at + 1
        else:
            i += 1


def _chain_frame(text: str, chain: str) -> pd.DataFrame:
    frame = iptables.parse(text)
    frame = frame[(frame["table"] == "filter") & (frame["chain"] == chain)].reset_index(drop=True)
    frame.attrs["raw"] = "\n".join(line for line in text.splitlines() if line.startswith((f"-A {chain} ", f":{chain} ")))
    return frame


@recordable
def host_rule(rule: str) -> pd.DataFrame:
    """Add ``rule`` to the engine host's filter table (chain DOCKER-USER or INPUT); return that chain's rules.

    ``rule`` is what follows ``iptables``: ``-I CHAIN [N] ...`` inserts (at N, default 1), ``-A CHAIN ...``
    appends. Running the cell again leaves one copy. The rule gets the course's comment
    (``-m comment --comment "dockernet-nb session=..."``), so ``dnb.cleanup()`` takes it away again.
    Example::

        >>> dnb.host_rule(f"-I DOCKER-USER -s {alice_ip} -d {web_ip} -p tcp --dport 8000 -j ACCEPT")  # doctest: +SKIP
    """
    add, spec = _checked(rule)
    chain = spec[0]
    check = "$IPT -t filter -C " + shlex.join(spec) + " 2>/dev/null"
    if add[0] == "-I":
        # Inserting again moves the rule where it was asked for: remove the old copies first.
        change = "for i in 1 2 3 4 5; do $IPT -t filter -D " + shlex.join(spec) + " 2>/dev/null || break; done; "
        change += "$IPT -t filter " + shlex.join(add)
    else:
        change = f"{check} || $IPT -t filter " + shlex.join(add)
    host_rules.note_added()
    commands.note(host_rules.helper_command(["iptables", *_without_comment(add)]), host_rules.helper_command(["iptables", *add]))
    result = host_rules.run_on_host(f"{change} && $SAVE -t filter", what="add a rule to the host's firewall")
    if not result.ok:
        raise InvalidInput(f"iptables on the host refused the rule: {result.output.strip()[-300:]}")
    return _chain_frame(result.stdout, chain)


def _without_comment(words: list[str]) -> list[str]:
    """The words of a rule without the course's ``-m comment --comment ...`` (what a learner types)."""
    out: list[str] = []
    i = 0
    while i < len(words):
        if words[i:i + 2] == ["-m", "comment"] and i + 3 < len(words) and words[i + 2] == "--comment":
            i += 4
            continue
        out.append(words[i])
        i += 1
    return out


@recordable
def remove_host_rule(rule: str) -> pd.DataFrame:
    """Take back a rule :func:`host_rule` added (the same text); return the chain's rules afterwards."""
    _, spec = _checked(rule)
    chain = spec[0]
    commands.note(host_rules.helper_command(["iptables", "-D", *_without_comment(spec)]), host_rules.helper_command(["iptables", "-D", *spec]))
    script = "for i in 1 2 3 4 5; do $IPT -t filter -D " + shlex.join(spec) + " 2>/dev/null || break; done; $SAVE -t filter"
    result = host_rules.run_on_host(script, what="remove a rule from the host's firewall")
    if not result.ok:
        raise InvalidInput(f"iptables on the host failed: {result.output.strip()[-300:]}")
    return _chain_frame(result.stdout, chain)


@recordable
def course_host_rules(*, all_sessions: bool = False) -> pd.DataFrame:
    """The rules the course added to the engine host's firewall: this session's, or every session's.

    Columns: table, chain, target, session, lesson, owner_alive (is the kernel that added it still
    running?), rule (as ``iptables-save`` prints it).
    """
    commands.note(host_rules.helper_command(["iptables-save", "-t", "filter"]))
    return host_rules.course_host_rules("all" if all_sessions else "session")


@recordable
def host_ip6tables_rules(*, table: str = "nat", chain: str | None = None) -> pd.DataFrame:
    """The engine host's IPv6 rules (``ip6tables-save -t TABLE``), one row each, like :func:`dnb.host_iptables_rules`.

    An engine that leaves ip6tables alone (Engine 20.10 by default) has written none: the table then
    holds no Docker chains at all. Example::

        >>> dnb.host_ip6tables_rules(table="nat")                          # doctest: +SKIP
    """
    if table not in ("filter", "nat", "mangle", "raw"):
        raise InvalidInput(f"table must be filter, nat, mangle or raw; got {table!r}.")
    commands.note(host_rules.helper_command(["ip6tables-save", "-t", table]))
    save6 = "${SAVE%-save}"  # iptables-save -> ip6tables-save, iptables-legacy-save -> ip6tables-legacy-save
    script = f'SAVE6=$(echo "{save6}" | sed "s/^iptables/ip6tables/")-save; $SAVE6 -t {shlex.quote(table)}'
    result = host_rules.run_on_host(script, what="read the host's ip6tables")
    if not result.ok:
        raise InvalidInput(f"Reading the host's ip6tables failed: {result.output.strip()[-300:]}")
    frame = iptables.parse(result.stdout)
    frame = frame[frame["table"] == table] if len(frame) else frame
    if chain is not None:
        frame = frame[frame["chain"] == chain]
    frame = frame.reset_index(drop=True)
    frame.attrs["raw"] = result.stdout
    return frame
