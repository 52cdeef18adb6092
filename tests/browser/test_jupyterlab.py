"""The lab console notebook in a real JupyterLab, driven by headless Chromium through Playwright.

JupyterLab serves a temporary copy of ``notebooks/90-lab-console.ipynb`` (outputs stripped, so every
picture and widget seen here comes from this run) on 127.0.0.1 only, and the browser may fetch nothing
but that address. We run every cell from the Run menu, check that the topology picture and the console
rendered, click the console's buttons, and check the engine is left clean.

Needs Debian's Chromium (``apt-get install -y chromium``) and the ``playwright`` package; Playwright's
own browser download is never used.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from dockernet_nb.engine import connection as engine
from dockernet_nb.engine import labels
from dockernet_nb.engine.connection import client
from dockernet_nb.engine.images import missing_images

pytestmark = pytest.mark.engine

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "90-lab-console.ipynb"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Belt and braces for the network rule: no host name resolves, so nothing can leave by name.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]
LESSON = "console"  # what the notebook passes to dnb.start_lesson
SERVER_START_S = 90
RUN_ALL_S = 240
UI_S = 60

# JupyterLab settings for this throw-away user: never ask about or fetch news and updates, and keep every
# cell in the DOM (no windowing) so the test can find outputs without scrolling first.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
        "doNotDisturbMode": True,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            found.append(int(entry.name))
    return found


class LabServer:
    """A JupyterLab server of our own on 127.0.0.1, with its own config, settings and runtime dirs."""

    def __init__(self, root: Path, home: Path) -> None:
        self.root, self.home = root, home
        self.port = _free_port()
        self.token = os.urandom(16).hex()
        self.log_path = home / "server.log"
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        settings = self.home / "lab-settings"
        for relative, values in LAB_SETTINGS.items():
            target = settings / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values))
        env = dict(
            os.environ,
            JUPYTER_CONFIG_DIR=str(self.home / "config"),
            JUPYTER_DATA_DIR=str(self.home / "data"),
            JUPYTER_RUNTIME_DIR=str(self.home / "runtime"),
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(self.home / "workspaces"),
        )
        command = [
            sys.executable, "-m", "jupyterlab",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            "--allow-root",
            "--no-browser",
            # Nothing from the internet: no news feed, no update check, no extension catalogue.
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
        ]  # fmt: skip
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            command, cwd=self.root, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + SERVER_START_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {self.process.returncode} at start.\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base}/api/status?token={self.token}", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        pytest.fail(f"JupyterLab did not answer on {self.base} within {SERVER_START_S} s.\n{self.log_tail()}")

    def kernel_owner_prefixes(self) -> list[str]:
        """The owner-label prefixes (<machine>/<pid namespace>:pid:) of the kernels this server runs."""
        assert self.process is not None
        where = labels.owner().split(":", 1)[0]  # the same machine and pid namespace as this test
        return [f"{where}:{pid}:" for pid in _children(self.process.pid)]

    def shut_down_kernels(self) -> None:
        """Stop every kernel this server runs (through its REST API)."""
        with urllib.request.urlopen(f"{self.base}/api/kernels?token={self.token}", timeout=10) as reply:
            kernels = json.loads(reply.read())
        for kernel in kernels:
            request = urllib.request.Request(f"{self.base}/api/kernels/{kernel['id']}?token={self.token}", method="DELETE")
            urllib.request.urlopen(request, timeout=30).close()

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "--- JupyterLab log (last lines) ---\n" + "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            request = urllib.request.Request(f"{self.base}/api/shutdown?token={self.token}", method="POST")
            urllib.request.urlopen(request, timeout=10).close()
            self.process.wait(timeout=30)
        except (urllib.error.URLError, OSError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        finally:
            self.log.close()


def _course_objects(owner_prefixes: list[str]) -> list[tuple[str, str]]:
    """(kind, docker name) of the lesson's containers and networks made by the given kernels."""
    selector = {"label": f"{labels.LESSON}={LESSON}"}
    found = [("container", c.name, c.labels) for c in client().containers.list(all=True, filters=selector)]
    found += [("network", n["Name"], n.get("Labels") or {}) for n in client().api.networks(filters=selector)]
    return [(kind, name) for kind, name, marks in found if marks.get(labels.OWNER, "").startswith(tuple(owner_prefixes))]


def _remove(objects: list[tuple[str, str]]) -> None:
    api = client().api
    for kind, name in sorted(objects):  # containers before networks
        try:
            if kind == "container":
                api.remove_container(name, force=True)
            else:
                api.remove_network(name)
        except Exception:  # already gone
            pass


