"""The packet path without an engine: the netfilter walk and the way decided on recorded host rules of
Engine 20.10 and Engine 28, and the drawing of the answer.

The fixtures are ``iptables-save`` run on each engine's host network (tests/fixtures/debian/
iptables-save--engineNN-published-*.txt) right after ``docker run -p 127.0.0.1:8007:8000`` or
``-p <othernet's gateway>:8007:8000`` of the uptime server on the default bridge, with a user network
"othernet" beside it; the addresses below are what those engines reported then.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest
from matplotlib.colors import to_rgba
from matplotlib.patches import FancyBboxPatch
from matplotlib.text import Text

from dockernet_nb.display import packet_path as drawing
from dockernet_nb.display.packet_path import draw_packet_path
from dockernet_nb.netfilter import Packet, walk
from dockernet_nb.parsers import docker_proxy, iptables
from dockernet_nb.records import PacketPath
from dockernet_nb.replay.codec import decode, encode
from dockernet_nb.verbs.packet_path import REMOTE_SOURCE, Setup, trace

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "debian"
# What each engine reported when its fixture was recorded: othernet's gateway and bridge.
ENGINES = {
    "engine20": {"gateway": "172.25.0.1", "bridge": "br-67e98bd1ec8d", "subnet_client": "172.25.0.2"},
    "engine28": {"gateway": "172.18.0.1", "bridge": "br-30e74ce21021", "subnet_client": "172.18.0.2"},
}


def rules(engine: str, published: str):
    return iptables.parse((FIXTURES / f"iptables-save--{engine}-published-{published}.txt").read_text())


def proxies(host_ip: str):
    return docker_proxy.parse(
        f"4711 /usr/sbin/docker-proxy -proto tcp -host-ip {host_ip} -host-port 8007 -container-ip 172.17.0.2 "
        "-container-port 8000 -use-listen-fd\n"
    )


def setup(engine: str, published: str, **client) -> Setup:
    host_ip = "127.0.0.1" if published == "loopback" else ENGINES[engine]["gateway"]
    return Setup(
        server="web", server_port=8000, host_ip=host_ip, host_port=8007, published=True, server_ip="172.17.0.2",
        server_network="bridge", server_bridge="docker0", server_gateway="172.17.0.1", engine=engine, where="here",
        **client,
    )


def on_othernet(engine: str, **more) -> dict:
    facts = ENGINES[engine]
    return dict(client="visitor", client_mode=facts["bridge"], client_ip=facts["subnet_client"], client_network="othernet",
                client_iface=facts["bridge"], client_gateway=facts["gateway"], **more)


def on_default_bridge() -> dict:
    return dict(client="neighbour", client_mode="bridge", client_ip="172.17.0.3", client_network="bridge",
                client_iface="docker0", client_gateway="172.17.0.1")


def traced(engine: str, published: str, **client) -> PacketPath:
    host_ip = "127.0.0.1" if published == "loopback" else ENGINES[engine]["gateway"]
    return trace(setup(engine, published, **client), rules(engine, published), proxies(host_ip))


BOTH = pytest.mark.parametrize("engine", sorted(ENGINES))


# --- the way, on both engines -------------------------------------------------------------------------


@BOTH
def test_the_host_to_its_loopback_goes_through_docker_proxy(engine):
    path = traced(engine, "loopback")
    assert (path.way, path.target, path.seen_ip, path.port_kept) == ("docker-proxy", "127.0.0.1:8007", "172.17.0.1", False)
    assert path.client_ip == "127.0.0.1"
    assert [(s.chain, s.outcome) for s in path.steps] == [("OUTPUT", "no match")]
    assert "! -d 127.0.0.0/8" in path.steps[0].rule
    assert path.proxy == "127.0.0.1:8007 -> 172.17.0.2:8000"
    assert path.dnat_rule.endswith("--to-destination 172.17.0.2:8000")


@BOTH
def test_a_container_cannot_reach_a_port_published_on_the_hosts_loopback(engine):
    own_loopback = traced(engine, "loopback", **on_othernet(engine))
    assert own_loopback.way == "none" and "own loopback" in own_loopback.why
    gateway = ENGINES[engine]["gateway"]
    at_gateway = traced(engine, "loopback", **on_othernet(engine, address=gateway))
    assert at_gateway.way == "none" and at_gateway.target == f"{gateway}:8007"
    assert "docker-proxy listens on 127.0.0.1 only" in at_gateway.why


@BOTH
def test_the_host_to_a_gateway_address_goes_through_dnat_and_is_masqueraded(engine):
    path = traced(engine, "gateway")
    gateway, bridge = ENGINES[engine]["gateway"], ENGINES[engine]["bridge"]
    assert (path.way, path.client_ip, path.seen_ip, path.port_kept) == ("dnat", gateway, "172.17.0.1", True)
    outcomes = [(s.table, s.chain, s.outcome) for s in path.steps]
    assert outcomes[:2] == [("nat", "OUTPUT", "jump to DOCKER"), ("nat", "DOCKER", "DNAT to 172.17.0.2:8000")]
    assert outcomes[-1] == ("nat", "POSTROUTING", "MASQUERADE")
    assert f"! -o {bridge}" in path.steps[-1].rule


@BOTH
@pytest.mark.parametrize("client", ["othernet", "default bridge"])
def test_a_container_on_a_bridge_goes_through_docker_proxy(engine, client):
    facts = on_othernet(engine) if client == "othernet" else on_default_bridge()
    path = traced(engine, "gateway", **facts)
    assert (path.way, path.seen_ip, path.port_kept) == ("docker-proxy", "172.17.0.1", False)
    returned = [s for s in path.steps if s.outcome == "return"]
    assert len(returned) == 1 and returned[0].rule == f"-A DOCKER -i {facts['client_iface']} -j RETURN"
    assert path.client_iface == facts["client_iface"]


def test_another_machine_keeps_its_address_and_the_filter_layout_differs_by_engine():
    old, new = traced("engine20", "gateway", client="remote"), traced("engine28", "gateway", client="remote")
    for path in (old, new):
        assert (path.way, path.seen_ip, path.port_kept) == ("dnat", REMOTE_SOURCE, True)
    forward = {name: [s.outcome for s in p.steps if s.table == "filter"] for name, p in (("20", old), ("28", new))}
    assert forward["20"] == ["jump to DOCKER", "ACCEPT"]
    assert forward["28"] == ["jump to DOCKER-FORWARD", "jump to DOCKER-BRIDGE", "jump to DOCKER", "ACCEPT"]


def test_engine28_drops_a_strangers_packet_for_a_loopback_port_in_the_raw_table():
    new = traced("engine28", "loopback", client="remote")
    assert new.way == "none" and "raw table" in new.why
    assert new.steps[-1].rule == "-A PREROUTING -d 127.0.0.1/32 ! -i lo -p tcp -m tcp --dport 8007 -j DROP"
    old = traced("engine20", "loopback", client="remote")  # 20.10 had no such rule: its DNAT rule matched
    assert old.way == "dnat"


@BOTH
def test_a_server_that_publishes_nothing_is_reached_by_nothing(engine):
    lonely = dataclasses.replace(setup(engine, "loopback"), published=False, server_ip="", server_network="",
                                 server_bridge="", server_gateway="")
    path = trace(lonely, rules(engine, "loopback").iloc[0:0], proxies("127.0.0.1").iloc[0:0])
    assert path.way == "none" and path.published == ""
    assert "publishes no port 8007; it is on no network" in path.why


def test_a_record_round_trips_through_a_recording():
    path = traced("engine28", "gateway", client="remote")
    again = decode(encode(path), "[replayed]")
    assert again == path and again.steps == path.steps


# --- the netfilter walk itself --------------------------------------------------------------------------


def _table(text: str):
    return iptables.parse(f"*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n{text}\nCOMMIT\n")


def test_negations_wildcards_and_port_ranges():
    table = _table(
        "-A FORWARD ! -i docker0 -o br-+ -p tcp -m tcp --dport 8000:8010 -j ACCEPT\n-A FORWARD -s 172.17.0.0/16 -j REJECT"
    )
    assert walk(table, "filter", "FORWARD", Packet("172.20.0.9", "172.18.0.2", 8005, in_iface="eth0", out_iface="br-ab")).target == "ACCEPT"
    from_docker0 = walk(table, "filter", "FORWARD", Packet("172.17.0.3", "172.18.0.2", 8005, in_iface="docker0", out_iface="br-ab"))
    assert from_docker0.target == "REJECT"
    other_port = walk(table, "filter", "FORWARD", Packet("172.20.0.9", "172.18.0.2", 8011, in_iface="eth0", out_iface="br-ab"))
    assert other_port.target == "DROP" and other_port.by_policy


def test_a_first_packet_is_new_and_matches_no_established_rule():
    table = _table("-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
    first = Packet("172.20.0.9", "172.18.0.2", 80, in_iface="eth0")
    assert walk(table, "filter", "FORWARD", first).target == "DROP"
    assert walk(table, "filter", "FORWARD", dataclasses.replace(first, state="ESTABLISHED")).target == "ACCEPT"


def test_a_match_it_does_not_know_is_taken_as_no_match_and_said_so():
    table = _table("-A FORWARD -m string --string secret --algo bm -j DROP\n-A FORWARD -j ACCEPT")
    verdict = walk(table, "filter", "FORWARD", Packet("172.20.0.9", "172.18.0.2", 80, in_iface="eth0"))
    assert verdict.target == "ACCEPT"
    assert verdict.steps[0].outcome.startswith("not understood")


def test_without_detours_only_the_way_to_the_deciding_rule_is_kept():
    table = _table("-A FORWARD -j CHECKS\n-A FORWARD -j LAST\n-A CHECKS -p udp -j DROP\n-A LAST -j ACCEPT")
    packet = Packet("172.20.0.9", "172.18.0.2", 80, in_iface="eth0")
    assert [s.outcome for s in walk(table, "filter", "FORWARD", packet).steps] == ["jump to CHECKS", "jump to LAST", "ACCEPT"]
    assert [s.outcome for s in walk(table, "filter", "FORWARD", packet, detours=False).steps] == ["jump to LAST", "ACCEPT"]


# --- the drawing ----------------------------------------------------------------------------------------


def _texts(fig) -> dict[str, str]:
    return {t.get_gid(): t.get_text() for t in fig.findobj(Text) if t.get_gid()}


def _edge(fig, gid: str):
    return next(p for p in fig.findobj(FancyBboxPatch) if p.get_gid() == gid).get_edgecolor()


def test_the_drawing_colours_the_way_taken_and_labels_each_step_with_real_addresses():
    path = traced("engine28", "gateway", **on_othernet("engine28"))
    fig = draw_packet_path(path)
    texts = _texts(fig)
    assert "172.18.0.2 on othernet" in texts["client:text"] and "br-30e74ce21021" in texts["client:text"]
    assert texts["published:head"] == "the host, at 172.18.0.1:8007"
    assert "connects again from 172.17.0.1" in texts["way:docker-proxy:text"]
    assert "RETURN" in texts["way:dnat:text"]
    assert texts["bridge:head"] == "bridge docker0"
    assert "listens on 172.17.0.2:8000" in texts["server:text"] and "logs 172.17.0.1" in texts["server:text"]
    assert _edge(fig, "way:docker-proxy") == to_rgba(drawing.TAKEN)
    assert _edge(fig, "way:dnat") == to_rgba(drawing.NOT_TAKEN)
    assert texts["step:1"].startswith("nat    -A DOCKER -i br-30e74ce21021 -j RETURN")
    assert "stop" not in texts


def test_the_drawing_of_dnat_and_of_a_connection_that_goes_nowhere():
    dnat = draw_packet_path(traced("engine20", "gateway", client="remote"))
    assert _edge(dnat, "way:dnat") == to_rgba(drawing.TAKEN)
    assert "source kept" in _texts(dnat)["way:dnat:text"]
    assert "the other machine's own address" in _texts(dnat)["server:text"]
    nowhere = draw_packet_path(traced("engine28", "loopback", client="remote"))
    texts = _texts(nowhere)
    assert texts["stop"] == "X" and "raw table" in texts["why"]
    assert _edge(nowhere, "server") == to_rgba(drawing.NOT_TAKEN)


def test_the_summary_says_the_way_in_one_line():
    assert traced("engine28", "loopback").summary() == (
        "a program on the host -> 127.0.0.1:8007 -> docker-proxy -> docker0 (172.17.0.1) -> web 172.17.0.2:8000; "
        "web sees 172.17.0.1 and a port of docker-proxy's own"
    )
    assert traced("engine28", "loopback", **on_othernet("engine28")).summary().startswith("container visitor -> 127.0.0.1:8007: stops")


def test_an_engine_without_docker_proxy_dnats_everything_and_isolates_its_networks():
    # Engine 28 started with --userland-proxy=false, web published on othernet's gateway 172.24.0.1 (measured
    # there: the host's and the neighbour's connections kept their ports, the visitor's got no answer).
    table = iptables.parse((FIXTURES / "iptables-save--engine28-no-userland-proxy.txt").read_text())
    none = docker_proxy.parse("")
    base = Setup(server="web", server_port=8000, host_ip="172.24.0.1", host_port=8007, published=True,
                 server_ip="172.17.0.2", server_network="bridge", server_bridge="docker0", server_gateway="172.17.0.1")
    host = trace(base, table, none)
    assert (host.way, host.seen_ip, host.port_kept) == ("dnat", "172.17.0.1", True)
    neighbour = trace(dataclasses.replace(base, **on_default_bridge()), table, none)
    assert (neighbour.way, neighbour.seen_ip) == ("dnat", "172.17.0.3")
    visitor = dataclasses.replace(base, client="visitor", client_ip="172.24.0.2", client_network="othernet",
                                  client_iface="br-8cf1234bac67", client_gateway="172.24.0.1")
    dropped = trace(visitor, table, none)
    assert dropped.way == "none" and dropped.steps[-1].rule == "-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP"


def test_the_drawing_stops_where_the_connection_stops():
    lonely = dataclasses.replace(setup("engine28", "loopback"), published=False, server_ip="", server_network="",
                                 server_bridge="", server_gateway="")
    at_host = draw_packet_path(trace(lonely, rules("engine28", "loopback"), proxies("127.0.0.1").iloc[0:0]))
    assert _edge(at_host, "client") == to_rgba(drawing.TAKEN) and "stop" in _texts(at_host)
    own_loopback = traced("engine28", "loopback", **on_othernet("engine28"))
    assert own_loopback.stops == "client"
    before_host = draw_packet_path(own_loopback)
    assert _edge(before_host, "client") == to_rgba(drawing.STOPPED)
    assert _edge(before_host, "published") == to_rgba(drawing.NOT_TAKEN)
