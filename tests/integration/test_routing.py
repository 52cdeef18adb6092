"""Lessons 05-07 against the real engine: a router between two LANs, OSPF among FRR routers, and where
a published port goes. Every assertion is on something the engine, a router or a server reported.

Published ports here are 28007 (127.0.0.1 and a test network's gateway) and client ports 20017-20019,
so these tests can run beside notebook 07 (8007, 20007-20009, 20123).
"""

from __future__ import annotations

import time
import types

import pytest

import dockernet_nb as dnb
from dockernet_nb import checks
from dockernet_nb.engine.sweep import course_objects, remove_objects
from dockernet_nb.errors import CommandTimeout, InvalidInput

ROUTER_CAPS = ["NET_ADMIN"]
FRR_CAPS = ["NET_ADMIN", "SYS_ADMIN"]
FORWARD = {"net.ipv4.ip_forward": "1"}
PORT = 28007
# Networks a container routes between opt out of Engine 28's raw-table guard (older engines ignore it).
LAB = {"com.docker.network.bridge.gateway_mode_ipv4": "nat-unprotected"}


# Names of objects a module-scoped fixture keeps for several tests; `tidy` leaves them alone.
KEEP: set[str] = set()


@pytest.fixture
def tidy():
    """Remove what one test made in this session, except the objects of the module fixtures."""
    yield
    objects = course_objects("session")
    remove_objects(objects[~objects["name"].isin(KEEP)])


def _release(prefix: str) -> None:
    """A module fixture's teardown: remove its objects (all named PREFIX-...) and stop keeping them."""
    objects = course_objects("session")
    mine = objects[objects["name"].str.startswith(prefix)]
    remove_objects(mine)
    KEEP.difference_update(mine["name"])


def _host(name: str, net: str, image: str = "debian") -> dnb.ContainerHandle:
    command = "sleep infinity" if image == "debian" else None
    return dnb.run(image, command, name=name, net=net, cap_add=["NET_ADMIN"], detach=True)


# --- 05: a router between two LANs ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def lans():
    lan1, lan2 = dnb.create_net("rt-lan1", options=LAB), dnb.create_net("rt-lan2", options=LAB)
    dnb.run("debian", "sleep infinity", name="rt-router", net=lan1, cap_add=ROUTER_CAPS, sysctls=FORWARD, detach=True)
    router = dnb.connect("rt-router", lan2)
    hosts = {
        "alice": _host("rt-alice", "rt-lan1"),
        "bob": _host("rt-bob", "rt-lan2"),
        "db": _host("rt-db", "rt-lan2", "redis"),
        "web": _host("rt-web", "rt-lan2", "uptime"),
    }
    for name in ["rt-router", "rt-alice", "rt-bob", "rt-db", "rt-web"]:
        dnb.drop_default_route(name)
    dnb.exec("rt-alice", f"ip route replace {lan2.subnet} via {router.addresses['rt-lan1']}")
    for name in ["rt-bob", "rt-db", "rt-web"]:
        dnb.exec(name, f"ip route replace {lan1.subnet} via {router.addresses['rt-lan2']}")
    dnb.wait_for_port("rt-web", 8000)
    KEEP.update(course_objects("session")["name"])
    yield types.SimpleNamespace(
        lan1=lan1,
        lan2=lan2,
        router=router,
        alice=hosts["alice"].addresses["rt-lan1"],
        bob=hosts["bob"].addresses["rt-lan2"],
        db=hosts["db"].addresses["rt-lan2"],
        web=hosts["web"].addresses["rt-lan2"],
    )
    _release("rt-")


def test_ttl_drops_by_one_through_the_router(lans):
    through = dnb.ping("rt-alice", lans.bob, count=2)
    direct = dnb.ping("rt-alice", lans.router.addresses["rt-lan1"], count=2)
    assert through["ttl"].tolist() == [63, 63] and set(through["address"]) == {lans.bob}
    assert direct["ttl"].tolist() == [64, 64]


def test_the_routes_show_the_hop(lans):
    routes = dnb.inspect_routes("rt-alice")
    hop = routes[routes["destination"] == lans.lan2.subnet.split("/")[0]]
    assert hop[["gateway", "genmask", "flags"]].values.tolist() == [[lans.router.addresses["rt-lan1"], "255.255.255.0", "UG"]]
    assert "0.0.0.0" not in set(routes["destination"])  # no default route left


