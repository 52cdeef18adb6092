"""The pcap parser on captures recorded by tcpdump in a course container (tests/fixtures/debian/tcpdump--*).

Every packet's every value is compared with the fixture's ``.json`` by test_parser_fixtures.py; here
the rows of known exchanges are spelled out in full, and the same packets are read through the other
file formats and link types the parser accepts.
"""

from __future__ import annotations

import io
import struct
from typing import Any

import pandas as pd
import pytest

from dockernet_nb.errors import ParseError
from dockernet_nb.parsers import pcap
from dockernet_nb.parsers._dns_wire import dns_message
from tests.unit.parser_fixtures import fixture

NONE = dict.fromkeys(pcap.SCHEMA)


def rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    plain = df.astype(object).where(df.notna(), None)
    return [dict(zip(plain.columns, values, strict=True)) for values in plain.itertuples(index=False)]


def packet(**values: Any) -> dict[str, Any]:
    assert set(values) <= set(NONE), set(values) - set(NONE)
    return {**NONE, **values}


def test_ping_by_name_exactly() -> None:
    # ping -c 1 dnbfx-pc-neighbour, captured with tcpdump -i any (Linux cooked v2): the name is
    # asked of Docker's DNS server (127.0.0.11, its query port moved by Docker's NAT), then ARP
    # finds the neighbour's MAC address, then one echo request and its reply.
    df = pcap.parse(fixture("debian/tcpdump--any-ping-by-name"))
    assert df.attrs == {"dialect": "pcap", "link_type": "LINUX_SLL2", "start": 1795921818.927567}
    got = rows(df)
    assert got[0] == packet(
        time=0.0,
        direction="In",
        source="127.0.0.1",
        destination="127.0.0.11",
        protocol="DNS",
        length=64,
        summary="127.0.0.1.34033 > 127.0.0.11.39907: 10934+ A? dnbfx-pc-neighbour. (36)",
        src_port=34033,
        dst_port=39907,
        ttl=64,
        dns_id=10934,
        dns_qname="dnbfx-pc-neighbour",
        dns_qtype="A",
    )
    assert got[1] == packet(
        time=0.000283,
        direction="In",
        source="127.0.0.11",
        destination="127.0.0.1",
        protocol="DNS",
        length=98,
        summary="127.0.0.11.53 > 127.0.0.1.34033: 10934 1/0/0 A 172.29.14.3 (70)",
        src_port=53,
        dst_port=34033,
        ttl=64,
        dns_id=10934,
        dns_qname="dnbfx-pc-neighbour",
        dns_qtype="A",
        dns_answers="172.29.14.3",
    )
    # The AAAA question glibc asks beside it gets an answer without records ("" rather than <NA>).
    assert (got[3]["dns_qtype"], got[3]["dns_answers"]) == ("AAAA", "")
    assert got[4:8] == [
        packet(
            time=0.007352,
            direction="Out",
            source="02:42:ac:1d:0e:02",
            destination="00:00:00:00:00:00",
            protocol="ARP",
            length=28,
            summary="Request who-has 172.29.14.3 tell 172.29.14.2, length 28",
            arp_op="request",
        ),
        packet(
            time=0.007441,
            direction="In",
            source="02:42:ac:1d:0e:03",
            destination="02:42:ac:1d:0e:02",
            protocol="ARP",
            length=28,
            summary="Reply 172.29.14.3 is-at 02:42:ac:1d:0e:03, length 28",
            arp_op="reply",
        ),
        packet(
            time=0.007448,
            direction="Out",
            source="172.29.14.2",
            destination="172.29.14.3",
            protocol="ICMP",
            length=84,
            summary="172.29.14.2 > 172.29.14.3: ICMP echo request, id 31615, seq 1, length 64",
            icmp_type=8,
            icmp_seq=1,
            ttl=64,
        ),
        packet(
            time=0.007575,
            direction="In",
            source="172.29.14.3",
            destination="172.29.14.2",
            protocol="ICMP",
            length=84,
            summary="172.29.14.3 > 172.29.14.2: ICMP echo reply, id 31615, seq 1, length 64",
            icmp_type=0,
            icmp_seq=1,
            ttl=64,
        ),
    ]
    # Then iputils asks for the name back (PTR) to print it beside the reply.
    assert [r["dns_qtype"] for r in got[8:]] == ["PTR", "PTR"]
    assert got[9]["dns_answers"] == "dnbfx-pc-neighbour.dnbfx-pcap"


