"""Parse tcpdump's own decode of a capture, ``tcpdump -nn -e -v -r FILE``: one row per packet, VXLAN opened.

Each packet is a header line (time, MAC addresses, ethertype, frame length, then with ``-v`` the
IPv4 header: ttl, protocol, total length) and an indented line with the addresses and what the packet
carries. When that is VXLAN (UDP port 4789, ``VXLAN, flags [I] (0x08), vni 4097``), the frame
inside the tunnel follows as a second header line and a second indented line, and is decoded into
the ``inner_*`` columns::

    03:22:31.691433 02:42:ac:10:c8:02 > 02:42:ac:10:c8:03, ethertype IPv4 (0x0800), length 148: (tos 0x0, ttl 64, ..., proto UDP (17), length 134)
        172.16.200.2.39106 > 172.16.200.3.4789: VXLAN, flags [I] (0x08), vni 4097
    02:42:ac:10:01:02 > 02:42:ac:10:01:04, ethertype IPv4 (0x0800), length 98: (tos 0x0, ttl 64, ..., proto ICMP (1), length 84)
        172.16.1.2 > 172.16.1.4: ICMP echo request, id 27, seq 0, length 64

Schema (the names follow the pcap parser of the packet-capture work where they mean the same):

===================== ======= ==========================================================
column                dtype   meaning
===================== ======= ==========================================================
time                  float64 seconds since the first packet (from the HH:MM:SS.us stamps)
source_mac            string  outer Ethernet source
destination_mac       string  outer Ethernet destination
source                string  outer IPv4 source (ARP: the sender's address)
destination           string  outer IPv4 destination (ARP: the address asked about)
protocol              string  ``VXLAN`` when decoded; else the IP protocol (``UDP``, ``TCP``,
                              ``ICMP``, ...), ``ARP``, or the ethertype's name
length                Int64   outer IPv4 total length (bytes of the packet without Ethernet)
ttl                   Int64   outer IPv4 TTL
src_port              Int64   outer UDP/TCP source port
dst_port              Int64   outer UDP/TCP destination port (4789 for VXLAN)
vni                   Int64   VXLAN network identifier
inner_source_mac      string  Ethernet source of the frame inside the tunnel
inner_destination_mac string  its Ethernet destination
inner_source          string  its IPv4 source (ARP: sender)
inner_destination     string  its IPv4 destination (ARP: the address asked about)
inner_protocol        string  ``ICMP``, ``TCP``, ``UDP``, ``ARP``, ...
inner_length          Int64   its IPv4 total length
inner_ttl             Int64   its IPv4 TTL
summary               string  what the innermost packet says, as tcpdump printed it
                              (``ICMP echo request, id 27, seq 0, length 64``)
icmp_type             string  ``echo request``, ``echo reply``, ... for ICMP (inner if any)
icmp_seq              Int64   the echo's sequence number
===================== ======= ==========================================================

Dialect (``df.attrs["dialect"]``): ``"tcpdump-e-v"``; ``None`` for empty input. tcpdump's status
lines (``reading from file ...``, ``N packets captured``) are skipped. A packet line of another
shape (a capture printed without ``-e`` or ``-v``, a cut-off line) raises ParseError quoting it.

Example::

    >>> df = parse("03:22:31.691433 02:42:ac:10:c8:02 > 02:42:ac:10:c8:03, ethertype IPv4 (0x0800), "
    ...            "length 148: (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto UDP (17), length 134)\\n"
    ...            "    172.16.200.2.39106 > 172.16.200.3.4789: VXLAN, flags [I] (0x08), vni 4097\\n"
    ...            "02:42:ac:10:01:02 > 02:42:ac:10:01:04, ethertype IPv4 (0x0800), length 98: "
    ...            "(tos 0x0, ttl 64, id 2, offset 0, flags [DF], proto ICMP (1), length 84)\\n"
    ...            "    172.16.1.2 > 172.16.1.4: ICMP echo request, id 27, seq 0, length 64\\n")
    >>> print(df[["destination", "dst_port", "vni", "inner_source", "inner_destination", "icmp_type"]].to_string(index=False))
     destination  dst_port  vni inner_source inner_destination    icmp_type
    172.16.200.3      4789 4097   172.16.1.2        172.16.1.4 echo request
"""

from __future__ import annotations

import re

import pandas as pd

from dockernet_nb.parsers._common import Row, parse_error, typed_frame

__all__ = ["parse", "SCHEMA", "COMMAND"]

COMMAND = "tcpdump -nn -e -v -r"
SCHEMA = {
    "time": "float64",
    "source_mac": "string",
    "destination_mac": "string",
    "source": "string",
    "destination": "string",
    "protocol": "string",
    "length": "Int64",
    "ttl": "Int64",
    "src_port": "Int64",
    "dst_port": "Int64",
    "vni": "Int64",
    "inner_source_mac": "string",
    "inner_destination_mac": "string",
    "inner_source": "string",
    "inner_destination": "string",
    "inner_protocol": "string",
    "inner_length": "Int64",
    "inner_ttl": "Int64",
    "summary": "string",
    "icmp_type": "string",
    "icmp_seq": "Int64",
}

