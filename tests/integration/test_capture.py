"""Packet captures on the real engine: a known exchange gives exactly its rows; failures leave nothing behind."""

from __future__ import annotations

import time

import pytest

import dockernet_nb as dnb
from dockernet_nb.engine import labels
from dockernet_nb.engine.connection import client
from dockernet_nb.verbs.capture import DOCKER_DNS

# A server that accepts and then neither writes nor closes for 30 s (socat waits -t 30 after the client's
# FIN), so the capture ends on the client's FIN and the server's ACK of it, always.
QUIET_SERVER = "socat -t 30 TCP-LISTEN:7000,fork,reuseaddr EXEC:'sleep 60'"


@pytest.fixture
def lan():
    before = labels.lesson()
    dnb.start_lesson("tests-capture")
    dnb.create_net("lan")
    dnb.run("debian", ["sh", "-c", QUIET_SERVER], name="web", net="lan", detach=True)
    dnb.run("debian", "sleep 300", name="alice", net="lan", detach=True)
    dnb.wait_for_port("web", 7000)
    yield
    dnb.cleanup()
    labels.set_lesson(before)


def _captures_left() -> list[str]:
    selector = {"label": f"{labels.SESSION}={labels.session_id()}"}
    return [c.name for c in client().containers.list(all=True, filters=selector) if c.labels.get(labels.NAME, "").startswith("capture-")]


def test_a_known_exchange_gives_exactly_its_rows(lan):
    web = dnb.address_of("web", "lan")
    # ARP and IPv6 are left out: when neighbours check on each other, and Engine 28's announcements of new
    # addresses, depend on timing; one DNS query, one ping and one TCP handshake do not.
    cap = dnb.start_capture("alice", filter="not arp and not ip6")
    assert dnb.exec("alice", "getent ahostsv4 web").ok
    assert dnb.exec("alice", f"ping -n -c 1 {web}").ok
    assert dnb.exec("alice", f"nc -z -w 2 {web} 7000").ok
    packets = dnb.stop_capture(cap)

    assert packets.attrs.get("dropped") == 0
    alice = dnb.address_of("alice", "lan")
    columns = ["from", "to", "protocol", "dns_qtype", "dns_qname", "dns_answers", "icmp_type", "ttl", "tcp_flags", "dst_port"]
    rows = packets[columns].astype(object).where(packets[columns].notna(), None).values.tolist()
    query_port, client_port = packets["dst_port"].iloc[0], packets["src_port"].iloc[4]
    assert rows == [
        ["alice", DOCKER_DNS, "DNS", "A", "web", None, None, 64, None, query_port],
        [DOCKER_DNS, "alice", "DNS", "A", "web", web, None, 64, None, packets["src_port"].iloc[0]],
        ["alice", "web", "ICMP", None, None, None, 8, 64, None, None],
        ["web", "alice", "ICMP", None, None, None, 0, 64, None, None],
        ["alice", "web", "TCP", None, None, None, None, 64, "S", 7000],
        ["web", "alice", "TCP", None, None, None, None, 64, "SA", client_port],
        ["alice", "web", "TCP", None, None, None, None, 64, "A", 7000],
        ["alice", "web", "TCP", None, None, None, None, 64, "FA", 7000],
        ["web", "alice", "TCP", None, None, None, None, 64, "A", client_port],
    ]
    assert list(packets["source"].iloc[2:]) == [alice, web, alice, web, alice, alice, web]
    assert packets["dst_port"].iloc[0] != 53 and packets["src_port"].iloc[1] == 53  # Docker's DNS NAT
    assert not _captures_left()
    assert dnb.save_pcap(packets, "/tmp/dnb-test-capture.pcap").read_bytes()[:4] == b"\xd4\xc3\xb2\xa1"


def test_a_capture_is_ready_for_the_first_packet(lan):
    for _ in range(3):
        cap = dnb.start_capture("alice", filter="icmp")
        dnb.exec("alice", "ping -n -c 1 127.0.0.1")
        packets = dnb.stop_capture(cap)
        assert list(packets["icmp_type"]) == [8, 0], packets["summary"].tolist()


def test_a_capture_with_no_packets_says_so_and_leaves_nothing(lan):
    cap = dnb.start_capture("alice", filter="udp port 9")
    with pytest.raises(dnb.NothingCaptured, match="saw no packet matching the filter 'udp port 9'"):
        dnb.stop_capture(cap)
    assert not _captures_left()


def test_a_capture_past_its_timeout_says_so_and_leaves_nothing(lan):
    cap = dnb.start_capture("alice", timeout=1)
    time.sleep(3)
    with pytest.raises(dnb.CaptureTimeout, match=r"ran past its timeout \(1 s\)"):
        dnb.stop_capture(cap)
    assert not _captures_left()


def test_a_target_that_disappears_mid_capture_says_so_and_leaves_nothing(lan):
    cap = dnb.start_capture("alice")
    dnb.exec("alice", "ping -n -c 1 127.0.0.1")
    dnb.rm("alice")
    with pytest.raises(dnb.CaptureTargetGone, match="alice was removed"):
        dnb.stop_capture(cap)
    assert not _captures_left()


def test_a_bad_filter_is_refused_and_leaves_nothing(lan):
    with pytest.raises(dnb.InvalidInput, match="filter"):
        dnb.start_capture("alice", filter="icmp and and")
    assert not _captures_left()


def test_a_failing_block_removes_its_capture(lan):
    with pytest.raises(dnb.ContainerNotFound), dnb.capture("alice"):
        dnb.exec("nobody", "true")
    assert not _captures_left()
