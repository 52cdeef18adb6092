"""Input handling that needs no engine: port specs, commands, names, DOCKER_HOST, error translation."""

from __future__ import annotations

from unittest import mock

import docker.errors
import pytest
import requests

import dockernet_nb as dnb
from dockernet_nb.engine import connection as engine
from dockernet_nb.engine import labels
from dockernet_nb.engine.ports import parse_ports
from dockernet_nb.records import CommandResult
from dockernet_nb.verbs.common import argv_of


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("8000:8000", {"8000/tcp": ("127.0.0.1", 8000)}),
        ("8080:80", {"80/tcp": ("127.0.0.1", 8080)}),
        ("8000", {"8000/tcp": ("127.0.0.1", 8000)}),
        ("5353:53/udp", {"53/udp": ("127.0.0.1", 5353)}),
        ("0.0.0.0:8000:8000", {"8000/tcp": ("0.0.0.0", 8000)}),
        ("[::1]:8000:8000", {"8000/tcp": ("::1", 8000)}),
        (["8000:8000", "9000:90"], {"8000/tcp": ("127.0.0.1", 8000), "90/tcp": ("127.0.0.1", 9000)}),
        ({8000: 8001}, {"8000/tcp": ("127.0.0.1", 8001)}),
        ({"53/udp": 5353}, {"53/udp": ("127.0.0.1", 5353)}),
        ({8000: ("0.0.0.0", 8000)}, {"8000/tcp": ("0.0.0.0", 8000)}),
        (None, {}),
    ],
)
def test_port_specs_bind_to_loopback_unless_a_host_address_is_named(spec, expected):
    assert parse_ports(spec) == expected


@pytest.mark.parametrize("spec", ["80:80:80:80", "http", "8000:", ":8000", "70000:80", "0:80", "8000:8000/icmp", {8000: "x"}])
def test_bad_port_specs_say_how_to_write_one(spec):
    with pytest.raises(dnb.InvalidInput, match=r"8000:8000|port number"):
        parse_ports(spec)


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        ("ping -c 4 redis", ["ping", "-c", "4", "redis"]),
        (["ping", "-c", "4", "redis"], ["ping", "-c", "4", "redis"]),
        ("sh -c 'echo a b'", ["sh", "-c", "echo a b"]),
        (("echo", "tuple"), ["echo", "tuple"]),
        (None, None),
    ],
)
def test_commands_may_be_strings_or_lists(command, argv):
    assert argv_of(command) == argv


@pytest.mark.parametrize("command", ["echo 'unclosed", ["echo", 3]])
def test_bad_commands_are_rejected_before_anything_runs(command):
    with pytest.raises(dnb.InvalidInput):
        argv_of(command)


@pytest.mark.parametrize(
    ("docker_host", "expected"),
    [
        ("", "127.0.0.1"),
        ("unix:///var/run/docker.sock", "127.0.0.1"),
        ("tcp://10.1.2.3:2375", "10.1.2.3"),
        ("ssh://student@engine.example", "engine.example"),
    ],
)
def test_published_ports_are_reached_on_the_engines_host(monkeypatch, docker_host, expected):
    monkeypatch.setenv("DOCKER_HOST", docker_host)
    assert engine.engine_host() == expected


def test_docker_names_carry_lesson_and_session():
    before = labels.lesson()
    labels.set_lesson("unit")
    try:
        assert labels.docker_name("redis") == f"unit-{labels.session_id()}-redis"
        assert labels.labels_for("redis")[labels.NAME] == "redis"
        with pytest.raises(dnb.InvalidInput, match="like 'bridge'"):
            labels.set_lesson("bad name")
    finally:
        labels.set_lesson(before)


def _api_error(status: int, text: str) -> docker.errors.APIError:
    response = mock.Mock(status_code=status, reason=text)
    return docker.errors.APIError(text, response=response, explanation=text)


@pytest.mark.parametrize(
    ("raised", "expected", "message"),
    [
        (docker.errors.ImageNotFound("no such image"), dnb.ImageMissing, "dockernet-nb images"),
        (docker.errors.NotFound("gone"), dnb.NetworkNotFound, "No network named 'x'"),
        (_api_error(409, "Conflict. The name is already in use"), dnb.EngineError, "already in use"),
        (requests.exceptions.ConnectionError("Connection refused"), dnb.EngineUnavailable, "Docker Desktop"),
        (requests.exceptions.ReadTimeout("read timed out"), dnb.EngineUnavailable, "stopped answering"),
    ],
)
def test_sdk_errors_become_one_readable_course_error(raised, expected, message):
    with pytest.raises(expected, match=message) as caught, engine.engine_errors("doing x", missing=dnb.NetworkNotFound, what="x"):
        raise raised
    assert isinstance(caught.value, dnb.DockernetError)
    assert caught.value.__suppress_context__  # one message, not a chain of tracebacks
    assert caught.value._render_traceback_() == [f"{expected.__name__}: {caught.value}"]


def test_the_engine_boundary_asks_the_sdk_once_per_version_lookup(monkeypatch):
    fake = mock.Mock()
    fake.version.return_value = {"Version": "99.0"}
    monkeypatch.setattr(engine, "client", lambda: fake)
    assert engine.engine_version() == "99.0"
    fake.version.assert_called_once_with()


def test_command_result_shows_command_exit_code_and_both_streams():
    result = CommandResult(command="ifconfig eth0", exit_code=1, stdout="", stderr="Device not found\n")
    assert not result.ok
    assert repr(result) == "$ ifconfig eth0   (exit code 1)\nstderr:\nDevice not found"
    assert "exit code 1" in result._repr_html_() and "Device not found" in result._repr_html_()
