"""Recording lessons live: the engine's answers for replay mode, and the stored outputs of the notebooks.

Each notebook is run twice against the live engine:

1. as it is: every verb's answer is written to ``recordings/<lesson>.json`` and the fresh outputs are
   stored in the notebook (without widget state: a stored progress bar would be stale);
2. with every exercise's solution (see :mod:`dockernet_nb.curriculum`) run right after its exercise
   cell: the calls the solutions make, and the questions their checks ask, are added to the recording,
   so a replay-mode learner who solves an exercise gets the same verdict a live one would. A solution
   whose check does not say "Correct" live fails the recording.

The kernels run with ``DOCKERNET_NB_MODE=live`` and ``DOCKERNET_NB_RECORD=1``; the recordings go to
``DOCKERNET_NB_RECORDINGS`` (default: the package's own folder).
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dockernet_nb.curriculum import lesson_name, solutions
from dockernet_nb.replay.book import recordings_dir

__all__ = ["record_notebook", "merge_new_calls", "without_widgets", "with_solutions", "verdicts"]

Say = Callable[[str], None]


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _execute(notebook: Any, folder: Path, timeout: int) -> None:
    from nbclient import NotebookClient

    NotebookClient(notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def without_widgets(notebook: Any) -> Any:
    """The notebook with no widget state and no widget views (they would show stale bars when opened).

    A widget output that also carries a plain form (the lab console's one-line summary) keeps that form:
    a fresh run shows it too, so nbval compares it, and a reader of the stored notebook sees what it was.
    """
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.outputs:
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                data.pop(WIDGET_VIEW)
                if not data:
                    continue
            kept.append(output)
        cell.outputs = kept
    return notebook


def with_solutions(notebook: Any) -> tuple[Any, list[int]]:
    """A copy with each solution as a code cell right after its exercise; the new cells' indexes."""
    import nbformat

    raw = json.loads(nbformat.writes(notebook))
    found = solutions(raw)
    extended = copy.deepcopy(notebook)
    inserted: list[int] = []
    for solution in sorted(found, key=lambda s: s.after_cell, reverse=True):
        extended.cells.insert(solution.after_cell + 1, nbformat.v4.new_code_cell(solution.code))
    for position, solution in enumerate(sorted(found, key=lambda s: s.after_cell)):
        inserted.append(solution.after_cell + 1 + position)
    return extended, inserted


def merge_new_calls(target: Path, extra: Path) -> int:
    """Add to ``target`` the calls of ``extra`` it does not hold yet (by verb and arguments); how many."""
    kept = json.loads(target.read_text(encoding="utf-8"))
    more = json.loads(extra.read_text(encoding="utf-8"))
    known = {(call["verb"], call["key"]) for call in kept["calls"]}
    added = [call for call in more["calls"] if (call["verb"], call["key"]) not in known]
    kept["calls"] += added
    target.write_text(json.dumps(kept, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(added)


def verdicts(notebook: Any, cells: list[int]) -> list[str]:
    """The first line each inserted solution cell printed (its check's verdict)."""
    found = []
    for index in cells:
        text = ""
        for output in notebook.cells[index].outputs:
            text = output.get("data", {}).get("text/plain", "") or output.get("text", "")
            if text:
                break
        found.append(text.splitlines()[0] if text else "(no output)")
    return found


def record_notebook(path: Path, *, save: bool = True, timeout: int = 900, say: Say = print) -> None:
    """Record one lesson (both passes); raises the kernel's error when a cell fails."""
    import nbformat

    started = time.monotonic()
    original = nbformat.read(str(path), as_version=4)
    lesson = lesson_name(json.loads(nbformat.writes(original))) or path.stem
    folder = path.parent.resolve()
    with _environment(DOCKERNET_NB_MODE="live", DOCKERNET_NB_RECORD="1"):
        executed = copy.deepcopy(original)
        _execute(executed, folder, timeout)
        if save:
            nbformat.write(without_widgets(executed), str(path))
        extended, inserted = with_solutions(original)
        if inserted:
            with tempfile.TemporaryDirectory(prefix="dockernet-nb-solutions-") as scratch:
                with _environment(DOCKERNET_NB_RECORDINGS=scratch):
                    _execute(extended, folder, timeout)
                wrong = [v for v in verdicts(extended, inserted) if not v.startswith("Correct")]
                if wrong:
                    raise RuntimeError(f"{path.name}: a solution does not pass its check live: {wrong}")
                added = merge_new_calls(recordings_dir() / f"{lesson}.json", Path(scratch) / f"{lesson}.json")
            say(f"{path}: {len(inserted)} solution(s) pass their checks; {added} call(s) added for them")
    say(f"{path}: recorded live in {time.monotonic() - started:.1f} s" + (" (outputs saved)" if save else ""))
