"""Recording and replaying results, without an engine: round trips, marking, and misses."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import dockernet_nb as dnb
from dockernet_nb import replay
from dockernet_nb.engine import labels
from dockernet_nb.records import CommandResult, ContainerHandle

NOTE = "[replayed: recorded live on 2026-11-27 with Docker engine 20.10.24; no engine was used for this output]"


def test_a_frame_round_trips_with_its_dtypes_and_attrs_and_says_it_was_replayed():
    frame = pd.DataFrame(
        {"seq": pd.array([1, None], dtype="Int64"), "address": pd.array(["172.24.0.2", None], dtype="string"), "time_ms": [0.1, 0.2]}
    )
    frame.attrs["summary"] = {"received": 2, "error": None}
    back = replay.decode(json.loads(json.dumps(replay.encode(frame))), NOTE)
    assert isinstance(back, replay.ReplayedFrame)
    pd.testing.assert_frame_equal(pd.DataFrame(back), frame, check_frame_type=False)
    assert back.attrs["summary"] == {"received": 2, "error": None}
    assert repr(back).startswith(NOTE + "\n")
    assert back._repr_html_().startswith('<p class="dnb-replayed"><i>[replayed: recorded live on 2026-11-27')
    assert repr(back[back.seq == 1]).startswith(NOTE)  # derived frames keep saying it


def test_records_text_and_errors_come_back_marked():
    result = CommandResult(command="redis-cli ping", exit_code=0, stdout="PONG\n", stderr="")
    back = replay.decode(replay.encode(result), NOTE)
    assert back.stdout == "PONG\n" and back.exit_code == 0 and back.ok
    assert str(back).startswith(NOTE) and repr(back).startswith(NOTE)
    handle = ContainerHandle("redis", "b-1a2b-redis", "abc", "redis", "running", {"mynet": "172.24.0.2"})
    assert replay.decode(replay.encode(handle), NOTE).addresses == {"mynet": "172.24.0.2"}
    text = replay.decode(replay.encode(" 23:13:29 up 3 min\n"), NOTE)
    assert str(text) == NOTE + "\n 23:13:29 up 3 min\n"
    # Text put into a command or a sentence is the text alone, as live: f"ping {dnb.address_of(...)}".
    address = replay.decode(replay.encode("172.24.0.2"), NOTE)
    assert f"ping -c 1 {address}" == "ping -c 1 172.24.0.2" and f"{address:>12}" == "  172.24.0.2"
    error = {"type": "error", "class": "ConnectionRefused", "message": "Connection to 127.0.0.1:8000 was refused"}
    with pytest.raises(dnb.ConnectionRefused, match="was refused") as caught:
        replay.decode(error, NOTE)
    assert str(caught.value).startswith(NOTE)


def _exec_key(*args, **kwargs) -> str:
    return replay.call_key(dnb.exec.__wrapped__, args, kwargs)


def test_the_same_call_written_differently_finds_the_same_answer():
    handle = ContainerHandle("redis", "b-1a2b-redis", "abc", "redis", "running", {})
    other_session = ContainerHandle("redis", "b-9f9f-redis", "def", "redis", "running", {})
    same = {
        _exec_key(handle, "redis-cli -h redis ping"),
        _exec_key(other_session, "redis-cli  -h   redis ping"),
        _exec_key("redis", ["redis-cli", "-h", "redis", "ping"]),
        _exec_key("redis", "redis-cli -h 'redis' \"ping\"", timeout=30),
        _exec_key(container="redis", command="redis-cli -h redis ping"),
        _exec_key(command=["redis-cli", "-h", "redis", "ping"], timeout=30, container="redis"),
        _exec_key(labels.docker_name("redis"), "redis-cli -h redis ping"),  # the engine-side name
    }
    assert len(same) == 1
    assert _exec_key("redis", "redis-cli -h redis ping") != _exec_key("redis", "redis-cli ping -h redis")  # word order counts
    assert _exec_key("redis", "redis-cli ping", timeout=5) != _exec_key("redis", "redis-cli ping")
    ping = dnb.ping.__wrapped__
    assert replay.call_key(ping, ("a", "b"), {"count": 4}) != replay.call_key(ping, ("a", "b"), {"count": 3})
    assert replay.call_key(ping, ("a", "b"), {"count": 4}) == replay.call_key(ping, ("a", "b"), {})


def test_mode_is_forced_by_the_environment_and_checked(monkeypatch):
    monkeypatch.setenv("DOCKERNET_NB_MODE", "replay")
    assert replay.mode() == "replay"
    monkeypatch.setenv("DOCKERNET_NB_MODE", "offline")
    with pytest.raises(dnb.InvalidInput, match="'live' or 'replay'"):
        replay.mode()


def test_replay_answers_in_order_then_repeats_the_last_and_refuses_unrecorded_calls(tmp_path, monkeypatch):
    calls = [
        {"verb": "networks", "key": replay.call_key(dnb.networks.__wrapped__, (), {}), "result": {"type": "str", "text": "first"}},
        {"verb": "networks", "key": replay.call_key(dnb.networks.__wrapped__, (), {}), "result": {"type": "str", "text": "second"}},
    ]
    (tmp_path / "unitlesson.json").write_text(
        json.dumps({"lesson": "unitlesson", "recorded_at": "2026-11-27", "engine_version": "20.10.24", "calls": calls})
    )
    monkeypatch.setenv("DOCKERNET_NB_RECORDINGS", str(tmp_path))
    monkeypatch.setenv("DOCKERNET_NB_MODE", "replay")
    before = labels.lesson()
    try:
        status = dnb.start_lesson("unitlesson")
        assert status.mode == "replay" and "recorded on 2026-11-27" in status.where
        answers = [str.__str__(dnb.networks()) for _ in range(3)]
        assert answers == ["first", "second", "second"]
        with pytest.raises(dnb.NotRecorded, match=r"never made that call(.|\n)*closest calls(.|\n)*dnb.networks\(all=false\)(.|\n)*dockernet-nb lab"):
            dnb.containers()
        with pytest.raises(dnb.NotRecorded, match="no recorded run of the lesson 'nolesson'"):
            dnb.start_lesson("nolesson")
    finally:
        labels.set_lesson(before)
        replay._state["book"] = None


def _replay_lesson(tmp_path, monkeypatch, name: str, calls: list, **meta):
    data = {"lesson": name, "recorded_at": "2026-11-29", "engine_version": "28.5.2", "session": "0a1b2c3d", "calls": calls}
    data.update(meta)
    (tmp_path / f"{name}.json").write_text(json.dumps(data))
    monkeypatch.setenv("DOCKERNET_NB_RECORDINGS", str(tmp_path))
    monkeypatch.setenv("DOCKERNET_NB_MODE", "replay")


HOSTILE_RESULTS = [
    # what the old decoder imported and called: os.system(command=...)
    {"type": "system", "module": "os", "fields": {"command": "touch {marker}"}},
    {"type": "record", "record": "system", "fields": {"command": "touch {marker}"}},
    {"type": "record", "record": "CommandResult", "module": "os", "fields": {"command": "x", "exit_code": 0, "stdout": "", "stderr": "", "extra": 1}},
    {"type": "record", "record": "CommandResult", "fields": {"command": "x", "exit_code": "0; touch {marker}", "stdout": "", "stderr": ""}},
    {"type": "error", "class": "SystemExit", "message": "bye"},
    {"type": "error", "class": "__builtins__", "message": "x"},
    {"type": "frame", "columns": ["a"], "dtypes": {"a": "category; import os"}, "rows": [["x"]], "attrs": {}},
    {"type": "frame", "columns": ["a"], "dtypes": {"a": "string"}, "rows": [[{"__reduce__": "os.system"}]], "attrs": {}},
]


@pytest.mark.parametrize("hostile", HOSTILE_RESULTS, ids=range(len(HOSTILE_RESULTS)))
def test_a_hostile_recording_is_refused_whole_and_runs_nothing(tmp_path, monkeypatch, hostile):
    marker = tmp_path / "marker"
    result = json.loads(json.dumps(hostile).replace("{marker}", str(marker)))
    calls = [
        {"verb": "networks", "key": replay.call_key(dnb.networks.__wrapped__, (), {}), "result": {"type": "str", "text": "fine"}},
        {"verb": "containers", "key": replay.call_key(dnb.containers.__wrapped__, (), {}), "result": result},
    ]
    _replay_lesson(tmp_path, monkeypatch, "hostile", calls)
    before = labels.lesson()
    try:
        with pytest.raises(dnb.RecordingError, match=r"hostile\.json.*call 1 \(containers\)") as caught:
            dnb.start_lesson("hostile")
        assert isinstance(caught.value, dnb.DockernetError)
        assert not marker.exists()
    finally:
        labels.set_lesson(before)
        replay._state["book"] = None


@pytest.mark.parametrize(
    "text",
    ['{"lesson": "corrupt", "calls": [', "\x00\x01binary", '["a list"]', '{"lesson": "corrupt", "recorded_at": "x", "engine_version": "y", "calls": {}}',
     '{"lesson": "corrupt", "recorded_at": "x", "engine_version": "y", "session": "../../etc", "calls": []}'],
    ids=["truncated", "binary", "list", "calls-not-list", "session-not-hex"],
)
def test_a_corrupt_recording_is_one_course_error_naming_the_file(tmp_path, monkeypatch, text):
    (tmp_path / "corrupt.json").write_text(text)
    monkeypatch.setenv("DOCKERNET_NB_RECORDINGS", str(tmp_path))
    monkeypatch.setenv("DOCKERNET_NB_MODE", "replay")
    before = labels.lesson()
    try:
        with pytest.raises(dnb.RecordingError, match=r"corrupt\.json") as caught:
            dnb.start_lesson("corrupt")
        assert "nothing of it was used" in str(caught.value)
    finally:
        labels.set_lesson(before)
        replay._state["book"] = None


def test_a_well_formed_recording_with_every_kind_of_answer_replays(tmp_path, monkeypatch):
    handle = ContainerHandle("redis", "b-0a1b2c3d-redis", "abc", "redis", "running", {"mynet": "172.24.0.2"})
    calls = [{"verb": "containers", "key": replay.call_key(dnb.containers.__wrapped__, (), {}), "result": replay.encode(handle)}]
    _replay_lesson(tmp_path, monkeypatch, "wellformed", calls)
    before = labels.lesson()
    try:
        dnb.start_lesson("wellformed")
        back = dnb.containers()
        assert back.addresses == {"mynet": "172.24.0.2"} and repr(back).startswith("[replayed: recorded live on 2026-11-29")
    finally:
        labels.set_lesson(before)
        replay._state["book"] = None


def test_a_call_recorded_before_a_verb_grew_a_parameter_is_found_while_that_parameter_keeps_its_default(tmp_path, monkeypatch):
    # inspect_routes gained `family` (default 4) after lessons 02-05 were recorded: their recorded
    # calls lack it, and they answered exactly what a call that leaves it at 4 asks.
    current = json.loads(replay.call_key(dnb.inspect_routes.__wrapped__, ("alice",), {}))
    older = {name: value for name, value in current.items() if name != "family"}
    calls = [{"verb": "inspect_routes", "key": json.dumps(older, sort_keys=True), "result": {"type": "str", "text": "alice's routes"}}]
    _replay_lesson(tmp_path, monkeypatch, "grewlesson", calls)
    before = labels.lesson()
    try:
        dnb.start_lesson("grewlesson")
        assert str.__str__(dnb.inspect_routes("alice")) == "alice's routes"
        assert str.__str__(dnb.inspect_routes("alice", family=4)) == "alice's routes"
        with pytest.raises(dnb.NotRecorded, match="never made that call"):
            dnb.inspect_routes("alice", family=6)  # a new question the old run never asked
        with pytest.raises(dnb.NotRecorded, match="never made that call"):
            dnb.inspect_routes("bob")
    finally:
        labels.set_lesson(before)
        replay._state["book"] = None
