"""The `dockernet-nb` command without an engine: lab's steps and copy, reset, and the command list."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dockernet_nb import cli
from dockernet_nb.cli import lab
from dockernet_nb.engine import provision

CLI_DIR = Path(cli.__file__).parent


@pytest.fixture
def no_jupyterlab(monkeypatch):
    """Record JupyterLab starts instead of starting one."""
    started = []
    monkeypatch.setattr(lab, "_start_jupyterlab", lambda folder, args: started.append((folder, args)) or 0)
    return started


def test_every_command_module_is_registered_and_answers_help():
    modules = {p.stem for p in CLI_DIR.glob("*.py") if not p.stem.startswith("_")}
    assert modules == set(cli.COMMANDS)
    for name in cli.COMMANDS:
        with pytest.raises(SystemExit) as done:
            cli.main([name, "--help"])
        assert done.value.code == 0


def test_python_dash_m_runs_the_same_command():
    result = subprocess.run([sys.executable, "-m", "dockernet_nb.cli", "--version"], capture_output=True, text=True, timeout=60)
    from dockernet_nb import __version__

    assert result.returncode == 0 and result.stdout.strip() == f"dockernet-nb {__version__}"


def test_lab_copy_only_copies_and_starts_nothing(tmp_path, monkeypatch, no_jupyterlab, capsys):
    monkeypatch.setattr(provision, "ensure_engine", lambda *a, **k: pytest.fail("engine step with --copy-only"))
    assert cli.main(["lab", "--copy-only", str(tmp_path / "w")]) == 0
    out = capsys.readouterr().out
    assert re.search(r"added\s+00-setup\.ipynb", out)
    assert no_jupyterlab == []
    assert cli.main(["lab", "--copy-only", str(tmp_path / "w")]) == 0
    assert "added" not in capsys.readouterr().out


def test_lab_does_the_engine_and_images_steps_then_opens_jupyterlab(tmp_path, monkeypatch, no_jupyterlab, capsys):
    monkeypatch.delenv("DOCKERNET_NB_MODE", raising=False)
    steps = []
    monkeypatch.setattr(provision, "ensure_engine", lambda say=print, **k: steps.append("engine") or 0)
    monkeypatch.setattr(lab, "images_step", lambda say=None: steps.append("images"))
    assert cli.main(["lab", "--no-browser", "--port", "9999", str(tmp_path / "w")]) == 0
    assert steps == ["engine", "images"]
    (folder, args), = no_jupyterlab
    assert folder == (tmp_path / "w").resolve() and args.no_browser and args.port == 9999
    assert (folder / "00-setup.ipynb").exists()


def test_lab_skips_the_images_when_no_engine_answers_and_says_the_lessons_replay(tmp_path, monkeypatch, no_jupyterlab, capsys):
    monkeypatch.delenv("DOCKERNET_NB_MODE", raising=False)
    monkeypatch.setattr(provision, "ensure_engine", lambda say=print, **k: say("No Docker engine answered.") or 1)
    monkeypatch.setattr(lab, "images_step", lambda say=None: pytest.fail("images step without an engine"))
    assert cli.main(["lab", str(tmp_path / "w")]) == 0
    assert "replay mode" in capsys.readouterr().out
    assert len(no_jupyterlab) == 1


def test_lab_in_forced_replay_mode_needs_no_engine_step(tmp_path, monkeypatch, no_jupyterlab, capsys):
    monkeypatch.setenv("DOCKERNET_NB_MODE", "replay")
    monkeypatch.setattr(provision, "ensure_engine", lambda *a, **k: pytest.fail("engine step in replay mode"))
    assert cli.main(["lab", str(tmp_path / "w")]) == 0
    assert "DOCKERNET_NB_MODE=replay" in capsys.readouterr().out


def test_jupyterlab_listens_on_loopback_only_with_a_token_and_fetches_nothing(tmp_path):
    command = lab.jupyter_command(tmp_path, port=8899, browser=False, as_root=True)
    assert "--ServerApp.ip=127.0.0.1" in command and "--ServerApp.port=8899" in command
    assert f"--ServerApp.root_dir={tmp_path}" in command
    assert "--no-browser" in command and "--allow-root" in command
    assert "--LabApp.news_url=None" in command
    assert "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate" in command
    # The token is Jupyter's own: nothing may switch it off.
    assert not any("token=" in part.lower() or "password" in part.lower() for part in command)


def test_the_course_settings_keep_jupyterlabs_news_prompt_away_without_touching_the_learners():
    overrides = json.loads((lab.LAB_CONFIG / "labconfig" / "default_setting_overrides.json").read_text(encoding="utf-8"))
    assert overrides == {
        "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
        # the glossary, recap and troubleshooting pages open rendered, not as text to edit
        "@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"markdown": "Markdown Preview"}},
    }
    env = lab.jupyter_env({"JUPYTER_CONFIG_PATH": "/etc/my-jupyter", "JUPYTER_CONFIG_DIR": "/home/ada/.jupyter"})
    assert env["JUPYTER_CONFIG_PATH"].split(":") == [str(lab.LAB_CONFIG), "/etc/my-jupyter"]
    assert env["JUPYTER_CONFIG_DIR"] == "/home/ada/.jupyter"  # the learner's own settings stay where they are
    assert lab.jupyter_env({})["JUPYTER_CONFIG_PATH"] == str(lab.LAB_CONFIG)


def test_reset_keeps_the_learners_copy_and_says_where(tmp_path, capsys):
    folder = tmp_path / "w"
    cli.main(["lab", "--copy-only", str(folder)])
    lesson = folder / "01-bridge-networks.ipynb"
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("dnb.", "dnb .", 1), encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["reset", "01", "--dir", str(folder)]) == 0
    out = capsys.readouterr().out
    backup = re.search(r"yours is now (\S+)", out).group(1)
    assert re.fullmatch(r"01-bridge-networks\.mine-\d{4}-\d\d-\d\d-\d{6}\.ipynb", backup)
    assert "dnb ." in (folder / backup).read_text(encoding="utf-8")
    assert cli.main(["reset", "--all", "--dir", str(folder)]) == 0
    assert "nothing of yours to keep" in capsys.readouterr().out


def test_reset_without_a_lesson_lists_them(tmp_path, capsys):
    assert cli.main(["reset", "--dir", str(tmp_path)]) == 2
    assert "00-setup" in capsys.readouterr().out


def test_an_unknown_lesson_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["reset", "no-such-lesson", "--dir", str(tmp_path)]) == 1
    assert "No lesson called 'no-such-lesson'" in capsys.readouterr().err
