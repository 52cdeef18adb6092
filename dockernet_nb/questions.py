"""The questions exercise checks ask the engine, answered through one recorded verb.

A check's *questions* to the engine (the address a container has now, what a server answers) are
registered with :func:`question` and asked through :func:`ask`, a recordable verb: when a lesson is
recorded the recorder also runs every exercise's solution, so the answers are in the recording and
replay mode judges a learner's answer the way the live engine did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dockernet_nb.errors import InvalidInput
from dockernet_nb.replay import recordable

__all__ = ["question", "ask", "QUESTIONS"]

QUESTIONS: dict[str, Callable[..., Any]] = {}


def question(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a function that asks the engine something a check needs (its answer must be JSON data)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        QUESTIONS[name] = fn
        return fn

    return register


@recordable
def ask(question: str, **params: Any) -> Any:
    """The engine's answer to one of the checks' questions (recorded, so replay mode can judge too)."""
    asker = QUESTIONS.get(question)
    if asker is None:
        raise InvalidInput(f"No check asks {question!r}.")
    return asker(**params)
