"""The Linux-only spots of the package, on Windows and macOS simulated: no bash, no /proc, no geteuid, no fcntl.

A learner on macOS or Windows with Docker Desktop gets the course with pip alone, so every place that
reads /proc, asks for the effective uid, probes a process with ``os.kill(pid, 0)`` or imports
``fcntl`` must take another path there. Each test here simulates the platform (``sys.platform``,
``os.name`` as the labels module sees it, ``platform.system()``, ``os.geteuid`` deleted, /proc
unreadable, POSIX-only modules missing) and runs that path.
"""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dockernet_nb.engine import host_routes, labels, provision

POSIX_ONLY_MODULES = ("fcntl", "pwd", "grp", "termios", "resource")


@pytest.fixture
def no_proc(monkeypatch):
    """No /proc, as on macOS and Windows: every read of it fails as it would there."""
    real_open, real_readlink, real_isdir = builtins.open, os.readlink, os.path.isdir

    def is_proc(path) -> bool:
        return str(path).replace("\\", "/").startswith("/proc")

    def fake_open(path, *args, **kwargs):
        if is_proc(path):
            raise FileNotFoundError(2, "No such file or directory", str(path))
        return real_open(path, *args, **kwargs)

    def fake_readlink(path, *args, **kwargs):
        if is_proc(path):
            raise FileNotFoundError(2, "No such file or directory", str(path))
        return real_readlink(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(os, "readlink", fake_readlink)
    monkeypatch.setattr(os.path, "isdir", lambda path: False if is_proc(path) else real_isdir(path))
    monkeypatch.setattr(Path, "read_text", _guarded(Path.read_text, is_proc))


def _guarded(method, is_proc):
    def read(self, *args, **kwargs):
        if is_proc(self):
            raise FileNotFoundError(2, "No such file or directory", str(self))
        return method(self, *args, **kwargs)

    return read


@pytest.fixture
def windows(monkeypatch, no_proc):
    """Windows as far as the package can tell: win32, os.name 'nt', no geteuid, no /proc, no fcntl."""
    monkeypatch.setattr(sys, "platform", "win32")
    # os.name is read where the package asks it; set globally, it would break pathlib in this process.
    monkeypatch.setattr(labels, "os", _OsNamed("nt"))
    monkeypatch.delattr(os, "geteuid", raising=False)
    monkeypatch.setattr("platform.system", lambda: "Windows")
    for module in POSIX_ONLY_MODULES:
        monkeypatch.setitem(sys.modules, module, None)  # `import fcntl` raises ImportError, as on Windows
    monkeypatch.delenv("DOCKER_HOST", raising=False)


@pytest.fixture
def macos(monkeypatch, no_proc):
    """macOS: darwin, POSIX, a geteuid, but no /proc."""
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr("platform.system", lambda: "Darwin")
    monkeypatch.delenv("DOCKER_HOST", raising=False)


class _OsNamed:
    """The os module, but with another ``os.name``: kill, getpid, readlink ... are looked up at call time."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, attribute: str):
        return getattr(os, attribute)


def _no_kill(*args):
    raise AssertionError(f"os.kill{args} was called: on Windows it sends a console event instead of probing")


# --- the engine step -------------------------------------------------------------------------------


def test_running_as_root_is_false_where_there_is_no_geteuid(monkeypatch):
    monkeypatch.delattr(os, "geteuid", raising=False)
    assert provision.running_as_root() is False
    monkeypatch.setattr(os, "geteuid", lambda: 0, raising=False)
    assert provision.running_as_root() is True
    monkeypatch.setattr(os, "geteuid", lambda: 501, raising=False)
    assert provision.running_as_root() is False


class _NoInstall(provision.Installer):
    def missing(self) -> bool:
        raise AssertionError("the engine step looked for dockerd to install")

    def install(self, say) -> None:
        raise AssertionError("the engine step tried to install something")


@pytest.mark.parametrize("platform_fixture", ["windows", "macos"])
def test_the_engine_step_explains_and_installs_nothing_without_an_engine_on_windows_and_macos(request, monkeypatch, platform_fixture):
    request.getfixturevalue(platform_fixture)
    if platform_fixture == "macos":
        monkeypatch.setattr(os, "geteuid", lambda: 0, raising=False)  # even as root
    monkeypatch.setattr(provision, "answers", lambda timeout=3: False)
    monkeypatch.setattr(provision, "_start_dockerd", lambda say: pytest.fail("started a dockerd"))
    said = []
    assert provision.ensure_engine(said.append, installer=_NoInstall()) == 1
    assert "Docker Desktop" in said[-1] and "DOCKER_HOST" in said[-1]


def test_the_engine_step_uses_docker_desktop_when_it_answers_on_windows(windows, monkeypatch):
    monkeypatch.setattr(provision, "answers", lambda timeout=3: True)
    monkeypatch.setattr(provision, "reset_client", lambda: None)
    monkeypatch.setattr("dockernet_nb.engine.connection.engine_version", lambda: "27.3.1")
    said = []
    assert provision.ensure_engine(said.append, installer=_NoInstall()) == 0
    assert "27.3.1" in said[-1] and "already answers" in said[-1]


def test_stop_signals_nothing_on_windows(windows, monkeypatch, tmp_path):
    monkeypatch.setattr(os, "kill", _no_kill)
    monkeypatch.setattr(provision, "PID_FILE", tmp_path / "absent.pid")
    said = []
    assert provision.stop_started_engine(said.append) == 0
    assert "started no dockerd" in said[-1]
    # A pid file left over (copied from elsewhere): without /proc its process cannot be proven ours.
    pid_file = tmp_path / "dockerd.pid"
    pid_file.write_text('{"pid": 4242, "start": "123", "exe": "/usr/bin/dockerd"}')
    monkeypatch.setattr(provision, "PID_FILE", pid_file)
    assert provision.stop_started_engine(said.append) == 0
    assert "No process was signalled" in said[-1]


# --- course labels: who made an object, and is that kernel alive ----------------------------------


def test_the_owner_label_needs_no_proc(windows):
    where, pid, start = labels.owner().split(":")
    assert where.endswith("/nons") and pid == str(os.getpid()) and start == ""


def test_a_kernel_is_never_judged_dead_on_windows(windows, monkeypatch):
    monkeypatch.setattr(os, "kill", _no_kill)
    mine = {labels.OWNER: f"{labels._pid_namespace()}:999999:"}
    assert labels.owner_alive(mine) is True


def test_on_macos_a_kernel_is_probed_with_signal_zero(macos, monkeypatch):
    probed = []

    def kill(pid, signal):
        probed.append((pid, signal))
        if pid == 999999:
            raise ProcessLookupError(pid)
        if pid == 1:
            raise PermissionError(pid)

    monkeypatch.setattr(os, "kill", kill)
    where = labels._pid_namespace()
    assert labels.owner_alive({labels.OWNER: f"{where}:999999:"}) is False
    assert labels.owner_alive({labels.OWNER: f"{where}:1:"}) is True  # someone else's process: alive
    assert labels.owner_alive({labels.OWNER: f"{where}:{os.getpid()}:"}) is True
    assert probed == [(999999, 0), (1, 0), (os.getpid(), 0)]


def test_objects_from_another_machine_are_never_judged(windows, monkeypatch):
    monkeypatch.setattr(os, "kill", _no_kill)
    assert labels.owner_alive({labels.OWNER: "abc/4026531836:1234:5678"}) is True


# --- host routes, KVM, offline image builds --------------------------------------------------------


def test_host_routes_are_not_read_off_linux(windows, tmp_path):
    assert host_routes.routes_are_visible("") is False
    assert host_routes.routes_are_visible("Docker Desktop") is False
    assert host_routes.host_route_prefixes(tmp_path / "no-proc-net") == []


def test_host_routes_are_not_read_on_macos(macos):
    assert host_routes.routes_are_visible("Docker Desktop") is False
    assert host_routes.host_route_prefixes() == []


def test_the_kvm_check_says_not_checked_on_windows_without_importing_fcntl(windows):
    from dockernet_nb.verbs.host import kvm_preflight

    table = kvm_preflight()
    assert list(table.check) == ["the engine runs on this machine", "/dev/kvm exists", "/dev/kvm opens read-write", "KVM answers"]
    assert not table.ok.any()
    assert "Docker Desktop" in table.detail[0]
    assert all("not checked" in detail for detail in table.detail[1:])


def test_the_images_are_never_built_offline_off_linux(windows, macos, monkeypatch):
    from dockernet_nb.engine.images import offline

    for system in ("Windows", "Darwin"):
        monkeypatch.setattr("platform.system", lambda system=system: system)
        monkeypatch.setattr(os, "geteuid", lambda: 0, raising=False)
        assert offline.possible() is False


# --- the lab command ------------------------------------------------------------------------------


def test_jupyterlab_is_started_without_allow_root_and_with_windows_path_separators(windows, monkeypatch, tmp_path):
    from dockernet_nb.cli import lab

    monkeypatch.setattr(os, "pathsep", ";")
    command = lab.jupyter_command(tmp_path, as_root=provision.running_as_root())
    assert "--allow-root" not in command
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    env = lab.jupyter_env({"JUPYTER_CONFIG_PATH": r"C:\ProgramData\jupyter"})
    assert env["JUPYTER_CONFIG_PATH"] == f"{lab.LAB_CONFIG};C:\\ProgramData\\jupyter"


def test_lab_on_windows_without_an_engine_copies_the_lessons_and_opens_jupyterlab_for_replay(windows, monkeypatch, tmp_path, capsys):
    from dockernet_nb.cli import lab, main

    monkeypatch.delenv("DOCKERNET_NB_MODE", raising=False)
    monkeypatch.setattr(provision, "answers", lambda timeout=3: False)
    monkeypatch.setattr("dockernet_nb.cli.lab.images_step", lambda say=None: pytest.fail("images step without an engine"))
    started = []
    monkeypatch.setattr(lab, "_start_jupyterlab", lambda folder, args: started.append(folder) or 0)
    workspace = tmp_path / "Users" / "ada" / "dockernet-nb"
    assert main(["lab", str(workspace)]) == 0
    out = capsys.readouterr().out
    assert "Docker Desktop" in out and "replay mode" in out
    assert "added       00-setup.ipynb" in out
    assert started == [workspace.resolve()]


# --- the learner's progress file ------------------------------------------------------------------


def test_progress_is_noted_on_windows_without_fcntl(windows, monkeypatch, tmp_path):
    from dockernet_nb import ledger

    monkeypatch.delenv("DOCKERNET_NB_DATA", raising=False)
    monkeypatch.setenv("APPDATA", str(tmp_path / "AppData" / "Roaming"))
    assert ledger.data_dir() == tmp_path / "AppData" / "Roaming" / "dockernet-nb"
    record = ledger.attempt("bridge", "redis-address", passed=True, hint_shown=False)
    assert record["attempts"] == 1 and record["passed"]
    assert ledger.read()["lessons"]["bridge"]["exercises"]["redis-address"]["attempts"] == 1


def test_progress_lives_in_application_support_on_macos(macos, monkeypatch, tmp_path):
    from dockernet_nb import ledger

    monkeypatch.delenv("DOCKERNET_NB_DATA", raising=False)
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path / "Users" / "ada"))
    assert ledger.data_dir() == tmp_path / "Users" / "ada" / "Library" / "Application Support" / "dockernet-nb"


# --- nothing POSIX-only at import time ------------------------------------------------------------

# Linux-only by nature, and reached by no learner's path: local and docker-in-docker Engine 28s for
# recording and testing the lessons (namespaces, debootstrap, file locks). `dockernet-nb record
# --local-engine` imports it when asked. The classroom (`dockernet-nb classroom`) runs JupyterHub and
# docker-in-docker engines on a Linux host, with its own extra's packages.
LINUX_ONLY = ("dockernet_nb.engine.spawn", "dockernet_nb.classroom")


def test_every_module_a_learner_can_reach_imports_without_posix_only_modules():
    code = f"""
import importlib, sys
for name in {POSIX_ONLY_MODULES!r}:
    sys.modules[name] = None  # as on Windows: importing it raises ImportError
import pathlib
import dockernet_nb
root = pathlib.Path(dockernet_nb.__file__).parent
names = sorted(
    ".".join(("dockernet_nb",) + path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
    for path in root.rglob("*.py")
)
failed, checked = [], 0
for name in names:
    if name.endswith("__main__") or name.startswith({LINUX_ONLY!r}):
        continue  # (the walk itself must not import them either)
    try:
        importlib.import_module(name)
        checked += 1
    except ImportError as e:
        failed.append(f"{{name}}: {{e}}")
pulled = sorted(m for m in sys.modules if m.startswith({LINUX_ONLY!r}) and sys.modules[m] is not None)
print("\\n".join(failed + [f"imports Linux-only {{m}}" for m in pulled]) or f"ok {{checked}}")
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.startswith("ok "), result.stdout + result.stderr
    assert int(result.stdout.split()[1]) > 50  # the walk really saw the package
