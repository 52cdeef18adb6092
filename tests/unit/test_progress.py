"""The learner's progress file: written by exercise checks, read by dnb.progress() and `dockernet-nb progress`."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import dockernet_nb as dnb
from dockernet_nb import ledger
from dockernet_nb.checks.exercise import exercise
from dockernet_nb.checks.result import failed, passed
from dockernet_nb.engine import labels


def test_attempts_hints_and_the_pass_are_recorded_by_a_check(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKERNET_NB_DATA", str(tmp_path))
    before = labels.lesson()
    labels.set_lesson("bridge")
    try:
        @exercise("redis-address")
        def check(answer):
            return passed("right") if answer == "172.24.0.2" else failed("wrong", "look at the ping table")

        assert not check("172.24.0.9").ok and check("172.24.0.2").ok
        check(None)  # an unanswered check is not an attempt
    finally:
        labels.set_lesson(before)
    record = json.loads((tmp_path / "progress.json").read_text())["lessons"]["bridge"]["exercises"]["redis-address"]
    assert record["attempts"] == 2 and record["hints"] == 1 and record["passed"] >= record["first_attempt"]
    frame = dnb.progress()
    row = frame[frame.exercise == "redis-address"].iloc[0]  # under the lesson's notebook once it names the exercise
    assert row.lesson in ("01-bridge-networks", "bridge")
    assert bool(row.passed) and row.attempts == 2 and row.hints == 1
    shown = subprocess.run([sys.executable, "-m", "dockernet_nb.cli", "progress"], capture_output=True, text=True,
                           env={**__import__("os").environ, "DOCKERNET_NB_DATA": str(tmp_path)}, check=True).stdout
    assert f"Progress file: {tmp_path / 'progress.json'}" in shown and "redis-address" in shown


def test_kernels_writing_at_once_lose_no_attempt(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKERNET_NB_DATA", str(tmp_path))
    threads = [threading.Thread(target=ledger.attempt, args=("x", "e"), kwargs={"passed": False, "hint_shown": True}) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ledger.read()["lessons"]["x"]["exercises"]["e"]["attempts"] == 20


def test_an_unreadable_progress_file_is_an_empty_record(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKERNET_NB_DATA", str(tmp_path))
    (tmp_path / "progress.json").write_text("{not json")
    assert ledger.read() == {"version": 1, "lessons": {}}
