"""The answer a check gives: "Correct", or "Not yet" with a hint. A check never raises for a wrong answer."""

from __future__ import annotations

from dockernet_nb.records import CheckResult, ContainerHandle

__all__ = ["CheckResult", "passed", "failed", "no_answer", "container_name"]


def passed(message: str) -> CheckResult:
    return CheckResult(True, message)


def failed(message: str, hint: str) -> CheckResult:
    return CheckResult(False, message, hint)


def no_answer(hint: str) -> CheckResult:
    return failed("there is no answer yet (answer is None).", hint)


def container_name(answer: object) -> str | None:
    """The learner-facing name in a handle or a plain string an exercise was answered with; None for anything else."""
    if isinstance(answer, ContainerHandle):
        return answer.name
    if isinstance(answer, str) and answer.strip():
        return answer.strip()
    return None
