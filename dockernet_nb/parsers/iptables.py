"""Parse ``iptables-save`` (or ``iptables -S``) output: one row per ``-A`` rule.

Schema:

=========== ====== ==================================================================
column      dtype  meaning
=========== ====== ==================================================================
table       string table from the ``*filter`` / ``*nat`` line; <NA> for ``iptables -S``
chain       string chain the rule is appended to (``-A CHAIN``)
target      string ``-j`` target (``ACCEPT``, ``DROP``, ``DNAT``, a user chain, ...)
protocol    string ``-p``
source      string ``-s``
destination string ``-d``
in_iface    string ``-i``
out_iface   string ``-o``
dport       string ``--dport``
sport       string ``--sport``
to          string ``--to-destination`` / ``--to-source``
extra       string everything else in the rule (``-m tcp``, ``--ctstate ...``), space-joined
rule        string the original line
=========== ====== ==================================================================

A negated option keeps its ``!`` in the value: ``! -s 172.17.0.0/16`` gives source
``! 172.17.0.0/16``. Quoted values (``--comment "web traffic"``) are unquoted in the columns
and re-quoted in ``extra``.

``df.attrs["policies"]`` maps chain -> policy for built-in chains, from ``:INPUT ACCEPT [0:0]``
(keyed ``"filter/INPUT"``) or ``-P INPUT ACCEPT`` (keyed ``"INPUT"``: ``iptables -S`` names
no table). User chains (``:DOCKER - [0:0]``, ``-N DOCKER``) have no policy and are not listed.
``df.attrs["dialect"]`` is ``"iptables-save"`` or ``"iptables -S"`` (``None`` for empty input).

Comments, ``COMMIT`` and ``-N`` lines carry no row; text with only iptables-save's own comments
(``# Warning: iptables-legacy tables present ...``) is an empty ruleset. Any other line raises
ParseError.

Example::

    >>> df = parse("*filter\\n:FORWARD ACCEPT [0:0]\\n-A FORWARD -p tcp -m tcp --dport 6379 -j DROP\\nCOMMIT\\n")
    >>> df.loc[0, ["table", "chain", "protocol", "dport", "target", "extra"]].tolist()
    ['filter', 'FORWARD', 'tcp', '6379', 'DROP', '-m tcp']
    >>> df.attrs["policies"]
    {'filter/FORWARD': 'ACCEPT'}
"""

from __future__ import annotations

import re
import shlex

import pandas as pd

from dockernet_nb.parsers._common import Row, first_line, parse_error, typed_frame

__all__ = ["parse", "SCHEMA", "COMMAND"]

COMMAND = "iptables-save"
SCHEMA = {
    "table": "string",
    "chain": "string",
    "target": "string",
    "protocol": "string",
    "source": "string",
    "destination": "string",
    "in_iface": "string",
    "out_iface": "string",
    "dport": "string",
    "sport": "string",
    "to": "string",
    "extra": "string",
    "rule": "string",
}

# Option spellings (short and long, as iptables accepts both) -> column.
_OPTIONS = {
    "-j": "target",
    "--jump": "target",
    "-p": "protocol",
    "--protocol": "protocol",
    "-s": "source",
    "--source": "source",
    "-d": "destination",
    "--destination": "destination",
    "-i": "in_iface",
    "--in-interface": "in_iface",
    "-o": "out_iface",
    "--out-interface": "out_iface",
    "--dport": "dport",
    "--destination-port": "dport",
    "--sport": "sport",
    "--source-port": "sport",
    "--to-destination": "to",
    "--to-source": "to",
}
_TABLE = re.compile(r"^\*(?P<table>\S+)\s*$")
_CHAIN = re.compile(r"^:(?P<chain>\S+) (?P<policy>\S+)(?: \[\d+:\d+\])?\s*$")
_POLICY = re.compile(r"^-P (?P<chain>\S+) (?P<policy>\S+)\s*$")
_NEW_CHAIN = re.compile(r"^-N \S+\s*$")


def _quote(token: str) -> str:
    # Re-quote only what needs it, the way iptables-save prints it ("web traffic").
    return f'"{token}"' if not token or re.search(r"\s", token) else token


def _rule(line: str, table: str | None) -> Row:
    try:
        tokens = shlex.split(line)
    except ValueError as e:  # unbalanced quote: a cut line
        raise parse_error(COMMAND, line, "unbalanced quote in rule") from e
    if len(tokens) < 2 or tokens[0] != "-A":
        raise parse_error(COMMAND, line, "rule without a chain")
    row: Row = {"table": table, "chain": tokens[1], "rule": line.strip()}
    extra: list[str] = []
    rest = tokens[2:]
    i = 0
    while i < len(rest):
        negated = rest[i] == "!" and i + 1 < len(rest)
        option = rest[i + 1] if negated else rest[i]
        column = _OPTIONS.get(option)
        value_at = i + (2 if negated else 1)
        if column is not None and value_at < len(rest):
            row[column] = f"! {rest[value_at]}" if negated else rest[value_at]
            i = value_at + 1
        else:
            extra.append(_quote(rest[i]))
            i += 1
    row["extra"] = " ".join(extra) or None
    return row


def _strings(text: str) -> tuple[str, list[Row], dict[str, str]]:
    rows: list[Row] = []
    policies: dict[str, str] = {}
    table: str | None = None
    saw_save_syntax = False
    saw_any = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            saw_save_syntax = True  # only iptables-save writes comments
            continue
        if m := _TABLE.match(stripped):
            table, saw_save_syntax = m["table"], True
        elif stripped == "COMMIT":
            table = None
        elif m := _CHAIN.match(stripped):
            saw_save_syntax = True
            if m["policy"] != "-":
                policies[f"{table}/{m['chain']}" if table else m["chain"]] = m["policy"]
        elif m := _POLICY.match(stripped):
            policies[f"{table}/{m['chain']}" if table else m["chain"]] = m["policy"]
        elif _NEW_CHAIN.match(stripped):
            pass
        elif stripped.startswith("-A "):
            rows.append(_rule(stripped, table))
        else:
            raise parse_error(COMMAND, line, "not an iptables-save / iptables -S line")
        saw_any = True
    if not saw_any and "iptables" not in text:
        # Only comments, and none of them iptables-save's own: nothing says this is iptables output.
        raise parse_error(COMMAND, first_line(text))
    return ("iptables-save" if saw_save_syntax else "iptables -S"), rows, policies


def parse(text: str) -> pd.DataFrame:
    """Parse iptables-save / iptables -S output into one row per rule; policies in ``attrs``."""
    dialect, rows, policies = (None, [], {}) if not text.strip() else _strings(text)
    df = typed_frame(rows, SCHEMA)
    df.attrs["policies"] = policies
    df.attrs["dialect"] = dialect
    return df
