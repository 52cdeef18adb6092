"""The answer a check gives: "Correct", or "Not yet" with a hint. A check never raises for a wrong answer."""

from __future__ import annotations

import dataclasses
import html

__all__ = ["CheckResult", "passed", "failed", "no_answer"]


@dataclasses.dataclass(frozen=True)
class CheckResult:
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


def passed(message: str) -> CheckResult:
    return CheckResult(True, message)


def failed(message: str, hint: str) -> CheckResult:
    return CheckResult(False, message, hint)


def no_answer(hint: str) -> CheckResult:
    return failed("there is no answer yet (answer is None).", hint)