def test_without_a_route_the_other_lan_is_unreachable(lans, tidy):
    _host("rt-carol", "rt-lan1")
    routes = dnb.drop_default_route("rt-carol")
    assert routes["destination"].tolist() == [lans.lan1.subnet.split("/")[0]]
    reply = dnb.ping("rt-carol", lans.bob, count=1)
    assert len(reply) == 0 and reply.attrs["summary"]["error"] == "ping: connect: Network is unreachable"


def test_firewall_blocks_one_service_and_allows_another(lans):
    dnb.add_rule("rt-router", f"-A FORWARD -s {lans.lan1.subnet} -p tcp --dport 8000 -j ACCEPT")
    rule = f"-A FORWARD -s {lans.lan1.subnet} -p tcp --dport 6379 -j REJECT --reject-with tcp-reset"
    rules = dnb.add_rule("rt-router", rule)
    assert dnb.add_rule("rt-router", rule).equals(rules)  # the same rule twice is added once
    forward = rules[rules["chain"] == "FORWARD"]
    assert forward[["target", "dport", "source"]].values.tolist() == [
        ["ACCEPT", "8000", lans.lan1.subnet],
        ["REJECT", "6379", lans.lan1.subnet],
    ]
    seen = dnb.reachability(["rt-alice", "rt-bob"], {"db": f"{lans.db}:6379", "web": f"{lans.web}:8000"})
    assert seen.values.tolist() == [["rt-alice", False, True], ["rt-bob", True, True]]
    started = time.monotonic()
    refused = dnb.exec("rt-alice", f"nc -v -z -w 2 {lans.db} 6379")
    assert refused.exit_code == 1 and "refused" in refused.stderr and time.monotonic() - started < 1.5


def test_masquerade_changes_the_source_in_the_server_log(lans):
    masquerade = f"-s {lans.lan1.subnet} -d {lans.lan2.subnet} -j MASQUERADE"
    dnb.exec("rt-router", f"iptables -t nat -D POSTROUTING {masquerade}")  # from an earlier run of this test
    assert "load average" in dnb.exec("rt-alice", f"nc -w 2 {lans.web} 8000").stdout
    assert dnb.connections("rt-web")["client"].iloc[-1] == lans.alice
    nat = dnb.add_rule("rt-router", f"-A POSTROUTING {masquerade}", table="nat")
    assert "MASQUERADE" in set(nat.loc[nat["chain"] == "POSTROUTING", "target"])
    assert "load average" in dnb.exec("rt-alice", f"nc -w 2 {lans.web} 8000").stdout
    assert dnb.connections("rt-web")["client"].iloc[-1] == lans.router.addresses["rt-lan2"]
    # The server answers a neighbour now: it needs no route back to lan1.
    dnb.exec("rt-web", f"ip route del {lans.lan1.subnet}")
    assert dnb.reachability(["rt-alice"], {"web": f"{lans.web}:8000"})["web"].tolist() == [True]


def test_check_web_closed_to_lan1(lans):
    names = {"client": "rt-alice", "neighbour": "rt-bob", "server": "rt-web", "net": "rt-lan2"}
    subnet = lans.lan1.subnet
    accept = dnb.add_rule("rt-router", f"-A FORWARD -s {subnet} -p tcp --dport 8000 -j ACCEPT")
    assert not checks.check_web_closed_to_lan1(None, **names)
    # Judged from the learner's own rules: the ACCEPT still comes first.
    result = checks.check_web_closed_to_lan1(accept, **names)
    assert not result and "lets the connection through" in result.message and "first rule" in result.hint
    below = dnb.add_rule("rt-router", f"-A FORWARD -s {subnet} -p tcp --dport 8000 -j REJECT")
    result = checks.check_web_closed_to_lan1(below, **names)
    assert not result and "lets the connection through" in result.message
    # Judged by the engine: a DROP on top makes the client wait, which is not a refusal.
    silent = dnb.exec("rt-router", f"iptables -I FORWARD 1 -s {subnet} -p tcp --dport 8000 -j DROP")
    result = checks.check_web_closed_to_lan1(silent, **names)
    assert not result and "timed out" in result.message
    dnb.exec("rt-router", f"iptables -D FORWARD -s {subnet} -p tcp --dport 8000 -j DROP")
    failed_command = dnb.exec("rt-router", "iptables -I FORWARD 1 -p tcp --dport 8000 -j NO-SUCH-TARGET")
    assert "failed" in checks.check_web_closed_to_lan1(failed_command, **names).message
    above = dnb.add_rule("rt-router", f"-I FORWARD 1 -s {subnet} -p tcp --dport 8000 -j REJECT --reject-with tcp-reset")
    result = checks.check_web_closed_to_lan1(above, **names)
    assert result and "refused" in result.message, result
    started = time.monotonic()
    refused = dnb.exec("rt-alice", f"nc -v -z -w 2 {lans.web} 8000")
    assert "refused" in refused.stderr and time.monotonic() - started < 1.5
    everything = dnb.add_rule("rt-router", f"-I FORWARD 1 -s {subnet} -j DROP")
    result = checks.check_web_closed_to_lan1(everything, **names)
    assert not result and "cannot even ping" in result.message
    for rule in (f"-s {subnet} -j DROP", f"-s {subnet} -p tcp --dport 8000 -j REJECT --reject-with tcp-reset",
                 f"-s {subnet} -p tcp --dport 8000 -j REJECT"):
        for _ in range(2):
            dnb.exec("rt-router", f"iptables -D FORWARD {rule}")


