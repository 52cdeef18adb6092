"""The wheel is the course: built, checked, installed into a fresh virtual environment, and used as a learner would.

1. ``python -m build`` makes the sdist, then the wheel from the sdist (so the sdist must carry the
   lessons too), from a copy of the repository; ``twine check --strict`` accepts both.
2. The wheel holds every lesson of ``notebooks/`` byte for byte, every recording, the course's
   JupyterLab settings and the license.
3. A fresh virtual environment outside the repository gets the wheel with ``pip install``; from its
   console script alone: ``dockernet-nb doctor`` (live, and with no engine), ``dockernet-nb lab
   --copy-only DIR`` into an empty folder, nbval over every copied lesson in replay mode (DOCKER_HOST
   pointing at a socket that does not exist), lesson 01 copied there run live against the engine, and
   ``dockernet-nb lab`` starting JupyterLab on 127.0.0.1 with a token and without the news prompt.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

import dockernet_nb

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
PAGES = sorted((REPO / "notebooks").glob("*.md"))  # the glossary, recap and troubleshooting the lessons link to
RECORDINGS = sorted((REPO / "dockernet_nb" / "recordings").glob("*.json"))
SANITIZE = str(REPO / "tests" / "nbval_sanitize.cfg")
VERSION = dockernet_nb.__version__
NO_ENGINE = "unix:///nonexistent/dockernet-nb-no-engine.sock"
LAB_START_S = 120


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The sdist and the wheel, built from a copy of the repository so no build file lands in it."""
    source = tmp_path_factory.mktemp("source") / "dockernet-nb"
    shutil.copytree(
        REPO, source,
        ignore=shutil.ignore_patterns(".venv", ".git", "*.egg-info", "build", "dist", "test-artifacts", "__pycache__",
                                      ".pytest_cache", ".ipynb_checkpoints", "lessons"),
    )  # fmt: skip
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(source)],
                           capture_output=True, text=True, timeout=900)  # fmt: skip
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    return out


def _wheel(dist: Path) -> Path:
    (wheel,) = dist.glob("dockernet_nb-*.whl")
    return wheel


def test_build_makes_an_sdist_and_a_wheel_that_twine_accepts(dist):
    files = sorted(p.name for p in dist.iterdir())
    assert files == [f"dockernet_nb-{VERSION}-py3-none-any.whl", f"dockernet_nb-{VERSION}.tar.gz"]
    check = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())],
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("PASSED") == 2


def test_the_wheel_holds_every_lesson_and_recording(dist):
    with zipfile.ZipFile(_wheel(dist)) as wheel:
        names = set(wheel.namelist())
        for notebook in [*NOTEBOOKS, *PAGES]:
            inside = f"dockernet_nb/lessons/{notebook.name}"
            assert inside in names, f"{notebook.name} is not in the wheel"
            assert wheel.read(inside) == notebook.read_bytes(), f"{inside} differs from notebooks/{notebook.name}"
        assert {n for n in names if n.startswith("dockernet_nb/lessons/")} == {f"dockernet_nb/lessons/{n.name}" for n in [*NOTEBOOKS, *PAGES]}
        for recording in RECORDINGS:
            assert wheel.read(f"dockernet_nb/recordings/{recording.name}") == recording.read_bytes()
        assert "dockernet_nb/lab_config/labconfig/default_setting_overrides.json" in names
        # Everything the package holds in the source (code and data alike) is in the wheel.
        source = {
            path.relative_to(REPO).as_posix()
            for path in (REPO / "dockernet_nb").rglob("*")
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
        }
        assert source - names == set()
        assert f"dockernet_nb-{VERSION}.dist-info/licenses/LICENSE" in names
        metadata = wheel.read(f"dockernet_nb-{VERSION}.dist-info/METADATA").decode()
        entry_points = wheel.read(f"dockernet_nb-{VERSION}.dist-info/entry_points.txt").decode()
    assert f"Version: {VERSION}\n" in metadata and "License-Expression: MIT\n" in metadata
    assert "dockernet-nb = dockernet_nb.cli:main" in entry_points
    with tarfile.open(next(dist.glob("*.tar.gz"))) as sdist:
        members = {m.name.split("/", 1)[1] for m in sdist.getmembers() if "/" in m.name}
    assert {f"notebooks/{n.name}" for n in NOTEBOOKS} <= members
    assert {"LICENSE", "CHANGELOG.md", "setup.py", "pyproject.toml"} <= members


