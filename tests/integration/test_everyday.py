"""The everyday lessons' verbs against the real engine: Compose, names, network modes, IPv6, the host's firewall.

Also the promises the learner relies on: a Compose project of the learner's own (services ``web`` and
``db``, project ``shop`` like the lesson's) survives the verbs, ``dnb.cleanup()`` and the sweeps; the
host's firewall is the same before and after the course changed it, even when the kernel that changed
it was killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import dockernet_nb as dnb
from dockernet_nb.engine import host_rules, labels
from dockernet_nb.engine.compose_cli import require_compose
from dockernet_nb.engine.connection import client
from dockernet_nb.engine.sweep import course_objects, host_rule_objects, remove_objects

pytestmark = pytest.mark.usefixtures("fresh")
REPO = Path(__file__).resolve().parents[2]

OWN_PROJECT = "shop"  # the lesson's project name, on purpose
OWN_COMPOSE = """
services:
  web:
    image: dockernet-nb/uptime:1
  db:
    image: dockernet-nb/redis:1
"""


def _compose(*words: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(require_compose().command(*words), cwd=cwd, capture_output=True, text=True, timeout=180, check=False)


@pytest.fixture
def learners_own_project(tmp_path):
    """The learner's own Compose project `shop` (web and db), made with plain Compose: no course labels."""
    (tmp_path / "compose.yaml").write_text(OWN_COMPOSE)
    up = _compose("-p", OWN_PROJECT, "up", "-d", "--pull", "never", cwd=tmp_path)
    assert up.returncode == 0, up.stderr
    yield OWN_PROJECT
    _compose("-p", OWN_PROJECT, "down", "-t", "0", cwd=tmp_path)


def _own_objects(project: str) -> tuple[dict[str, str], list[str]]:
    found = client().containers.list(all=True, filters={"label": f"com.docker.compose.project={project}"})
    nets = client().networks.list(filters={"label": f"com.docker.compose.project={project}"})
    return {c.name: c.status for c in found}, sorted(n.name for n in nets)


def test_compose_up_labels_everything_and_down_removes_only_the_course_project(learners_own_project):
    before = _own_objects(learners_own_project)
    assert before[0] == {"shop-web-1": "running", "shop-db-1": "running"}
    shop = """
services:
  web:
    image: dockernet-nb/uptime:1
    ports: ["18109:8000"]
    networks: [front]
  db:
    image: redis
    networks:
      back:
        aliases: [database]
networks:
  front: {}
  back: {}
"""
    made = dnb.compose_up("shop", shop)
    assert set(made.name) == {"shop_front", "shop_back", "shop-web-1", "shop-db-1"}
    ps = dnb.compose_ps("shop").set_index("service")
    assert ps.loc["web", "ports"].startswith("127.0.0.1:18109->8000")  # published on loopback only
    engine_project = labels.docker_name("shop")
    for container in client().containers.list(filters={"label": f"com.docker.compose.project={engine_project}"}):
        assert labels.is_course(container.labels) and container.labels[labels.SESSION] == labels.session_id()
        assert container.attrs["HostConfig"]["Dns"] == ["127.0.0.1"]
    for network in client().networks.list(filters={"label": f"com.docker.compose.project={engine_project}"}):
        assert labels.is_course(network.attrs["Labels"])
        subnet = network.attrs["IPAM"]["Config"][0]["Subnet"]
        assert subnet.startswith(("172.24.", "172.25.", "172.26.", "172.27.", "172.28.", "172.29.", "172.30.", "172.31."))
    lookup = dnb.exec("shop-web-1", "getent hosts database")
    assert lookup.exit_code == 2  # web is not on back
    assert dnb.compose_up("shop", shop).status.isin(["Running", "Started", "Created"]).all()  # again: nothing new
    removed = dnb.compose_down("shop")
    assert set(removed[removed.status == "Removed"].name) == {"shop_front", "shop_back", "shop-web-1", "shop-db-1"}
    assert _own_objects(learners_own_project) == before


def test_cleanup_and_the_sweeps_remove_a_course_project_and_leave_the_learners(learners_own_project):
    before = _own_objects(learners_own_project)
    dnb.compose_up("shop", "services:\n  web:\n    image: dockernet-nb/busybox:1\n    command: sleep 600\n")
    listed = course_objects("session")
    assert {"shop-web-1", "shop_default"} <= set(listed.name)
    dnb.cleanup(everything=True)
    remove_objects(course_objects("all"))
    assert _own_objects(learners_own_project) == before
    assert _own_objects(labels.docker_name("shop")) == ({}, [])


