"""Replay mode is a place where every exercise can be done: right answers pass, wrong ones get the hint.

With DOCKER_HOST pointing nowhere (as on Binder), each lesson runs from its recording with every
exercise answered by its reference solution (each check must say "Correct"), and again with the
exercise's wrong answer (each check must say "Not yet" and give a hint). Nothing raises.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.notebook_runs import environment, execute, lessons, verdicts, with_answers

WITH_EXERCISES = [path for path in lessons() if '"exercise"' in path.read_text()]


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.stem)
def test_every_solution_passes_and_every_wrong_answer_gets_the_hint_with_no_engine(path: Path):
    solved, cells = with_answers(path)
    execute(solved, environment(replay=True))
    assert [v for v in verdicts(solved, cells) if not v.startswith("Correct")] == []
    wrong, cells = with_answers(path, wrong=True)
    execute(wrong, environment(replay=True))
    shown = verdicts(wrong, cells)
    assert shown and all(v.startswith("Not yet") for v in shown), shown
    for index in cells:
        text = "".join(o.get("data", {}).get("text/plain", "") for o in wrong.cells[index].outputs)
        assert "\nHint: " in text, text
