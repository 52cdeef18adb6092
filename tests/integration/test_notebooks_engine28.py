"""The lessons on Engine 28, run locally as a Linux learner's engine: the stored outputs are this engine's.

`dockernet-nb record --local-engine` runs every lesson live on a local Engine 28 (its own network
namespace, socket at the default path), twice (as it is, and with every solution, which must pass),
into a scratch folder of recordings; it starts in the background as soon as pytest has collected this
file (tests/background.py), since that engine shares nothing with the other tests. The committed notebooks, replayed from those fresh recordings with
no engine, must reproduce their stored outputs (nbval, strict): what the notebooks show is what
Engine 28 answers today, and the committed recordings are not stale.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from dockernet_nb.engine.spawn import forky
from tests import background
from tests.notebook_runs import SANITIZE, environment, lesson_names, lessons


@pytest.fixture(scope="module")
def fresh_recordings():
    why = forky.why_not_here()
    if why:
        pytest.skip(f"no local Engine 28 here: {why}")
    job = background.job("tests/integration/test_notebooks_engine28.py")  # started when pytest collected this file
    done = job.outcome(timeout=2400)
    assert done["code"] == 0, done["printed"][-8000:]
    assert "Recording on a local Docker Engine 28." in done["printed"]
    print(f"The Engine 28 recording of every lesson took {job.seconds:.0f} s (alongside the other tests).")
    return done["recordings"]


def test_every_lesson_is_recorded_with_its_solutions_on_engine_28(fresh_recordings):
    assert {p.stem for p in fresh_recordings.glob("*.json")} == lesson_names()


RUN_DEPENDENT = "run-dependent"  # a cell's tag: its values differ from run to run by nature (see CONTRIBUTING.md)


def comparable_copy(path: Path, folder: Path) -> Path:
    """A copy of a lesson for comparing with a fresh run: cells tagged run-dependent keep running, unchecked.

    Interface indexes the kernel hands out, ephemeral ports and DNS ids in a capture cannot be the same in
    two runs; nbval's own ``nbval-ignore-output`` tag runs such a cell without comparing its output.
    The committed notebook keeps its outputs compared in replay (same recording, same values).
    """
    notebook = nbformat.read(str(path), as_version=4)
    for cell in notebook.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if RUN_DEPENDENT in tags:
            cell.metadata["tags"] = [*tags, "nbval-ignore-output"]
    target = folder / path.name
    nbformat.write(notebook, str(target))
    return target


def test_the_stored_outputs_are_what_engine_28_answers_today(fresh_recordings, tmp_path):
    copies = [str(comparable_copy(path, tmp_path)) for path in lessons()]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", *copies, "--nbval-sanitize-with", str(SANITIZE), "-p", "no:cacheprovider",
         "-q", "-o", "addopts=", "--rootdir", str(tmp_path)],
        cwd=tmp_path,
        env=environment(replay=True, DOCKERNET_NB_RECORDINGS=str(fresh_recordings)),
        capture_output=True,
        text=True,
        timeout=1200,
    )
    # Which cells differ first (the whole list), then as many of the differences as fit.
    differing = "\n".join(line for line in run.stdout.splitlines() if line.startswith("FAILED"))
    assert run.returncode == 0, differing + "\n\n" + run.stdout[-6000:] + run.stderr[-2000:]
