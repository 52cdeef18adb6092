"""How a check is built: ask the engine a question (recorded like any answer), judge the learner's answer.

A check has two halves. Its *questions* to the engine (the address a container has now, what a server
answers, which rules a router holds) go through :func:`ask`, a recordable verb: when a lesson is
recorded, the recorder also runs every exercise's solution, so the answers to those questions are in
the recording and replay mode can judge a learner's answer the way the live engine did. The
*judging* is plain Python on those answers. :func:`exercise` wraps a check so that it never raises for
a wrong or missing answer, and notes every attempt in the learner's progress file.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from dockernet_nb import ledger
from dockernet_nb.checks.result import CheckResult, NotYet, failed
from dockernet_nb.engine import labels
from dockernet_nb.engine.objects import container_handle, find_container
from dockernet_nb.errors import DockernetError, NotFound, NotRecorded
from dockernet_nb.questions import QUESTIONS, ask, question
from dockernet_nb.records import ContainerHandle

__all__ = ["question", "ask", "exercise", "QUESTIONS", "running_container"]

C = TypeVar("C", bound=Callable[..., CheckResult])


def exercise(name: str | Callable[[Any], str]) -> Callable[[C], C]:
    """Make ``check`` an exercise's check: never raises for the answer, records each attempt.

    ``name`` is the exercise's id in the notebook's metadata and the progress file, or a function of the
    answer giving it (one check serving several exercises, e.g. one per break-fix lab).
    """

    def decorate(check: C) -> C:
        @functools.wraps(check)
        def run(answer: Any = None, **options: Any) -> CheckResult:
            try:
                result = check(answer, **options)
            except NotYet as e:
                result = e.result
            except NotRecorded:
                result = failed(
                    "replay mode cannot judge this: the recorded run never asked the engine what this check needs "
                    "(were the cells above changed?).",
                    "Run the cells above as they are, or run the lesson live with Docker (`dockernet-nb lab`).",
                )
            except DockernetError as e:
                result = failed(f"the check could not ask the engine: {e}", "Run the cells above again, then the check.")
            shown = dataclasses.replace(result, exercise=name(answer) if callable(name) else name)
            if answer is not None:
                ledger.attempt(labels.lesson(), shown.exercise, passed=shown.ok, hint_shown=not shown.ok and bool(shown.hint))
            return shown

        run.exercise = name  # type: ignore[attr-defined]
        return run  # type: ignore[return-value]

    return decorate


def running_container(name: str) -> ContainerHandle | None:
    """For a question: the course container ``name`` as it is now; None when there is none."""
    try:
        return container_handle(find_container(name))
    except NotFound:
        return None
