"""Names: what a name resolves to, in which order, who answers there, and a DNS server of the course's own.

- :func:`lookup` asks the resolver inside a container (``getent ahosts NAME``), a number of times, and
  shows the addresses in the order the resolver returned them: with a network alias shared by several
  containers, Docker's DNS server hands them out in a new order each time.
- :func:`who_answers` does what a client does with a name, several times: take the first address the
  resolver gives, connect there, and note who answered.
- :func:`dns_server` starts a tiny DNS server (a short Perl program in the course's debian image,
  which has Perl but no DNS server software) that answers A queries from a table of names, so
  ``run(dns=[...])`` can point containers at a server of the lesson's own, on this machine.

Example::

    >>> dnb.who_answers("client", "app:8000", rounds=6)               # doctest: +SKIP
"""

from __future__ import annotations

import ipaddress
import re
import shlex
import time
from collections.abc import Mapping

import pandas as pd

from dockernet_nb.errors import InvalidInput
from dockernet_nb.parsers import getent
from dockernet_nb.records import ContainerHandle, NetworkHandle
from dockernet_nb.replay import recordable
from dockernet_nb.verbs import containers
from dockernet_nb.verbs.common import Container, name_of

__all__ = ["lookup", "who_answers", "dns_server"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$")
_ROUND = "--- round "
LOOKUP_COLUMNS = ["round", "addresses", "first"]
ANSWER_COLUMNS = ["round", "address", "answer"]

# A DNS server in Perl (perl-base is in every Debian image): answers A queries from $RECORDS
# ("name=address ..."), NXDOMAIN for other names, an empty answer for other types of a known name,
# and logs each query (name, type, who asked, what it answered) to stderr.
DNS_SERVER_PERL = r"""
use IO::Socket::INET; $|=1;
my %a = map { my ($n, $ip) = split /=/; (lc($n) =~ s/\.$//r, $ip) } split ' ', $ENV{RECORDS};
my $s = IO::Socket::INET->new(LocalPort => 53, Proto => 'udp') or die "udp port 53: $!\n";
print STDERR "answering for: ", join(' ', map { "$_=$a{$_}" } sort keys %a), "\n";
while (1) {
  my $from = $s->recv(my $q, 512); next if !defined $from || length($q) < 17;
  my ($id, $flags) = unpack 'n n', $q; my ($p, @l) = (12);
  while ((my $n = ord substr $q, $p, 1) > 0) { push @l, substr $q, $p + 1, $n; $p += $n + 1; }
  my $name = lc join '.', @l; my $type = unpack 'n', substr $q, $p + 1, 2; my $ip = $a{$name};
  my $ans = defined $ip && $type == 1 ? pack('n n n N n C4', 0xc00c, 1, 1, 60, 4, split /\./, $ip) : '';
  $s->send(pack('n6', $id, 0x8400 | ($flags & 0x0100) | (defined $ip ? 0 : 3), 1, $ans ? 1 : 0, 0, 0)
    . substr($q, 12, $p + 5 - 12) . $ans, 0, $from);
  my (undef, $who) = sockaddr_in($from);
  printf STDERR "query %s %s from %s: %s\n", $name, ($type == 1 ? 'A' : $type == 28 ? 'AAAA' : "type$type"),
    inet_ntoa($who), defined $ip ? ($type == 1 ? $ip : 'no such record') : 'NXDOMAIN';
}
""".strip()


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidInput(f"{name!r} is not a host name: letters, digits, '-' and '.', like 'app' or 'db.lab'.")
    return name


def _check_rounds(rounds: object) -> int:
    if isinstance(rounds, bool) or not isinstance(rounds, int) or not 1 <= rounds <= 50:
        raise InvalidInput(f"rounds must be a whole number from 1 to 50, got {rounds!r}.")
    return rounds


def _sections(text: str) -> list[str]:
    """The output of each round of a loop that printed ``--- round N`` before it."""
    return [part.split("\n", 1)[1] if "\n" in part else "" for part in text.split(_ROUND)[1:]]


@recordable
def lookup(container: Container, name: str, *, rounds: int = 1, family: int | None = None) -> pd.DataFrame:
    """Resolve ``name`` inside ``container`` ``rounds`` times (``getent ahosts NAME``), one row per round.

    Columns: round, addresses (in the order the resolver returned them), first (the one a client
    tries first). ``family=4`` or ``6`` asks for that family only (``ahostsv4``/``ahostsv6``). A
    name that does not resolve gives rows with no addresses. Example::

        >>> dnb.lookup("client", "app", rounds=3)                      # doctest: +SKIP
           round                            addresses        first
        0      1  172.24.0.3 172.24.0.2 172.24.0.4   172.24.0.3
    """
    _check_name(name)
    rounds = _check_rounds(rounds)
    database = {None: "ahosts", 4: "ahostsv4", 6: "ahostsv6"}.get(family)
    if database is None:
        raise InvalidInput(f"family must be 4, 6 or None (both), got {family!r}.")
    script = f'for i in $(seq 1 {rounds}); do echo "{_ROUND}$i"; getent {database} {shlex.quote(name)}; done'
    result = containers.exec(container, ["sh", "-c", script], timeout=10 + 2 * rounds)
    if result.exit_code in (126, 127) or "getent: not found" in result.output:
        raise InvalidInput(f"{name_of(container)} has no getent; use a debian-based container.")
    rows = []
    for number, section in enumerate(_sections(result.stdout), start=1):
        found = getent.parse(section)
        addresses = list(found["address"])
        rows.append({"round": number, "addresses": " ".join(addresses), "first": addresses[0] if addresses else None})
    frame = pd.DataFrame(rows, columns=LOOKUP_COLUMNS)
    frame.attrs["raw"] = result.stdout
    return frame


def _target(target: str) -> tuple[str, int]:
    host, sep, port = str(target).rpartition(":")
    if not sep or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise InvalidInput(f"{target!r}: write the target as 'NAME:PORT', like 'app:8000'.")
    return _check_name(host), int(port)


@recordable
def who_answers(client: Container, target: str, *, rounds: int = 8, family: int = 4) -> pd.DataFrame:
    """Do what a client does with ``"NAME:PORT"``, ``rounds`` times: resolve, connect to the first address, read.

    Each round resolves the name afresh inside ``client`` (``getent ahostsv4 NAME``), connects to
    the first address (``nc``) and keeps the first line the server sent back. Columns: round,
    address, answer (None when nothing answered). Example::

        >>> dnb.who_answers("client", "app:8000", rounds=4)               # doctest: +SKIP
           round     address answer
        0      1  172.24.0.4   app3
    """
    name, port = _target(target)
    rounds = _check_rounds(rounds)
    database = {4: "ahostsv4", 6: "ahostsv6"}.get(family)
    if database is None:
        raise InvalidInput(f"family must be 4 or 6, got {family!r}.")
    script = (
        f'for i in $(seq 1 {rounds}); do echo "{_ROUND}$i"; '
        f"a=$(getent {database} {shlex.quote(name)} | head -n 1); echo \"$a\"; "
        f'[ -n "$a" ] && nc -w 2 ${{a%% *}} {port} </dev/null | head -n 1; done'
    )
    result = containers.exec(client, ["sh", "-c", script], timeout=10 + 3 * rounds)
    if result.exit_code in (126, 127):
        raise InvalidInput(f"{name_of(client)} lacks getent or nc; use a debian-based container as the client.")
    rows = []
    for number, section in enumerate(_sections(result.stdout), start=1):
        lines = section.splitlines()
        found = getent.parse(lines[0] if lines else "")
        address = found["address"].iloc[0] if len(found) else None
        answer = lines[1].strip() if len(lines) > 1 and lines[1].strip() else None
        rows.append({"round": number, "address": address, "answer": answer})
    frame = pd.DataFrame(rows, columns=ANSWER_COLUMNS)
    frame.attrs["raw"] = result.stdout
    return frame


@recordable
def dns_server(
    name: str,
    records: Mapping[str, str],
    *,
    net: str | NetworkHandle,
    ip: str | None = None,
) -> ContainerHandle:
    """Start a DNS server container on ``net`` that answers A queries for ``records`` ({name: IPv4 address}).

    Any other name gets NXDOMAIN ("no such name"); every query is logged (``dnb.logs(name)``): the name,
    the type, who asked and what was answered. Addresses must be on this machine (the course's ranges).
    Point containers at it with ``dnb.run(..., dns=[server.addresses[net]])``. Example::

        >>> dns = dnb.dns_server("dns", {"shop.lab": "172.24.0.9"}, net="lab")   # doctest: +SKIP
    """
    if not isinstance(records, Mapping) or not records:
        raise InvalidInput("records must be a dict like {'shop.lab': '172.24.0.9'}.")
    entries = []
    for host, address in records.items():
        _check_name(str(host))
        try:
            parsed = ipaddress.IPv4Address(str(address))
        except ValueError as e:
            raise InvalidInput(f"{address!r} (for {host}) is not an IPv4 address.") from e
        if not (parsed.is_private or parsed.is_loopback):
            raise InvalidInput(f"{address} is not an address on this machine's private ranges; the course answers with local addresses only.")
        entries.append(f"{str(host).lower()}={parsed}")
    handle = containers.run(
        "debian", ["perl", "-e", DNS_SERVER_PERL], name=name, net=net, ip=ip, env={"RECORDS": " ".join(entries)}, detach=True
    )
    # It prints "answering for: ..." once it listens: wait for that (or for it to die and say why).
    deadline = time.monotonic() + 10
    while True:
        log = containers.logs(name)
        if "answering for:" in log.stderr:
            return handle
        if "udp port 53" in log.stderr or time.monotonic() > deadline:
            raise InvalidInput(f"The DNS server {name} did not start: {log.output.strip()[-200:] or 'no output'}")
        time.sleep(0.1)
