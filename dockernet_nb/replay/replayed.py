"""Replayed answers: each shows, above itself, when and on which engine it was recorded."""

from __future__ import annotations

import html
from typing import Any

from dockernet_nb.records import CourseFrame

__all__ = ["ReplayedFrame", "ReplayedText", "Replayed"]


class ReplayedFrame(CourseFrame):
    """A table from a recording: :class:`CourseFrame` shows ``attrs["replayed"]`` above it."""

    @property
    def _constructor(self) -> type[ReplayedFrame]:
        return ReplayedFrame


class ReplayedText(str):
    """Text a server sent in the recorded run; printing it says so first."""

    note: str

    def __new__(cls, text: str, note: str) -> ReplayedText:
        made = super().__new__(cls, text)
        made.note = note
        return made

    def __str__(self) -> str:
        return f"{self.note}\n{str.__str__(self)}"

    def __repr__(self) -> str:
        return f"{self.note}\n{str.__repr__(self)}"

    def __format__(self, spec: str) -> str:
        # f"ping {address}" builds a command or a sentence from the text itself, as in a live run.
        return str.__format__(str.__str__(self), spec)


class Replayed:
    """A recorded record (handle, result) that shows it was replayed; attributes pass through."""

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # isinstance(replayed, ContainerHandle) holds, as for the live answer
        return type(object.__getattribute__(self, "_wrapped"))

    def __init__(self, wrapped: Any, note: str) -> None:
        object.__setattr__(self, "_wrapped", wrapped)
        object.__setattr__(self, "_note", note)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped, name)

    def __str__(self) -> str:
        return f"{self._note}\n{self._wrapped}"

    def __repr__(self) -> str:
        return f"{self._note}\n{self._wrapped!r}"

    def __bool__(self) -> bool:
        return bool(self._wrapped)

    def __eq__(self, other: object) -> bool:
        return self._wrapped == (other._wrapped if isinstance(other, Replayed) else other)

    def __hash__(self) -> int:
        return hash(self._wrapped)

    def _repr_html_(self) -> str:
        inner = self._wrapped._repr_html_() if hasattr(self._wrapped, "_repr_html_") else html.escape(repr(self._wrapped))
        return f'<p class="dnb-replayed"><i>{html.escape(self._note)}</i></p>\n{inner}'
