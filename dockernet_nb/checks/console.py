"""Exercise check of the lab console (90): which of a container's addresses can another one reach?

The check asks the engine which networks both containers are on now and pings every address of the
target from the source (through the recorded :func:`~dockernet_nb.checks.exercise.ask`), then judges
the learner's answer, an address, against that. Example::

    >>> from dockernet_nb import checks
    >>> checks.check_reach_over_front(None)        # doctest: +SKIP
    Not yet: there is no answer yet (answer is None).
    Hint: ...
"""

from __future__ import annotations

import ipaddress
import time
from typing import Any

from dockernet_nb.checks.exercise import ask, exercise, question
from dockernet_nb.checks.result import CheckResult, failed, no_answer, passed
from dockernet_nb.errors import NotFound
from dockernet_nb.verbs import containers
from dockernet_nb.verbs.common import addresses_of

__all__ = ["check_reach_over_front"]


@question("paths_between")
def _paths_between(source: str, target: str) -> dict[str, Any] | None:
    try:
        source_nets = addresses_of(source)
        target_nets = addresses_of(target)
    except NotFound:
        return None
    answered = {}
    for net, address in target_nets.items():
        if not address:
            continue
        ok = False
        for _ in range(2):  # one more try: on a busy machine a first packet can be late (ARP)
            ok = containers.exec(source, ["ping", "-c", "1", "-W", "2", address], timeout=20).ok
            if ok:
                break
            time.sleep(0.3)
        answered[net] = {"address": address, "answers": ok}
    return {"source_nets": sorted(source_nets), "target": answered}


@exercise("reach-over-front")
def check_reach_over_front(
    answer: Any, *, source: str = "alpha", target: str = "beta", net: str = "front", other: str = "back"
) -> CheckResult:
    """90-lab-console: ``source`` is on ``net`` only, ``target`` joined ``net``, and ``answer`` is the
    address of ``target`` that ``source`` reaches (its address on ``net``)."""
    hint = (
        f"Two things to do and one to think about: take {source} off {other}, put {target} on {net} (the console's "
        f"Disconnect and Connect buttons, or dnb.disconnect / dnb.connect), then ask which of {target}'s addresses "
        f"lies on a network {source} is on. dnb.containers() lists every address."
    )
    if answer is None:
        return no_answer(hint)
    text = str(answer).strip()
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return failed(f"{answer!r} is not an IPv4 address such as 172.24.0.3.", hint)
    seen = ask("paths_between", source=source, target=target)
    if seen is None:
        return failed(f"{source} or {target} does not run any more.", "Run the cells of sections 1 and 3 again.")
    if other in seen["source_nets"]:
        return failed(f"{source} is still on {other}: the exercise wants it on {net} only.", hint)
    if net not in seen["target"]:
        return failed(f"{target} is not on {net}, so {source} and {target} share no network.", hint)
    by_address = {v["address"]: (name, v["answers"]) for name, v in seen["target"].items()}
    if text not in by_address:
        return failed(f"{text} is not an address of {target}; it has {', '.join(sorted(by_address))}.", hint)
    on, answers = by_address[text]
    if on != net:
        return failed(
            f"{text} is {target}'s address on {on}, a network {source} is not on, and nothing routes between the two "
            f"networks: a ping from {source} gets no answer.",
            hint,
        )
    if not answers:
        return failed(f"{source} got no answer from {text} just now.", "Press Refresh in the console, then try again.")
    return passed(
        f"{source} reaches {target} at {text}, its address on {net}, the one network they share. {target}'s address on "
        f"{other} stays out of {source}'s reach: a container is reached at the address it has on a network you share."
    )
