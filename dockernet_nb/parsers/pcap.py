"""Parse a packet capture (the bytes of a ``tcpdump -w`` file): one row per packet.

The file is read as it comes: classic pcap (microsecond or nanosecond timestamps, either byte
order) or pcapng, with Ethernet frames (``tcpdump -i eth0``), Linux cooked captures v1 and v2
(``tcpdump -i any``, LINKTYPE_LINUX_SLL and LINUX_SLL2) or raw IP. Packets are decoded with dpkt
(``_packet.py``: the link layer, ARP, IP and what it carries, each packet's summary).

Why dpkt, not scapy: both are on PyPI and both decode these protocols, but dpkt is a thin layer of
struct unpacking while scapy builds a rich object per layer and field. Measured on the course's
machine (2 cores) on 10,000 packets of the recorded exchanges (``benchmarks/bench_pcap.py``, median
of 5): this parser turns them into the frame in 0.42 s of CPU time (0.58 s wall with the machine
lightly loaded); scapy's ``rdpcap`` alone, before any frame is built, took 5.5 s of CPU time (7.5 s
wall). The budget is 1 s. dpkt is pure Python with no dependencies of its own. DNS is read by a small reader of the wire format
(``_dns_wire.py``): dpkt's DNS decoder, which builds an object per record, took two thirds of the time.

Schema:

================= ======= ==============================================================
column            dtype   meaning
================= ======= ==============================================================
time              float64 seconds since the first packet of the capture
direction         string  cooked captures only: ``In`` (to this host), ``Out``, ``B``
                          (broadcast), ``M`` (multicast), ``P`` (to another host), as
                          tcpdump prints them; <NA> for Ethernet and raw captures
source            string  source IP address; for ARP the sender's MAC address
destination       string  destination IP address; for ARP the target's MAC address
                          (``00:00:00:00:00:00`` in a request: that is what it asks for)
protocol          string  ``ARP``, ``ICMP``, ``ICMPv6``, ``DNS``, ``TCP``, ``UDP``, ``VXLAN``,
                          ``OSPF``, ``IGMP``, ``GRE``, ``SCTP``, ``IP proto N``, ``IPv4``
                          or ``IPv6`` (a fragment or a truncated packet), or the
                          Ethernet type (``0x88cc``)
length            Int64   bytes of the network-layer packet (IP total length, IPv6 40 +
                          payload, ARP 28), whatever the link type
summary           string  a short line like tcpdump's (``-nn -S``), without the time and
                          link layer: ``172.29.14.2 > 172.29.14.3: ICMP echo request,
                          id 31615, seq 1, length 64``
src_port          Int64   TCP/UDP source port
dst_port          Int64   TCP/UDP destination port
tcp_flags         string  TCP flags, letters in the order F S R P A U E C: ``S``, ``SA``,
                          ``A``, ``PA``, ``FA``, ``R``, ``RA``
seq               Int64   TCP sequence number (absolute, as on the wire)
ack               Int64   TCP acknowledgement number; <NA> without the A flag
icmp_type         Int64   ICMP or ICMPv6 type (8 echo request, 0 echo reply, 3
                          unreachable; ICMPv6 128/129 echo, 135/136 neighbour
                          solicitation/advertisement, ...)
icmp_seq          Int64   echo request/reply sequence number
ttl               Int64   IPv4 TTL or IPv6 hop limit
dns_id            Int64   DNS transaction id (query and answer share it)
dns_qname         string  the name asked about, without the final dot
dns_qtype         string  ``A``, ``AAAA``, ``PTR``, ... (a number when unnamed)
dns_answers       string  an answer's records, space-separated (``172.29.14.3``); ``""``
                          for an answer without records; <NA> for a query
arp_op            string  ``request`` or ``reply``
vni               Int64   VXLAN network identifier
inner_source      string  VXLAN: the source of the frame inside the tunnel
inner_destination string  VXLAN: its destination
inner_protocol    string  VXLAN: its protocol (same names as ``protocol``)
================= ======= ==============================================================

Which UDP is what: port 53 (either end) is DNS, and so is anything to or from 127.0.0.11, Docker's
embedded DNS server, whose NAT rules move the query to another port before a capture sees it. UDP
port 4789 (IANA) or 8472 (Linux's default for ``ip link add ... type vxlan``) is VXLAN. A DNS or
VXLAN payload that does not decode stays plain ``UDP``.

``df.attrs``: ``dialect`` (``"pcap"`` or ``"pcapng"``, ``None`` for empty input), ``link_type``
(``"EN10MB"``, ``"LINUX_SLL"``, ``"LINUX_SLL2"``, ``"RAW"``) and ``start`` (the first packet's time,
seconds since the epoch). A capture without packets gives zero rows. A packet whose headers are
cut short (a small ``-s`` snap length) keeps what could be read, its summary ending in ``[|ip]``
like tcpdump's. Bytes that are not a capture file, an unsupported link type, or a file cut in the
middle of a packet record raise ParseError, quoting the byte offset where reading stopped.

Example::

    >>> import struct
    >>> header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101)   # raw IPv4
    >>> ping = bytes.fromhex("4500001c00004000400100000a0000010a000002" "0800f7fe00010000")
    >>> record = struct.pack("<IIII", 1700000000, 0, len(ping), len(ping)) + ping
    >>> df = parse(header + record)
    >>> print(df.loc[0, "summary"])
    10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 0, length 8
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

import pandas as pd

from dockernet_nb.parsers._common import Row, parse_error, typed_frame
from dockernet_nb.parsers._packet import broken, load_dpkt, packet_row

__all__ = ["parse", "SCHEMA", "COMMAND"]

COMMAND = "tcpdump -w"
SCHEMA = {
    "time": "float64",
    "direction": "string",
    "source": "string",
    "destination": "string",
    "protocol": "string",
    "length": "Int64",
    "summary": "string",
    "src_port": "Int64",
    "dst_port": "Int64",
    "tcp_flags": "string",
    "seq": "Int64",
    "ack": "Int64",
    "icmp_type": "Int64",
    "icmp_seq": "Int64",
    "ttl": "Int64",
    "dns_id": "Int64",
    "dns_qname": "string",
    "dns_qtype": "string",
    "dns_answers": "string",
    "arp_op": "string",
    "vni": "Int64",
    "inner_source": "string",
    "inner_destination": "string",
    "inner_protocol": "string",
}

_LINK_TYPES = {1: "EN10MB", 101: "RAW", 12: "RAW", 113: "LINUX_SLL", 276: "LINUX_SLL2"}
# Classic pcap magic numbers as read little-endian -> (byte order, timestamp fraction per second).
_MAGICS = {
    0xA1B2C3D4: ("<", 1_000_000),
    0xD4C3B2A1: (">", 1_000_000),
    0xA1B23C4D: ("<", 1_000_000_000),
    0x4D3CB2A1: (">", 1_000_000_000),
}
_PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"


def _offset_line(offset: int, data: bytes) -> str:
    """What a ParseError quotes for binary input: where reading stopped and the bytes there."""
    return f"byte {offset}: {data[offset : offset + 8].hex(' ') or 'end of file'}"


# --- the capture file ------------------------------------------------------------------------------


def _classic(data: bytes) -> tuple[str, Iterator[tuple[int, int, int, bytes]]]:
    """(link type, packets as (seconds, fraction, fraction per second, bytes)) of a classic pcap."""
    if len(data) < 24:
        raise parse_error(COMMAND, _offset_line(0, data), "a pcap file header is 24 bytes")
    order, per_second = _MAGICS[struct.unpack("<I", data[:4])[0]]
    link_type = struct.unpack(order + "I", data[20:24])[0] & 0x0FFFFFFF  # high bits: FCS flags
    if link_type not in _LINK_TYPES:
        raise parse_error(COMMAND, _offset_line(20, data), f"link type {link_type} is not supported")
    record = struct.Struct(order + "IIII")

    def packets() -> Iterator[tuple[int, int, int, bytes]]:
        offset = 24
        while offset < len(data):
            if offset + 16 > len(data):
                raise parse_error(COMMAND, _offset_line(offset, data), "the file ends inside a packet record header")
            seconds, fraction, caplen, _ = record.unpack_from(data, offset)
            if offset + 16 + caplen > len(data):
                raise parse_error(COMMAND, _offset_line(offset, data), f"the file ends inside a packet of {caplen} bytes")
            yield seconds, fraction, per_second, data[offset + 16 : offset + 16 + caplen]
            offset += 16 + caplen

    return _LINK_TYPES[link_type], packets()


def _pcapng(data: bytes) -> tuple[str, Iterator[tuple[int, int, int, bytes]]]:
    import io

    try:
        reader = load_dpkt().pcapng.Reader(io.BytesIO(data))
        link_type = reader.datalink()
        # dpkt gives float seconds: nanoseconds are as close as its floats get.
        packets = [(int(ts), round((ts - int(ts)) * 1e9), 1_000_000_000, bytes(buf)) for ts, buf in reader]
    except broken() as e:
        raise parse_error(COMMAND, _offset_line(0, data), f"not a readable pcapng file ({type(e).__name__}: {e})") from e
    if link_type not in _LINK_TYPES:
        raise parse_error(COMMAND, _offset_line(0, data), f"link type {link_type} is not supported")
    return _LINK_TYPES[link_type], iter(packets)


# --- the frame -------------------------------------------------------------------------------------


def _rows(link_type: str, packets: Iterator[tuple[int, int, int, bytes]]) -> tuple[list[Row], float | None]:
    rows: list[Row] = []
    first: tuple[int, int, int] | None = None
    for seconds, fraction, per_second, frame in packets:
        if first is None:
            first = (seconds, fraction, per_second)
        # From the integers: subtracting two float epoch times would show noise (0.007448000144958496).
        elapsed = ((seconds - first[0]) * per_second + fraction - first[1]) / per_second
        row: Row = {"time": repr(elapsed)}
        packet_row(link_type, frame, row)
        rows.append(row)
    start = None if first is None else first[0] + first[1] / first[2]
    return rows, start


def parse(data: bytes) -> pd.DataFrame:
    """A capture file's bytes -> one row per packet (see the module docstring)."""
    if isinstance(data, str):
        raise TypeError("pcap.parse takes the capture file's bytes (open(path, 'rb').read()), not text")
    data = bytes(data)
    load_dpkt()
    if not data:
        frame = typed_frame([], SCHEMA)
        frame.attrs.update(dialect=None, link_type=None, start=None)
        return frame
    if data[:4] == _PCAPNG_MAGIC:
        dialect, (link_type, packets) = "pcapng", _pcapng(data)
    elif len(data) >= 4 and struct.unpack("<I", data[:4])[0] in _MAGICS:
        dialect, (link_type, packets) = "pcap", _classic(data)
    else:
        raise parse_error(COMMAND, _offset_line(0, data), "not a pcap or pcapng capture file")
    rows, start = _rows(link_type, packets)
    frame = typed_frame(rows, SCHEMA)
    frame.attrs.update(dialect=dialect, link_type=link_type, start=start)
    return frame