_MAC = r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}"
_IP = r"\d{1,3}(?:\.\d{1,3}){3}"
_TIME = re.compile(r"^(?P<h>\d{2}):(?P<m>\d{2}):(?P<s>\d{2}\.\d+) ")
_LINK = re.compile(
    rf"^(?P<smac>{_MAC}) > (?P<dmac>{_MAC}), ethertype (?P<ethertype>\S+) \(0x[0-9a-f]{{4}}\), length \d+: ?(?P<rest>.*)$"
)
_IPV4 = re.compile(r"^\(tos 0x[0-9a-f]+, ttl (?P<ttl>\d+), .*proto (?P<proto>\S+) \(\d+\), length (?P<length>\d+)\)$")
_PAYLOAD = re.compile(rf"^\s+(?P<src>{_IP})(?:\.(?P<sport>\d+))? > (?P<dst>{_IP})(?:\.(?P<dport>\d+))?: (?P<what>.*)$")
_VXLAN = re.compile(r"^VXLAN, flags \[[^\]]*\] \(0x[0-9a-f]+\), vni (?P<vni>\d+)$")
_ICMP = re.compile(r"^ICMP (?P<type>[a-z][a-z ]*?)(?:, id \d+, seq (?P<seq>\d+))?(?:, length \d+)?$")
_ARP = re.compile(rf"^Ethernet \(len 6\), IPv4 \(len 4\), (?:Request who-has (?P<ask>{_IP})(?: \([^)]*\))? tell (?P<tell>{_IP})|Reply (?P<has>{_IP}) is-at {_MAC}), length \d+$")
_STATUS = re.compile(r"^(reading from file |\d+ packets? (captured|received by filter|dropped by kernel)|tcpdump: |listening on )")


def _frame(line: str, lines: list[str], prefix: str) -> Row:
    """One Ethernet header line (and, for IPv4, the indented line after it) into ``prefix``-ed fields."""
    link = _LINK.match(line)
    if link is None:
        raise parse_error(COMMAND, line, "a packet line without -e's MAC addresses")
    row: Row = {f"{prefix}source_mac": link["smac"], f"{prefix}destination_mac": link["dmac"]}
    if link["ethertype"] == "ARP":
        arp = _ARP.match(link["rest"])
        if arp is None:
            raise parse_error(COMMAND, line, "an ARP packet of an unknown shape")
        row |= {
            f"{prefix}protocol": "ARP",
            f"{prefix}source": arp["tell"] or arp["has"],
            f"{prefix}destination": arp["ask"],
            "summary": link["rest"],
        }
        return row
    if link["ethertype"] != "IPv4":
        row |= {f"{prefix}protocol": link["ethertype"], "summary": link["rest"]}
        return row
    header = _IPV4.match(link["rest"])
    if header is None:
        raise parse_error(COMMAND, line, "an IPv4 header without -v's ttl, proto and length")
    if not lines:
        raise parse_error(COMMAND, line, "the packet's address line is missing")
    payload = _PAYLOAD.match(lines.pop(0))
    if payload is None:
        raise parse_error(COMMAND, line, "the packet's address line is not 'SOURCE > DESTINATION: ...'")
    row |= {
        f"{prefix}protocol": header["proto"],
        f"{prefix}length": header["length"],
        f"{prefix}ttl": header["ttl"],
        f"{prefix}source": payload["src"],
        f"{prefix}destination": payload["dst"],
        "summary": payload["what"],
    }
    if not prefix:
        row |= {"src_port": payload["sport"], "dst_port": payload["dport"]}
    if icmp := _ICMP.match(payload["what"]):
        row |= {"icmp_type": icmp["type"], "icmp_seq": icmp["seq"]}
    return row


def _packets(text: str) -> list[list[str]]:
    """The lines of each packet: a timestamped line opens one, every other line belongs to it."""
    packets: list[list[str]] = []
    for line in text.splitlines():
        if not line.strip() or _STATUS.match(line):
            continue
        if _TIME.match(line):
            packets.append([line])
        elif packets:
            packets[-1].append(line)
        else:
            raise parse_error(COMMAND, line, "text before the first packet")
    return packets


def _strings(text: str) -> list[Row]:
    rows: list[Row] = []
    first: float | None = None
    for lines in _packets(text):
        head = lines.pop(0)
        clock = _TIME.match(head)
        if clock is None:  # _packets opens a packet only on a timestamped line
            raise parse_error(COMMAND, head, "a packet without its time")
        stamp = int(clock["h"]) * 3600 + int(clock["m"]) * 60 + float(clock["s"])
        first = stamp if first is None else first
        since = stamp - first if stamp >= first else stamp + 86400 - first  # past midnight
        row: Row = {"time": repr(round(since, 6))}
        row |= _frame(head[clock.end():], lines, "")
        if row.get("protocol") == "UDP" and (vxlan := _VXLAN.match(row.get("summary") or "")):
            row |= {"protocol": "VXLAN", "vni": vxlan["vni"], "summary": None}
            if not lines:
                raise parse_error(COMMAND, head, "a VXLAN packet without the frame it carries")
            row |= _frame(lines.pop(0), lines, "inner_")
        if lines:
            raise parse_error(COMMAND, lines[0], "a line this parser does not expect inside a packet")
        rows.append(row)
    return rows


def parse(text: str) -> pd.DataFrame:
    """Parse ``tcpdump -nn -e -v -r FILE`` output: one row per packet, VXLAN payloads decoded."""
    rows = _strings(text) if text.strip() else []
    df = typed_frame(rows, SCHEMA)
    df.attrs["dialect"] = "tcpdump-e-v" if rows else None
    return df
