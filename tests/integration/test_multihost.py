"""The multi-host lesson's verbs on real engine nodes: the overlay carries a ping between two nodes, the
capture on an uplink shows it in VXLAN, and the nodes go whole, leaving the learner's things alone.

Two nodes (docker-in-docker engines, :mod:`dockernet_nb.engine.spawn.nodes`) form a swarm with an
attachable overlay ``lab``; alpha runs on node1, beta on node2. About 40 s on the course's machine.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import docker.errors
import pytest

import dockernet_nb as dnb
from dockernet_nb.engine import labels
from dockernet_nb.engine import swarm as nodes_edge
from dockernet_nb.engine.connection import client
from dockernet_nb.engine.spawn import dind
from dockernet_nb.engine.spawn.common import ENGINE
from dockernet_nb.engine.spawn.nodes import NODE, engine_name, remove_stale_nodes

REPO = Path(__file__).resolve().parents[2]


def _node_objects(session: str) -> set[str]:
    """Containers and volumes of a session's nodes, by label (running or not)."""
    selector = {"label": [NODE, f"{labels.SESSION}={session}"]}
    found = {f"container {c.name}" for c in client().containers.list(all=True, filters=selector)}
    found |= {f"volume {v.name}" for v in client().volumes.list(filters=selector)}
    return found


def _cgroups(engine: str) -> list[Path]:
    return list(Path("/sys/fs/cgroup").glob(f"*/dockernet-nb-engine-{engine}"))


@pytest.fixture(scope="module")
def learners_own():
    """A container, a network and a volume of the learner's; the volume even carries a node label by mistake."""
    tag = secrets.token_hex(3)
    network = client().networks.create(f"mine-{tag}", driver="bridge")
    container = client().containers.run("dockernet-nb/busybox:1", "sleep 600", name=f"mine-{tag}", network=network.name, detach=True)
    volume = client().volumes.create(f"mine-{tag}-data", labels={NODE: "node1", ENGINE: f"x-{tag}-node1"})
    yield container, network, volume
    container.remove(force=True)
    network.remove()
    volume.remove(force=True)


@pytest.fixture(scope="module")
def swarm(learners_own):
    labels.set_lesson("mhtest")
    try:
        nodes = dnb.start_nodes(2)
        dnb.swarm_init("node1", workers=["node2"])
        lab = dnb.create_overlay("lab")
        alpha = dnb.node_run("node1", "busybox", "sleep 600", name="alpha", net="lab")
        beta = dnb.node_run("node2", "busybox", "sleep 600", name="beta", net="lab")
        yield {"nodes": nodes.set_index("node"), "lab": lab, "alpha": alpha, "beta": beta}
    finally:
        dnb.cleanup()
        labels.set_lesson("tests")


def test_nodes_are_engine_28_hosts_on_the_course_lan_and_form_a_swarm(swarm):
    nodes = swarm["nodes"]
    assert list(nodes.index) == ["node1", "node2"]
    assert all(version.startswith("28.") for version in nodes["engine"])
    listed = dnb.swarm_nodes().set_index("node")
    assert listed.loc["node1", "role"] == "manager" and listed.loc["node1", "manager_status"] == "Leader"
    assert listed.loc["node2", "role"] == "worker" and set(listed["status"]) == {"ready"}
    assert listed.loc["node2", "address"] == nodes.loc["node2", "address"]
    assert swarm["lab"].driver == "overlay" and swarm["lab"].subnet.startswith("172.16.")


def test_containers_on_two_nodes_talk_over_the_overlay_by_name(swarm):
    alpha, beta = swarm["alpha"], swarm["beta"]
    assert nodes_edge.locate("alpha")[0].name == "node1" and nodes_edge.locate("beta")[0].name == "node2"
    pings = dnb.node_ping("alpha", "beta", count=2)
    assert pings.summary.received == 2
    assert set(pings["address"]) == {beta.addresses["lab"]}
    assert set(pings["ttl"]) == {64}  # no router between them: one network, though two hosts
    interfaces = dnb.node_interfaces("beta").set_index("name")
    assert interfaces.loc["eth0", "ipv4"] == beta.addresses["lab"] and interfaces.loc["eth0", "mtu"] == 1450
    routes = dnb.node_routes("beta").set_index("destination")
    assert routes.loc["0.0.0.0", "iface"] == "eth1"  # the default route leaves through docker_gwbridge
    assert alpha.addresses["lab"] != beta.addresses["lab"]


