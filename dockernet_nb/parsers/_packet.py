"""One captured frame decoded into a row of :mod:`dockernet_nb.parsers.pcap`'s frame.

The link layer (Ethernet with 802.1Q tags, Linux cooked captures v1 and v2, raw IP), then ARP, IPv4
and IPv6, and what they carry: TCP, UDP (DNS, read by :mod:`._dns_wire`, and VXLAN, whose inner
frame is decoded the same way), ICMP and ICMPv6. Each packet fills the row's columns it has and a
``summary`` worded like tcpdump's (``-nn -S``); a header cut short keeps what could be read and ends
the summary in ``[|ip]`` as tcpdump does. dpkt does the unpacking; it is imported on the first
capture read (:func:`load_dpkt`).
"""

from __future__ import annotations

import socket
import struct
from typing import Any

from dockernet_nb.parsers._common import Row
from dockernet_nb.parsers._dns_wire import DNS_RCODES, DNS_TYPES, dns_message

__all__ = ["load_dpkt", "broken", "packet_row"]

# Imported on first use: dpkt takes 0.15 s to import, which the parsers package should not cost.
dpkt: Any = None
# What decoding a cut-off or mangled packet raises (dpkt.Error covers its UnpackError and NeedData).
_BROKEN: tuple[type[Exception], ...] = (struct.error, IndexError, ValueError, OSError)

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


def load_dpkt() -> Any:
    """dpkt, imported on first use: it takes 0.15 s to import, which the parsers package should not cost."""
    global dpkt, _BROKEN
    if dpkt is None:
        import dpkt as module

        dpkt = module
        _BROKEN = (module.Error, struct.error, IndexError, ValueError, OSError)
    return dpkt


def broken() -> tuple[type[Exception], ...]:
    """What decoding a cut-off or mangled packet raises (after :func:`load_dpkt`, dpkt's errors too)."""
    return _BROKEN


def packet_row(link_type: str, frame: bytes, row: Row) -> None:
    """Fill ``row`` from one captured frame of ``link_type`` (``"EN10MB"``, ``"LINUX_SLL"``, ...)."""
    try:
        direction, ethertype, payload = _link_layer(link_type, frame)
    except (struct.error, IndexError):
        row["summary"] = f"[|{link_type.lower()}]"
        return
    row["direction"] = direction
    _decode(ethertype, payload, row)


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


def _ip_header(layer: Any, payload: bytes, row: Row, protocol: str, cut: str) -> Any:
    """``layer(payload)`` (dpkt's IP or IP6), the row's protocol set; None for a header cut short, whose
    summary is then tcpdump's ``[|ip]`` (``cut``)."""
    row["protocol"] = protocol
    try:
        return layer(payload)
    except _BROKEN:
        row["summary"] = f"[|{cut}]"
        return None


def _ipv4(payload: bytes, row: Row) -> None:
    packet = _ip_header(dpkt.ip.IP, payload, row, "IPv4", "ip")
    if packet is None:
        return
    src, dst = socket.inet_ntoa(packet.src), socket.inet_ntoa(packet.dst)
    row.update(source=src, destination=dst, ttl=str(packet.ttl), length=str(packet.len))
    fragment = bool(packet.offset or packet.mf)  # an offset, or "more fragments" on the first one
    _transport(packet.p, packet.data, src, dst, packet.len - packet.hl * 4, fragment, row)


def _ipv6(payload: bytes, row: Row) -> None:
    packet = _ip_header(dpkt.ip6.IP6, payload, row, "IPv6", "ip6")
    if packet is None:
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
