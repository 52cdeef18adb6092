"""The docker command a verb shows does what the verb did: pasted into a terminal, it prints the same thing.

Each test takes the command a verb's result carries (``.docker``), runs it with the docker CLI against
the same engine, and compares what it printed with what the verb returned.
"""

from __future__ import annotations

import os
import shlex
import subprocess

import pytest

import dockernet_nb as dnb
from dockernet_nb.engine.connection import client

pytestmark = pytest.mark.usefixtures("fresh")


def _shell(command: str) -> subprocess.CompletedProcess:
    return subprocess.run(shlex.split(command), capture_output=True, text=True, timeout=120, env=os.environ.copy())


def test_a_one_off_run_prints_the_same_through_its_essential_command():
    result = dnb.run("busybox", ["sh", "-c", "echo from inside; cat /proc/net/dev | grep -c :"], net="none")
    (shown,) = result.docker
    assert shown.essential.startswith("docker run --rm --network none dockernet-nb/busybox:1 sh -c")
    pasted = _shell(shown.essential)
    assert pasted.returncode == result.exit_code == 0
    assert pasted.stdout == result.stdout
    assert repr(result).splitlines()[0].startswith(f"$ {shown.essential}")


def test_exec_shows_the_engine_side_name_and_prints_the_same():
    box = dnb.run("busybox", "sleep 120", name="cmd-box", net="none", detach=True)
    result = dnb.exec("cmd-box", "cat /etc/hostname")
    (shown,) = result.docker
    assert shown.essential == f"docker exec {box.docker_name} cat /etc/hostname"
    assert _shell(shown.essential).stdout == result.stdout


def test_the_full_network_command_makes_the_same_network_and_the_course_still_owns_it():
    made = dnb.create_net("cmd-net")
    (shown,) = made.docker
    assert shown.essential == f"docker network create --subnet {made.subnet} {made.docker_name}"
    assert "--label dockernet-nb=1" in shown.full
    dnb.remove_net("cmd-net")
    pasted = _shell(shown.full)
    assert pasted.returncode == 0, pasted.stderr
    attrs = client().api.inspect_network(made.docker_name)
    assert attrs["IPAM"]["Config"][0]["Subnet"] == made.subnet
    assert dnb.networks().set_index("name").loc["cmd-net", "subnet"] == made.subnet  # labelled: the course's again


def test_a_probe_shows_the_tool_it_ran_and_the_tool_prints_what_the_table_holds():
    frame = dnb.inspect_interfaces(image="busybox", net="none")
    (shown,) = frame.docker
    assert shown.essential == "docker run --rm --network none dockernet-nb/busybox:1 ifconfig"
    pasted = _shell(shown.essential).stdout
    assert [line.split()[0] for line in pasted.splitlines() if line and not line[0].isspace()] == list(frame["name"])
    assert frame.raw == pasted


def test_a_detached_server_with_a_published_port_shows_what_the_course_added_in_full():
    web = dnb.run("uptime", name="cmd-web", net="bridge", ports="18234:8000", detach=True)
    (shown,) = web.docker
    assert f"--name {web.docker_name}" in shown.essential and "-p 18234:8000" in shown.essential
    assert "-p 127.0.0.1:18234:8000" in shown.full and "--dns 127.0.0.1" in shown.full and "--dns-option ndots:1" in shown.full
    assert shown.essential.startswith("docker run -d ")


def test_a_verb_of_several_steps_shows_each_step():
    dnb.create_net("cmd-steps")
    dnb.run("busybox", "sleep 120", name="cmd-a", net="cmd-steps", detach=True)
    table = dnb.reachability(["cmd-a"], ["127.0.0.1", "127.0.0.2"])
    assert [c.essential.split()[-1] for c in table.docker] == ["127.0.0.1", "127.0.0.2"]
    assert all(c.essential.startswith("docker exec ") for c in table.docker)
