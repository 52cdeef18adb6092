"""The notebook verbs against the real engine: every assertion is on a value the engine reports."""

from __future__ import annotations

import ipaddress
import socket
import time

import docker
import pytest

import dockernet_nb as dnb
from dockernet_nb.engine import labels
from dockernet_nb.engine.connection import client

pytestmark = pytest.mark.usefixtures("fresh")

COURSE_RANGE = ipaddress.ip_network("172.16.0.0/12")


def _inspect_container(handle):
    return client().api.inspect_container(handle.docker_name)


def _course_containers_named(short):
    return client().containers.list(all=True, filters={"label": f"{labels.NAME}={short}"})


def test_create_net_matches_the_engine_and_stays_inside_the_course_range():
    net = dnb.create_net("vnet")
    attrs = client().api.inspect_network(net.docker_name)
    config = attrs["IPAM"]["Config"][0]
    assert net.subnet == config["Subnet"]
    assert ipaddress.ip_network(net.subnet).subnet_of(COURSE_RANGE)
    assert attrs["Labels"][labels.COURSE] == "1"
    assert attrs["Labels"][labels.SESSION] == labels.session_id()
    assert net.id == attrs["Id"][:12]
    # The reported gateway is the one containers actually route through.
    routes = dnb.inspect_routes(image="busybox", net="vnet")
    assert routes.set_index("destination").loc["0.0.0.0", "gateway"] == net.gateway


def test_create_net_twice_reuses_and_a_new_subnet_replaces():
    first = dnb.create_net("again")
    second = dnb.create_net("again")
    assert second.id == first.id
    moved = dnb.create_net("again", subnet="172.31.250.0/24", gateway="172.31.250.254")
    assert moved.id != first.id
    assert (moved.subnet, moved.gateway) == ("172.31.250.0/24", "172.31.250.254")
    table = dnb.networks().set_index("name")
    assert table.loc["again", "subnet"] == "172.31.250.0/24"
    assert table.loc["again", "gateway"] == "172.31.250.254"
    assert {"bridge", "host", "none"} <= set(table.index)


def test_remove_net_removes_it_from_the_engine():
    net = dnb.create_net("gone")
    dnb.remove_net("gone")
    assert client().networks.list(names=[net.docker_name]) == []
    with pytest.raises(dnb.NetworkNotFound, match="gone"):
        dnb.remove_net("gone")


def test_run_in_the_foreground_separates_streams_and_removes_its_container():
    result = dnb.run("busybox", "sh -c 'echo to-out; echo to-err >&2; exit 3'", net="none", name="streams")
    assert (result.exit_code, result.stdout, result.stderr) == (3, "to-out\n", "to-err\n")
    assert _course_containers_named("streams") == []


def test_command_as_string_or_list_gives_the_same_result():
    as_text = dnb.run("busybox", "echo 'two words'", net="none")
    as_list = dnb.run("busybox", ["echo", "two words"], net="none")
    assert as_text.stdout == as_list.stdout == "two words\n"


def test_non_ascii_output_comes_back_as_text():
    result = dnb.run("busybox", ["echo", "naïve café ☕"], net="none")
    assert result.stdout == "naïve café ☕\n"


def test_detached_run_reports_the_address_the_engine_gave_on_each_network():
    dnb.create_net("left")
    dnb.create_net("right")
    box = dnb.run("busybox", "sleep 300", name="box", net="left", detach=True)
    box = dnb.connect("box", "right")
    networks = _inspect_container(box)["NetworkSettings"]["Networks"]
    assert set(box.addresses) == {"left", "right"}
    for short, address in box.addresses.items():
        assert networks[labels.docker_name(short)]["IPAddress"] == address


def _engine_view(handle):
    """(ip, prefixlen, mac, gateway) per network, from docker inspect."""
    view = {}
    for endpoint in _inspect_container(handle)["NetworkSettings"]["Networks"].values():
        view[endpoint["IPAddress"]] = (endpoint["IPPrefixLen"], endpoint["MacAddress"], endpoint["Gateway"])
    return view