def test_unplugging_the_router_cuts_the_lans_apart(lans):
    dnb.disconnect("rt-router", "rt-lan2")
    cut = dnb.ping("rt-alice", lans.bob, count=2)
    assert len(cut) == 0 and cut.attrs["summary"]["errors"] == 2
    assert f"From {lans.router.addresses['rt-lan1']} icmp_seq=1 Destination Net Unreachable" in cut.attrs["raw"]
    again = dnb.connect("rt-router", "rt-lan2", ip=lans.router.addresses["rt-lan2"])
    assert again.addresses["rt-lan2"] == lans.router.addresses["rt-lan2"]
    dnb.drop_default_route("rt-router")
    # The router's new interface has a new hardware address: the first packets can wait for ARP.
    dnb.wait_for_path("rt-alice", lans.bob)
    assert dnb.ping("rt-alice", lans.bob, count=1)["ttl"].tolist() == [63]


def test_bad_rules_and_missing_capabilities_are_explained(lans, tidy):
    with pytest.raises(InvalidInput, match="-A FORWARD"):
        dnb.add_rule("rt-router", "FORWARD -j DROP")
    with pytest.raises(InvalidInput, match="failed"):
        dnb.add_rule("rt-router", "-A FORWARD -j NO-SUCH-TARGET")
    dnb.run("debian", "sleep infinity", name="rt-nocap", net="rt-lan1", detach=True)
    with pytest.raises(InvalidInput, match="NET_ADMIN"):
        dnb.drop_default_route("rt-nocap")
    with pytest.raises(InvalidInput):
        dnb.reachability([], ["172.24.0.1"])
    with pytest.raises(InvalidInput, match="ADDRESS:PORT"):
        dnb.reachability(["rt-nocap"], ["172.24.0.1:http"])


# --- 06: OSPF among FRR routers --------------------------------------------------------------------------


LINKS = {"os-r1": ["os-n12", "os-n13", "os-lan1"], "os-r2": ["os-n12", "os-n23", "os-lan2"], "os-r3": ["os-n13", "os-n23", "os-lan3"]}


@pytest.fixture(scope="module")
def triangle():
    nets = {name: dnb.create_net(name, options=LAB) for name in ["os-n12", "os-n13", "os-n23", "os-lan1", "os-lan2", "os-lan3"]}
    routers = {}
    for router, router_nets in LINKS.items():
        dnb.run("frr", name=router, net=router_nets[0], cap_add=FRR_CAPS, sysctls=FORWARD, detach=True)
    for router, router_nets in LINKS.items():
        dnb.wait_for_frr(router)
        for net in router_nets[1:]:
            routers[router] = dnb.connect(router, net)
        dnb.drop_default_route(router)
    for number, (router, router_nets) in enumerate(LINKS.items(), 1):
        dnb.configure_ospf(router, router_nets, router_id=f"0.0.0.{number}", point_to_point=router_nets[:2])
    for host, lan, router in (("os-h1", "os-lan1", "os-r1"), ("os-h2", "os-lan2", "os-r2")):
        _host(host, lan)
        dnb.drop_default_route(host)
        for other in ("os-lan1", "os-lan2", "os-lan3"):
            if other != lan:
                dnb.exec(host, f"ip route replace {nets[other].subnet} via {routers[router].addresses[lan]}")
    neighbours = dnb.wait_for_ospf(list(LINKS))
    h2 = dnb.containers().set_index("name").loc["os-h2", "addresses"]
    KEEP.update(course_objects("session")["name"])
    yield types.SimpleNamespace(nets=nets, routers=routers, neighbours=neighbours, h2=h2)
    _release("os-")


