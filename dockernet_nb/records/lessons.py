"""What a lesson shows besides results: an engine note, a break-fix lab, an exercise check's verdict."""

from __future__ import annotations

import dataclasses
import html

__all__ = ["EngineNote", "FaultLab", "CheckResult"]


@dataclasses.dataclass(frozen=True)
class EngineNote:
    """A short note about one engine difference, as Markdown."""

    topic: str
    engine: str
    text: str

    def __repr__(self) -> str:
        return f"Note on this engine (Docker {self.engine}): {self.text}"

    def _repr_markdown_(self) -> str:
        return f"> **On this engine (Docker {self.engine}).** {self.text}"

    def _repr_html_(self) -> str:
        return (
            "<div class='dnb-engine-note' style='border-left:4px solid #ef6c00;padding-left:8px'>"
            f"<b>On this engine (Docker {html.escape(self.engine)}).</b> {html.escape(self.text)}</div>"
        )


@dataclasses.dataclass(frozen=True, repr=False)
class FaultLab:
    """A break-fix lab: the seed that chose the fault, which set-up it broke, and what the user reports."""

    seed: int
    fault: str
    setup: str
    symptom: str
    hints: int

    def _lines(self) -> list[str]:
        return [
            f"Break-fix lab, seed {self.seed} (the same seed gives the same fault, on any machine).",
            f"Reported: {self.symptom}",
            "Investigate with the course's verbs and fix it any way you like; then dnb.check_fix(lab). "
            f"Stuck? dnb.fault_hint(lab) gives one of {self.hints} hints at a time.",
        ]

    def __repr__(self) -> str:
        return "\n".join(self._lines())

    def _repr_html_(self) -> str:
        first, reported, rest = self._lines()
        return (
            "<div style='border-left:4px solid #c62828;padding-left:8px'>"
            f"{html.escape(first)}<br><b>{html.escape(reported)}</b><br><i>{html.escape(rest)}</i></div>"
        )


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """An exercise check's verdict: "Correct", or "Not yet" with a hint."""

    ok: bool
    message: str
    hint: str = ""
    exercise: str = ""

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        mark = "Correct" if self.ok else "Not yet"
        text = f"{mark}: {self.message}"
        return text + (f"\nHint: {self.hint}" if self.hint and not self.ok else "")

    def _repr_html_(self) -> str:
        colour, mark = ("#2e7d32", "&#10004; Correct") if self.ok else ("#c62828", "&#10008; Not yet")
        hint = f"<br><i>Hint:</i> {html.escape(self.hint)}" if self.hint and not self.ok else ""
        return f"<div style='color:{colour}'><b>{mark}</b>: {html.escape(self.message)}{hint}</div>"