@pytest.fixture
def lab(tmp_path):
    if not CHROMIUM.exists():
        pytest.fail(f"No Chromium at {CHROMIUM}. Install Debian's: apt-get install -y chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("The playwright package is missing: .venv/bin/pip install -e '.[test]' (or pip install playwright).")
    if not engine.answers():
        pytest.fail("No Docker engine answers. Run `./course test` (it starts one) or `dockernet-nb engine`.")
    if missing_images(["busybox"]):
        pytest.fail("The busybox course image is missing. Run `dockernet-nb images`.")
    root, home = tmp_path / "root", tmp_path / "home"
    root.mkdir()
    home.mkdir()
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, root / NOTEBOOK.name)
    server = LabServer(root, home)
    server.start()
    owners: list[str] = []
    try:
        yield server, owners
    finally:
        owners += server.kernel_owner_prefixes()
        leftovers = _course_objects(owners) if owners else []
        _remove(leftovers)
        server.stop()
        assert not leftovers, f"The notebook left these on the engine (now removed): {leftovers}"


def _code_cell(page, source: str):
    """The notebook's code cell whose source is exactly ``source``."""
    cells = page.locator(".jp-Notebook .jp-CodeCell")
    for i in range(cells.count()):
        if cells.nth(i).locator(".jp-InputArea-editor").inner_text().strip() == source:
            return cells.nth(i)
    raise AssertionError(f"No code cell with source {source!r} in the notebook page.")