def test_a_compose_file_asking_for_the_hosts_files_is_refused_before_anything_is_made():
    with pytest.raises(dnb.InvalidInput, match="host's files"):
        dnb.compose_up("bad", "services:\n  a:\n    image: dockernet-nb/busybox:1\n    volumes: ['/:/host']\n")
    assert course_objects("session").empty


def test_round_robin_answers_from_every_replica_and_the_dns_server_answers_its_names():
    dnb.create_net("rr")
    for name in ("r1", "r2"):
        dnb.run("debian", "socat TCP-LISTEN:8000,fork,reuseaddr SYSTEM:hostname", name=name, hostname=name, net="rr", aliases=["app"], detach=True)
        dnb.wait_for_port(name, 8000)
    client_box = dnb.run("debian", "sleep 600", name="asker", net="rr", detach=True)
    rounds = dnb.lookup("asker", "app", rounds=6)
    assert all(len(r.split()) == 2 for r in rounds["addresses"])
    answers = dnb.who_answers("asker", "app:8000", rounds=30)
    assert set(answers["answer"]) == {"r1", "r2"}
    r1 = dnb.containers().set_index("name").loc["r1", "addresses"]
    dns = dnb.dns_server("dns", {"shop.lab": r1}, net="rr")
    asker2 = dnb.run("debian", "sleep 600", name="asker2", net="rr", dns=[dns.addresses["rr"]], detach=True)
    found = dnb.exec(asker2, "getent hosts shop.lab app")
    assert f"{r1}      shop.lab" in found.stdout.replace("\t", "      ") or found.stdout.split()[0] == r1
    log = dnb.logs("dns").stderr
    assert f"query shop.lab A from {asker2.addresses['rr']}: {r1}" in log
    assert client_box.addresses["rr"] not in log  # asker never used the server


def test_network_views_show_shared_and_host_namespaces():
    dnb.create_net("modes")
    dnb.run("redis", "redis-server --bind 127.0.0.1 --save ''", name="owner", net="modes", detach=True)
    dnb.run("redis", "sleep 600", name="side", net="container:owner", detach=True)
    dnb.run("debian", "sleep 600", name="onhost", net="host", detach=True)
    dnb.wait_for_port("owner", 6379)
    assert dnb.exec("side", "redis-cli -h 127.0.0.1 ping").stdout.strip() == "PONG"
    views = dnb.network_views(["owner", "side", "onhost"]).set_index("container")
    assert views.loc["owner", "namespace"] == views.loc["side", "namespace"] != views.loc["onhost", "namespace"]
    assert views.loc["side", "network_mode"] == "container:owner" and views.loc["onhost", "network_mode"] == "host"
    assert "docker0" in views.loc["onhost", "interfaces"]


def test_a_dual_stack_network_shows_both_families_in_interfaces_and_routes():
    net = dnb.create_net("dual", ipv6=True)
    assert net.subnet6 and net.subnet6.startswith("fdd0:d0c:4e42:")
    box = dnb.run("debian", "sleep 600", name="dual1", net="dual", detach=True)
    dnb.run("debian", "sleep 600", name="dual2", net="dual", detach=True)
    assert box.addresses6["dual"].startswith(net.subnet6.split("::")[0])
    interfaces = dnb.inspect_interfaces("dual1").set_index("name")
    assert box.addresses6["dual"] in interfaces.loc["eth0", "ipv6"]
    routes = dnb.inspect_routes("dual1", family="both")
    assert {"0.0.0.0", "::/0", net.subnet6} <= set(routes["destination"])
    pings = dnb.ping("dual1", "dual2", count=1)
    assert pings.summary.received == 1 and ":" in pings["address"].iloc[0]
    with pytest.raises(dnb.InvalidInput, match="overlaps"):
        dnb.create_net("dual-clash", ipv6=True, subnet6=net.subnet6)


# --- the host's firewall ----------------------------------------------------------------------------


def _host_rules_snapshot() -> str:
    """The host chains the course writes to, and every course-tagged line, in every table (no counters, no dates)."""
    lines = []
    for program in ("iptables-save", "ip6tables-save", "iptables-legacy-save"):
        result = subprocess.run([program], capture_output=True, text=True, check=False)
        for line in result.stdout.splitlines():
            if line.startswith("#"):
                continue  # the "Generated by ... on <date>" and "Completed on <date>" lines
            if line.startswith(("-A INPUT", "-A DOCKER-USER", "-A OUTPUT", ":INPUT", ":DOCKER-USER")) or "dockernet-nb" in line:
                lines.append(f"{program}: {line.split(' [')[0]}")  # policies without their packet counters
    return "\n".join(lines)


