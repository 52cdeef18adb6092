"""Parse a packet capture (the bytes of a ``tcpdump -w`` file): one row per packet.

The file is read as it comes: classic pcap (microsecond or nanosecond timestamps, either byte
order) or pcapng, with Ethernet frames (``tcpdump -i eth0``), Linux cooked captures v1 and v2
(``tcpdump -i any``, LINKTYPE_LINUX_SLL and LINUX_SLL2) or raw IP. Packets are decoded with dpkt.

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

import socket
import struct
from collections.abc import Iterator
from typing import Any

import pandas as pd

from dockernet_nb.parsers._common import Row, parse_error, typed_frame
from dockernet_nb.parsers._dns_wire import DNS_RCODES, DNS_TYPES, dns_message

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

# Imported on first use: dpkt takes 0.15 s to import, which the parsers package should not cost.
dpkt: Any = None
# What decoding a cut-off or mangled packet raises (dpkt.Error covers its UnpackError and NeedData).
_BROKEN: tuple[type[Exception], ...] = (struct.error, IndexError, ValueError, OSError)

_LINK_TYPES = {1: "EN10MB", 101: "RAW", 12: "RAW", 113: "LINUX_SLL", 276: "LINUX_SLL2"}
# Classic pcap magic numbers as read little-endian -> (byte order, timestamp fraction per second).
_MAGICS = {
    0xA1B2C3D4: ("<", 1_000_000),
    0xD4C3B2A1: (">", 1_000_000),
    0xA1B23C4D: ("<", 1_000_000_000),
    0x4D3CB2A1: (">", 1_000_000_000),
}
_PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
_PACKET_TYPES = {0: "In", 1: "B", 2: "M", 3: "P", 4: "Out"}
_ETH_IPV4, _ETH_IPV6, _ETH_ARP, _ETH_VLAN = 0x0800, 0x86DD, 0x0806, 0x8100
_IP_PROTOCOLS = {2: "IGMP", 47: "GRE", 89: "OSPF", 132: "SCTP", 50: "ESP", 112: "VRRP"}
_TCP_LETTERS = "FSRPAUEC"  # bit 0 (FIN) to bit 7 (CWR)
# tcpdump's spelling: "." for ACK, W for CWR, in its own order.
_TCPDUMP_FLAGS = [(0x01, "F"), (0x02, "S"), (0x04, "R"), (0x08, "P"), (0x10, "."), (0x20, "U"), (0x40, "E"), (0x80, "W")]
_VXLAN_PORTS = {4789, 8472}
_DOCKER_DNS = "127.0.0.11"
_ICMP_NAMES = {0: "echo reply", 8: "echo request", 11: "time exceeded in-transit", 5: "redirect"}
_UNREACHABLE = {
    0: "net",
    1: "host",
    2: "protocol",
    3: "port",
    4: "need to frag",
    9: "net prohibited",
    10: "host prohibited",
    13: "administratively prohibited",
}
_ICMP6_NAMES = {
    1: "destination unreachable",
    2: "packet too big",
    3: "time exceeded in-transit",
    128: "echo request",
    129: "echo reply",
    130: "multicast listener query",
    131: "multicast listener report",
    132: "multicast listener done",
    133: "router solicitation",
    134: "router advertisement",
    135: "neighbor solicitation",
    136: "neighbor advertisement",
    143: "multicast listener report v2",
}


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
        reader = dpkt.pcapng.Reader(io.BytesIO(data))
        link_type = reader.datalink()
        # dpkt gives float seconds: nanoseconds are as close as its floats get.
        packets = [(int(ts), round((ts - int(ts)) * 1e9), 1_000_000_000, bytes(buf)) for ts, buf in reader]
    except _BROKEN as e:
        raise parse_error(COMMAND, _offset_line(0, data), f"not a readable pcapng file ({type(e).__name__}: {e})") from e
    if link_type not in _LINK_TYPES:
        raise parse_error(COMMAND, _offset_line(0, data), f"link type {link_type} is not supported")
    return _LINK_TYPES[link_type], iter(packets)


# --- one packet ------------------------------------------------------------------------------------


def _link_layer(link_type: str, frame: bytes) -> tuple[str | None, int | None, bytes]:
    """(direction, ethertype or None for raw IP, network-layer bytes)."""
    if link_type == "EN10MB":
        ethertype, start = struct.unpack_from("!H", frame, 12)[0], 14
        while ethertype == _ETH_VLAN:  # 802.1Q tags
            ethertype, start = struct.unpack_from("!H", frame, start + 2)[0], start + 4
        return None, ethertype, frame[start:]
    if link_type == "LINUX_SLL":
        packet_type, ethertype = struct.unpack_from("!H", frame, 0)[0], struct.unpack_from("!H", frame, 14)[0]
        return _PACKET_TYPES.get(packet_type), ethertype, frame[16:]
    if link_type == "LINUX_SLL2":
        ethertype, packet_type = struct.unpack_from("!H", frame, 0)[0], frame[10]
        return _PACKET_TYPES.get(packet_type), ethertype, frame[20:]
    version = frame[0] >> 4 if frame else 0
    return None, {4: _ETH_IPV4, 6: _ETH_IPV6}.get(version, 0), frame


def _decode(ethertype: int | None, payload: bytes, row: Row) -> None:
    """Fill ``row`` from a network-layer packet (and what it carries)."""
    if ethertype == _ETH_IPV4:
        _ipv4(payload, row)
    elif ethertype == _ETH_IPV6:
        _ipv6(payload, row)
    elif ethertype == _ETH_ARP:
        _arp(payload, row)
    else:
        row["protocol"] = f"0x{ethertype or 0:04x}"
        row["length"] = str(len(payload))
        row["summary"] = f"ethertype 0x{ethertype or 0:04x}, length {len(payload)}"


def _arp(payload: bytes, row: Row) -> None:
    row["protocol"], row["length"] = "ARP", "28"
    try:
        packet = dpkt.arp.ARP(payload)
        sender_ip, target_ip = socket.inet_ntoa(packet.spa), socket.inet_ntoa(packet.tpa)
    except _BROKEN:  # a cut-off packet (or ARP for another protocol) is still a packet
        row["summary"] = "[|arp]"
        return
    row["source"], row["destination"] = _mac(packet.sha), _mac(packet.tha)
    row["length"] = str(8 + 2 * packet.hln + 2 * packet.pln)
    if packet.op == 1:
        row["arp_op"] = "request"
        row["summary"] = f"Request who-has {target_ip} tell {sender_ip}, length {row['length']}"
    elif packet.op == 2:
        row["arp_op"] = "reply"
        row["summary"] = f"Reply {sender_ip} is-at {_mac(packet.sha)}, length {row['length']}"
    else:
        row["arp_op"] = str(packet.op)
        row["summary"] = f"ARP op {packet.op}, length {row['length']}"


def _mac(raw: bytes) -> str:
    return raw.hex(":")


def _ipv4(payload: bytes, row: Row) -> None:
    row["protocol"] = "IPv4"
    try:
        packet = dpkt.ip.IP(payload)
    except _BROKEN:
        row["summary"] = "[|ip]"
        return
    src, dst = socket.inet_ntoa(packet.src), socket.inet_ntoa(packet.dst)
    row.update(source=src, destination=dst, ttl=str(packet.ttl), length=str(packet.len))
    fragment = bool(packet.offset or packet.mf)  # an offset, or "more fragments" on the first one
    _transport(packet.p, packet.data, src, dst, packet.len - packet.hl * 4, fragment, row)


def _ipv6(payload: bytes, row: Row) -> None:
    row["protocol"] = "IPv6"
    try:
        packet = dpkt.ip6.IP6(payload)
    except _BROKEN:
        row["summary"] = "[|ip6]"
        return
    src, dst = socket.inet_ntop(socket.AF_INET6, packet.src), socket.inet_ntop(socket.AF_INET6, packet.dst)
    row.update(source=src, destination=dst, ttl=str(packet.hlim), length=str(40 + packet.plen))
    # dpkt has walked the extension headers (hop-by-hop for MLD): p is the last next-header.
    _transport(packet.p, packet.data, src, dst, len(bytes(packet.data)), False, row)


def _transport(proto: int, data: object, src: str, dst: str, length: int, fragment: bool, row: Row) -> None:
    if fragment:
        row["summary"] = f"{src} > {dst}: fragment of IP proto {proto}"
    elif proto == 6 and isinstance(data, dpkt.tcp.TCP):
        _tcp(data, src, dst, row)
    elif proto == 17 and isinstance(data, dpkt.udp.UDP):
        _udp(data, src, dst, row)
    elif proto == 1 and isinstance(data, dpkt.icmp.ICMP):
        _icmp(data, src, dst, length, row)
    elif proto == 58 and isinstance(data, dpkt.icmp6.ICMP6):
        _icmp6(data, src, dst, length, row)
    elif proto in (6, 17, 1, 58):
        row["summary"] = f"{src} > {dst}: [|{ {6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmp6'}[proto] }]"
    else:
        row["protocol"] = _IP_PROTOCOLS.get(proto, f"IP proto {proto}")
        row["summary"] = f"{src} > {dst}: {row['protocol']}, length {length}"


def _tcp(segment, src: str, dst: str, row: Row) -> None:
    flags = segment.flags
    letters = "".join(letter for bit, letter in enumerate(_TCP_LETTERS) if flags & (1 << bit))
    shown = "".join(letter for bit, letter in _TCPDUMP_FLAGS if flags & bit) or "none"
    size = len(segment.data)
    row.update(
        protocol="TCP",
        src_port=str(segment.sport),
        dst_port=str(segment.dport),
        tcp_flags=letters,
        seq=str(segment.seq),
        ack=str(segment.ack) if flags & 0x10 else None,
    )
    # tcpdump shows seq only where it means something: data, or a SYN, FIN or RST.
    seq = f", seq {segment.seq}:{segment.seq + size}" if size else f", seq {segment.seq}" if flags & 0x07 else ""
    ack = f", ack {segment.ack}" if flags & 0x10 else ""
    row["summary"] = f"{src}.{segment.sport} > {dst}.{segment.dport}: Flags [{shown}]{seq}{ack}, win {segment.win}, length {size}"


def _udp(datagram, src: str, dst: str, row: Row) -> None:
    sport, dport, body = datagram.sport, datagram.dport, bytes(datagram.data)
    row.update(protocol="UDP", src_port=str(sport), dst_port=str(dport))
    prefix = f"{src}.{sport} > {dst}.{dport}:"
    if (53 in (sport, dport) or _DOCKER_DNS in (src, dst)) and _dns(body, prefix, row):
        return
    if dport in _VXLAN_PORTS and _vxlan(body, prefix, row):
        return
    row["summary"] = f"{prefix} UDP, length {len(body)}"


def _dns(body: bytes, prefix: str, row: Row) -> bool:
    try:
        ident, flags, questions, answers, nscount, arcount = dns_message(body)
    except (IndexError, ValueError, struct.error):
        return False
    qname, qtype_number = questions[0] if questions else ("", None)
    qtype = "" if qtype_number is None else DNS_TYPES.get(qtype_number, str(qtype_number))
    row.update(protocol="DNS", dns_id=str(ident), dns_qname=qname or None, dns_qtype=qtype or None)
    if not flags & 0x8000:  # a query
        recursion = "+" if flags & 0x0100 else ""
        row["summary"] = f"{prefix} {ident}{recursion} {qtype}? {qname}. ({len(body)})"
        return True
    row["dns_answers"] = " ".join(value for _, value in answers)
    rcode = flags & 0x000F
    shown_rcode = f" {DNS_RCODES[rcode]}" if rcode in DNS_RCODES else ""
    # tcpdump writes names with their final dot.
    records = "".join(
        f" {DNS_TYPES.get(rtype, str(rtype))} {value}{'.' if rtype in (2, 5, 12) else ''}" for rtype, value in answers
    )
    row["summary"] = f"{prefix} {ident}{shown_rcode} {len(answers)}/{nscount}/{arcount}{records} ({len(body)})"
    return True


def _vxlan(body: bytes, prefix: str, row: Row) -> bool:
    if len(body) < 8 + 14 or not body[0] & 0x08:  # the I flag: a VNI is present
        return False
    vni = int.from_bytes(body[4:7], "big")
    inner: Row = {}
    _, ethertype, payload = _link_layer("EN10MB", body[8:])
    _decode(ethertype, payload, inner)
    row.update(
        protocol="VXLAN",
        vni=str(vni),
        inner_source=inner.get("source"),
        inner_destination=inner.get("destination"),
        inner_protocol=inner.get("protocol"),
    )
    row["summary"] = f"{prefix} VXLAN, vni {vni}: {inner.get('summary')}"
    return True


def _icmp(message, src: str, dst: str, length: int, row: Row) -> None:
    row.update(protocol="ICMP", icmp_type=str(message.type))
    if message.type in (0, 8) and isinstance(message.data, dpkt.icmp.ICMP.Echo):
        echo = message.data
        row["icmp_seq"] = str(echo.seq)
        what = f"{_ICMP_NAMES[message.type]}, id {echo.id}, seq {echo.seq}"
    elif message.type == 3:
        what = _unreachable(message)
    else:
        what = _ICMP_NAMES.get(message.type, f"type {message.type}, code {message.code}")
    row["summary"] = f"{src} > {dst}: ICMP {what}, length {length}"


def _unreachable(message) -> str:
    """tcpdump's wording: ``172.29.14.3 udp port 9 unreachable``, ``host 172.29.14.250 unreachable``."""
    reason = _UNREACHABLE.get(message.code, f"code {message.code}")
    original = getattr(message.data, "data", None)  # the packet that could not be delivered
    if not isinstance(original, dpkt.ip.IP):
        return f"{reason} unreachable"
    target = socket.inet_ntoa(original.dst)
    if message.code == 3 and isinstance(original.data, (dpkt.udp.UDP, dpkt.tcp.TCP)):
        return f"{target} {'udp' if original.p == 17 else 'tcp'} port {original.data.dport} unreachable"
    if message.code in (0, 1):
        return f"{reason} {target} unreachable"
    return f"{target} {reason} unreachable"


