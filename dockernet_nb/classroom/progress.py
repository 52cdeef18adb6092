"""The instructor's page: every learner's progress, refreshed live, as a JupyterHub service.

The hub starts it (a managed service at ``/services/progress/``) and logs people in to it with OAuth.
An instructor (an admin of the hub, or a name on the class's instructor list) sees the whole class:
for each learner, which exercises of which lessons they have passed, with attempts and hints, and
whether their server runs. A learner who opens the page sees their own row and nobody else's. The
page asks ``api/progress`` again every few seconds; the figures come from each learner's progress
file (written by the exercise checks in their notebook, :mod:`dockernet_nb.ledger`) in their home
folder in the class folder, which only the host can read across learners.

Run by the hub as ``python -m dockernet_nb.classroom.progress``.
"""

from __future__ import annotations

import html
import json
import os
import urllib.parse
from typing import Any

from dockernet_nb.classroom.settings import ClassSettings, load
from dockernet_nb.curriculum import lesson_paths, read_lesson

__all__ = ["class_progress", "learner_progress", "make_app", "main", "REFRESH_SECONDS"]

REFRESH_SECONDS = 3


Column = tuple[str, str, str, tuple[str, ...]]  # notebook stem, lesson name, title, exercises


def _lessons() -> list[Column]:
    """Every lesson the course ships, in order, with its exercises."""
    return [(path.stem, lesson.name, lesson.title, lesson.exercises) for path in lesson_paths() for lesson in [read_lesson(path)]]


