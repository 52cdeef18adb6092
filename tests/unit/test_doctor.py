"""`dockernet-nb doctor`'s classification (engine/kind.py) and lesson table, on recorded `docker info` answers, without an engine.

The dictionaries are the fields of ``docker info --format '{{json .}}'`` the classification reads (and a
few to recognise the machine by). LOCAL_DEBIAN is this project's machine, recorded with that command;
the others are transcribed from published ``docker info`` outputs of those setups (Docker Desktop 4.x
on macOS and on Windows with WSL 2; a rootless engine from dockerd-rootless-setuptool.sh on Ubuntu).
"""

from __future__ import annotations

import json

import pytest

from dockernet_nb.cli import doctor
from dockernet_nb.cli.doctor import describe, kinds, lesson_notes, lessons_with_host_network
from dockernet_nb.engine.kind import classify as classify_engine


def classify(info: dict, docker_host: str = ""):
    """The engine kind from ``docker info`` alone (the version comes from it too)."""
    return classify_engine({}, info, docker_host)

LOCAL_DEBIAN = {
    "ServerVersion": "20.10.24+dfsg1",
    "OperatingSystem": "Debian GNU/Linux 12 (bookworm)",
    "OSType": "linux",
    "Architecture": "x86_64",
    "KernelVersion": "6.18.44-fc-v782",
    "Name": "vm",
    "SecurityOptions": ["name=seccomp,profile=default"],
    "DockerRootDir": "/var/lib/docker",
}
DESKTOP_MACOS = {
    "ServerVersion": "20.10.17",
    "OperatingSystem": "Docker Desktop",
    "OSType": "linux",
    "Architecture": "x86_64",
    "KernelVersion": "5.10.104-linuxkit",
    "Name": "docker-desktop",
    "SecurityOptions": ["name=seccomp,profile=default", "name=cgroupns"],
    "DockerRootDir": "/var/lib/docker",
}
DESKTOP_WINDOWS = {
    "ServerVersion": "27.3.1",
    "OperatingSystem": "Docker Desktop",
    "OSType": "linux",
    "Architecture": "x86_64",
    "KernelVersion": "5.15.153.1-microsoft-standard-WSL2",
    "Name": "docker-desktop",
    "SecurityOptions": ["name=seccomp,profile=unconfined", "name=cgroupns"],
    "DockerRootDir": "/var/lib/docker",
}
ROOTLESS_UBUNTU = {
    "ServerVersion": "24.0.7",
    "OperatingSystem": "Ubuntu 22.04.4 LTS",
    "OSType": "linux",
    "Architecture": "x86_64",
    "KernelVersion": "5.15.0-105-generic",
    "Name": "laptop",
    "SecurityOptions": ["name=seccomp,profile=builtin", "name=rootless", "name=cgroupns"],
    "DockerRootDir": "/home/ada/.local/share/docker",
}


@pytest.mark.parametrize(
    "info, docker_host, expected",
    [
        (LOCAL_DEBIAN, "", []),
        (LOCAL_DEBIAN, "unix:///var/run/docker.sock", []),
        (DESKTOP_MACOS, "", ["desktop"]),
        (DESKTOP_MACOS, "unix:///Users/ada/.docker/run/docker.sock", ["desktop"]),
        (DESKTOP_WINDOWS, "npipe:////./pipe/docker_engine", ["desktop"]),
        (ROOTLESS_UBUNTU, "unix:///run/user/1000/docker.sock", ["rootless"]),
        (LOCAL_DEBIAN, "tcp://engine.example:2375", ["remote"]),
        (LOCAL_DEBIAN, "ssh://ada@engine.example", ["remote"]),
        (ROOTLESS_UBUNTU, "ssh://ada@laptop", ["rootless", "remote"]),
    ],
)
def test_engines_are_classified_from_their_docker_info(info, docker_host, expected):
    kind = classify(info, docker_host)
    assert kinds(kind) == expected
    assert kind.version == info["ServerVersion"] and kind.operating_system == info["OperatingSystem"]


