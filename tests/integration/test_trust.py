"""The course acts only on what it made, and nothing it kills, reads or installs can hurt the learner's machine.

Each test follows one path a careful learner (or an attacker) could take, against the real engine.
"""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import docker
import docker.errors
import pytest

import dockernet_nb as dnb
from dockernet_nb.engine import labels, provision
from dockernet_nb.engine.connection import client
from dockernet_nb.engine.objects import container_handle
from dockernet_nb.verbs import networks as network_verbs
from tests.second_engine import SecondEngine

pytestmark = pytest.mark.usefixtures("fresh")


def _iptables(container) -> str:
    # The rules only: iptables-save's "# Generated ... on <time>" comments change from second to second.
    saved = container.exec_run(["iptables-save"]).output.decode()
    return "\n".join(line for line in saved.splitlines() if not line.startswith("#"))


@pytest.fixture
def learners_own():
    """A learner's own `web`, `app` and `router` (plain docker), on their own networks `front` and `back`."""
    suffix = labels.session_id()
    made = []
    front = client().networks.create(f"front-{suffix}", driver="bridge")
    back = client().networks.create(f"back-{suffix}", driver="bridge")
    made += [front, back]
    own = {}
    for name in ("web", "app", "router"):
        full = f"{name}-{suffix}"
        extra = {"cap_add": ["NET_ADMIN"]} if name == "router" else {}
        container = client().containers.run("dockernet-nb/debian:1", "sleep 600", name=full, network=front.name, detach=True, **extra)
        back.connect(container)
        container.reload()
        own[name] = container
    yield own, (front, back)
    for container in own.values():
        container.remove(force=True)
    for network in made:
        network.remove()


def test_after_a_session_change_verbs_refuse_the_learners_own_containers(learners_own, monkeypatch):
    own, (front, back) = learners_own
    router = own["router"]
    rules_before = _iptables(router)
    attached_before = {name: sorted(c.attrs["NetworkSettings"]["Networks"]) for name, c in own.items()}
    # The learner's objects carry the bare names a lesson uses: look them up as a fresh session would.
    monkeypatch.setattr(labels, "docker_name", lambda name: f"tests-ffffffff-{name}")
    names = {k: v.name for k, v in own.items()}
    attempts = [
        lambda: dnb.exec(names["web"], "ip route del default"),
        lambda: dnb.connect(names["app"], front.name),
        lambda: dnb.disconnect(names["app"], back.name),
        lambda: dnb.logs(names["web"]),
        lambda: dnb.add_rule(names["router"], "-A FORWARD -j DROP"),
        lambda: dnb.drop_default_route(names["router"]),
        lambda: dnb.stop(names["web"]),
        lambda: dnb.rm(names["app"]),
        lambda: dnb.inspect_routes(names["router"]),
        lambda: dnb.run("busybox", "true", net=front.name),
    ]
    for attempt in attempts:
        with pytest.raises(dnb.NameInUse, match="not made by this course") as caught:
            attempt()
        assert "docker " in str(caught.value)  # the plain command to use instead
    for name, container in own.items():
        container.reload()
        assert container.status == "running"
        assert sorted(container.attrs["NetworkSettings"]["Networks"]) == attached_before[name]
    assert _iptables(router) == rules_before
    assert dnb.logs(names["web"], foreign=True).exit_code == 0  # reading, when asked for explicitly


def test_a_name_that_is_only_an_id_prefix_finds_nothing(learners_own):
    own, _ = learners_own
    prefix = own["web"].id[:6]
    with pytest.raises(dnb.ContainerNotFound):
        dnb.exec(prefix, "true")
    with pytest.raises(dnb.ContainerNotFound):
        dnb.logs(prefix, foreign=True)


def test_an_exec_timeout_never_signals_the_pid_the_engine_reported(monkeypatch):
    bystander = subprocess.Popen(["sleep", "600"])
    try:
        box = dnb.run("busybox", "sleep 300", name="timeout-box", net="none", detach=True)
        api = client().api
        real_inspect = api.exec_inspect
        # Only the number changes: as on Docker Desktop, the engine's pid names another local process.
        monkeypatch.setattr(api, "exec_inspect", lambda exec_id: {**real_inspect(exec_id), "Pid": bystander.pid})
        with pytest.raises(dnb.CommandTimeout, match="was stopped"):
            dnb.exec(box, "ping 127.0.0.1", timeout=2)
        assert bystander.poll() is None  # still running
        time.sleep(0.3)
        assert "ping 127.0.0.1" not in client().containers.get(box.docker_name).exec_run("ps").output.decode()
    finally:
        bystander.kill()
        bystander.wait()