def _record(settings: ClassSettings, user: str) -> dict[str, Any]:
    try:
        data = json.loads(settings.progress_file(user).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    lessons = data.get("lessons", {}) if isinstance(data, dict) else {}
    return lessons if isinstance(lessons, dict) else {}


def _columns(records: list[dict[str, Any]]) -> list[Column]:
    """The shipped lessons that have exercises, with any exercise (or lesson) a learner's record holds
    that this copy of the course does not list, so nothing a learner did goes unseen."""
    columns: dict[str, Column] = {}
    for stem, name, title, exercises in _lessons():
        columns[name] = (stem, name, title, exercises)
    for record in records:
        for name, lesson in record.items():
            stem, _, title, exercises = columns.get(name, (name, name, name, ()))
            more = tuple(e for e in (lesson.get("exercises") or {}) if e not in exercises)
            columns[name] = (stem, name, title, exercises + more)
    return [column for column in columns.values() if column[3]]


def learner_progress(settings: ClassSettings, user: str, columns: list[Column] | None = None, record: dict[str, Any] | None = None) -> dict[str, Any]:
    """One learner's record: each lesson's exercises (passed, attempts, hints) and the totals."""
    record = _record(settings, user) if record is None else record
    rows = []
    passed = total = 0
    last = ""
    for stem, name, title, exercises in _columns([record]) if columns is None else columns:
        done = record.get(name, {})
        items = []
        for exercise in exercises:
            seen = (done.get("exercises") or {}).get(exercise, {})
            ok = bool(seen.get("passed"))
            passed += ok
            total += 1
            last = max(last, str(seen.get("passed") or ""), str(seen.get("first_attempt") or ""))
            items.append({"exercise": exercise, "passed": ok, "attempts": int(seen.get("attempts", 0)), "hints": int(seen.get("hints", 0))})
        rows.append({"notebook": stem, "lesson": name, "title": title, "started": bool(done), "exercises": items})
    return {"learner": user, "passed": passed, "total": total, "last": last, "lessons": rows}


def class_progress(settings: ClassSettings, users: list[str]) -> tuple[list[Column], list[dict[str, Any]]]:
    """The columns (lessons) and one row per learner, for ``users`` only."""
    records = {user: _record(settings, user) for user in users}
    columns = _columns(list(records.values()))
    return columns, [learner_progress(settings, user, columns, records[user]) for user in users]


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dockernet-nb: class progress</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
table { border-collapse: collapse; margin-top: 1rem; }
th, td { border: 1px solid #ccc; padding: .3rem .6rem; text-align: center; }
th.name, td.name { text-align: left; }
td.ok { background: #d7f5d7; } td.tried { background: #fde9c8; } td.none { color: #999; }
.small { font-size: .85rem; color: #555; }
</style></head>
<body>
<h1>Class progress</h1>
<p class="small" id="who"></p>
<table id="table"><thead></thead><tbody></tbody></table>
<p class="small">Each cell: exercises passed / exercises in the lesson (attempts, hints). Refreshed every
__REFRESH__ s; <span id="stamp"></span></p>
<script>
const cell = (row, text, cls) => { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; row.appendChild(td); return td; };
const XSRF = "__XSRF__";  // JupyterHub accepts a login cookie on a fetch() only with this token
async function refresh() {
  let data;
  try {
    const answer = await fetch("api/progress", {credentials: "same-origin", headers: {"X-XSRFToken": XSRF}});
    if (!answer.ok) throw new Error(`${answer.status} ${answer.statusText}`);
    data = await answer.json();
  }
  catch (e) { document.getElementById("stamp").textContent = "could not refresh: " + e; return; }
  document.getElementById("who").textContent = data.instructor
    ? `Signed in as ${data.user} (instructor): the whole class.` : `Signed in as ${data.user}: your own progress.`;
  const head = document.querySelector("#table thead"), body = document.querySelector("#table tbody");
  head.replaceChildren(); body.replaceChildren();
  const top = document.createElement("tr"); head.appendChild(top);
  for (const title of ["learner", "server", ...(data.lessons || []), "passed", "last activity"]) {
    const th = document.createElement("th"); th.textContent = title; if (title === "learner") th.className = "name"; top.appendChild(th);
  }
  for (const learner of data.learners) {
    const row = document.createElement("tr"); body.appendChild(row);
    cell(row, learner.learner, "name"); cell(row, learner.server || "");
    for (const lesson of learner.lessons) {
      const ok = lesson.exercises.filter(e => e.passed).length, n = lesson.exercises.length;
      const attempts = lesson.exercises.reduce((a, e) => a + e.attempts, 0), hints = lesson.exercises.reduce((a, e) => a + e.hints, 0);
      const td = cell(row, lesson.started || attempts ? `${ok}/${n} (${attempts}, ${hints})` : "-", ok === n ? "ok" : (attempts ? "tried" : "none"));
      td.title = lesson.exercises.map(e => `${e.exercise}: ${e.passed ? "passed" : "not yet"}, ${e.attempts} attempt(s), ${e.hints} hint(s)`).join("\\n");
    }
    cell(row, `${learner.passed}/${learner.total}`); cell(row, learner.last || "");
  }
  document.getElementById("stamp").textContent = "last refreshed " + new Date().toLocaleTimeString();
}
refresh(); setInterval(refresh, __REFRESH__ * 1000);
</script></body></html>
"""


def make_app(settings: ClassSettings) -> Any:
    """The tornado application (imports JupyterHub's service auth only when it runs)."""
    from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
    from jupyterhub.utils import url_path_join
    from tornado import httpclient, web

    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/progress/")
    api_url = os.environ.get("JUPYTERHUB_API_URL", "")
    token = os.environ.get("JUPYTERHUB_API_TOKEN", "")

    def is_instructor(user: dict[str, Any]) -> bool:
        return bool(user.get("admin")) or user.get("name") in settings.instructors

    class Page(HubOAuthenticated, web.RequestHandler):
        @web.authenticated
        def get(self) -> None:
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            raw: Any = self.xsrf_token
            token = raw.decode() if isinstance(raw, bytes) else str(raw)
            self.write(PAGE.replace("__REFRESH__", str(REFRESH_SECONDS)).replace("__XSRF__", html.escape(token, quote=True)))

    class Progress(HubOAuthenticated, web.RequestHandler):
        @web.authenticated
        async def get(self) -> None:
            user = self.get_current_user()
            instructor = is_instructor(user)
            names = list(settings.learners) if instructor else [n for n in settings.learners if n == user.get("name")]
            columns, learners = class_progress(settings, names)
            servers = await self._servers(names)
            for row in learners:
                row["server"] = servers.get(row["learner"], "")
            self.set_header("Cache-Control", "no-store")
            self.write(
                {
                    "user": user.get("name"),
                    "instructor": instructor,
                    "lessons": [stem for stem, *_ in columns],
                    "learners": learners,
                }
            )

        async def _servers(self, names: list[str]) -> dict[str, str]:
            """Whether each learner's server runs (the service's own token may read that)."""
            found: dict[str, str] = {}
            if not (api_url and token):
                return found
            client = httpclient.AsyncHTTPClient()
            for name in names:
                try:
                    answer = await client.fetch(
                        url_path_join(api_url, "users", urllib.parse.quote(name)), headers={"Authorization": f"token {token}"}
                    )
                    model = json.loads(answer.body)
                    server = (model.get("servers") or {}).get("", {})
                    found[name] = "ready" if server.get("ready") else (server.get("pending") or "stopped")
                except Exception:
                    found[name] = "?"
            return found

    return web.Application(
        [
            (prefix, Page),
            (url_path_join(prefix, "api/progress"), Progress),
            (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
        ],
        cookie_secret=os.urandom(32),
    )


def main() -> None:
    from tornado import ioloop

    settings = load()
    url = urllib.parse.urlparse(os.environ.get("JUPYTERHUB_SERVICE_URL", f"http://127.0.0.1:{settings.progress_port}"))
    app = make_app(settings)
    app.listen(url.port or settings.progress_port, url.hostname or "127.0.0.1")
    ioloop.IOLoop.current().start()


if __name__ == "__main__":
    main()
