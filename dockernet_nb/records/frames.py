"""Tables: :class:`CourseFrame`, a DataFrame that shows the docker commands behind it, and a ping's summary."""

from __future__ import annotations

import dataclasses
import html
from typing import Any

import pandas as pd

from dockernet_nb.records.commands import DockerCommand, command_lines, commands_html

__all__ = ["PingSummary", "CourseFrame"]


@dataclasses.dataclass(frozen=True)
class PingSummary:
    """ping's own summary lines, typed (see :mod:`dockernet_nb.parsers.ping` for each field)."""

    dialect: str | None = None
    destination: str | None = None
    resolved: str | None = None
    transmitted: int | None = None
    received: int | None = None
    loss_pct: float | None = None
    rtt_min: float | None = None
    rtt_avg: float | None = None
    rtt_max: float | None = None
    error: str | None = None
    errors: int = 0
    source: str | None = None

    @classmethod
    def from_attrs(cls, data: dict[str, Any]) -> PingSummary:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


class CourseFrame(pd.DataFrame):
    """A verb's table: the docker command(s) behind it above the rows, and, when replayed, where it came from."""

    @property
    def _constructor(self) -> type[CourseFrame]:
        return CourseFrame

    @property
    def docker(self) -> tuple[DockerCommand, ...]:
        """The docker commands that would do what the verb did (also on frames derived from this one)."""
        return tuple(DockerCommand(**c) for c in self.attrs.get("docker") or ())

    @property
    def raw(self) -> str:
        """The text the table was parsed from ("" when it was not parsed from text)."""
        return str(self.attrs.get("raw") or "")

    @property
    def summary(self) -> PingSummary:
        """A ping's summary (sent, received, loss, round trips, error), typed."""
        return PingSummary.from_attrs(self.attrs.get("summary") or {})

    def _header(self) -> list[str]:
        note = self.attrs.get("replayed")
        return ([note] if note else []) + command_lines(self.docker)

    def __repr__(self) -> str:
        # pandas names the class in an empty frame's repr; say DataFrame, as for any table.
        table = super().__repr__().replace(f"Empty {type(self).__name__}", "Empty DataFrame", 1)
        return "\n".join([*self._header(), table])

    def _repr_html_(self) -> str | None:
        table = super()._repr_html_() or ""
        note = self.attrs.get("replayed")
        shown = f'<p class="dnb-replayed"><i>{html.escape(note)}</i></p>\n' if note else ""
        return shown + commands_html(self.docker) + table
