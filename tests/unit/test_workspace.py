"""The learner's workspace, without an engine: which lessons are added, updated, up to date or left alone, and reset.

A small course of two lessons is written into a scratch "shipped" folder for each test; one test also
syncs the real lessons. "Changed" means the cells' types or sources differ from the lesson that was
copied there: outputs, execution counts and metadata never count.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from dockernet_nb import workspace as ws
from dockernet_nb.errors import InvalidInput, SetupError


def _cell(source, kind="code", outputs=None, count=None):
    cell = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        cell["outputs"] = outputs or []
        cell["execution_count"] = count
    return cell


def _notebook(*cells, metadata=None) -> dict:
    return {"cells": list(cells), "metadata": metadata or {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}


def _write(path: Path, notebook: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, indent=1) + "\n", encoding="utf-8")
    return path


def _stored(text: str) -> list[dict]:
    return [{"output_type": "stream", "name": "stdout", "text": [text]}]


SETUP = _notebook(_cell("# 0 · Setup", "markdown"), _cell('import dockernet_nb as dnb\nlesson = dnb.start_lesson("setup")', outputs=_stored("live mode\n"), count=1))
BRIDGE = _notebook(_cell("# 1 · Bridge", "markdown"), _cell('dnb.create_net("mynet")', outputs=_stored("mynet\n"), count=1))


@pytest.fixture
def shipped(tmp_path) -> Path:
    folder = tmp_path / "shipped"
    _write(folder / "00-setup.ipynb", SETUP)
    _write(folder / "01-bridge-networks.ipynb", BRIDGE)
    return folder


@pytest.fixture
def home(tmp_path) -> Path:
    return tmp_path / "home" / "dockernet-nb"


def _statuses(report: ws.SyncReport) -> dict[str, str]:
    return {lesson.name: lesson.status for lesson in report.lessons}


def _edit(path: Path, change) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    change(notebook)
    _write(path, notebook)


def _run_cells(notebook: dict) -> None:
    """What running a lesson does to the file: new outputs, counts and metadata; no source changes."""
    for n, cell in enumerate(c for c in notebook["cells"] if c["cell_type"] == "code"):
        cell["outputs"] = _stored(f"my own run {n}\n")
        cell["execution_count"] = 40 + n
        cell["metadata"] = {"execution": {"iopub.status.busy": "2026-11-29T10:00:00Z"}}
    notebook["metadata"]["widgets"] = {"state": {}}


def test_a_new_workspace_gets_every_lesson_byte_for_byte(shipped, home):
    report = ws.sync(home, shipped)
    assert _statuses(report) == {"00-setup.ipynb": ws.ADDED, "01-bridge-networks.ipynb": ws.ADDED}
    for name in ("00-setup.ipynb", "01-bridge-networks.ipynb"):
        assert (home / name).read_bytes() == (shipped / name).read_bytes()
    state = json.loads((home / ws.STATE_FILE).read_text(encoding="utf-8"))
    assert set(state["lessons"]) == {"00-setup.ipynb", "01-bridge-networks.ipynb"}
    assert not list(home.glob(".*.tmp")), "no temporary file is left behind"


def test_a_second_sync_finds_everything_up_to_date_and_writes_no_lesson(shipped, home):
    ws.sync(home, shipped)
    before = {p.name: p.stat().st_mtime_ns for p in home.glob("*.ipynb")}
    report = ws.sync(home, shipped)
    assert set(_statuses(report).values()) == {ws.UP_TO_DATE}
    assert {p.name: p.stat().st_mtime_ns for p in home.glob("*.ipynb")} == before


def test_a_lesson_the_learner_ran_keeps_its_outputs(shipped, home):
    ws.sync(home, shipped)
    _edit(home / "01-bridge-networks.ipynb", _run_cells)
    mine = (home / "01-bridge-networks.ipynb").read_bytes()
    report = ws.sync(home, shipped)
    assert _statuses(report)["01-bridge-networks.ipynb"] == ws.UP_TO_DATE
    assert (home / "01-bridge-networks.ipynb").read_bytes() == mine


def test_a_lesson_the_learner_changed_is_left_alone_and_the_report_says_how_to_get_the_course_version(shipped, home):
    ws.sync(home, shipped)
    _edit(home / "01-bridge-networks.ipynb", lambda nb: nb["cells"][1].update(source='dnb.create_net("ournet")'))
    mine = (home / "01-bridge-networks.ipynb").read_bytes()
    report = ws.sync(home, shipped)
    assert _statuses(report) == {"00-setup.ipynb": ws.UP_TO_DATE, "01-bridge-networks.ipynb": ws.LEFT_ALONE}
    assert (home / "01-bridge-networks.ipynb").read_bytes() == mine
    text = "\n".join(report.lines())
    assert "left alone  01-bridge-networks.ipynb  (you changed its cells)" in text
    assert "dockernet-nb reset" in text


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda nb: nb["cells"].append(_cell("my own note", "markdown")), id="a cell added"),
        pytest.param(lambda nb: nb["cells"].pop(0), id="a cell deleted"),
        pytest.param(lambda nb: nb["cells"][0].update(cell_type="raw"), id="a cell's type changed"),
        pytest.param(lambda nb: nb["cells"].reverse(), id="cells moved"),
    ],
)
def test_adding_deleting_retyping_or_moving_cells_counts_as_a_change(shipped, home, change):
    ws.sync(home, shipped)
    _edit(home / "00-setup.ipynb", change)
    assert _statuses(ws.sync(home, shipped))["00-setup.ipynb"] == ws.LEFT_ALONE


def test_a_new_course_version_updates_a_copy_the_learner_never_edited_even_after_running_it(shipped, home):
    ws.sync(home, shipped)
    _edit(home / "00-setup.ipynb", _run_cells)  # ran it, changed nothing
    _write(shipped / "00-setup.ipynb", _notebook(*SETUP["cells"], _cell("## A new section", "markdown")))
    report = ws.sync(home, shipped)
    assert _statuses(report) == {"00-setup.ipynb": ws.UPDATED, "01-bridge-networks.ipynb": ws.UP_TO_DATE}
    assert (home / "00-setup.ipynb").read_bytes() == (shipped / "00-setup.ipynb").read_bytes()
    assert ws.sync(home, shipped).names(ws.UP_TO_DATE) == ["00-setup.ipynb", "01-bridge-networks.ipynb"]


def test_a_new_course_version_never_replaces_a_copy_the_learner_edited(shipped, home):
    ws.sync(home, shipped)
    _edit(home / "00-setup.ipynb", lambda nb: nb["cells"][0].update(source="# my notes"))
    mine = (home / "00-setup.ipynb").read_bytes()
    _write(shipped / "00-setup.ipynb", _notebook(*SETUP["cells"], _cell("## A new section", "markdown")))
    for _ in range(2):  # and it stays left alone, sync after sync
        assert _statuses(ws.sync(home, shipped))["00-setup.ipynb"] == ws.LEFT_ALONE
        assert (home / "00-setup.ipynb").read_bytes() == mine


def test_newly_recorded_outputs_replace_only_an_untouched_copy(shipped, home):
    ws.sync(home, shipped)
    _edit(home / "01-bridge-networks.ipynb", _run_cells)
    mine = (home / "01-bridge-networks.ipynb").read_bytes()
    rerecorded = json.loads(json.dumps(SETUP))
    rerecorded["cells"][1]["outputs"] = _stored("recorded again\n")
    _write(shipped / "00-setup.ipynb", rerecorded)
    bridge = json.loads(json.dumps(BRIDGE))
    bridge["cells"][1]["outputs"] = _stored("recorded again\n")
    _write(shipped / "01-bridge-networks.ipynb", bridge)
    report = ws.sync(home, shipped)
    assert _statuses(report) == {"00-setup.ipynb": ws.UPDATED, "01-bridge-networks.ipynb": ws.UP_TO_DATE}
    assert (home / "00-setup.ipynb").read_bytes() == (shipped / "00-setup.ipynb").read_bytes()
    assert (home / "01-bridge-networks.ipynb").read_bytes() == mine  # the learner's own outputs stay


def test_without_the_state_file_any_difference_in_sources_is_the_learners(shipped, home):
    ws.sync(home, shipped)
    (home / ws.STATE_FILE).unlink()
    _write(shipped / "00-setup.ipynb", _notebook(*SETUP["cells"], _cell("## A new section", "markdown")))
    report = ws.sync(home, shipped)
    assert _statuses(report) == {"00-setup.ipynb": ws.LEFT_ALONE, "01-bridge-networks.ipynb": ws.UP_TO_DATE}


def test_a_broken_state_file_or_notebook_loses_nothing(shipped, home):
    ws.sync(home, shipped)
    (home / ws.STATE_FILE).write_text("{not json", encoding="utf-8")
    (home / "00-setup.ipynb").write_text("half a notebook {", encoding="utf-8")
    report = ws.sync(home, shipped)
    assert _statuses(report)["00-setup.ipynb"] == ws.LEFT_ALONE
    assert "cannot be read as a notebook" in "\n".join(report.lines())
    assert (home / "00-setup.ipynb").read_text(encoding="utf-8") == "half a notebook {"


def test_other_files_in_the_workspace_are_never_touched(shipped, home):
    ws.sync(home, shipped)
    mine = _write(home / "my-experiment.ipynb", _notebook(_cell("1 + 1")))
    before = mine.read_bytes()
    report = ws.sync(home, shipped)
    assert "my-experiment.ipynb" not in _statuses(report)
    assert mine.read_bytes() == before


def test_dry_run_writes_nothing(shipped, home):
    report = ws.sync(home, shipped, dry_run=True)
    assert set(_statuses(report).values()) == {ws.ADDED}
    assert not home.exists()


def test_the_course_folder_itself_is_never_synced_onto(shipped):
    before = {p.name: p.read_bytes() for p in shipped.iterdir()}
    report = ws.sync(shipped, shipped)
    assert report.same_folder and report.lessons == []
    assert "nothing to copy" in report.lines()[0]
    assert {p.name: p.read_bytes() for p in shipped.iterdir()} == before
    with pytest.raises(InvalidInput, match="own lesson folder"):
        ws.reset(shipped, "00", shipped)


def test_a_file_named_as_the_workspace_is_refused(shipped, tmp_path):
    target = tmp_path / "a-file"
    target.write_text("mine")
    with pytest.raises(InvalidInput, match="is a file"):
        ws.sync(target, shipped)
    assert target.read_text() == "mine"


def test_cell_sources_ignore_outputs_metadata_line_splitting_and_line_endings():
    as_lines = _notebook(_cell(["a = 1\n", "b = 2"], outputs=_stored("x"), count=3))
    as_text = _notebook(_cell("a = 1\r\nb = 2"), metadata={"other": True})
    assert ws.cell_sources(as_lines) == ws.cell_sources(as_text) == [("code", "a = 1\nb = 2")]


def test_reset_keeps_the_learners_copy_as_a_dated_backup_beside_the_lesson(shipped, home):
    ws.sync(home, shipped)
    _edit(home / "01-bridge-networks.ipynb", lambda nb: nb["cells"][1].update(source="my work"))
    mine = (home / "01-bridge-networks.ipynb").read_bytes()
    when = datetime.datetime(2026, 11, 29, 15, 30, 12)
    result = ws.reset(home, "01", shipped, now=when)
    assert result.lesson == home / "01-bridge-networks.ipynb"
    assert result.backup == home / "01-bridge-networks.mine-2026-11-29-153012.ipynb"
    assert result.backup.read_bytes() == mine
    assert result.lesson.read_bytes() == (shipped / "01-bridge-networks.ipynb").read_bytes()
    # The next sync sees the course's version, and never takes the backup for a lesson.
    report = ws.sync(home, shipped)
    assert _statuses(report) == {"00-setup.ipynb": ws.UP_TO_DATE, "01-bridge-networks.ipynb": ws.UP_TO_DATE}
    assert result.backup.read_bytes() == mine


def test_two_resets_in_the_same_second_keep_both_backups(shipped, home):
    ws.sync(home, shipped)
    when = datetime.datetime(2026, 11, 29, 15, 30, 12)
    backups = []
    for text in ("first try", "second try"):
        _edit(home / "00-setup.ipynb", lambda nb, text=text: nb["cells"][0].update(source=text))
        backups.append(ws.reset(home, "setup", shipped, now=when).backup)
    assert [b.name for b in backups] == ["00-setup.mine-2026-11-29-153012.ipynb", "00-setup.mine-2026-11-29-153012-2.ipynb"]
    assert ["first try" in b.read_text(encoding="utf-8") for b in backups] == [True, False]
    assert "second try" in backups[1].read_text(encoding="utf-8")


def test_reset_of_a_pristine_or_missing_lesson_makes_no_backup(shipped, home):
    ws.sync(home, shipped)
    assert ws.reset(home, "00", shipped).backup is None
    (home / "01-bridge-networks.ipynb").unlink()
    result = ws.reset(home, "01-bridge-networks.ipynb", shipped)
    assert result.backup is None and result.lesson.exists()
    assert sorted(p.name for p in home.glob("*.ipynb")) == ["00-setup.ipynb", "01-bridge-networks.ipynb"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("01", "01-bridge-networks.ipynb"),
        ("1", "01-bridge-networks.ipynb"),
        ("01-bridge-networks", "01-bridge-networks.ipynb"),
        ("01-bridge-networks.ipynb", "01-bridge-networks.ipynb"),
        ("Bridge-Networks", "01-bridge-networks.ipynb"),
        ("bridge", "01-bridge-networks.ipynb"),
        ("90", "90-lab-console.ipynb"),
        ("console", "90-lab-console.ipynb"),
    ],
)
def test_a_lesson_can_be_named_by_number_name_or_part_of_it(query, expected):
    names = ["00-setup.ipynb", "01-bridge-networks.ipynb", "02-no-network.ipynb", "90-lab-console.ipynb"]
    assert ws.find_lesson(query, names) == expected


@pytest.mark.parametrize("query, message", [("net", "could be"), ("42", "No lesson called"), ("", "Name a lesson")])
def test_an_unclear_lesson_name_lists_the_lessons(query, message):
    names = ["01-bridge-networks.ipynb", "02-no-network.ipynb"]
    with pytest.raises(InvalidInput, match=message):
        ws.find_lesson(query, names)


def test_lessons_come_from_the_installed_package_or_from_a_clones_notebooks(tmp_path):
    installed = tmp_path / "site-packages" / "dockernet_nb"
    _write(installed / "lessons" / "00-setup.ipynb", SETUP)
    assert ws.lessons_source(installed) == installed / "lessons"

    clone = tmp_path / "clone"
    (clone / "dockernet_nb").mkdir(parents=True)
    (clone / "pyproject.toml").write_text('[project]\nname = "dockernet-nb"\n', encoding="utf-8")
    _write(clone / "notebooks" / "00-setup.ipynb", SETUP)
    assert ws.lessons_source(clone / "dockernet_nb") == clone / "notebooks"

    # A notebooks/ beside the package that is not this project's is not taken for the lessons.
    other = tmp_path / "other"
    (other / "pyproject.toml").parent.mkdir()
    (other / "pyproject.toml").write_text('[project]\nname = "something-else"\n', encoding="utf-8")
    _write(other / "notebooks" / "x.ipynb", SETUP)
    with pytest.raises(SetupError, match="incomplete"):
        ws.lessons_source(other / "dockernet_nb")


def test_the_default_workspace_is_dockernet_nb_in_the_home_folder_unless_the_environment_says(monkeypatch, tmp_path):
    monkeypatch.delenv("DOCKERNET_NB_WORKSPACE", raising=False)
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path / "Users" / "ada"))
    assert ws.default_workspace() == tmp_path / "Users" / "ada" / "dockernet-nb"
    monkeypatch.setenv("DOCKERNET_NB_WORKSPACE", str(tmp_path / "class"))
    assert ws.default_workspace() == tmp_path / "class"


def test_the_real_lessons_sync_and_each_one_starts_its_lesson(tmp_path):
    report = ws.sync(tmp_path / "w")
    shipped = ws.shipped_lessons()
    assert len(shipped) >= 9 and report.names(ws.ADDED) == list(shipped)
    for name in shipped:
        text = (tmp_path / "w" / name).read_text(encoding="utf-8")
        if name.endswith(".ipynb"):
            assert "start_lesson(" in text, name
        else:  # a page the lessons link to
            assert text.startswith("# "), name
