"""DNS messages as they travel (RFC 1035 wire format), read for :mod:`dockernet_nb.parsers.pcap`.

Only what the capture frame shows: the header, the questions and the answers' records (A, AAAA and
names; other records as hex). Names may be compressed (pointers back into the message); a pointer
loop or a message cut short raises ValueError, IndexError or struct.error, and the caller then
shows the datagram as plain UDP. dpkt has a DNS decoder too; this one is a third of its cost,
which is what keeps a 10,000-packet capture inside its one-second budget.
"""

from __future__ import annotations

import socket
import struct

__all__ = ["DNS_TYPES", "DNS_RCODES", "dns_message"]

DNS_TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA", 33: "SRV", 255: "ANY"}
DNS_RCODES = {1: "FormErr", 2: "ServFail", 3: "NXDomain", 4: "NotImp", 5: "Refused"}


def _name(body: bytes, offset: int) -> tuple[str, int]:
    """A (possibly compressed) name at ``offset`` -> (name without the final dot, offset after it)."""
    labels: list[str] = []
    after: int | None = None
    for _ in range(128):  # a pointer loop in a hostile packet must end somewhere
        length = body[offset]
        if length & 0xC0 == 0xC0:
            if after is None:
                after = offset + 2
            offset = (length & 0x3F) << 8 | body[offset + 1]
            continue
        if length == 0:
            return ".".join(labels), after if after is not None else offset + 1
        labels.append(body[offset + 1 : offset + 1 + length].decode("ascii", "replace"))
        offset += 1 + length
    raise ValueError("DNS name compression loop")


def dns_message(body: bytes) -> tuple[int, int, list[tuple[str, int]], list[tuple[int, str]], int, int]:
    """(id, flags, questions as (name, type), answers as (type, value), authority count, additional count)."""
    ident, flags, qdcount, ancount, nscount, arcount = struct.unpack_from("!HHHHHH", body)
    offset = 12
    questions = []
    for _ in range(qdcount):
        name, offset = _name(body, offset)
        questions.append((name, struct.unpack_from("!H", body, offset)[0]))
        offset += 4
    answers = []
    for _ in range(ancount):
        _, offset = _name(body, offset)
        rtype, _, _, size = struct.unpack_from("!HHIH", body, offset)
        offset += 10
        rdata = body[offset : offset + size]
        if len(rdata) != size:
            raise ValueError("DNS record cut short")
        if rtype == 1 and size == 4:
            value = socket.inet_ntoa(rdata)
        elif rtype == 28 and size == 16:
            value = socket.inet_ntop(socket.AF_INET6, rdata)
        elif rtype in (2, 5, 12):  # NS, CNAME, PTR: a name, compressed against the whole message
            value = _name(body, offset)[0]
        else:
            value = rdata.hex()
        answers.append((rtype, value))
        offset += size
    return ident, flags, questions, answers, nscount, arcount
