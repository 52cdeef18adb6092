"""Firewalls: read and change iptables inside a container, and read the engine host's own rules.

Each verb runs what a learner would type (``iptables-save``, ``iptables -A ...``) in a container and
hands the text to :mod:`dockernet_nb.parsers.iptables`, so every answer is a DataFrame that came from
the engine just now. Example::

    >>> dnb.iptables_rules("router")                                   # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

from dockernet_nb.errors import InvalidInput
from dockernet_nb.parsers import iptables
from dockernet_nb.records import CommandResult
from dockernet_nb.replay import recordable
from dockernet_nb.verbs import containers
from dockernet_nb.verbs.common import Container, checked, rule_words

__all__ = ["iptables_rules", "host_iptables_rules", "add_rule"]

_LEGACY_WARNING = "iptables-legacy tables present"
TABLES = ("filter", "nat", "mangle", "raw")


def _rules(text: str, table: str, chain: str | None) -> pd.DataFrame:
    frame = iptables.parse(text)
    frame = frame[frame["table"] == table] if frame.attrs.get("dialect") == "iptables-save" else frame
    if chain is not None:
        frame = frame[frame["chain"] == chain]
    frame = frame.reset_index(drop=True)
    frame.attrs["raw"] = text
    return frame


@recordable
def iptables_rules(container: Container, *, table: str = "filter", chain: str | None = None) -> pd.DataFrame:
    """The rules of one iptables table in a running container (``iptables-save -t TABLE``), one row each.

    The columns are those of :mod:`dockernet_nb.parsers.iptables`; the chain policies are in
    ``frame.attrs["policies"]``. The container needs ``cap_add=["NET_ADMIN"]`` to read its tables.
    Example::

        >>> dnb.iptables_rules("router")[["chain", "target", "protocol", "dport"]]     # doctest: +SKIP
               chain  target protocol dport
        0    FORWARD  ACCEPT      tcp  8000
    """
    result = checked(containers.exec(container, ["iptables-save", "-t", table]), "read iptables", container)
    return _rules(result.stdout, table, chain)


@recordable
def host_iptables_rules(*, table: str = "nat", chain: str | None = None) -> pd.DataFrame:
    """The engine host's own iptables rules, read by a one-off debian container on the host network.

    Docker writes its rules for networks and published ports here. The helper container shares the
    host's network stack (``net="host"``) and may read it (``cap_add=["NET_ADMIN"]``); it changes nothing.
    Example::

        >>> dnb.host_iptables_rules(table="nat", chain="DOCKER")                # doctest: +SKIP
    """
    if table not in TABLES:
        raise InvalidInput(f"table must be one of {', '.join(TABLES)}; got {table!r}.")
    result = host_rules_text(table)
    return _rules(result.stdout, table, chain)


def host_rules_text(table: str | None = None) -> CommandResult:
    """``iptables-save [-t TABLE]`` on the host, from the backend (nft or legacy) that holds Docker's rules.

    Both backends can hold tables at once (iptables then warns "iptables-legacy tables present"); the
    legacy one is read only when it has Docker's chains and the nft one has none.
    """
    args = ["-t", table] if table else []
    result = _read_host_rules("iptables-save", args)
    if _LEGACY_WARNING in result.output and "DOCKER" not in result.stdout:
        legacy = _read_host_rules("iptables-legacy-save", args)
        if legacy.ok and "DOCKER" in legacy.stdout:
            result = legacy
    return checked(result, "read the host's iptables", "the host helper")


def _read_host_rules(program: str, args: list[str]) -> CommandResult:
    """``iptables-save`` on the host's network stack: the course's own helper, the only one that may
    combine net="host" with NET_ADMIN (learners' containers may not: they could rewrite the firewall)."""
    return containers.run_helper(
        "debian", [program, *args], net="host", cap_drop=["ALL"], cap_add=["NET_ADMIN", "NET_RAW"]
    )


def _check_form(rule: str) -> tuple[list[str], list[str]]:
    """``-A FORWARD ...`` / ``-I FORWARD [n] ...`` -> (the words to add it, the rule without the verb).

    The second list starts with the chain: ``["-C", *it]`` tests for the rule, ``["-D", *it]`` deletes it.
    """
    words, _, rest = rule_words(rule, " after the table, e.g. '-A FORWARD -p tcp --dport 6379 -j REJECT'")
    return words, [words[1], *rest]


@recordable
def add_rule(container: Container, rule: str, *, table: str = "filter") -> pd.DataFrame:
    """Add an iptables rule in a container unless an identical one is there; return the table's rules.

    ``rule`` is what follows ``iptables -t TABLE``. ``-A CHAIN ...`` appends, unless ``iptables -C``
    finds the same rule in the chain already; ``-I CHAIN [N] ...`` inserts at position N (default 1)
    after deleting any copy of the same rule further down. Either way running the cell again leaves one
    copy, where the rule asked for it. Example::

        >>> dnb.add_rule("router", "-A FORWARD -p tcp --dport 6379 -j REJECT --reject-with tcp-reset")  # doctest: +SKIP
    """
    add, same = _check_form(rule)
    iptables = ["iptables", "-t", table]
    if add[0] == "-I":
        for _ in range(20):  # -D removes one copy at a time
            if not containers.exec(container, [*iptables, "-D", *same]).ok:
                break
    elif containers.exec(container, [*iptables, "-C", *same]).ok:
        return iptables_rules(container, table=table)
    checked(containers.exec(container, [*iptables, *add]), "change iptables", container)
    return iptables_rules(container, table=table)