def test_ospf_neighbours_are_full(triangle):
    table = triangle.neighbours
    assert len(table) == 6 and set(table["state"]) == {"Full"} and table["role"].isna().all()
    pairs = set(zip(table["router"], table["neighbour"], strict=True))
    assert pairs == {(a, b) for a in LINKS for b in LINKS if a != b}
    r1 = table[table["router"] == "os-r1"].set_index("neighbour")
    assert (r1.loc["os-r2", "network"], r1.loc["os-r3", "network"]) == ("os-n12", "os-n13")
    assert (r1.loc["os-r2", "neighbor_id"], r1.loc["os-r2", "address"]) == ("0.0.0.2", triangle.routers["os-r2"].addresses["os-n12"])


def test_learned_routes_are_in_frr_and_in_the_kernel(triangle):
    routes = dnb.ospf_routes("os-r1", protocol="ospf")
    by_net = routes.groupby("network")
    assert by_net["via"].apply(sorted).to_dict() == {
        "os-lan2": ["os-r2"],
        "os-lan3": ["os-r3"],
        "os-n23": ["os-r2", "os-r3"],  # equal cost both ways round: two next hops
    }
    assert set(routes["metric"]) == {20} and set(routes["distance"]) == {110} and routes["installed"].all()
    kernel = dnb.exec("os-r1", f"ip route show {triangle.nets['os-lan2'].subnet}").stdout
    assert f"via {triangle.routers['os-r2'].addresses['os-n12']}" in kernel and "proto ospf" in kernel
    assert dnb.ping("os-h1", triangle.h2, count=2)["ttl"].tolist() == [62, 62]


def test_a_broken_link_moves_the_route_and_the_ttl(triangle):
    dnb.disconnect("os-r1", "os-n12")
    dnb.wait_for_ospf(list(LINKS))
    to_lan2 = dnb.ospf_routes("os-r1").set_index("network").loc["os-lan2"]
    assert (to_lan2["via"], to_lan2["metric"]) == ("os-r3", 30)
    n12 = dnb.ospf_routes("os-r1").set_index("network").loc["os-n12"]
    assert (n12["protocol"], n12["via"]) == ("ospf", "os-r3")  # why Docker refuses to plug n12 back in
    assert dnb.ping("os-h1", triangle.h2, count=2)["ttl"].tolist() == [61, 61]
    # The repair of lesson 06: out of OSPF, plug in, configure again.
    dnb.exec("os-r1", ["vtysh", "-c", "configure terminal", "-c", "no router ospf"])
    dnb.wait_for_ospf(["os-r1"])
    assert set(dnb.ospf_routes("os-r1")["protocol"]) == {"connected"}
    triangle.routers["os-r1"] = dnb.connect("os-r1", "os-n12")
    dnb.drop_default_route("os-r1")
    dnb.configure_ospf("os-r1", LINKS["os-r1"], router_id="0.0.0.1", point_to_point=LINKS["os-r1"][:2])
    dnb.wait_for_ospf(list(LINKS))
    assert dnb.ospf_routes("os-r1").set_index("network").loc["os-lan2", "via"] == "os-r2"
    assert dnb.ping("os-h1", triangle.h2, count=2)["ttl"].tolist() == [62, 62]