def test_tcp_handshake_data_and_close_exactly() -> None:
    # nc to the uptime server on port 8000, captured on eth0 (Ethernet): no direction column.
    df = pcap.parse(fixture("debian/tcpdump--eth0-tcp-uptime"))
    assert df.attrs["link_type"] == "EN10MB" and df["direction"].isna().all()
    got = rows(df)
    client = {"source": "172.29.14.2", "destination": "172.29.14.4", "src_port": 40734, "dst_port": 8000}
    server = {"source": "172.29.14.4", "destination": "172.29.14.2", "src_port": 8000, "dst_port": 40734}
    assert got[2:5] == [
        packet(
            time=0.000081,
            **client,
            protocol="TCP",
            ttl=64,
            length=60,
            tcp_flags="S",
            seq=4220295021,
            summary="172.29.14.2.40734 > 172.29.14.4.8000: Flags [S], seq 4220295021, win 64240, length 0",
        ),
        packet(
            time=0.000138,
            **server,
            protocol="TCP",
            ttl=64,
            length=60,
            tcp_flags="SA",
            seq=4138708091,
            ack=4220295022,
            summary="172.29.14.4.8000 > 172.29.14.2.40734: Flags [S.], seq 4138708091, ack 4220295022, win 65160, length 0",
        ),
        packet(
            time=0.000158,
            **client,
            protocol="TCP",
            ttl=64,
            length=52,
            tcp_flags="A",
            seq=4220295022,
            ack=4138708092,
            summary="172.29.14.2.40734 > 172.29.14.4.8000: Flags [.], ack 4138708092, win 63, length 0",
        ),
    ]
    # The server's 62 bytes (uptime's line), then both sides close: FIN-ACK each way, a last ACK.
    assert [r["tcp_flags"] for r in got[5:]] == ["PA", "A", "FA", "FA", "A"]
    assert got[5]["length"] - got[4]["length"] == 62 and "seq 4138708092:4138708154" in got[5]["summary"]
    # Each side acknowledges the other's SYN and FIN as one byte each.
    assert got[9]["ack"] == got[8]["seq"] + 1 and got[8]["ack"] == got[7]["seq"] + 1


def test_closed_port_answers_with_a_reset() -> None:
    df = pcap.parse(fixture("debian/tcpdump--any-sll-closed-port"))
    assert df.attrs["link_type"] == "LINUX_SLL"
    syn, reset = rows(df)[-2:]
    assert (syn["tcp_flags"], syn["dst_port"], syn["direction"]) == ("S", 9, "Out")
    assert (reset["tcp_flags"], reset["src_port"], reset["direction"], reset["seq"]) == ("RA", 9, "In", 0)
    assert reset["ack"] == syn["seq"] + 1


def test_vxlan_carries_the_overlay() -> None:
    df = pcap.parse(fixture("debian/tcpdump--eth0-vxlan"))
    tunnel = df[df["protocol"] == "VXLAN"]
    assert set(tunnel["vni"]) == {42} and set(tunnel["dst_port"]) == {4789}
    assert set(tunnel["source"]) | set(tunnel["destination"]) == {"172.29.14.5", "172.29.14.6"}
    assert tunnel["inner_protocol"].tolist() == ["ARP", "ARP", "ICMP", "ICMP"]
    assert tunnel["inner_source"].tolist()[2:] == ["172.31.251.1", "172.31.251.2"]
    assert tunnel.iloc[2]["summary"].endswith(": 172.31.251.1 > 172.31.251.2: ICMP echo request, id 52111, seq 1, length 64")
    # The outer ARP, for the far tunnel end, is not in the tunnel.
    assert df.iloc[0]["protocol"] == "ARP" and pd.isna(df.iloc[0]["vni"])


def test_ipv6_neighbour_discovery_and_echo() -> None:
    df = pcap.parse(fixture("debian/tcpdump--any-sll-ping6-by-name"))
    icmp6 = df[df["protocol"] == "ICMPv6"]
    assert icmp6["icmp_type"].tolist() == [135, 136, 128, 129]
    assert icmp6["ttl"].tolist() == [255, 255, 64, 64]  # neighbour discovery must come from the link
    assert icmp6.iloc[0]["destination"] == "ff02::1:ff00:6"  # the solicited-node multicast group
    assert "who has fd00:dead:beef::6" in icmp6.iloc[0]["summary"]
    answers = df[(df["dns_qtype"] == "AAAA") & df["dns_answers"].notna()]["dns_answers"].tolist()
    assert answers == ["fd00:dead:beef::6"]


def test_a_capture_without_packets() -> None:
    df = pcap.parse(fixture("debian/tcpdump--eth0-nothing"))
    assert len(df) == 0 and df.attrs == {"dialect": "pcap", "link_type": "EN10MB", "start": None}


