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

from dockernet_nb.checks import basics, breakfix, capture, console, everyday, plumbing, ports, routing, swarm
from dockernet_nb.checks.basics import (
    check_bridge_isolation,
    check_default_gateway,
    check_engine_name,
    check_loopback_prediction,
    check_on_both_networks,
    check_redis_address,
    check_redis_greeting,
    check_smallest_image,
)
from dockernet_nb.checks.breakfix import check_break_fix
from dockernet_nb.checks.capture import check_dns_port, check_unforwarded_port
from dockernet_nb.checks.console import check_reach_over_front
from dockernet_nb.checks.everyday import (
    check_billing_name,
    check_bob_blocked,
    check_compose_cache,
    check_compose_names,
    check_dual_stack_fallback,
    check_names_with_dns,
    check_publish_clash,
    check_reader_shares,
    check_second_ipv6_network,
)
from dockernet_nb.checks.exercise import ask, exercise, question
from dockernet_nb.checks.plumbing import check_host_peer, check_nat_source, check_third_namespace
from dockernet_nb.checks.ports import check_proxy_or_dnat, check_published_uptime, check_visitor_address
from dockernet_nb.checks.result import CheckResult, failed, no_answer, passed
from dockernet_nb.checks.routing import check_ospf_detour, check_way_back_ttl, check_web_closed_to_lan1
from dockernet_nb.checks.swarm import check_replicas_after_failure, check_vxlan_outer_address

__all__ = [
    "CheckResult",
    "passed",
    "failed",
    "no_answer",
    "ask",
    "exercise",
    "question",
    *basics.__all__,
    *routing.__all__,
    *ports.__all__,
    *breakfix.__all__,
    *plumbing.__all__,
    *capture.__all__,
    *console.__all__,
    *everyday.__all__,
    *swarm.__all__,
]