@pytest.mark.parametrize("image", ["busybox", "debian"])
def test_interfaces_and_routes_agree_with_docker_inspect_single_and_multi_homed(image):
    dnb.create_net("first")
    dnb.create_net("second")
    box = dnb.run(image, "sleep 300", name=f"homed-{image}", net="first", detach=True)
    for stage in ("single", "multi"):
        if stage == "multi":
            box = dnb.connect(box, "second")
        interfaces = dnb.inspect_interfaces(box)
        engine = _engine_view(box)
        with_ip = interfaces[interfaces.ipv4.notna() & (interfaces.name != "lo")]
        assert len(with_ip) == len(engine) == (1 if stage == "single" else 2)
        for row in with_ip.itertuples():
            prefixlen, mac, _ = engine[row.ipv4]
            assert (row.prefixlen, row.mac) == (prefixlen, mac.lower())
            assert row.up
        routes = dnb.inspect_routes(box)
        default = routes[routes.destination == "0.0.0.0"]
        gateways = {gateway for _, _, gateway in engine.values()}
        assert len(default) >= 1 and set(default.gateway) <= gateways
        connected = routes[routes.gateway == "0.0.0.0"]
        for ip, (prefixlen, _, _) in engine.items():
            net = ipaddress.ip_network(f"{ip}/{prefixlen}", strict=False)
            assert str(net.network_address) in set(connected.destination)


def test_none_network_has_only_loopback_and_no_routes():
    interfaces = dnb.inspect_interfaces(image="busybox", net="none")
    assert list(interfaces.name) == ["lo"]
    assert interfaces.loc[0, "ipv4"] == "127.0.0.1" and interfaces.loc[0, "prefixlen"] == 8
    routes = dnb.inspect_routes(image="busybox", net="none")
    assert routes.empty
    assert list(routes.columns) == ["destination", "gateway", "genmask", "flags", "metric", "iface"]


def test_ping_by_name_on_a_user_network_returns_one_row_per_reply():
    dnb.create_net("pingnet")
    target = dnb.run("busybox", "sleep 300", name="target", net="pingnet", detach=True)
    frame = dnb.ping(None, "target", image="debian", net="pingnet", count=3)
    assert list(frame.seq) == [1, 2, 3]
    assert set(frame.address) == {target.addresses["pingnet"]}
    assert (frame.ttl == 64).all() and (frame.time_ms > 0).all()
    summary = frame.attrs["summary"]
    assert (summary["transmitted"], summary["received"], summary["loss_pct"]) == (3, 3, 0.0)
    assert summary["rtt_min"] <= summary["rtt_avg"] <= summary["rtt_max"]
    # The same from a running busybox container: the busybox dialect counts from 0.
    src = dnb.run("busybox", "sleep 300", name="src", net="pingnet", detach=True)
    from_busybox = dnb.ping(src, "target", count=2)
    assert list(from_busybox.seq) == [0, 1]
    assert from_busybox.attrs["summary"]["dialect"] == "busybox"


def test_ping_on_net_none_is_an_answer_not_an_exception():
    frame = dnb.ping(None, "8.8.8.8", image="debian", net="none", count=1)
    assert frame.empty
    assert "Network is unreachable" in frame.attrs["summary"]["error"]
    assert list(frame.columns) == ["seq", "address", "bytes", "ttl", "time_ms"]


def test_published_ports_bind_to_loopback_unless_told_otherwise():
    server = dnb.run("uptime", name="pub", ports="18123:8000", detach=True)
    bindings = _inspect_container(server)["HostConfig"]["PortBindings"]
    assert bindings == {"8000/tcp": [{"HostIp": "127.0.0.1", "HostPort": "18123"}]}
    assert server.ports == {"8000/tcp": "127.0.0.1:18123"}
    other = dnb.run("uptime", name="pub2", ports={8000: 18124}, detach=True)
    assert _inspect_container(other)["HostConfig"]["PortBindings"]["8000/tcp"][0]["HostIp"] == "127.0.0.1"


def test_tcp_request_gets_the_server_reply_and_refusal_is_a_clear_error():
    server = dnb.run("uptime", name="web", ports="18125:8000", detach=True)
    for _ in range(50):
        if dnb.logs(server).stderr.startswith("listening"):
            break
        time.sleep(0.1)
    assert "load average" in dnb.tcp_request(18125)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    with pytest.raises(dnb.ConnectionRefused, match=f"127.0.0.1:{free} was refused"):
        dnb.tcp_request(free)