def test_the_capture_on_node1s_uplink_shows_the_ping_inside_vxlan(swarm):
    nodes, alpha, beta = swarm["nodes"], swarm["alpha"], swarm["beta"]
    vni = dnb.node_networks("node1").set_index("name").loc["lab", "vni"]
    packets = dnb.capture_vxlan("node1", "alpha", "beta", count=2)
    node1, node2 = nodes.loc["node1", "address"], nodes.loc["node2", "address"]
    a, b = alpha.addresses["lab"], beta.addresses["lab"]
    assert len(packets) == 4
    assert list(packets["protocol"]) == ["VXLAN"] * 4
    assert list(packets["source"]) == [node1, node2, node1, node2]
    assert list(packets["destination"]) == [node2, node1, node2, node1]
    assert list(packets["dst_port"]) == [4789] * 4
    assert list(packets["vni"]) == [vni] * 4 and vni >= 4096
    assert list(packets["inner_source"]) == [a, b, a, b]
    assert list(packets["inner_destination"]) == [b, a, b, a]
    assert list(packets["inner_protocol"]) == ["ICMP"] * 4
    for summary, (outer_from, outer_to, inner_from, inner_to, what, seq) in zip(
        packets["summary"],
        [(node1, node2, a, b, "request", 0), (node2, node1, b, a, "reply", 0), (node1, node2, a, b, "request", 1),
         (node2, node1, b, a, "reply", 1)],
        strict=True,
    ):
        expected = (
            rf"{re.escape(outer_from)}\.\d+ > {re.escape(outer_to)}\.4789: VXLAN, vni {vni}: "
            rf"{re.escape(inner_from)} > {re.escape(inner_to)}: ICMP echo {what}, id \d+, seq {seq}, length 64"
        )
        assert re.fullmatch(expected, summary), summary
    # 84 bytes of alpha's ping (IP 20 + ICMP 8 + 56 of data) in outer IP 20 + UDP 8 + VXLAN 8 + Ethernet 14.
    assert list(packets["length"]) == [134] * 4
    assert "VXLAN, flags [I] (0x08), vni" in packets.raw and packets.attrs["interface"] == "eth0"


def test_services_answer_by_name_through_dns_and_on_host_mode_ports_and_vips_as_the_kernel_allows(swarm):
    worker = ["node.role==worker"]
    web = dnb.create_service("web", replicas=2, endpoint_mode="dnsrr", constraints=worker)
    assert list(web["node"]) == ["node2", "node2"] and set(web["state"]) == {"running"}
    answers = dnb.service_answers("alpha", "web", batch=4, batches=1)
    assert list(answers["answered_by"]) == ["web replica on node2"] * 4 and answers.attrs["nodes"] == ["node2"]

    dnb.create_service("edge", mode="global", endpoint_mode="dnsrr", publish=8080, publish_mode="host", constraints=worker)
    outside = dnb.node_requests(8080).set_index("node")
    assert outside.loc["node2", "answered_by"] == "edge replica on node2"
    assert not outside.loc["node1", "answered"]  # host mode: only a node with a replica opens the port

    ipvs = bool(dnb.ipvs_support()["ipvs"].all())
    dnb.create_service("vip", replicas=1, endpoint_mode="vip", constraints=worker)
    reach = dnb.reach_service("alpha", "vip").set_index("name")
    assert len(reach.loc["vip", "resolves_to"].split()) == 1  # one virtual address
    assert bool(reach.loc["vip", "answered"]) == ipvs
    assert reach.loc["tasks.vip", "answered_by"] == "vip replica on node2"


KILLED = """
import time
import dockernet_nb as dnb
from dockernet_nb.engine import labels
dnb.start_lesson("mhkilled")
dnb.start_nodes(1)
print(labels.session_id(), flush=True)
time.sleep(600)
"""


def _clean(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dockernet_nb.cli", "clean", *args],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def test_a_killed_kernels_nodes_are_removed_by_clean_and_nothing_else(swarm, learners_own):
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED], stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}
    )
    try:
        session = (process.stdout.readline() if process.stdout else "").strip()
        assert len(session) == 8, "the kernel did not start its node"
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    engine = engine_name("node1", lesson="mhkilled", session=session)
    assert _node_objects(session) == {f"container dockernet-nb-engine-{engine}", f"volume dockernet-nb-engine-{engine}-data"}

    listed = remove_stale_nodes(dry_run=True)  # what `clean` calls first
    assert [(row["session"], row["name"], row["owner_alive"]) for row in listed if row["session"] == session] == [
        (session, "node1", False)
    ]
    dry = _clean("--dry-run")
    assert dry.returncode == 0 and f"node1 (mhkilled-{session})" in dry.stdout, dry.stdout + dry.stderr
    assert _node_objects(session)  # a dry run removes nothing

    done = _clean()
    assert done.returncode == 0 and f"node1 (mhkilled-{session})" in done.stdout, done.stdout + done.stderr
    assert _node_objects(session) == set() and _cgroups(engine) == []
    # This (live) session's nodes and the learner's things are still there.
    assert {n.name for n in nodes_edge.nodes()} == {"node1", "node2"}
    container, network, volume = learners_own
    container.reload()
    assert container.status == "running"
    client().networks.get(network.id)
    client().volumes.get(volume.name)


def test_cleanup_removes_every_node_whole_and_nothing_of_the_learners(swarm, learners_own):
    session = labels.session_id()
    engines = [engine_name(n, lesson="mhtest") for n in ("node1", "node2")]
    removed = dnb.cleanup()
    assert sorted(removed.loc[removed["kind"] == "node", "name"]) == ["node1", "node2"]
    assert _node_objects(session) == set()
    assert all(_cgroups(engine) == [] for engine in engines)
    try:
        network = client().networks.get(dind.NETWORK)
        assert network.attrs.get("Containers"), "the engines network is left only while another engine uses it"
    except docker.errors.NotFound:
        pass
    container, network, volume = learners_own
    container.reload()
    assert container.status == "running" and container.name.startswith("mine-")
    client().networks.get(network.id)
    assert client().volumes.get(volume.name).attrs["Labels"][NODE] == "node1"
    # Nothing of the nodes answers any more.
    with pytest.raises(dnb.NotFound):
        dnb.node_ping("alpha", "beta", count=1)