def test_rootless_is_a_security_option_of_its_own_not_a_substring():
    info = dict(LOCAL_DEBIAN, SecurityOptions=["name=seccomp,profile=/etc/docker/rootless-profile.json"])
    assert classify(info).rootless is False
    assert classify(dict(LOCAL_DEBIAN, SecurityOptions=None)).rootless is False
    assert kinds(classify({})) == [] and kinds(None) == []


def test_each_kind_is_described_in_one_line():
    assert "as the lessons describe" in describe(classify(LOCAL_DEBIAN), "")
    assert "Docker Desktop" in describe(classify(DESKTOP_WINDOWS), "")
    both = describe(classify(ROOTLESS_UBUNTU, "ssh://ada@laptop"), "ssh://ada@laptop")
    assert "rootless" in both and "DOCKER_HOST=ssh://ada@laptop" in both


def test_a_local_engine_has_no_lesson_that_behaves_differently():
    assert lesson_notes(classify(LOCAL_DEBIAN), "live", ["07-where-a-published-port-goes"]) == []


@pytest.mark.parametrize("info, host", [(DESKTOP_MACOS, ""), (DESKTOP_WINDOWS, ""), (LOCAL_DEBIAN, "tcp://engine.example:2375")])
def test_on_desktop_and_remote_engines_lesson_07_and_host_network_cells_show_another_host(info, host):
    kind = classify(info, host)
    notes = lesson_notes(kind, "live", ["05-some-lesson-with-net-host"])
    lessons = [lesson for lesson, _ in notes]
    assert "07-where-a-published-port-goes" in lessons
    assert "06-routing-daemon" in lessons  # the KVM check cannot see the engine's host
    assert "05-some-lesson-with-net-host" in lessons
    text = dict(notes)["07-where-a-published-port-goes"]
    assert ("Docker Desktop's Linux VM" in text) if kind.desktop else ("engine's host" in text)
    assert 'net="host"' in dict(notes)["05-some-lesson-with-net-host"]


def test_on_a_rootless_engine_published_ports_and_the_hosts_nat_differ():
    notes = dict(lesson_notes(classify(ROOTLESS_UBUNTU), "live", ["05-some-lesson-with-net-host"]))
    assert set(notes) == {"03-publishing-ports", "07-where-a-published-port-goes"}
    assert "rootlesskit" in notes["03-publishing-ports"] and "NAT" in notes["07-where-a-published-port-goes"]


def test_in_replay_mode_every_lesson_replays_whatever_the_engine():
    for kind in (None, classify(LOCAL_DEBIAN), classify(DESKTOP_MACOS), classify(ROOTLESS_UBUNTU)):
        notes = lesson_notes(kind, "replay")
        assert len(notes) == 1 and notes[0][0] == "every lesson" and "NotRecorded" in notes[0][1]


def test_the_table_names_only_lessons_that_exist(tmp_path):
    from dockernet_nb.workspace import shipped_lessons

    stems = {name.removesuffix(".ipynb") for name in shipped_lessons()}
    assert {lesson for _, lesson, _ in doctor.LESSON_NOTES} <= stems
    assert {kind for kind, _, _ in doctor.LESSON_NOTES} == {"desktop", "remote", "rootless"}


def test_host_network_cells_are_found_in_code_only(tmp_path):
    def lesson(name, cells):
        path = tmp_path / name
        path.write_text(json.dumps({"cells": cells}), encoding="utf-8")
        return path

    lessons = {
        "01-a.ipynb": lesson("01-a.ipynb", [{"cell_type": "code", "source": ['dnb.run("debian", "ip a", net="host")']}]),
        "02-b.ipynb": lesson("02-b.ipynb", [{"cell_type": "markdown", "source": 'With `net="host"` the container ...'}]),
        "03-c.ipynb": lesson("03-c.ipynb", [{"cell_type": "code", "source": "dnb.inspect_interfaces(image='busybox', net = 'host')"}]),
        "04-d.ipynb": lesson("04-d.ipynb", [{"cell_type": "code", "source": 'dnb.run("busybox", net="hostnet")'}]),
        "05-e.ipynb": tmp_path / "missing.ipynb",
    }
    assert lessons_with_host_network(lessons) == ["01-a", "03-c"]
