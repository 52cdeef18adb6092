"""Parse ``ping`` output (busybox or iputils): one row per echo reply, summary in ``attrs``.

Schema:

======= ======= =====================================================================
column  dtype   meaning
======= ======= =====================================================================
seq     Int64   sequence number as printed (busybox counts from 0, iputils from 1)
address string  the replying address (iputils' reverse-DNS name is dropped)
bytes   Int64   reply size in bytes
ttl     Int64   TTL of the reply
time_ms float64 round-trip time in milliseconds
======= ======= =====================================================================

IPv6 (``ping -6``, ``ping6``, or a name that resolves to an IPv6 address first) parses the same way:
addresses are IPv6, ``ttl`` is the reply's hop limit.

``df.attrs["summary"]`` is a plain dict:

* ``dialect``: ``"busybox"`` or ``"iputils"`` (``None`` for empty input)
* ``destination``: the name as given; ``resolved``: the address in the ``PING`` header
* ``transmitted``, ``received`` (int), ``loss_pct``, ``rtt_min``, ``rtt_avg``, ``rtt_max``
  (float): from the statistics lines, ``None`` when missing (a ping cut off early)
* ``error``: the first ``ping: ...`` line, e.g. ``ping: sendto: Network is unreachable``
  or ``ping: nosuchhost: Name or service not known`` (``None`` if there is none)
* ``errors``: number of ``From 172.29.10.3 icmp_seq=1 Destination Host Unreachable`` lines

An unreachable network or an unknown name is a normal outcome here: empty frame, the message
in ``summary["error"]``, never an exception. Only text in which nothing looks like ping
output raises ParseError.

Dialect is read from the header (busybox ``PING h (a): 56 data bytes``, iputils
``PING h (a) 56(84) bytes of data.``), the replies (``seq=`` vs ``icmp_seq=``) or the summary
(``round-trip min/avg/max`` vs ``rtt min/avg/max/mdev``). With only an error line, from its
wording: ``bad address``/``sendto:`` are busybox; anything else is taken as iputils.
Lines that fit nowhere (a reply cut in half, ``pipe 3``) are skipped.

Example::

    >>> df = parse("PING web (172.29.10.2): 56 data bytes\\n"
    ...            "64 bytes from 172.29.10.2: seq=0 ttl=64 time=0.807 ms\\n")
    >>> print(df.to_string(index=False))
     seq     address  bytes  ttl  time_ms
       0 172.29.10.2     64   64    0.807
    >>> df.attrs["summary"]["dialect"], df.attrs["summary"]["transmitted"]
    ('busybox', None)
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from dockernet_nb.parsers._common import Row, first_line, parse_error, typed_frame

__all__ = ["parse", "SCHEMA", "COMMAND"]

COMMAND = "ping"
SCHEMA = {
    "seq": "Int64",
    "address": "string",
    "bytes": "Int64",
    "ttl": "Int64",
    "time_ms": "float64",
}

_NUM = r"\d+(?:\.\d+)?"

# Each pattern is specific to one dialect, so whichever matches first tells the dialect.
_PATTERNS: dict[str, dict[str, re.Pattern[str]]] = {
    "busybox": {
        "header": re.compile(r"^PING (?P<destination>\S+) \((?P<resolved>[^)]*)\): \d+ data bytes"),
        "reply": re.compile(
            rf"^(?P<bytes>\d+) bytes from (?P<address>.+?): seq=(?P<seq>\d+) ttl=(?P<ttl>\d+) time=(?P<time_ms>{_NUM}) ms"
        ),
        "stats": re.compile(
            rf"^(?P<transmitted>\d+) packets transmitted, (?P<received>\d+) packets received,"
            rf"(?: \d+ duplicates,)? (?P<loss_pct>{_NUM})% packet loss"
        ),
        "rtt": re.compile(rf"^round-trip min/avg/max = (?P<rtt_min>{_NUM})/(?P<rtt_avg>{_NUM})/(?P<rtt_max>{_NUM}) ms"),
    },
    "iputils": {
        # IPv4 prints "PING h (a) 56(84) bytes of data.", IPv6 "PING h(a) 56 data bytes", and an
        # IPv6 name with the name it resolves back to: "PING h(h.net (fd00::6)) 56 data bytes".
        "header": re.compile(
            r"^PING (?P<destination>[^\s(]+) ?\((?:[^()]* \()?(?P<resolved>[^()]*)\)?\)"
            r" \d+(?:\(\d+\) bytes of data\.| data bytes$)"
        ),
        "reply": re.compile(
            rf"^(?P<bytes>\d+) bytes from (?P<address>.+?): icmp_seq=(?P<seq>\d+) ttl=(?P<ttl>\d+)"
            rf" time=(?P<time_ms>{_NUM}) ms"
        ),
        "stats": re.compile(
            rf"^(?P<transmitted>\d+) packets transmitted, (?P<received>\d+) received,"
            rf"(?: [^,]+,)*? (?P<loss_pct>{_NUM})% packet loss"
        ),
        "rtt": re.compile(
            rf"^rtt min/avg/max/mdev = (?P<rtt_min>{_NUM})/(?P<rtt_avg>{_NUM})/(?P<rtt_max>{_NUM})/{_NUM} ms"
        ),
    },
}
_STATS_TITLE = re.compile(r"^--- (?P<destination>\S+) ping statistics ---")
_ICMP_ERROR = re.compile(r"^From \S+.* icmp_seq=\d+ ")
_ERROR = re.compile(r"^ping: (?!warning)", re.IGNORECASE)
# Errors naming the destination: busybox "bad address 'x'", iputils "x: Name or service not known".
_ERROR_DEST = re.compile(r"^ping: (?:bad address '(?P<bb>[^']*)'|(?P<iu>[^:\s]+): (?:Name|Temporary|No address))")
_BUSYBOX_ERROR = re.compile(r"^ping: (?:bad address |sendto: |permission denied \(are you root\?\))")


def _detect(lines: list[str]) -> str | None:
    for line in lines:
        for dialect, patterns in _PATTERNS.items():
            if any(p.match(line) for p in patterns.values()):
                return dialect
    for line in lines:
        if _ERROR.match(line):
            return "busybox" if _BUSYBOX_ERROR.match(line) else "iputils"
    return None


def _empty_summary() -> dict[str, Any]:
    return {
        "dialect": None,
        "destination": None,
        "resolved": None,
        "transmitted": None,
        "received": None,
        "loss_pct": None,
        "rtt_min": None,
        "rtt_avg": None,
        "rtt_max": None,
        "error": None,
        "errors": 0,
    }


def _strings(text: str) -> tuple[list[Row], dict[str, str | None], int]:
    lines = text.splitlines()
    dialect = _detect(lines)
    if dialect is None:
        raise parse_error(COMMAND, first_line(text))
    patterns = _PATTERNS[dialect]
    found: dict[str, str | None] = {"dialect": dialect}
    rows: list[Row] = []
    icmp_errors = 0
    for line in lines:
        if m := patterns["reply"].match(line):
            row = m.groupdict()
            # iputils prints "name (address)" when reverse DNS knows the address.
            if named := re.fullmatch(r".* \((?P<address>[^)]+)\)", row["address"] or ""):
                row["address"] = named["address"]
            rows.append(row)
        elif _ICMP_ERROR.match(line):
            icmp_errors += 1
        elif _ERROR.match(line):
            found.setdefault("error", line.strip())
            if d := _ERROR_DEST.match(line):
                found.setdefault("destination", d["bb"] or d["iu"])
        elif m := _STATS_TITLE.match(line):
            found.setdefault("destination", m["destination"])
        else:
            for key in ("header", "stats", "rtt"):
                if m := patterns[key].match(line):
                    found.update(m.groupdict())
    return rows, found, icmp_errors


def _summary(found: dict[str, str | None], icmp_errors: int) -> dict[str, Any]:
    """The summary's one typing step: counts to int, percentages and times to float."""
    summary = _empty_summary()
    for key, value in found.items():
        if value is None:
            continue
        if key in ("transmitted", "received"):
            summary[key] = int(value)
        elif key in ("loss_pct", "rtt_min", "rtt_avg", "rtt_max"):
            summary[key] = float(value)
        else:
            summary[key] = value
    summary["errors"] = icmp_errors
    return summary


def parse(text: str) -> pd.DataFrame:
    """Parse busybox or iputils ping output; replies as rows, statistics in ``attrs["summary"]``."""
    if not text.strip():
        df = typed_frame([], SCHEMA)
        df.attrs["summary"] = _empty_summary()
        return df
    rows, found, icmp_errors = _strings(text)
    df = typed_frame(rows, SCHEMA)
    df.attrs["summary"] = _summary(found, icmp_errors)
    return df