def test_check_ospf_detour(triangle):
    names = {"router": "os-r1", "peer": "os-r2", "detour": "os-r3", "link": "os-n12", "lan": "os-lan2"}
    assert not checks.check_ospf_detour(None, **names)
    assert not checks.check_ospf_detour("anything", wait=1, **names)  # still the direct way
    iface = dnb.ospf_neighbours("os-r1").set_index("neighbour").loc["os-r2", "iface"]
    answer = dnb.exec("os-r1", ["vtysh", "-c", "configure terminal", "-c", f"interface {iface}", "-c", "ip ospf cost 100"])
    result = checks.check_ospf_detour(answer, **names)
    assert result, result
    assert "total cost 30" in result.message
    # The way back: r2 still answers straight through r1, so h1 sees TTL 62, not 61.
    back = {"client": "os-h1", "server": "os-h2", "router": "os-r1", "peer": "os-r2", "detour": "os-r3",
            "lan": "os-lan2", "back_lan": "os-lan1"}
    assert dnb.ospf_routes("os-r2").set_index("network").loc["os-lan1", "via"] == "os-r1"
    assert dnb.ping("os-h1", triangle.h2, count=1)["ttl"].tolist() == [62]
    assert checks.check_way_back_ttl(62, **back)
    assert checks.check_way_back_ttl("62", **back)
    for wrong in (61, "sixty-two", True):
        result = checks.check_way_back_ttl(wrong, **back)
        assert not result and result.hint
    dnb.exec("os-r1", ["vtysh", "-c", "configure terminal", "-c", f"interface {iface}", "-c", "no ip ospf cost"])
    dnb.wait_for_ospf(list(LINKS))
    result = checks.check_way_back_ttl(62, wait=1, **back)
    assert not result and "does not send" in result.message  # no detour: nothing to predict yet


def test_check_ospf_detour_reads_the_vtysh_run_first(triangle):
    names = {"router": "os-r1", "peer": "os-r2", "detour": "os-r3", "link": "os-n12", "lan": "os-lan2"}
    timers = dnb.configure_ospf("os-r1", LINKS["os-r1"], router_id="0.0.0.1", point_to_point=LINKS["os-r1"][:2])
    result = checks.check_ospf_detour(timers, **names)
    assert not result and "ip ospf cost" in result.message
    outside = dnb.exec("os-r1", ["vtysh", "-c", "configure terminal", "-c", "ip ospf cost 100"])
    result = checks.check_ospf_detour(outside, **names)
    assert not result and "vtysh did not take" in result.message


def test_docker_refuses_a_network_the_container_already_routes(tidy):
    """The engine behaviour lesson 06 warns about, on a throwaway container."""
    a, b = dnb.create_net("os-a"), dnb.create_net("os-b")
    _host("os-probe", "os-a")
    dnb.exec("os-probe", f"ip route add {b.subnet} via {a.gateway}")
    with pytest.raises(dnb.InvalidInput, match="already has a route into os-b's subnet"):
        dnb.connect("os-probe", "os-b")
    # Engine 20.10 keeps a record of the failed attempt, without an interface behind it.
    addresses = dnb.exec("os-probe", "ip -4 -o addr").stdout
    assert b.subnet.rsplit(".", 1)[0] not in addresses


def test_frr_without_sys_admin_never_starts(tidy):
    dnb.create_net("os-x")
    dnb.run("frr", name="os-nocap", net="os-x", cap_add=["NET_ADMIN"], detach=True)
    with pytest.raises(CommandTimeout, match="SYS_ADMIN"):
        dnb.wait_for_frr("os-nocap", timeout=4)


def test_mismatched_hello_timers_never_make_neighbours(tidy):
    dnb.create_net("os-y")
    for number, hello in ((1, 1), (2, 2)):
        dnb.run("frr", name=f"os-t{number}", net="os-y", cap_add=FRR_CAPS, sysctls=FORWARD, detach=True)
        dnb.drop_default_route(f"os-t{number}")
        dnb.configure_ospf(f"os-t{number}", ["os-y"], router_id=f"0.0.0.{number}", hello=hello, dead=4 * hello)
    with pytest.raises(CommandTimeout, match="Full neighbours none"):
        dnb.wait_for_ospf(["os-t1", "os-t2"], timeout=6)


# --- 07: where a published port goes ----------------------------------------------------------------------


def _bridge_gateway() -> str:
    return dnb.networks().set_index("name").loc["bridge", "gateway"]


def _last(server: str) -> tuple[str, int]:
    row = dnb.connections(server).iloc[-1]
    return row["client"], int(row["client_port"])


def test_publishing_writes_a_dnat_rule_and_starts_a_proxy(tidy):
    web = dnb.run("uptime", name="nat-web", ports=f"{PORT}:8000", detach=True)
    dnb.wait_for_port("nat-web", 8000)
    inner = web.addresses["bridge"]
    nat = dnb.host_iptables_rules(table="nat", chain="DOCKER")
    dnat = nat[(nat["target"] == "DNAT") & (nat["dport"] == str(PORT))]
    assert dnat[["destination", "in_iface", "protocol", "to"]].values.tolist() == [
        ["127.0.0.1/32", "! docker0", "tcp", f"{inner}:8000"]
    ]
    assert "RETURN" in set(nat.loc[nat["in_iface"] == "docker0", "target"])
    proxies = dnb.docker_proxies(host_port=PORT)
    assert proxies[["proto", "host_ip", "container_ip", "container_port"]].values.tolist() == [["tcp", "127.0.0.1", inner, 8000]]
    assert proxies["pid"].iloc[0] > 1


