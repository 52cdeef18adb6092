"""Exercise checks: compare a learner's answer with what the engine says, and give a hint when wrong.

Each check asks the engine (or the learner's own result) for the truth at the moment it runs, so the
same check works whatever addresses this run happened to get. A check never raises for a wrong or
missing answer: it returns a :class:`CheckResult` that says "Correct", or "Not yet" with a hint.
Example::

    >>> from dockernet_nb import checks
    >>> checks.check_redis_address(None)          # doctest: +SKIP
    Not yet: there is no answer yet (answer is None).
    Hint: ...
"""

from __future__ import annotations

from dockernet_nb.checks.basics import (
    check_default_gateway,
    check_loopback_prediction,
    check_on_both_networks,
    check_published_uptime,
    check_redis_address,
    check_redis_greeting,
    check_smallest_image,
)
from dockernet_nb.checks.console import check_reach_over_front
from dockernet_nb.checks.exercise import ask, exercise, question
from dockernet_nb.checks.result import CheckResult, failed, no_answer, passed
from dockernet_nb.checks.routers import check_ospf_detour, check_way_back_ttl, check_web_closed_to_lan1
from dockernet_nb.checks.routing import check_proxy_or_dnat

__all__ = [
    "CheckResult",
    "passed",
    "failed",
    "no_answer",
    "ask",
    "exercise",
    "question",
    "check_smallest_image",
    "check_redis_address",
    "check_redis_greeting",
    "check_default_gateway",
    "check_loopback_prediction",
    "check_published_uptime",
    "check_on_both_networks",
    "check_web_closed_to_lan1",
    "check_ospf_detour",
    "check_way_back_ttl",
    "check_proxy_or_dnat",
    "check_reach_over_front",
]
