"""``dnb.break_fix(seed)``: something is broken, find it.

The verb builds a working set-up (see :mod:`dockernet_nb.breakfix.setups`), breaks it with one fault
from the catalogue chosen by ``seed`` (random unless given; shown, so an instructor can give a class
the same fault or every learner their own), and answers with only what a user would report. The
learner investigates with the course's verbs and fixes it any way that works; ``dnb.check_fix(lab)`` tries
what the user tried, and everything else the set-up does, so a "fix" that breaks something else is
not one. ``dnb.fault_hint(lab)`` gives hints one at a time; ``dnb.explain_fault(lab)`` says what was broken. Attempts,
hints and time go to the learner's progress file.
"""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

from dockernet_nb import ledger, replay
from dockernet_nb.breakfix import faults, setups
from dockernet_nb.engine import labels
from dockernet_nb.engine.kind import engine_kind
from dockernet_nb.errors import DockernetError, InvalidInput, NotRecorded
from dockernet_nb.questions import ask, question
from dockernet_nb.records import CheckResult, FaultLab
from dockernet_nb.replay import recordable

__all__ = ["break_fix", "check_fix", "fault_hint", "explain_fault"]

SEEDS = 10_000


@recordable
def break_fix(seed: int | None = None) -> FaultLab:
    """Build a set-up, break it with the fault ``seed`` picks, and report the symptom.

    Example::

        >>> lab = dnb.break_fix(seed=42)          # doctest: +SKIP
        Seed 42. Reported: the client cannot open http://web:8000 any more ...
    """
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < SEEDS):
        raise InvalidInput(f"seed must be a whole number from 0 to {SEEDS - 1}, like seed=42; got {seed!r}.")
    chosen = secrets.randbelow(SEEDS) if seed is None else seed
    fault = faults.for_seed(chosen, engine_kind())
    found = setups.build_lab() if fault.setup == "lab" else _shop()
    fault.apply(found)
    ledger.extra(labels.lesson(), f"fix-{fault.id}", seed=chosen, engine=engine_kind().version)
    return FaultLab(seed=chosen, fault=fault.id, setup=fault.setup, symptom=fault.symptom, hints=len(fault.hints))


def _shop() -> dict[str, str]:
    setups.build_shop()
    return {}


@question("fault_tries")
def _fault_tries(setup: str, after: str = "") -> list[list[Any]]:
    # ``after`` (what the learner did since the lab broke) only tells recorded answers apart.
    # A list of [what, ok, said]: the tries have an order, and the check reads them in it.
    tries = setups.LAB_TRIES if setup == "lab" else setups.SHOP_TRIES
    return [[what, *attempt()] for what, attempt in tries.items()]


def check_fix(lab: FaultLab) -> CheckResult:
    """Is the symptom gone, and does everything else still work? Tries each thing a user would try."""
    try:
        seen = ask("fault_tries", setup=lab.setup, after=replay.trail())
    except NotRecorded:
        result = CheckResult(
            False,
            "replay mode has no record of the set-up after this fix: the recording holds only the reference fix.",
            "Try the reference fix shown by dnb.explain_fault(lab), or run the course live (`dockernet-nb lab`).",
        )
    except DockernetError as e:
        result = CheckResult(False, f"the check could not try the set-up: {e}", "Is the set-up still there? dnb.containers() shows it.")
    else:
        broken = [f"{what}: {said}" for what, ok, said in seen if not ok]
        if broken:
            result = CheckResult(False, "still broken: " + "; ".join(broken), "dnb.fault_hint(lab) gives a hint; dnb.containers(), "
                            "dnb.inspect_routes(), dnb.reachability() help you look.")
        else:
            result = CheckResult(True, "every try works again: " + "; ".join(what for what, _, _ in seen) + ".")
    return dataclasses.replace(result, exercise=f"fix-{lab.fault}")


def fault_hint(lab: FaultLab) -> str:
    """The next hint for the lab's fault (one more each time; the count goes to the progress file)."""
    hints = faults.by_id(lab.fault).hints
    record = ledger.read()["lessons"].get(labels.lesson(), {}).get("exercises", {}).get(f"fix-{lab.fault}", {})
    number = min(int(record.get("hints_read", 0)) + 1, len(hints))
    ledger.extra(labels.lesson(), f"fix-{lab.fault}", hints_read=number)
    more = "" if number == len(hints) else f" (hint {number} of {len(hints)}; ask again for the next)"
    return f"Hint {number}: {hints[number - 1]}{more}"


def explain_fault(lab: FaultLab) -> str:
    """What was broken, and the usual fixes (noted as revealed in the progress file)."""
    fault = faults.by_id(lab.fault)
    ledger.extra(labels.lesson(), f"fix-{lab.fault}", explained=True)
    fixes = "\n".join(f"    {fix}" for fix in fault.fixes)
    return f"{fault.explanation}\n\nFixes that work:\n{fixes}"