@pytest.fixture
def host_firewall_unchanged():
    if os.geteuid() != 0 or not Path("/proc/net").exists():
        pytest.skip("reading the host's iptables needs root on the engine's own host")
    before = _host_rules_snapshot()
    yield
    host_rules.sweep_host_rules("all")
    assert _host_rules_snapshot() == before


def _firewall_lab():
    front = dnb.create_net("front")
    dnb.create_net("back")
    web = dnb.run("uptime", name="web", net="back", ports=f"{front.gateway}:18112:8000", detach=True)
    alice = dnb.run("debian", "sleep 600", name="alice", net="front", detach=True)
    dnb.run("debian", "sleep 600", name="bob", net="front", detach=True)
    dnb.wait_for_port("web", 8000)
    return front, web, alice


def test_host_rules_carry_the_session_and_cleanup_takes_exactly_them_back(host_firewall_unchanged):
    front, web, alice = _firewall_lab()
    targets = {"web": f"{web.addresses['back']}:8000", "published": f"{front.gateway}:18112"}
    assert not dnb.reachability(["alice"], targets).loc[0, "web"]
    dnb.host_rule(f"-I DOCKER-USER -s {alice.addresses['front']} -d {web.addresses['back']} -p tcp --dport 8000 -j ACCEPT")
    dnb.host_rule(f"-I DOCKER-USER -s {web.addresses['back']} -d {alice.addresses['front']} -p tcp --sport 8000 -m conntrack --ctstate ESTABLISHED -j ACCEPT")
    dnb.host_rule(f"-I INPUT -s {alice.addresses['front']} -p tcp --dport 18112 -j REJECT --reject-with tcp-reset")
    seen = dnb.reachability(["alice", "bob"], targets).set_index("from")
    assert seen.loc["alice", "web"] and not seen.loc["bob", "web"]
    assert not seen.loc["alice", "published"] and seen.loc["bob", "published"]
    mine = dnb.course_host_rules()
    assert len(mine) == 3 and set(mine.session) == {labels.session_id()}
    assert f"session={labels.session_id()}" in subprocess.run(["iptables-save", "-t", "filter"], capture_output=True, text=True).stdout
    removed = dnb.cleanup()
    assert (removed.kind == "host-rule").sum() == 3
    assert dnb.course_host_rules().empty


def test_host_rules_of_a_killed_kernel_are_swept_as_stale(host_firewall_unchanged, tmp_path):
    script = tmp_path / "kernel.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(REPO)!r})
        import dockernet_nb as dnb
        dnb.start_lesson("tests")
        front = dnb.create_net("front")
        web = dnb.run("uptime", name="web", net="front", ports=f"{{front.gateway}}:18113:8000", detach=True)
        dnb.host_rule("-I INPUT -p tcp --dport 18113 -j REJECT")
        print("ready", flush=True)
        time.sleep(600)
    """))
    kernel = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env={**os.environ, "DOCKERNET_NB_MODE": "live"})
    try:
        assert kernel.stdout is not None and kernel.stdout.readline().strip() == "ready"
    finally:
        kernel.send_signal(signal.SIGKILL)
        kernel.wait()
    time.sleep(0.2)
    stale = host_rule_objects("stale")
    assert len(stale) == 1 and stale.iloc[0]["name"] == "INPUT REJECT" and not stale.iloc[0]["owner_alive"]
    assert host_rule_objects("session").empty  # not this kernel's
    remove_objects(stale)  # what `dockernet-nb clean` does, with the stale containers and networks
    remove_objects(course_objects("stale"))
    assert host_rule_objects("all").empty


EVERYDAY_LESSONS = ["08-compose", "09-names", "10-network-modes", "11-ipv6", "12-firewall"]


def test_the_learners_own_project_survives_the_everyday_lessons_and_every_cleanup(learners_own_project):
    from tests.notebook_runs import environment, execute, read

    before = _own_objects(learners_own_project)
    for lesson in EVERYDAY_LESSONS:
        execute(read(REPO / "notebooks" / f"{lesson}.ipynb"), environment(DOCKERNET_NB_MODE="live"))
        assert _own_objects(learners_own_project) == before, lesson
    dnb.cleanup(everything=True)
    remove_objects(course_objects("all"))
    host_rules.sweep_host_rules("all")
    assert _own_objects(learners_own_project) == before
    assert all(status == "running" for status in before[0].values())
