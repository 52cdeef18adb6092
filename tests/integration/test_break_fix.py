"""Every fault of the break-fix catalogue, for real: broken right after it is applied, fixed by each of its fixes.

For each fault true on this engine: build its set-up, apply the fault, and the check must say the symptom
is there; run the reference fix and the check must pass; apply the fault again and run each other fix:
the check must pass again. Afterwards nothing of the course is left and the learner's own objects are
untouched (the integration conftest's learner-safety checks and the soak cover the rest).
"""

from __future__ import annotations

import pytest

import dockernet_nb as dnb
from dockernet_nb.breakfix import faults, setups
from dockernet_nb.engine.kind import engine_kind

pytestmark = pytest.mark.usefixtures("fresh")

HERE = [f for f in faults.CATALOGUE if f.offered(engine_kind())]


def _seed(fault: faults.Fault) -> int:
    return faults.CATALOGUE.index(fault)


@pytest.mark.parametrize("fault", HERE, ids=lambda f: f.id)
def test_the_fault_breaks_the_set_up_and_every_fix_mends_it(fault: faults.Fault):
    lab = dnb.break_fix(seed=_seed(fault))
    assert lab.fault == fault.id and lab.symptom == fault.symptom
    for number, fix in enumerate(fault.fixes):
        if number:
            fault.apply(setups.lab_addresses() if fault.setup == "lab" else {})  # again, for the next fix
        broken = dnb.check_fix(lab)
        assert not broken.ok and broken.message.startswith("still broken"), broken
        exec(fix, {"dnb": dnb})  # the fix as a learner would type it
        mended = dnb.check_fix(lab)
        assert mended.ok, f"fix {number} ({fix}) did not mend it: {mended.message}"


def test_hints_come_one_at_a_time_and_the_explanation_names_a_fix():
    fault = faults.CATALOGUE[0]
    from dockernet_nb.records import FaultLab

    lab = FaultLab(seed=0, fault=fault.id, setup=fault.setup, symptom=fault.symptom, hints=len(fault.hints))
    shown = [dnb.fault_hint(lab) for _ in range(len(fault.hints) + 1)]
    assert shown[0].startswith("Hint 1: ") and shown[-1] == shown[-2] and shown[-1].startswith(f"Hint {len(fault.hints)}: ")
    assert fault.fixes[0] in dnb.explain_fault(lab)


def test_a_seed_picks_the_same_fault_on_every_engine_where_it_is_true():
    from dockernet_nb.engine.kind import classify

    old = classify({"Version": "20.10.24"}, {})
    new = classify({"Version": "28.5.2"}, {})
    for seed in range(50):
        on_old, on_new = faults.for_seed(seed, old), faults.for_seed(seed, new)
        assert on_old == on_new or not on_new.offered(old)
