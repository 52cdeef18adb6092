"""The break-fix lesson's exercises: is the fault the lab reported really gone, and nothing else broken?"""

from __future__ import annotations

from typing import Any

from dockernet_nb.breakfix.verbs import check_fix
from dockernet_nb.checks.exercise import exercise
from dockernet_nb.checks.result import CheckResult, failed, no_answer
from dockernet_nb.records import FaultLab

__all__ = ["check_break_fix"]


def _exercise_of(answer: Any) -> str:
    return f"fix-{answer.fault}" if isinstance(answer, FaultLab) else "break-fix"


@exercise(_exercise_of)
def check_break_fix(answer: Any) -> CheckResult:
    """17-break-fix: ``answer`` is the lab (``dnb.break_fix(...)``) after your fix; every try must work again."""
    hint = "Fix the lab first, then answer = lab. dnb.fault_hint(lab) gives a hint, one at a time."
    if answer is None:
        return no_answer(hint)
    if not isinstance(answer, FaultLab):
        return failed("answer should be the lab that dnb.break_fix(...) returned.", hint)
    result = check_fix(answer)
    return result if result.ok else failed(result.message, hint)
