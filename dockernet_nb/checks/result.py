"""The answer a check gives: "Correct", or "Not yet" with a hint. A check never raises for a wrong answer.

The helpers that read an answer of one kind (:func:`text_answer`, :func:`true_or_false`,
:func:`handle_name`) end the check at once with its "Not yet" when the answer is missing or of another
kind: they raise :class:`NotYet`, which :func:`~dockernet_nb.checks.exercise.exercise` returns as the
check's result, so a check reads its answer in one line.
"""

from __future__ import annotations

from dockernet_nb.records import CheckResult, ContainerHandle

__all__ = [
    "CheckResult",
    "NotYet",
    "passed",
    "failed",
    "no_answer",
    "container_name",
    "text_answer",
    "true_or_false",
    "handle_name",
]


class NotYet(Exception):
    """A check's "Not yet", reached before the check's end; :func:`~dockernet_nb.checks.exercise.exercise` returns it."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__(result.message)
        self.result = result


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


def text_answer(answer: object, hint: str) -> str:
    """The text of ``answer``; when there is none, the check's "Not yet" (raised as :class:`NotYet`)."""
    if answer is None:
        raise NotYet(no_answer(hint))
    return answer.strip() if isinstance(answer, str) else str(answer)  # str() of replayed text adds its note


def true_or_false(answer: object, hint: str) -> bool:
    """``answer`` when it is True or False; else the check's "Not yet" (raised as :class:`NotYet`)."""
    if answer is None:
        raise NotYet(no_answer(hint))
    if not isinstance(answer, bool):
        raise NotYet(failed(f"{answer!r} is not True or False.", hint))
    return answer


def handle_name(answer: object, hint: str, *, returned_by: str = "dnb.run(..., detach=True)") -> str:
    """The container a handle (or its name) answers with; else the check's "Not yet" (raised as :class:`NotYet`)."""
    if answer is None:
        raise NotYet(no_answer(hint))
    name = container_name(answer)
    if name is None:
        raise NotYet(failed(f"answer should be the handle {returned_by} returned.", hint))
    return name