def _icmp6(message, src: str, dst: str, length: int, row: Row) -> None:
    row.update(protocol="ICMPv6", icmp_type=str(message.type))
    name = _ICMP6_NAMES.get(message.type, f"type {message.type}, code {message.code}")
    body = bytes(message.data)
    if message.type in (128, 129) and isinstance(message.data, dpkt.icmp6.ICMP6.Echo):
        echo = message.data
        row["icmp_seq"] = str(echo.seq)
        what = f"{name}, id {echo.id}, seq {echo.seq}"
    elif message.type in (135, 136) and len(body) >= 20:
        target = socket.inet_ntop(socket.AF_INET6, body[4:20])
        what = f"{name}, {'who has' if message.type == 135 else 'tgt is'} {target}"
    elif message.type == 143 and len(body) >= 4:
        what = f"{name}, {int.from_bytes(body[2:4], 'big')} group record(s)"
    else:
        what = name
    row["summary"] = f"{src} > {dst}: ICMP6, {what}, length {length}"


def _import_dpkt() -> None:
    global dpkt, _BROKEN
    if dpkt is None:
        import dpkt as module

        dpkt = module
        _BROKEN = (module.Error, struct.error, IndexError, ValueError, OSError)


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
        try:
            direction, ethertype, payload = _link_layer(link_type, frame)
        except (struct.error, IndexError):
            row["summary"] = f"[|{link_type.lower()}]"
            rows.append(row)
            continue
        row["direction"] = direction
        _decode(ethertype, payload, row)
        rows.append(row)
    start = None if first is None else first[0] + first[1] / first[2]
    return rows, start


def parse(data: bytes) -> pd.DataFrame:
    """A capture file's bytes -> one row per packet (see the module docstring)."""
    if isinstance(data, str):
        raise TypeError("pcap.parse takes the capture file's bytes (open(path, 'rb').read()), not text")
    data = bytes(data)
    _import_dpkt()
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
