"""The terminal console (``dnb.terminal``) driven like its text box and button would, live and in replay.

Live: each line runs as one command against the real engine, in a one-off container or in a running
one, and the transcript shows what the engine printed. Replay: the lines a recorded run sent come
back as recorded, and any other line says which lines the recording has instead of failing.
"""

from __future__ import annotations

import pytest

import dockernet_nb as dnb
from dockernet_nb import replay
from dockernet_nb.engine import labels
from dockernet_nb.engine.connection import client


@pytest.fixture
def redis_lesson():
    """mynet with redis on it, in a lesson of its own; this session's objects go afterwards."""
    before = labels.lesson()
    dnb.start_lesson("tests-terminal")
    dnb.create_net("mynet")
    redis = dnb.run("redis", name="redis", net="mynet", detach=True)
    dnb.wait_for_port(redis, 6379)
    yield redis
    dnb.cleanup()
    labels.set_lesson(before)


def test_each_line_runs_in_a_one_off_client_and_the_transcript_shows_the_replies(redis_lesson):
    cli = dnb.terminal(None, "redis-cli -h redis", image="redis", net="mynet", prompt="redis:6379> ")
    network = client().networks.get(labels.docker_name("mynet")).name
    assert cli.docker[0].essential == f"docker run --rm -it --network {network} dockernet-nb/redis:1 redis-cli -h redis"
    assert repr(cli).splitlines()[0] == f"$ {cli.docker[0].essential}"

    assert cli.send("ping").stdout.strip() == "PONG"
    result = cli.send('set motto "hello there"')
    assert result.ok and result.stdout.strip() == "OK"
    assert result.docker[-1].essential.endswith("redis-cli -h redis set motto 'hello there'")
    # The value really is on the server: asked without the console.
    stored = dnb.run("redis", "redis-cli -h redis get motto", net="mynet")
    assert stored.stdout.strip() == "hello there"
    assert cli.transcript.splitlines()[:4] == ["redis:6379> ping", "PONG", 'redis:6379> set motto "hello there"', "OK"]
    assert cli.ok and "exit code 0" in cli.message
    assert "hello there" in cli.send("get motto").stdout


def test_the_text_box_and_the_send_button_run_a_line_once(redis_lesson):
    cli = dnb.terminal(None, "redis-cli -h redis", image="redis", net="mynet")
    cli.box.value = "set color blue"  # what Enter does: the value arrives, the console runs it and clears the box
    assert len(cli.lines) == 1 and cli.lines[0].result.stdout.strip() == "OK"
    assert cli.box.value == ""
    cli.send_button.click()  # nothing left in the box: nothing runs twice
    assert len(cli.lines) == 1
    cli.box.unobserve(cli._on_enter, names="value")
    cli.box.value = "get color"
    cli.box.observe(cli._on_enter, names="value")
    cli.send_button.click()
    assert cli.lines[-1].result.stdout.strip() == "blue"
    assert "blue" in cli.output.value and "get color" in cli.output.value
    assert not cli.send_button.disabled


def test_lines_sent_before_the_widget_is_shown_are_in_its_transcript(redis_lesson):
    # The widgets are built when first shown (only a watched session shows them): what was sent before
    # must be there, and the status line must say how the last line went.
    cli = dnb.terminal(None, "redis-cli -h redis", image="redis", net="mynet")
    cli.send("set shape round")
    assert cli._controls is None
    assert "set shape round" in cli.output.value and "OK" in cli.output.value
    assert "exit code 0" in cli.status.value


def test_a_running_container_gets_docker_exec_and_each_line_runs_in_a_shell(redis_lesson):
    shell = dnb.terminal(redis_lesson)
    assert shell.docker[0].essential == f"docker exec -it {redis_lesson.docker_name} sh"
    result = shell.send("ip -4 addr | grep -c inet")
    address = client().containers.get(redis_lesson.docker_name).attrs["NetworkSettings"]["Networks"]
    assert result.ok and result.stdout.strip() == "2"  # lo and eth0: the pipe ran in the container's shell
    assert redis_lesson.addresses["mynet"] == address[labels.docker_name("mynet")]["IPAddress"]
    cli = dnb.terminal("redis", "redis-cli")
    assert cli.send("ping").stdout.strip() == "PONG"


def test_what_cannot_run_is_a_message_in_the_console_not_a_traceback(redis_lesson):
    cli = dnb.terminal(None, "redis-cli -h redis", image="redis", net="mynet")
    assert cli.send("exit") is None and cli.ok and "each line runs on its own" in cli.message
    assert cli.send('set "half') is None and not cli.ok and cli.message.startswith("InvalidInput")
    assert cli.send("   ") is None and not cli.ok
    failed = cli.send("nosuchcommand")
    assert failed is not None and "unknown command" in failed.output.lower()
    dnb.rm("redis")
    gone = dnb.terminal(None, "redis-cli -h redis", image="redis", net="mynet")
    result = gone.send("ping")  # nobody called redis on mynet any more: the client says so
    assert result is not None and not result.ok and not gone.ok
    with pytest.raises(dnb.ContainerNotFound):
        dnb.terminal("redis", "redis-cli")
    with pytest.raises(dnb.InvalidInput):
        dnb.terminal(None, "redis-cli")


def test_replay_answers_the_recorded_lines_and_names_them_for_any_other(tmp_path, monkeypatch):
    before = labels.lesson()
    monkeypatch.setenv("DOCKERNET_NB_RECORDINGS", str(tmp_path))
    monkeypatch.setenv("DOCKERNET_NB_RECORD", "1")
    try:
        dnb.start_lesson("tests-terminal-replay")
        dnb.create_net("mynet")
        dnb.wait_for_port(dnb.run("redis", name="redis", net="mynet", detach=True), 6379)
        live = dnb.terminal(None, "redis-cli -h redis", image="redis", net="mynet")
        live.send("ping")
        live.send("set foo bar")
        session = labels.session_id()
        dnb.cleanup()

        monkeypatch.delenv("DOCKERNET_NB_RECORD")
        monkeypatch.setenv("DOCKERNET_NB_MODE", "replay")
        labels.new_session()
        dnb.start_lesson("tests-terminal-replay")
        assert labels.session_id() == session  # replay acts as the recorded session
        cli = dnb.terminal(None, "redis-cli -h redis", image="redis", net="mynet")
        assert cli.docker[0].essential == live.docker[0].essential
        assert cli.recorded_lines() == ["ping", "set foo bar"]
        assert cli.send("ping").stdout.strip() == "PONG"
        assert cli.send("get foo") is None and not cli.ok
        assert "Replay mode has no answer for 'get foo'" in cli.message
        assert "(lines: ping, set foo bar)" in cli.message
        assert "run the course live" in cli.message
    finally:
        monkeypatch.delenv("DOCKERNET_NB_MODE", raising=False)
        replay.set_mode(None)
        labels.set_lesson(before)
        dnb.cleanup()
