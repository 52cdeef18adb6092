"""The learner's workspace: a folder holding their own copy of every lesson.

The course ships its lessons inside the package (``dockernet_nb/lessons/``, copied from the
repository's ``notebooks/`` when the wheel is built; a source checkout reads ``notebooks/`` itself).
:func:`sync` copies them into a workspace folder and never overwrites a lesson the learner changed:

- a lesson missing from the workspace is **added**;
- a copy whose cells' sources equal the shipped lesson's is **up to date** and left as it is (the
  learner's outputs from running it are kept);
- a copy the learner never edited, of an older shipped version, is **updated** to the new one;
- any other copy was changed by the learner (its cells' sources differ from the lesson that was
  copied there) and is **left alone**; :func:`reset` gets the shipped version and keeps theirs as a
  dated backup next to it.

"Changed" looks at the cells' types and sources only: outputs, execution counts and metadata do not
count. What was copied last is remembered in ``.dockernet-nb.json`` in the workspace (the digests of
the shipped lesson each copy came from); a workspace without that file is judged against the shipped
lessons alone, so an unknown difference is always treated as the learner's work.

Nothing here talks to Docker: this module is plain file handling, unit-tested without an engine.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from dockernet_nb.errors import InvalidInput, SetupError

__all__ = [
    "ADDED",
    "UPDATED",
    "UP_TO_DATE",
    "LEFT_ALONE",
    "STATE_FILE",
    "default_workspace",
    "lessons_source",
    "shipped_lessons",
    "cell_sources",
    "sources_digest",
    "sync",
    "reset",
    "find_lesson",
    "LessonState",
    "SyncReport",
    "ResetResult",
]

ADDED = "added"
UPDATED = "updated"
UP_TO_DATE = "up to date"
LEFT_ALONE = "left alone"

STATE_FILE = ".dockernet-nb.json"
WORKSPACE_ENV = "DOCKERNET_NB_WORKSPACE"
PACKAGE = Path(__file__).resolve().parent


def default_workspace() -> Path:
    """``DOCKERNET_NB_WORKSPACE`` if set, else ``dockernet-nb`` in the home folder, on every OS."""
    chosen = os.environ.get(WORKSPACE_ENV, "").strip()
    return Path(chosen).expanduser() if chosen else Path.home() / "dockernet-nb"


def _source_checkout(package: Path) -> Path | None:
    """The repository's ``notebooks/`` when this package runs from a clone (or an editable install)."""
    root = package.parent
    notebooks = root / "notebooks"
    try:
        project = (root / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return None
    if 'name = "dockernet-nb"' in project and notebooks.is_dir() and any(notebooks.glob("*.ipynb")):
        return notebooks
    return None


def lessons_source(package: Path = PACKAGE) -> Path:
    """Where the shipped lessons are: the clone's ``notebooks/``, else the package's ``lessons/``."""
    checkout = _source_checkout(package)
    if checkout is not None:
        return checkout
    packaged = package / "lessons"
    if packaged.is_dir() and any(packaged.glob("*.ipynb")):
        return packaged
    raise SetupError(
        f"No lessons in {packaged}: this installation of dockernet-nb is incomplete. "
        "Reinstall it (`pip install --force-reinstall dockernet-nb`), or run from a clone of the repository."
    )


def shipped_lessons(source: Path | None = None) -> dict[str, Path]:
    """{file name: path} of every shipped lesson, in course order, and the pages they link to (glossary, recap, ...)."""
    folder = source or lessons_source()
    notebooks = sorted(folder.glob("*.ipynb"))
    pages = sorted(folder.glob("*.md")) if notebooks else []
    return {path.name: path for path in [*notebooks, *pages]}


def _text(source: object) -> str:
    text = "".join(source) if isinstance(source, list) else str(source or "")
    return text.replace("\r\n", "\n")


def cell_sources(notebook: dict) -> list[tuple[str, str]]:
    """(cell type, source) of every cell: what a learner writes. Outputs and metadata are left out."""
    return [(str(cell.get("cell_type", "")), _text(cell.get("source", ""))) for cell in notebook.get("cells", [])]


def sources_digest(path: Path) -> str | None:
    """A digest of a notebook's cell types and sources (a page's whole text), or None when it cannot be read."""
    if path.suffix != ".ipynb":
        return _file_digest(path)
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return None
    encoded = json.dumps(cell_sources(notebook), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


@dataclass(frozen=True)
class LessonState:
    """One lesson after a sync: its file name, what happened to it, and why."""

    name: str
    status: str
    why: str = ""


@dataclass
class SyncReport:
    """What :func:`sync` did in ``workspace``, one :class:`LessonState` per shipped lesson."""

    workspace: Path
    source: Path
    lessons: list[LessonState] = field(default_factory=list)
    same_folder: bool = False

    def names(self, status: str) -> list[str]:
        return [lesson.name for lesson in self.lessons if lesson.status == status]

    def lines(self) -> list[str]:
        """What to print: one line per lesson, then how to get a lesson the learner changed."""
        if self.same_folder:
            return [f"The workspace {self.workspace} is the course's own lesson folder: nothing to copy."]
        out = [f"Lessons in {self.workspace}:"]
        for lesson in self.lessons:
            out.append(f"  {lesson.status:<10}  {lesson.name}" + (f"  ({lesson.why})" if lesson.why else ""))
        if self.names(LEFT_ALONE):
            out.append(
                "A lesson you changed is never overwritten. `dockernet-nb reset LESSON` gets the course's "
                "version and keeps yours beside it as a dated backup."
            )
        return out


@dataclass(frozen=True)
class ResetResult:
    """A lesson put back as shipped; ``backup`` is where the learner's copy went (None: nothing to keep)."""

    lesson: Path
    backup: Path | None


def _read_state(workspace: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads((workspace / STATE_FILE).read_text(encoding="utf-8"))
        lessons = data["lessons"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {str(k): dict(v) for k, v in lessons.items() if isinstance(v, dict)} if isinstance(lessons, dict) else {}


def _write_state(workspace: Path, lessons: dict[str, dict[str, str]]) -> None:
    from dockernet_nb import __version__

    data = {
        "about": "Written by `dockernet-nb lab`: which shipped lesson each copy here came from. Safe to delete.",
        "version": __version__,
        "lessons": dict(sorted(lessons.items())),
    }
    _write_atomically(workspace / STATE_FILE, (json.dumps(data, indent=1) + "\n").encode("utf-8"))


def _write_atomically(target: Path, data: bytes) -> None:
    """Write ``target`` so that a reader (or a crash) never sees half a file."""
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "xb") as out:  # a new file, with the permissions the umask gives
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _shipped_record(path: Path) -> dict[str, str]:
    return {"sources": sources_digest(path) or "", "file": _file_digest(path) or ""}


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _judge(copy: Path, shipped: Path, last: dict[str, str] | None) -> tuple[str, str]:
    """(status, why) of the workspace ``copy`` against the ``shipped`` lesson and the ``last`` copied."""
    if not copy.exists():
        return ADDED, ""
    mine = sources_digest(copy)
    if mine is None:
        return LEFT_ALONE, "it cannot be read as a notebook"
    theirs = _shipped_record(shipped)
    if mine == theirs["sources"]:
        if last and _file_digest(copy) == last.get("file") and theirs["file"] != last.get("file"):
            return UPDATED, "fresh stored outputs"  # untouched since it was copied: nothing of the learner's is lost
        return UP_TO_DATE, ""
    if last and mine == last.get("sources"):
        return UPDATED, "new version of the lesson"
    return LEFT_ALONE, "you changed its cells"


def sync(workspace: Path, source: Path | None = None, *, dry_run: bool = False) -> SyncReport:
    """Copy the shipped lessons into ``workspace``; never overwrite a lesson the learner changed.

    With ``dry_run`` nothing is written: the report says what a sync would do.
    """
    source = source or lessons_source()
    workspace = Path(workspace).expanduser()
    report = SyncReport(workspace=workspace, source=source)
    if workspace.exists() and not workspace.is_dir():
        raise InvalidInput(f"The workspace {workspace} is a file, not a folder: name a folder for the lessons.")
    if _same_folder(workspace, source):
        report.same_folder = True
        return report
    lessons = shipped_lessons(source)
    if not lessons:
        raise SetupError(f"No lessons (*.ipynb) in {source}.")
    state = _read_state(workspace)
    for name, shipped in lessons.items():
        copy = workspace / name
        status, why = _judge(copy, shipped, state.get(name))
        report.lessons.append(LessonState(name, status, why))
    if dry_run:
        return report
    workspace.mkdir(parents=True, exist_ok=True)
    for lesson in report.lessons:
        name, status, shipped = lesson.name, lesson.status, lessons[lesson.name]
        copy = workspace / name
        if status in (ADDED, UPDATED):
            _write_atomically(copy, shipped.read_bytes())
        if status != LEFT_ALONE:
            state[name] = _shipped_record(shipped)
    _write_state(workspace, state)
    return report


def find_lesson(query: str, names: list[str]) -> str:
    """The one lesson file name ``query`` means: ``01``, ``01-bridge-networks``, ``bridge-networks.ipynb``, ``bridge``."""
    wanted = query.strip().removesuffix(".ipynb").lower()
    if not wanted:
        raise InvalidInput(f"Name a lesson: one of {', '.join(n.removesuffix('.ipynb') for n in names)}.")
    stems = {name: name.removesuffix(".ipynb").lower() for name in names}
    for test in (
        lambda stem: stem == wanted,
        lambda stem: stem.split("-", 1)[0] == wanted or (wanted.isdigit() and stem.split("-", 1)[0] == wanted.zfill(2)),
        lambda stem: wanted in stem,
    ):
        found = [name for name, stem in stems.items() if test(stem)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise InvalidInput(f"{query!r} could be {', '.join(found)}: name one of them.")
    raise InvalidInput(f"No lesson called {query!r}. The lessons: {', '.join(n.removesuffix('.ipynb') for n in names)}.")


def _backup_path(copy: Path, now: datetime.datetime) -> Path:
    """``01-bridge-networks.mine-2026-11-29-153012.ipynb``, with ``-2``, ``-3`` ... if that exists."""
    stamp = now.strftime("%Y-%m-%d-%H%M%S")
    candidate = copy.with_name(f"{copy.stem}.mine-{stamp}{copy.suffix}")
    n = 2
    while candidate.exists():
        candidate = copy.with_name(f"{copy.stem}.mine-{stamp}-{n}{copy.suffix}")
        n += 1
    return candidate


def reset(workspace: Path, lesson: str, source: Path | None = None, *, now: datetime.datetime | None = None) -> ResetResult:
    """Put the shipped ``lesson`` back in ``workspace``; the learner's copy, if it differs, becomes a dated backup."""
    source = source or lessons_source()
    workspace = Path(workspace).expanduser()
    if _same_folder(workspace, source):
        raise InvalidInput(
            f"{workspace} is the course's own lesson folder (a clone): use `git checkout -- FILE` there instead."
        )
    lessons = shipped_lessons(source)
    name = find_lesson(lesson, list(lessons))
    shipped, copy = lessons[name], workspace / name
    workspace.mkdir(parents=True, exist_ok=True)
    backup = None
    if copy.exists() and _file_digest(copy) != _file_digest(shipped):
        backup = _backup_path(copy, now or datetime.datetime.now())
        os.replace(copy, backup)
    _write_atomically(copy, shipped.read_bytes())
    state = _read_state(workspace)
    state[name] = _shipped_record(shipped)
    _write_state(workspace, state)
    return ResetResult(copy, backup)
