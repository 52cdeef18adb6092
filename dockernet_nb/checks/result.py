"""The answer a check gives: "Correct", or "Not yet" with a hint. A check never raises for a wrong answer."""

from __future__ import annotations

from dockernet_nb.records import CheckResult

__all__ = ["CheckResult", "passed", "failed", "no_answer"]


def passed(message: str) -> CheckResult:
    return CheckResult(True, message)


def failed(message: str, hint: str) -> CheckResult:
    return CheckResult(False, message, hint)


def no_answer(hint: str) -> CheckResult:
    return failed("there is no answer yet (answer is None).", hint)