def test_loopback_connections_go_through_the_proxy(tidy):
    dnb.run("uptime", name="nat-web", ports=f"{PORT}:8000", detach=True)
    dnb.wait_for_port("nat-web", 8000)
    assert "load average" in dnb.tcp_request(PORT)
    assert _last("nat-web")[0] == _bridge_gateway()
    reply = dnb.run("debian", f"nc -p 20017 -w 2 127.0.0.1 {PORT}", net="host")
    assert "load average" in reply.stdout
    client, port = _last("nat-web")
    assert client == _bridge_gateway() and port != 20017  # a new connection: docker-proxy's


def test_another_network_reaches_the_port_only_where_it_is_published(tidy):
    other = dnb.create_net("nat-other")
    dnb.run("uptime", name="nat-web", ports=f"{PORT}:8000", detach=True)
    dnb.wait_for_port("nat-web", 8000)
    refused = dnb.run("debian", f"nc -v -w 2 {other.gateway} {PORT}", net="nat-other")
    assert refused.exit_code == 1 and "refused" in refused.stderr

    dnb.run("uptime", name="nat-web", ports=f"{other.gateway}:{PORT}:8000", detach=True)
    dnb.wait_for_port("nat-web", 8000)
    nat = dnb.host_iptables_rules(table="nat", chain="DOCKER")
    assert f"{other.gateway}/32" in set(nat.loc[(nat["target"] == "DNAT") & (nat["dport"] == str(PORT)), "destination"])
    assert "RETURN" in set(nat.loc[nat["in_iface"] == f"br-{other.id}", "target"])

    # From a container on that network: docker-proxy (its bridge's RETURN rule comes before DNAT), so the
    # server sees the host's docker0 address and the proxy's port, not the client's own address and port.
    client_ip = dnb.run("debian", "hostname -i", net="nat-other").stdout.strip()
    reply = dnb.run("debian", f"nc -p 20018 -w 2 {other.gateway} {PORT}", net="nat-other")
    assert "load average" in reply.stdout
    client, port = _last("nat-web")
    assert client == _bridge_gateway() and port != 20018
    assert client_ip.startswith(other.subnet.rsplit(".", 1)[0]) and client != client_ip

    # From the host's own network stack: the kernel's DNAT, which keeps the client's port; the address is
    # MASQUERADEd to docker0's because the host sends from the other network's gateway address.
    reply = dnb.run("debian", f"nc -p 20019 -w 2 {other.gateway} {PORT}", net="host")
    assert "load average" in reply.stdout
    assert _last("nat-web") == (_bridge_gateway(), 20019)


def test_check_proxy_or_dnat(tidy):
    other = dnb.create_net("nat-other")
    dnb.run("uptime", name="nat-web", ports=f"{other.gateway}:{PORT}:8000", detach=True)
    dnb.wait_for_port("nat-web", 8000)
    assert not checks.check_proxy_or_dnat(None, server="nat-web")
    assert not checks.check_proxy_or_dnat("banana", server="nat-web")
    assert checks.check_proxy_or_dnat("proxy", server="nat-web")
    assert checks.check_proxy_or_dnat("docker-proxy", server="nat-web")
    wrong = checks.check_proxy_or_dnat("dnat", server="nat-web")
    assert not wrong and "the engine says proxy" in wrong.message
    # From the host's network the kernel's DNAT is the truth.
    assert checks.check_proxy_or_dnat("dnat", server="nat-web", net="host")


def test_kvm_preflight_reports_every_check(monkeypatch):
    local = dnb.kvm_preflight()
    assert list(local.columns) == ["check", "ok", "detail"]
    assert local["check"].tolist() == ["the engine runs on this machine", "/dev/kvm exists", "/dev/kvm opens read-write", "KVM answers"]
    assert local["ok"].iloc[0]
    monkeypatch.setenv("DOCKER_HOST", "tcp://engine.example:2375")
    remote = dnb.kvm_preflight()
    assert not remote["ok"].any() and remote["detail"].iloc[1].startswith("not checked")