@dataclass
class Learner:
    """A fresh virtual environment with the wheel installed, and a home folder of its own."""

    venv: Path
    home: Path
    install_seconds: float

    def bin(self, name: str) -> str:
        return str(self.venv / ("Scripts" if os.name == "nt" else "bin") / name)

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKERNET_NB_", "PYTEST_", "JUPYTER", "VIRTUAL_ENV", "PYTHON"))}
        env.update(HOME=str(self.home), PATH=f"{Path(self.bin('python')).parent}{os.pathsep}{os.environ['PATH']}")
        env.update(extra)
        return env

    def run(self, *command: str, cwd: Path, timeout: float = 300, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(list(command), cwd=cwd, env=self.env(**extra), capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def learner(dist, tmp_path_factory) -> Learner:
    root = tmp_path_factory.mktemp("learner")
    venv, home = root / "venv", root / "home"
    home.mkdir()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    started = time.monotonic()
    learner = Learner(venv, home, 0.0)
    install = subprocess.run(
        [learner.bin("python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(_wheel(dist)), "nbval>=0.11", "pytest>=8"],
        capture_output=True, text=True, timeout=1800, cwd=root,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout[-4000:] + install.stderr[-4000:]
    learner.install_seconds = time.monotonic() - started
    print(f"pip install of the wheel into a fresh venv: {learner.install_seconds:.0f} s")
    return learner


def test_the_installed_package_is_the_wheel_not_the_repository(learner, tmp_path):
    where = learner.run(learner.bin("python"), "-c", "import dockernet_nb; print(dockernet_nb.__file__)", cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(learner.venv)


def test_doctor_from_the_wheel_live_and_with_no_engine(learner, tmp_path):
    live = learner.run(learner.bin("dockernet-nb"), "doctor", cwd=tmp_path)
    assert live.returncode == 0, live.stdout + live.stderr
    assert "mode:      live" in live.stdout and "everything the lessons need is here." in live.stdout
    assert f"dockernet-nb {VERSION}" in live.stdout
    none = learner.run(learner.bin("dockernet-nb"), "doctor", cwd=tmp_path, DOCKER_HOST=NO_ENGINE)
    assert none.returncode == 0, none.stdout + none.stderr
    assert "mode:      replay (no engine answers)" in none.stdout
    assert f"{len(RECORDINGS)} lessons recorded live" in none.stdout


def _nbval(learner: Learner, notebooks: list[Path], cwd: Path, *, lax: bool = False, **env: str) -> subprocess.CompletedProcess:
    """nbval in the learner's environment: strict (outputs must match), or ``lax`` (every cell must run)."""
    return learner.run(
        learner.bin("python"), "-m", "pytest", "--nbval-lax" if lax else "--nbval", *map(str, notebooks), "--nbval-sanitize-with", SANITIZE,
        "-p", "no:cacheprovider", "-q", "-o", "addopts=", "--rootdir", str(cwd),
        cwd=cwd, timeout=1800, **env,
    )  # fmt: skip


@pytest.fixture(scope="module")
def copied(learner, tmp_path_factory) -> Path:
    """The lessons, copied by the wheel's `dockernet-nb lab --copy-only` into an empty folder."""
    folder = tmp_path_factory.mktemp("workspace") / "my lessons"  # a space in the path, as on many laptops
    run = learner.run(learner.bin("dockernet-nb"), "lab", "--copy-only", str(folder), cwd=learner.home)
    assert run.returncode == 0, run.stdout + run.stderr
    for notebook in NOTEBOOKS:
        assert f"added       {notebook.name}" in run.stdout
        assert (folder / notebook.name).read_bytes() == notebook.read_bytes()
    return folder


def test_every_copied_lesson_replays_with_no_engine(learner, copied):
    lessons = sorted(copied.glob("*.ipynb"))
    assert len(lessons) == len(NOTEBOOKS)
    run = _nbval(learner, lessons, copied, DOCKER_HOST=NO_ENGINE)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout


def test_a_copied_lesson_runs_live_against_the_engine(learner, copied, tmp_path):
    lesson = shutil.copy(copied / "01-bridge-networks.ipynb", tmp_path)  # its own folder, apart from the replay run
    # Lax: the stored outputs come from Engine 28 and this engine may be another (strictly compared on
    # Engine 28 in test_notebooks_engine28.py); here every cell must run without an error.
    run = _nbval(learner, [Path(lesson)], tmp_path, lax=True, DOCKERNET_NB_MODE="live")
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as e:
        return e.code, b""
    except (urllib.error.URLError, OSError):
        return 0, b""  # nothing listens (yet)


def test_lab_from_the_wheel_opens_jupyterlab_on_loopback_with_a_token_and_no_news_prompt(learner, tmp_path):
    folder, port, token = tmp_path / "workspace", _free_port(), os.urandom(16).hex()
    log = (tmp_path / "lab.log").open("w")
    process = subprocess.Popen(
        [learner.bin("dockernet-nb"), "lab", "--no-browser", "--port", str(port), str(folder)],
        cwd=learner.home, env=learner.env(JUPYTER_TOKEN=token), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + LAB_START_S
        while time.monotonic() < deadline and process.poll() is None:
            if _get(f"{base}/api/status?token={token}")[0] == 200:
                break
            time.sleep(0.5)
        text = (tmp_path / "lab.log").read_text()
        assert _get(f"{base}/api/status?token={token}")[0] == 200, text[-4000:]
        assert _get(f"{base}/api/status")[0] == 403  # a token is needed
        assert _get(f"{base}/api/contents/00-setup.ipynb?content=0&token={token}")[0] == 200
        # The course's defaults reached JupyterLab (plain JupyterLab has "none", which asks, and true).
        status, body = _get(f"{base}/lab/api/settings/@jupyterlab/apputils-extension:notification?token={token}")
        assert status == 200
        defaults = {k: v.get("default") for k, v in json.loads(body)["schema"]["properties"].items()}
        assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False
        for step in ("== Docker engine", "== Course images", "== Lessons", "== JupyterLab on"):
            assert step in text, text[-4000:]
        # Only on loopback: no other address of this machine answers.
        for address in {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), port, socket.AF_INET)} - {"127.0.0.1"}:
            with socket.socket() as probe:
                probe.settimeout(2)
                assert probe.connect_ex((address, port)) != 0, f"JupyterLab answers on {address}"
    finally:
        request = urllib.request.Request(f"{base}/api/shutdown?token={token}", method="POST")
        try:
            urllib.request.urlopen(request, timeout=10).close()
            process.wait(timeout=60)
        except (urllib.error.URLError, OSError, subprocess.TimeoutExpired):
            process.terminate()
            process.wait(timeout=30)
        log.close()
    assert process.returncode == 0
    # The learner's own Jupyter settings were never written.
    assert not (learner.home / ".jupyter" / "lab" / "user-settings").exists()
