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
    error = {"type": "error", "class": "ConnectionRefused", "message": "Connection to 127.0.0.1:8000 was refused"}
    with pytest.raises(dnb.ConnectionRefused, match="was refused") as caught:
        replay.decode(error, NOTE)
    assert str(caught.value).startswith(NOTE)


def test_arguments_are_keyed_by_name_not_by_session():
    handle = ContainerHandle("redis", "b-1a2b-redis", "abc", "redis", "running", {})
    other_session = ContainerHandle("redis", "b-9f9f-redis", "def", "redis", "running", {})
    assert replay._key((handle, "ping"), {}) == replay._key((other_session, "ping"), {})
    assert replay._key(("a",), {"count": 4}) != replay._key(("a",), {"count": 3})


def test_mode_is_forced_by_the_environment_and_checked(monkeypatch):
    monkeypatch.setenv("DOCKERNET_NB_MODE", "replay")
    assert replay.mode() == "replay"
    monkeypatch.setenv("DOCKERNET_NB_MODE", "offline")
    with pytest.raises(dnb.InvalidInput, match="'live' or 'replay'"):
        replay.mode()


def test_replay_answers_in_order_then_repeats_the_last_and_refuses_unrecorded_calls(tmp_path, monkeypatch):
    calls = [
        {"verb": "networks", "key": replay._key((), {}), "result": {"type": "str", "text": "first"}},
        {"verb": "networks", "key": replay._key((), {}), "result": {"type": "str", "text": "second"}},
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
        with pytest.raises(replay.NotRecorded, match="not part of the recorded run"):
            dnb.containers()
        with pytest.raises(replay.NotRecorded, match="no recorded run of the lesson 'nolesson'"):
            dnb.start_lesson("nolesson")
    finally:
        labels.set_lesson(before)
        replay._state["book"] = None