def test_an_exec_timeout_stops_the_command_and_what_it_started():
    box = dnb.run("debian", "sleep 300", name="timeout-tree", net="none", detach=True)
    with pytest.raises(dnb.CommandTimeout):
        dnb.exec(box, ["sh", "-c", "sleep 1001 & sleep 1002"], timeout=2)
    time.sleep(0.3)
    processes = client().containers.get(box.docker_name).exec_run(["ps", "-eo", "args"]).output.decode()
    assert "sleep 1001" not in processes and "sleep 1002" not in processes


STAGES = [
    ("docker.models.containers.ContainerCollection", "create"),
    ("docker.models.containers.Container", "start"),
    ("docker.models.containers.Container", "wait"),
    ("docker.models.containers.Container", "logs"),
]


@pytest.mark.parametrize(("owner", "method"), STAGES, ids=[m for _, m in STAGES])
def test_ctrl_c_at_any_stage_of_run_leaves_no_container(monkeypatch, owner, method):
    import importlib

    module_name, cls_name = owner.rsplit(".", 1)
    cls = getattr(importlib.import_module(module_name), cls_name)
    real = getattr(cls, method)

    def interrupted(self, *args, **kwargs):
        real(self, *args, **kwargs)  # the engine did the work; the learner pressed Ctrl-C just after
        raise KeyboardInterrupt

    monkeypatch.setattr(cls, method, interrupted)
    with pytest.raises(KeyboardInterrupt):
        dnb.run("busybox", "sleep 2", name="interrupted", net="none")
    monkeypatch.undo()
    left = client().containers.list(all=True, filters={"label": f"{labels.SESSION}={labels.session_id()}"})
    assert [c.name for c in left] == []


def test_raw_engine_errors_reach_the_learner_as_course_errors(monkeypatch):
    box = dnb.run("busybox", "sleep 300", name="vanishing", net="none", detach=True)
    sdk_object = client().containers.get(box.docker_name)
    client().api.remove_container(box.docker_name, force=True)
    with pytest.raises(dnb.ContainerNotFound) as caught:
        container_handle(sdk_object)
    assert isinstance(caught.value.__cause__, docker.errors.NotFound)
    # containers(all=True) racing a removal: the vanished one is simply not listed.
    real_list = docker.models.containers.ContainerCollection.list
    monkeypatch.setattr(docker.models.containers.ContainerCollection, "list", lambda self, **kw: [*real_list(self, **kw), sdk_object])
    assert box.docker_name not in set(dnb.containers(all=True).docker_name)


def test_two_kernels_that_draw_the_same_session_id_get_different_ones(monkeypatch):
    before = labels.session_id()
    other_owner = "someoneelse/4026531836:1:1"
    net = client().networks.create(
        f"tests-{before}-clash", labels={**labels.labels_for("clash"), labels.OWNER: other_owner}
    )
    try:
        dnb.start_lesson("tests")
        assert labels.session_id() != before
    finally:
        net.remove()
        labels.adopt_session(before)


def test_a_kernel_in_another_pid_namespace_is_never_judged_dead():
    mine = labels.owner()
    where, pid, start = mine.split(":")
    assert labels.owner_alive({labels.OWNER: f"{where}:{pid}:{start}"})
    assert not labels.owner_alive({labels.OWNER: f"{where}:999999999:1"})  # same namespace, no such process
    assert labels.owner_alive({labels.OWNER: "otherboot/4026531999:999999999:1"})  # not ours to judge


def test_a_host_route_inside_the_course_pool_is_avoided():
    first_free = next(network_verbs._free_subnets())
    # A route the host has (as a VPN or a LAN would add); high metric so it never shadows a real bridge.
    subprocess.run(["ip", "route", "add", "blackhole", str(first_free), "metric", "4000"], check=True)
    try:
        made = dnb.create_net("avoids-routes")
        assert not ipaddress.ip_network(made.subnet).overlaps(first_free)
    finally:
        subprocess.run(["ip", "route", "del", "blackhole", str(first_free), "metric", "4000"], check=True)


@pytest.mark.parametrize("subnet", ["10.9.0.0/24", "192.0.2.0/24", "192.168.77.0/24", "2001:db8::/64"])
def test_subnets_outside_the_course_ranges_need_an_explicit_override(subnet):
    with pytest.raises(dnb.InvalidInput, match="any_subnet=True"):
        dnb.create_net("outside", subnet=subnet)
    assert dnb.networks().query("name == 'outside'").empty


