"""Starting a lesson: name its objects, sweep up after dead kernels, and say how the course runs."""

from __future__ import annotations

import dataclasses
import html
import os

from dockernet_nb import ledger, replay
from dockernet_nb.engine import labels
from dockernet_nb.engine.connection import engine_version
from dockernet_nb.engine.sweep import course_objects, remove_objects, session_taken_elsewhere

__all__ = ["start_lesson", "LessonStatus"]


@dataclasses.dataclass(frozen=True)
class LessonStatus:
    lesson: str
    session: str
    mode: str
    engine: str
    where: str
    swept: int

    def _lines(self) -> list[str]:
        lines = [
            f"Lesson {self.lesson!r}: {self.mode} mode, Docker engine {self.engine} at {self.where}.",
            f"This kernel's containers and networks are named '{self.lesson}-{self.session}-<name>' on the engine.",
        ]
        if self.swept:
            lines.append(f"Removed {self.swept} object(s) left behind by kernels that no longer run.")
        return lines

    def __repr__(self) -> str:
        return "\n".join(self._lines())

    def _repr_html_(self) -> str:
        return "<div style='border-left:4px solid #1565c0;padding-left:8px'>" + "<br>".join(
            html.escape(line) for line in self._lines()
        ) + "</div>"


def start_lesson(name: str) -> LessonStatus:
    """Begin a lesson: choose live or replay, name this kernel's objects after the lesson, sweep stale ones.

    Example::

        >>> dnb.start_lesson("bridge")        # doctest: +SKIP
        Lesson 'bridge': live mode, Docker engine 20.10.24+dfsg1 at the local socket.
    """
    labels.set_lesson(name)
    replay.begin_lesson(name)
    ledger.lesson_started(name)
    if replay.mode() == "replay":
        book = replay.current_book()
        return LessonStatus(
            lesson=name,
            session=labels.session_id(),
            mode="replay",
            engine=str(book.data.get("engine_version")),
            where=f"a live run recorded on {book.data.get('recorded_at')} (no engine is used)",
            swept=0,
        )
    version = engine_version()
    while session_taken_elsewhere():
        labels.new_session()  # 1 in 4 billion: another kernel drew the same id
    stale = course_objects("stale")
    remove_objects(stale)
    return LessonStatus(
        lesson=name,
        session=labels.session_id(),
        mode="live",
        engine=version,
        where=os.environ.get("DOCKER_HOST") or "the local socket",
        swept=len(stale),
    )
