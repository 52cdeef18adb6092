"""Capture frames without an engine: naming the hosts, the ladder diagram, and what a recording keeps.

The packets are those of recorded captures (tests/fixtures/debian/tcpdump--*.pcap) and small frames
written by hand; the ladder is checked through the Figure's artists (their gids), not by pixels.
"""

from __future__ import annotations

import base64
import json

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from matplotlib.text import Text

from dockernet_nb.display.ladder import draw_ladder, ladder_alt, ladder_hosts, packet_label
from dockernet_nb.errors import InvalidInput
from dockernet_nb.parsers import pcap
from dockernet_nb.records import CaptureHandle
from dockernet_nb.replay.codec import check, decode, encode
from dockernet_nb.verbs.capture import DOCKER_DNS, name_hosts, packets_frame
from dockernet_nb.verbs.packets import pcap_bytes, save_pcap
from tests.unit.parser_fixtures import fixture

PING = "debian/tcpdump--any-ping-by-name"


def _book(frame: pd.DataFrame) -> dict[str, str]:
    """Names for the fixture's two containers, found from its ICMP rows (the asker sends the request)."""
    request = frame[frame["icmp_type"] == 8].iloc[0]
    return {
        "127.0.0.11": DOCKER_DNS,
        "127.0.0.1": "alice",
        str(request["source"]): "alice",
        str(request["destination"]): "web",
    }


def _texts(fig) -> dict[str, str]:
    return {t.get_gid(): t.get_text() for t in fig.findobj(Text) if t.get_gid()}


def test_hosts_are_named_from_the_address_book_and_arp_from_the_addresses_it_carries() -> None:
    frame = pcap.parse(fixture(PING))
    named = name_hosts(frame, _book(frame))
    assert list(named.columns) == [*list(pcap.SCHEMA)[:4], "from", "to", *list(pcap.SCHEMA)[4:]]
    pairs = list(zip(named["protocol"], named["from"], named["to"], strict=True))
    assert pairs == [
        ("DNS", "alice", DOCKER_DNS),
        ("DNS", DOCKER_DNS, "alice"),
        ("DNS", "alice", DOCKER_DNS),
        ("DNS", DOCKER_DNS, "alice"),
        ("ARP", "alice", "web"),  # broadcast, drawn towards the owner of the address asked about
        ("ARP", "web", "alice"),  # the reply goes to the asker's MAC address, known from the request
        ("ICMP", "alice", "web"),
        ("ICMP", "web", "alice"),
        ("DNS", "alice", DOCKER_DNS),  # ping asks for the name behind the address that answered
        ("DNS", DOCKER_DNS, "alice"),
    ]


def test_an_address_nobody_named_stays_as_it_is() -> None:
    frame = pcap.parse(fixture(PING))
    named = name_hosts(frame, {})
    assert named.loc[6, "from"] == frame.loc[6, "source"]
    assert named.loc[4, "to"] == frame.loc[4, "summary"].split()[2]  # the ARP request's asked-for address


def test_packet_labels_say_what_each_packet_is() -> None:
    frame = name_hosts(pcap.parse(fixture(PING)), {})
    labels = [packet_label(row) for _, row in frame.iterrows()]
    assert labels[0].startswith("DNS query: A ")
    assert labels[1].startswith("DNS answer: ") and frame.loc[1, "dns_answers"] in labels[1]
    assert labels[4].startswith("ARP: who has ") and labels[4].endswith("(broadcast)")
    assert labels[5].startswith("ARP: ") and " is at " in labels[5]
    assert labels[6] == "ping request seq 1, TTL 64"
    assert labels[7] == "ping reply seq 1, TTL 64"
    tcp = name_hosts(pcap.parse(fixture("debian/tcpdump--any-sll-closed-port")), {})
    flags = [packet_label(row) for _, row in tcp[tcp["protocol"] == "TCP"].iterrows()]
    assert flags[0].startswith("SYN :") and flags[-1].startswith("RST-ACK :")


def test_a_gratuitous_arp_is_an_announcement() -> None:
    row = pd.Series({"protocol": "ARP", "summary": "Request who-has 172.24.0.3 tell 172.24.0.3, length 28"})
    assert packet_label(row) == "ARP: 172.24.0.3 announces itself (gratuitous)"


def test_the_ladder_has_a_column_per_host_and_a_label_per_packet() -> None:
    frame = name_hosts(pcap.parse(fixture(PING)), pcap_book := _book(pcap.parse(fixture(PING))))
    assert pcap_book
    fig = draw_ladder(frame, title="ping web")
    texts = _texts(fig)
    assert ladder_hosts(frame) == ["alice", DOCKER_DNS, "web"]
    assert [texts[f"ladder-host:{h}"] for h in ladder_hosts(frame)] == ["alice", DOCKER_DNS, "web"]
    assert [texts[f"ladder-packet:{i}"] for i in range(len(frame))] == [packet_label(r) for _, r in frame.iterrows()]
    assert texts["ladder-time:0"].strip() == "0.0 ms"
    assert ladder_alt(frame) == f"Ladder diagram: 10 packets between alice, {DOCKER_DNS} and web (ARP, DNS, ICMP)"


def test_the_ladder_draws_at_most_max_packets_and_says_how_many_more() -> None:
    frame = name_hosts(pcap.parse(fixture(PING)), {})
    texts = _texts(draw_ladder(frame, max_packets=3))
    assert "ladder-packet:2" in texts and "ladder-packet:3" not in texts
    assert ladder_alt(frame, max_packets=3).startswith("Ladder diagram: the first 3 of 10 packets")


def test_the_ladder_refuses_a_frame_that_is_not_a_capture() -> None:
    with pytest.raises(ValueError, match="columns of a capture frame"):
        draw_ladder(pd.DataFrame({"a": [1]}))


def test_a_recorded_capture_keeps_its_pcap_as_plain_data(tmp_path) -> None:
    data = fixture(PING)
    frame = packets_frame(data, _book(pcap.parse(data)))
    stored = json.loads(json.dumps(encode(frame)))  # what a recording file holds
    assert check(stored) is None
    replayed = decode(stored, "[replayed]")
    assert pcap_bytes(replayed) == data
    assert list(replayed["to"]) == list(frame["to"])
    assert pcap_bytes(replayed[replayed["protocol"] == "ICMP"]) == data  # a filtered frame keeps the file
    saved = save_pcap(replayed, tmp_path / "ping.pcap")
    assert saved.read_bytes() == data
    assert base64.b64decode(replayed.attrs["pcap"]) == data


def test_save_pcap_wants_a_pcap_name_and_a_capture_frame(tmp_path) -> None:
    frame = packets_frame(fixture(PING), {})
    with pytest.raises(InvalidInput, match=r"\.pcap"):
        save_pcap(frame, tmp_path / "ping.txt")
    with pytest.raises(InvalidInput, match="no capture file"):
        save_pcap(pd.DataFrame({"a": [1]}), tmp_path / "x.pcap")


def test_a_capture_handle_round_trips_through_a_recording() -> None:
    handle = CaptureHandle(
        name="capture-alice", docker_name="wire-3f2a9c1b-capture-alice", id="0123456789ab", target="alice",
        target_id="ba9876543210", target_started="2026-11-29T04:00:00.000000000Z", filter="not ip6", timeout=120.0,
    )
    stored = json.loads(json.dumps(encode(handle)))
    assert check(stored) is None
    assert decode(stored, "[replayed]") == handle