def _wait_for_kernel(page, *, label: str, timeout_s: float = RUN_ALL_S) -> None:
    """Until no cell waits or runs ([*]) and every code cell shows an execution count, kernel idle."""
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
                .map(p => p.textContent.trim());
            const status = document.querySelector('#jp-main-statusbar')?.textContent || '';
            return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p)) && /Idle/.test(status);
        }""",
        timeout=timeout_s * 1000,
    )
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    tracebacks = [t for t in errors.all_inner_texts() if "Traceback" in t or "Error" in t]
    assert not tracebacks, f"{label}: a cell failed:\n" + "\n".join(tracebacks)


def _button(panel, label: str):
    """An ipywidgets button by its exact label."""
    return panel.locator("button.widget-button", has_text=re.compile(f"^\\s*{label}\\s*$"))


def _execution_count(cell) -> int:
    return int(re.search(r"\d+", cell.locator(".jp-InputPrompt").inner_text()).group())


def _menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def test_console_notebook_runs_and_its_widgets_respond(lab):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=UI_S * 1000)

    server, owners = lab
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "jupyterlab-failure.png").unlink(missing_ok=True)
    outside: list[str] = []

    def only_this_machine(route):
        host = route.request.url.split("/")[2].rsplit(":", 1)[0] if "://" in route.request.url else ""
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(server.home / "chromium-profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        page = browser.pages[0] if browser.pages else browser.new_page()
        page.set_default_timeout(UI_S * 1000)
        browser.route("**/*", only_this_machine)
        try:
            page.goto(f"{server.base}/lab/tree/{NOTEBOOK.name}?token={server.token}")
            expect(page.locator(".jp-NotebookPanel .jp-CodeCell").first).to_be_visible()
            expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=UI_S * 1000)

            # 1. Every cell, as a learner would: Run > Run All Cells.
            _menu(page, "Run", "Run All Cells")
            _wait_for_kernel(page, label="Run All Cells")
            owners += server.kernel_owner_prefixes()
            assert owners, "found no kernel process under the JupyterLab server"

            pictures = _code_cell(page, "dnb.topology()").locator(".jp-OutputArea-output img")
            expect(pictures).to_have_count(1)
            expect(pictures.first).to_be_visible()
            assert pictures.first.evaluate("img => img.naturalWidth") > 300, "the topology picture did not load"

            console = page.locator(".dnb-lab-console")
            expect(console).to_have_count(1)
            for name in ("Refresh", "Connect", "Disconnect", "Run"):
                expect(_button(console, name)).to_be_visible()
            status = console.locator(".dnb-console-status")
            # The notebook ran a command through the console before cleaning up: its output is in the panel.
            expect(status).to_contain_text("Ran `ip -4 addr` in alpha: exit code 0.")
            expect(console.locator(".jp-OutputArea-output").first).to_contain_text("inet 172.")
            expect(console.locator(".jp-OutputArea-output img")).to_be_visible()
            console.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "jupyterlab-console.png"))

            # 2. The last cell cleaned up; Refresh reads the engine again and the panel says so.
            _button(console, "Refresh").click()
            expect(status).to_contain_text("Read the engine: 0 container(s) and 0 network(s) in the picture.")
            _button(console, "Run").click()
            expect(status).to_contain_text("InvalidInput: Pick a container to run the command in.")
            expect(console).not_to_contain_text("Traceback")

            # 3. Again up to (not including) the clean-up cell, then work the console by hand.
            code_cells = page.locator(".jp-Notebook .jp-CodeCell")
            cleanup_cell, last_above = code_cells.nth(code_cells.count() - 1), code_cells.nth(code_cells.count() - 2)
            runs_so_far = _execution_count(last_above)
            cleanup_cell.locator(".jp-InputPrompt").click()
            _menu(page, "Run", "Run All Above Selected Cell")
            page.wait_for_function(
                "([prompt, before]) => { const m = prompt.textContent.match(/^\\[(\\d+)\\]:$/);"
                " return m !== null && Number(m[1]) > before; }",
                arg=[last_above.locator(".jp-InputPrompt").element_handle(), runs_so_far],
                timeout=RUN_ALL_S * 1000,
            )
            _wait_for_kernel(page, label="Run All Above Selected Cell")
            console = page.locator(".dnb-lab-console")
            status = console.locator(".dnb-console-status")
            console.locator(".widget-dropdown select").nth(0).select_option("beta")
            console.locator(".widget-dropdown select").nth(1).select_option("front")
            _button(console, "Connect").click()
            expect(status).to_contain_text("Connected beta to front: its address there is 172.")
            address = re.search(r"address there is (\S+?)\.$", status.inner_text().strip()).group(1)
            _button(console, "Run").click()
            expect(status).to_contain_text("Ran `ip -4 addr` in beta: exit code 0.")
            expect(console.locator(".jp-OutputArea-output").first).to_contain_text(f"inet {address}/")
            _button(console, "Disconnect").click()
            expect(status).to_contain_text("Disconnected beta from front")
            console.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "jupyterlab-console-clicked.png"))

            # 4. The clean-up cell, run from the keyboard (Ctrl+Enter: run it and stay on it).
            cleanup_cell.locator(".jp-InputPrompt").click()
            page.keyboard.press("Control+Enter")
            # The clean-up cell's table: the docker commands it ran, then one row per object it removed.
            removed = cleanup_cell.locator(".jp-OutputArea-output")
            expect(removed).to_contain_text("$ docker network rm console-", timeout=UI_S * 1000)
            for row in ("container", "alpha", "beta", "network", "back", "front"):
                expect(removed.locator("table")).to_contain_text(row)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "jupyterlab-failure.png"))
            print(server.log_tail(), file=sys.stderr)
            raise
        finally:
            browser.close()

    assert not outside, f"The browser tried to reach beyond this machine: {outside}"
    assert not _course_objects(owners), "the notebook's clean-up cell left course objects on the engine"


@pytest.fixture
def lab_in_replay(tmp_path, monkeypatch):
    """JupyterLab serving fresh copies of every lesson (outputs stripped), its kernels in replay mode."""
    if not CHROMIUM.exists():
        pytest.fail(f"No Chromium at {CHROMIUM}. Install Debian's: apt-get install -y chromium")
    monkeypatch.setenv("DOCKERNET_NB_MODE", "replay")
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/dockernet-nb-no-engine.sock")
    root, home = tmp_path / "root", tmp_path / "home"
    root.mkdir()
    home.mkdir()
    for path in sorted((REPO / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        notebook.metadata.pop("widgets", None)
        nbformat.write(notebook, root / path.name)
    for page in sorted((REPO / "notebooks").glob("*.md")):
        (root / page.name).write_text(page.read_text())
    server = LabServer(root, home)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_every_lesson_runs_in_jupyterlab_in_replay_mode_with_its_pictures(lab_in_replay):
    """As on Binder: each lesson, Run All Cells in a real JupyterLab, no error, every picture loads."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=UI_S * 1000)
    server = lab_in_replay
    ARTIFACTS.mkdir(exist_ok=True)
    lessons = sorted(p.name for p in server.root.glob("*.ipynb"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(server.home / "chromium-profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        page = browser.pages[0] if browser.pages else browser.new_page()
        page.set_default_timeout(UI_S * 1000)
        try:
            for number, name in enumerate(lessons):
                # A workspace of its own per lesson: only that notebook open, nothing restored from the last.
                page.goto(f"{server.base}/lab/workspaces/replay{number}/tree/{name}?reset&token={server.token}")
                expect(page.locator(".jp-NotebookPanel .jp-CodeCell").first).to_be_visible()
                expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=UI_S * 1000)
                _menu(page, "Run", "Run All Cells")
                _wait_for_kernel(page, label=name)
                assert page.get_by_text("Would you like to get notified").count() == 0, "JupyterLab's news prompt showed"
                pictures = page.locator(".jp-OutputArea-output img")
                for i in range(pictures.count()):
                    pictures.nth(i).scroll_into_view_if_needed()
                    assert pictures.nth(i).evaluate("img => img.complete && img.naturalWidth > 100"), f"{name}: picture {i} did not load"
                replayed = page.locator(".jp-OutputArea-output", has_text="[replayed: recorded live on")
                assert replayed.count() > 0, f"{name}: no output says it was replayed"
                if name.startswith("14-"):  # the capture's sequence diagram, drawn in the browser from the replayed frame
                    ladders = page.locator('.jp-OutputArea-output img[alt^="Ladder diagram:"]')
                    assert ladders.count() >= 1, f"{name}: no ladder diagram rendered"
                    ladders.first.scroll_into_view_if_needed()
                    assert "ICMP" in ladders.first.get_attribute("alt") or "TCP" in ladders.first.get_attribute("alt")
                    ladders.first.screenshot(path=str(ARTIFACTS / "jupyterlab-ladder.png"))
                server.shut_down_kernels()
            page.screenshot(path=str(ARTIFACTS / "jupyterlab-replay-last-lesson.png"))
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "jupyterlab-replay-failure.png"))
            print(server.log_tail(), file=sys.stderr)
            raise
        finally:
            browser.close()
