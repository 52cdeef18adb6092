"""The lab console driven like its buttons would, against the real engine."""

from __future__ import annotations

import base64

import pytest

import dockernet_nb as dnb
from dockernet_nb.engine import labels
from dockernet_nb.engine.connection import client


@pytest.fixture
def console():
    """Two networks, alpha on front and beta on back, and a console; this session's objects go afterwards."""
    before = labels.lesson()
    dnb.start_lesson("tests-console")
    dnb.create_net("front")
    dnb.create_net("back")
    dnb.run("busybox", "sleep 300", name="alpha", net="front", detach=True)
    dnb.run("busybox", "sleep 300", name="beta", net="back", detach=True)
    yield dnb.lab_console()
    dnb.cleanup()
    labels.set_lesson(before)


def _networks_of(container: str) -> dict[str, str]:
    attrs = client().api.inspect_container(labels.docker_name(container))
    prefix = labels.prefix()
    return {name.removeprefix(prefix): net["IPAddress"] for name, net in attrs["NetworkSettings"]["Networks"].items()}


def _picture_png(console) -> bytes:
    (output,) = console.picture.outputs
    return base64.b64decode(output["data"]["image/png"])


def test_pickers_list_this_sessions_containers_and_networks(console):
    assert console.container_picker.options == ("alpha", "beta")
    assert console.network_picker.options == ("back", "front", "bridge")
    assert _picture_png(console).startswith(b"\x89PNG")
    assert repr(console) == "Lab console: containers alpha, beta; networks back, front, bridge"
    assert console.ok, console.message


def test_connect_run_and_disconnect_show_what_the_engine_reports(console):
    console.container_picker.value = "alpha"
    console.network_picker.value = "back"
    picture_before = _picture_png(console)

    handle = console.connect()

    address = _networks_of("alpha")["back"]
    assert handle.addresses["back"] == address
    assert console.ok and address in console.message
    assert ("alpha", "back") in {(e.container, e.network) for e in console.snapshot.endpoints}
    assert _picture_png(console) != picture_before

    result = console.run_command("ip -4 addr")
    assert result.exit_code == 0
    assert f"inet {address}/24" in result.stdout
    (shown,) = console.command_output.outputs
    assert f"inet {address}/24" in shown["data"]["text/plain"]
    assert "exit code 0" in shown["data"]["text/plain"]

    console.disconnect()
    assert "back" not in _networks_of("alpha")
    assert ("alpha", "back") not in {(e.container, e.network) for e in console.snapshot.endpoints}
    assert f"inet {address}/" not in console.run_command("ip -4 addr").stdout


def test_buttons_call_the_same_actions(console):
    console.container_picker.value = "beta"
    console.network_picker.value = "front"
    console.connect_button.click()
    assert "front" in _networks_of("beta")
    console.command_box.value = "cat /etc/hostname"
    console.run_button.click()
    assert console.last_result.stdout.strip() == client().api.inspect_container(labels.docker_name("beta"))["Id"][:12]
    console.disconnect_button.click()
    assert "front" not in _networks_of("beta")
    dnb.run("busybox", "sleep 300", name="gamma", net="none", detach=True)
    console.refresh_button.click()
    assert "gamma" in console.container_picker.options
    assert not any(button.disabled for button in console._buttons)


def test_errors_become_readable_messages_in_the_panel(console):
    console.container_picker.value = "beta"
    dnb.rm("beta")  # gone behind the console's back
    assert console.run_command("ip -4 addr") is None
    assert not console.ok
    assert console.message.startswith("ContainerNotFound: No container named 'beta'")
    assert "Traceback" not in console.status.value and "beta" in console.status.value

    console.refresh()
    assert console.container_picker.options == ("alpha",)
    assert console.run_command("   ") is None
    assert console.message.startswith("InvalidInput: Type a command")

    dnb.run("busybox", "sleep 300", name="lonely", net="none", detach=True)
    console.refresh()
    console.container_picker.value = "lonely"
    console.network_picker.value = "front"
    assert console.connect() is None
    assert console.message.startswith("EngineError:") and "none" in console.message
    assert _networks_of("lonely") == {"none": ""}


def test_a_command_that_fails_shows_its_exit_code_and_stderr(console):
    console.container_picker.value = "alpha"
    result = console.run_command("ls /no-such-directory")
    assert result.exit_code != 0 and result.stderr
    assert not console.ok and f"exit code {result.exit_code}" in console.message
    (shown,) = console.command_output.outputs
    assert result.stderr.strip() in shown["data"]["text/plain"]


def test_check_reach_over_front_follows_the_console(console):
    """Lesson 90's exercise: alpha on front only, beta joined to front; beta's front address is the answer."""
    from dockernet_nb import checks

    beta_back = _networks_of("beta")["back"]
    assert not checks.check_reach_over_front(None)
    console.container_picker.value, console.network_picker.value = "alpha", "back"
    console.connect()
    result = checks.check_reach_over_front(beta_back)
    assert not result and "still on back" in result.message and result.hint
    console.disconnect()
    result = checks.check_reach_over_front(beta_back)
    assert not result and "share no network" in result.message
    console.container_picker.value, console.network_picker.value = "beta", "front"
    console.connect()
    beta_front = _networks_of("beta")["front"]
    result = checks.check_reach_over_front(beta_back)
    assert not result and "a network alpha is not on" in result.message
    assert not checks.check_reach_over_front("beta")
    assert not checks.check_reach_over_front(_networks_of("alpha")["front"])  # alpha's own address
    result = checks.check_reach_over_front(beta_front)
    assert result and beta_front in result.message, result