def test_exec_logs_stop_and_rm():
    dnb.create_net("ops")
    dnb.run("redis", name="redis", net="ops", detach=True)
    for _ in range(50):
        reply = dnb.exec("redis", "redis-cli ping")
        if reply.stdout.strip() == "PONG":
            break
        time.sleep(0.1)
    assert (reply.exit_code, reply.stdout) == (0, "PONG\n")
    assert "Ready to accept connections" in dnb.logs("redis").stdout
    stopped = dnb.stop("redis")
    assert stopped.status == "exited"
    assert dnb.rm("redis") == "redis"
    assert _course_containers_named("redis") == []


def test_connect_and_disconnect_follow_reachability_by_name():
    dnb.create_net("lan1")
    dnb.create_net("lan2")
    dnb.run("busybox", "sleep 300", name="mover", net="lan1", detach=True)
    assert dnb.ping(None, "mover", image="busybox", net="lan2", count=1).empty
    dnb.connect("mover", "lan2")
    assert len(dnb.ping(None, "mover", image="busybox", net="lan2", count=1)) == 1
    moved = dnb.disconnect("mover", "lan1")
    assert set(moved.addresses) == {"lan2"}
    assert list(dnb.inspect_interfaces("mover").query("name != 'lo'").name) == ["eth1"]
    # Re-running a connect or a disconnect cell changes nothing and raises nothing.
    assert dnb.disconnect("mover", "lan1").addresses == moved.addresses


def test_rerunning_a_named_run_replaces_the_course_container():
    first = dnb.run("busybox", "sleep 300", name="again", detach=True)
    second = dnb.run("busybox", "sleep 300", name="again", detach=True)
    assert first.id != second.id
    assert [c.id[:12] for c in _course_containers_named("again")] == [second.id]


def test_foreground_timeout_kills_and_removes_the_container():
    with pytest.raises(dnb.CommandTimeout, match=r"ping 127\.0\.0\.1"):
        dnb.run("busybox", "ping 127.0.0.1", name="forever", net="none", timeout=2)
    assert _course_containers_named("forever") == []


def test_exec_timeout_stops_the_command():
    box = dnb.run("busybox", "sleep 300", name="host-of-exec", net="none", detach=True)
    with pytest.raises(dnb.CommandTimeout, match=r"ping 127\.0\.0\.1"):
        dnb.exec(box, "ping 127.0.0.1", timeout=2)
    time.sleep(0.5)
    processes = dnb.exec(box, "ps").stdout
    assert "ping 127.0.0.1" not in processes


def test_cleanup_removes_the_course_objects_and_nothing_else():
    foreign = client().containers.run(
        "dockernet-nb/busybox:1", "sleep 300", name=f"learner-own-{labels.session_id()}", detach=True
    )
    foreign_net = client().networks.create(f"learner-net-{labels.session_id()}", driver="bridge")
    try:
        dnb.create_net("tidy")
        dnb.run("busybox", "sleep 300", name="tidy-box", net="tidy", detach=True)
        removed = dnb.cleanup()
        assert set(removed.name) == {"tidy", "tidy-box"}
        assert dnb.containers().empty
        foreign.reload()
        assert foreign.status == "running"
        assert client().networks.get(foreign_net.id).name == foreign_net.name
        with pytest.raises(dnb.NameInUse, match="not made by this course"):
            dnb.stop(foreign.name)
        with pytest.raises(dnb.NameInUse, match=r"not made by this course.*docker network rm"):
            dnb.remove_net(foreign_net.name)
    finally:
        foreign.remove(force=True)
        foreign_net.remove()


def test_unknown_image_is_a_clear_error_and_nothing_is_pulled():
    with pytest.raises(dnb.ImageMissing, match="dockernet-nb images"):
        dnb.run("dockernet-nb/no-such-image:1", "true")
    with pytest.raises(docker.errors.ImageNotFound):
        client().images.get("dockernet-nb/no-such-image:1")
