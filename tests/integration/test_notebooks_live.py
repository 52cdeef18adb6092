"""Every lesson runs live on the engine this suite was started with, and every solution passes its check there.

The stored outputs come from Engine 28 (see test_notebooks_engine28.py); this engine may be another
version (CI's is Debian 12's 20.10), so here each lesson must run without error and each exercise's
reference solution must get "Correct" from its check, asked of this engine just now.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.notebook_runs import environment, execute, lessons, verdicts, with_answers


@pytest.mark.parametrize("path", lessons(), ids=lambda p: p.stem)
def test_the_lesson_runs_live_and_its_solutions_pass(path: Path):
    notebook, inserted = with_answers(path)
    execute(notebook, environment())
    assert [v for v in verdicts(notebook, inserted) if not v.startswith("Correct")] == []