# --- the same packets in other shapes -------------------------------------------------------------


def records(data: bytes) -> tuple[bytes, list[tuple[int, int, bytes]]]:
    header, packets, offset = data[:24], [], 24
    while offset < len(data):
        seconds, micros, caplen, _ = struct.unpack_from("<IIII", data, offset)
        packets.append((seconds, micros, data[offset + 16 : offset + 16 + caplen]))
        offset += 16 + caplen
    return header, packets


def test_nanosecond_and_big_endian_files_read_alike() -> None:
    data = fixture("debian/tcpdump--eth0-tcp-uptime")
    header, packets = records(data)
    snaplen, link_type = struct.unpack_from("<II", header, 16)
    nano = struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, snaplen, link_type) + b"".join(
        struct.pack("<IIII", s, us * 1000, len(p), len(p)) + p for s, us, p in packets
    )
    big = struct.pack(">IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, link_type) + b"".join(
        struct.pack(">IIII", s, us, len(p), len(p)) + p for s, us, p in packets
    )
    expected = pcap.parse(data)
    for variant in (nano, big):
        pd.testing.assert_frame_equal(pcap.parse(variant), expected)


def test_pcapng_reads_like_pcap() -> None:
    dpkt = pytest.importorskip("dpkt")
    data = fixture("debian/tcpdump--eth0-vxlan")
    _, packets = records(data)
    out = io.BytesIO()
    writer = dpkt.pcapng.Writer(out, linktype=1)
    for seconds, micros, frame in packets:
        writer.writepkt(frame, ts=seconds + micros / 1e6)
    converted = pcap.parse(out.getvalue())
    expected = pcap.parse(data)
    assert converted.attrs["dialect"] == "pcapng" and converted.attrs["link_type"] == "EN10MB"
    pd.testing.assert_frame_equal(converted.drop(columns="time"), expected.drop(columns="time"))
    assert (converted["time"] - expected["time"]).abs().max() < 1e-6


def test_cooked_v1_v2_and_ethernet_agree_on_the_packets() -> None:
    # Same kind of exchange through three link types: the network-layer columns do not depend on it.
    sll = pcap.parse(fixture("debian/tcpdump--any-sll-closed-port"))
    sll2 = pcap.parse(fixture("debian/tcpdump--any-ping-by-name"))
    for df in (sll, sll2):
        arp = df[df["protocol"] == "ARP"]
        assert arp["length"].tolist() == [28, 28] and arp["arp_op"].tolist() == ["request", "reply"]
        assert arp["direction"].tolist() == ["Out", "In"]


def test_headers_cut_by_a_small_snap_length_keep_what_was_read() -> None:
    data = fixture("debian/tcpdump--eth0-tcp-uptime")
    header, packets = records(data)
    cut = header + b"".join(struct.pack("<IIII", s, us, 30, len(p)) + p[:30] for s, us, p in packets)
    df = pcap.parse(cut)
    assert len(df) == len(packets)
    assert df["protocol"].tolist()[2:] == ["IPv4"] * (len(packets) - 2)
    assert set(df["summary"].tolist()[2:]) == {"[|ip]"}


# --- what is not a capture --------------------------------------------------------------------------


def test_text_is_refused_with_a_hint() -> None:
    with pytest.raises(TypeError, match="bytes"):
        pcap.parse("reading from file x.pcap")  # type: ignore[arg-type]


@pytest.mark.parametrize("data", [b"\x00" * 40, b"GIF89a" + b"\x00" * 40, b"\xd4\xc3"])
def test_garbage_bytes(data: bytes) -> None:
    with pytest.raises(ParseError) as info:
        pcap.parse(data)
    assert str(info.value).startswith("tcpdump -w: ") and "byte 0: " in str(info.value)


def test_dns_reader_stops_on_a_pointer_loop_and_a_cut_record() -> None:
    header = struct.pack("!HHHHHH", 7, 0x8180, 1, 1, 0, 0)
    looping = header + b"\xc0\x0c" + b"\x00\x01\x00\x01"  # the question's name points at itself
    with pytest.raises(ValueError, match="loop"):
        dns_message(looping)
    question = b"\x03web\x00\x00\x01\x00\x01"
    cut = header + question + b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + b"\xac\x1d"
    with pytest.raises(ValueError, match="cut short"):
        dns_message(cut)
    whole = cut + b"\x0e\x03"
    assert dns_message(whole) == (7, 0x8180, [("web", 1)], [(1, "172.29.14.3")], 0, 0)