REFUSED_OPTIONS = [
    ("cap ALL", {"cap_add": ["ALL"]}, "ALL"),
    ("cap SYS_MODULE", {"cap_add": ["SYS_MODULE"]}, "SYS_MODULE"),
    ("cap SYS_PTRACE", {"cap_add": ["CAP_SYS_PTRACE"]}, "SYS_PTRACE"),
    ("kernel sysctl", {"sysctls": {"kernel.shmmax": "1"}}, "net.*"),
    ("pid host", {"pid": "host"}, "pid='host'"),
    ("net host with NET_ADMIN", {"net": "host", "cap_add": ["NET_ADMIN"]}, "host's own routes"),
    ("net host with SYS_ADMIN", {"net": "host", "cap_add": ["SYS_ADMIN"]}, "host's own routes"),
    ("cap_add as a string", {"cap_add": "NET_ADMIN"}, "list of capability"),
]


@pytest.mark.parametrize(("options", "phrase"), [c[1:] for c in REFUSED_OPTIONS], ids=[c[0] for c in REFUSED_OPTIONS])
def test_run_refuses_options_that_give_power_over_the_host(options, phrase):
    with pytest.raises(dnb.InvalidInput) as caught:
        dnb.run("busybox", "true", name="refused", **options)
    assert phrase in str(caught.value)
    if "list of" not in phrase:
        assert "docker run" in str(caught.value)  # refused here, with the plain command for the learner's own Docker
    assert client().containers.list(all=True, filters={"label": f"{labels.NAME}=refused"}) == []


def test_run_refuses_sharing_a_namespace_with_the_learners_own_container(learners_own):
    own, _ = learners_own
    for option in ({"pid": f"container:{own['web'].name}"}, {"net": f"container:{own['web'].name}"}):
        with pytest.raises(dnb.NameInUse):
            dnb.run("busybox", "true", **option)


def test_run_allows_what_the_lessons_need():
    dnb.create_net("lab")
    router = dnb.run(
        "debian", "sleep 60", name="router", net="lab", cap_add=["NET_ADMIN"], sysctls={"net.ipv4.ip_forward": "1"}, detach=True
    )
    assert dnb.exec(router, "cat /proc/sys/net/ipv4/ip_forward").stdout.strip() == "1"
    assert dnb.exec(router, "iptables -A INPUT -p tcp --dport 9 -j DROP").ok
    side = dnb.run("busybox", "cat /proc/net/dev", pid="container:router", net="container:router")
    assert "eth0" in side.stdout
    host_view = dnb.run("busybox", "cat /proc/net/dev", net="host")
    assert "docker0" in host_view.stdout
    proxies = dnb.docker_proxies()  # the course's own read-only helper, with the host's process table
    assert list(proxies.columns)[:2] == ["pid", "proto"]


# --- the engine step -------------------------------------------------------------------------------


def test_the_engine_step_waits_for_an_engine_the_package_started(tmp_path, monkeypatch):
    engine = SecondEngine()
    monkeypatch.setenv("DOCKER_HOST", engine.docker_host)
    monkeypatch.setattr(provision, "PID_FILE", tmp_path / "dockerd.pid")
    monkeypatch.setattr(provision, "_start_dockerd", lambda say: pytest.fail("a second dockerd was started"))
    from dockernet_nb.engine.connection import reset_client

    class PackageThatStartsAnEngine(provision.Installer):
        def missing(self) -> bool:
            return True

        def install(self, say) -> None:
            # As docker.service does on a systemd machine: the engine comes up a few seconds after the install.
            threading.Timer(3, lambda: engine.__enter__()).start()

    lines: list[str] = []
    try:
        assert provision.ensure_engine(lines.append, installer=PackageThatStartsAnEngine()) == 0
        assert any("started by the package" in line for line in lines), lines
        assert not (tmp_path / "dockerd.pid").exists()
    finally:
        engine.__exit__(None, None, None)
        monkeypatch.delenv("DOCKER_HOST")
        reset_client()


@pytest.mark.parametrize("form", ["json-claims-dockerd", "bare-pid"])
def test_stop_leaves_a_live_process_named_by_a_stale_pid_file_alone(tmp_path, form):
    bystander = subprocess.Popen(["sleep", "600"])
    try:
        start = Path(f"/proc/{bystander.pid}/stat").read_text().rpartition(")")[2].split()[19]
        record = {"pid": bystander.pid, "start": start, "exe": "/usr/sbin/dockerd"}
        pid_file = tmp_path / "dockerd.pid"
        pid_file.write_text(json.dumps(record) if form.startswith("json") else str(bystander.pid))
        run = subprocess.run(
            [sys.executable, "-m", "dockernet_nb.cli", "engine", "--stop"],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "DOCKERNET_NB_DOCKERD_PIDFILE": str(pid_file)},
        )
        assert run.returncode == 0 and "No process was signalled" in run.stdout, run.stdout
        assert bystander.poll() is None
        assert client().ping()
    finally:
        bystander.kill()
        bystander.wait()
