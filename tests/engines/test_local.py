"""A local Engine 28 in namespaces of its own: what a Linux learner has."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import docker
import pytest

from dockernet_nb.engine.labels import COURSE
from dockernet_nb.engine.spawn import local
from dockernet_nb.engine.spawn.common import ENGINE, EngineStartError
from dockernet_nb.engine.spawn.process import command_name, namespace_inode, start_time


def test_the_local_engine_answers_and_is_found_again(local_e28: local.LocalEngine) -> None:
    assert local_e28.client().ping()
    assert int(local_e28.version.split(".")[0]) >= 25
    found = local.find_local_engine(local_e28.name)
    assert found is not None and found.process == local_e28.process


def test_docker_exec_lands_in_the_container(local_e28: local.LocalEngine) -> None:
    """A dockerd merely chrooted into the tree would run exec in the outer root filesystem."""
    client = local_e28.client()
    container = client.containers.run(
        "dockernet-nb/busybox:1", ["sh", "-c", "echo inside > /marker; sleep 300"], detach=True
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            result = container.exec_run(["cat", "/marker"])
            if result.exit_code == 0:
                break
            time.sleep(0.1)
        assert result.output.decode().strip() == "inside"
        # busybox's root has no /usr/sbin/dockerd; the engine's root (the forky tree) has.
        assert container.exec_run(["ls", "/usr/sbin/dockerd"]).exit_code != 0
    finally:
        container.remove(force=True)


def test_a_published_loopback_port_goes_through_docker_proxy(local_e28: local.LocalEngine) -> None:
    client = local_e28.client()
    server = client.containers.run("dockernet-nb/uptime:1", detach=True, ports={"8000/tcp": ("127.0.0.1", 8000)})
    try:
        code = (
            "import socket,sys,time\n"
            "for _ in range(50):\n"
            "    try:\n"
            "        s=socket.create_connection(('127.0.0.1',8000),timeout=2); break\n"
            "    except OSError: time.sleep(0.1)\n"
            "print(s.recv(200).decode())\n"
        )
        out = local_e28.run(["python3", "-c", code], capture_output=True, timeout=30)
        assert b"load average" in out.stdout, out
        proxies = [pid for pid in os.listdir("/proc") if pid.isdigit() and command_name(int(pid)) == "docker-proxy"]
        ours = [pid for pid in proxies if namespace_inode(int(pid), "net") == local_e28.process.net_ns]
        assert any("8000" in Path(f"/proc/{pid}/cmdline").read_text() for pid in ours), ours
        gateway = client.networks.get("bridge").attrs["IPAM"]["Config"][0]["Gateway"]
        time.sleep(0.3)
        assert f"from {gateway}:" in server.logs().decode(), server.logs()
    finally:
        server.remove(force=True)


def test_a_client_without_docker_host_finds_the_engine_at_the_default_socket(
    host: docker.DockerClient, local_e28: local.LocalEngine
) -> None:
    """As on a laptop: the kernel's docker client uses /var/run/docker.sock, which is this engine there."""
    code = "import docker; print(docker.from_env().version()['Version'])"
    inside = local_e28.run(
        [sys.executable, "-c", code], default_socket=True, capture_output=True, timeout=60, check=True
    )
    assert inside.stdout.decode().strip() == local_e28.version
    # Outside that command's private mount namespace the host engine still owns the default socket.
    assert host.version()["Version"] != local_e28.version


def test_the_host_namespace_does_not_see_the_engines_port(local_e28: local.LocalEngine) -> None:
    """The port lives in the engine's network namespace only, as on another machine."""
    client = local_e28.client()
    server = client.containers.run("dockernet-nb/uptime:1", detach=True, ports={"8000/tcp": ("127.0.0.1", 8011)})
    try:
        time.sleep(0.5)
        with pytest.raises(OSError):
            urllib.request.urlopen("http://127.0.0.1:8011", timeout=2)
    finally:
        server.remove(force=True)


def test_stop_leaves_alone_a_live_process_that_is_not_its_dockerd(engine_image: object, token: str) -> None:
    """A pid file naming another live process (a reused pid) never leads to a signal."""
    name = f"p{token}"
    folder = local._folder(name)
    folder.mkdir(parents=True)
    bystander = subprocess.Popen(["sleep", "300"])
    try:
        start = start_time(bystander.pid)
        for pid, recorded_start in ((bystander.pid, start), (bystander.pid, "1")):
            state = {COURSE: "1", ENGINE: name, "kind": "local", "netns": None, "tree": "/nonexistent"}
            state |= {"pid": pid, "start": recorded_start}
            (folder / "state.json").write_text(json.dumps(state))
            message = local.stop_local_engine(name)
            assert "left alone" in message and bystander.poll() is None
        assert local.find_local_engine(name) is None
    finally:
        bystander.kill()
        bystander.wait()
        local.remove_local_engine(name)
    assert not folder.exists()


def test_start_stop_remove_leave_nothing(host: docker.DockerClient, engine_tree: object, token: str) -> None:
    name = f"s{token}"
    engine = local.start_local_engine(name)
    netns = engine.netns
    pid = engine.process.pid
    try:
        assert local.start_local_engine(name).process == engine.process  # reached, not started twice
    finally:
        message = local.stop_local_engine(name)
    assert message.startswith("stopped")
    assert start_time(pid) is None
    assert netns not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    assert next(row for row in local.list_local_engines() if row["name"] == name)["state"] == "stopped"
    local.remove_local_engine(name)
    assert not [row for row in local.list_local_engines() if row["name"] == name]


def test_an_engine_that_cannot_start_says_why_and_leaves_no_namespace(engine_tree: object, token: str) -> None:
    name = f"b{token}"
    try:
        with pytest.raises(EngineStartError, match="bip"):
            local.start_local_engine(name, bip="not-an-address", timeout=30)
        assert (
            f"dnb-{name}"
            not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
        )
        assert local.find_local_engine(name) is None
    finally:
        local.remove_local_engine(name)
