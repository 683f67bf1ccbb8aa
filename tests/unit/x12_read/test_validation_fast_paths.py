"""The validator's fast paths decide exactly what the plain definitions do.

Numbers are checked with string methods instead of the X12 number pattern, composites stop
after their last component, a loop's definitions are looked up from a per-loop plan, and an
835 line's adjustments are read once for its line and its claim. Each must give the same
verdict as the rule it stands for; these tests hold them to it.
"""

from __future__ import annotations

import random
import re
from decimal import Decimal
from typing import Any

import pytest

from shared.x12.guides import ElementSpec, _value_test, guide_table
from shared.x12.reader import parse
from shared.x12.rules import _number
from shared.x12.validation import TransactionChecks, validate

from .factories import recount, remittance_835

NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)\Z", re.ASCII)
INTEGER = re.compile(r"-?\d+\Z", re.ASCII)

TRICKY = [
    "0", "00", "-0", "5.", ".5", "-.5", "-5.", ".", "-", "--5", "-.", "5..0", "1.2.3", "+5",
    "1e5", "1E5", " 5", "5 ", "5\n", "NaN", "nan", "Inf", "-Infinity", "1_000", "٣", "²",
    "１２", "12a", "a12", "0.000000001", "123456789012345678", "1234567890123456789",
    "-123456789012345678", "12345678901234567.8", "1234567890.123456789", "9" * 20,
    "9" * 21, "-" + "9" * 19, "0." + "0" * 18, "\u0661\u0662",
]  # fmt: skip


def _strings(count: int) -> list[str]:
    rng = random.Random(20261130)
    alphabet = "0123456789.-+eE _a\u0663"
    found = list(TRICKY)
    for _ in range(count):
        found.append("".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 24))))
    return found


def _reference(value: str, pattern: re.Pattern[str], low: int, high: int) -> bool:
    size = len(value) - (value[0] == "-") - ("." in value)
    return len(value) <= high + 2 and pattern.match(value) is not None and low <= size <= high


@pytest.mark.parametrize(
    ("data_type", "pattern"), [("R", NUMBER), ("N0", INTEGER), ("N2", INTEGER)]
)
@pytest.mark.parametrize(("low", "high"), [(1, 18), (1, 15), (1, 10), (2, 6)])
def test_number_elements_are_judged_as_the_x12_pattern_judges_them(
    data_type: str, pattern: re.Pattern[str], low: int, high: int
) -> None:
    element = ElementSpec(1, "Amount", "R", data_type, low, high, None, None, None)
    names: dict[str, Any] = {}
    test = eval(f"lambda v: {_value_test(element, 'v', names)}", names)  # noqa: S307
    for value in _strings(4000):
        assert bool(test(value)) == _reference(value, pattern, low, high), value


def test_amounts_read_by_the_balancing_rules_are_exactly_the_x12_numbers() -> None:
    for value in _strings(4000):
        expected = Decimal(value) if len(value) <= 20 and NUMBER.match(value) else None
        assert _number(value) == expected, value
    assert _number("") is None


def test_composite_checks_stop_after_the_last_component_given_and_still_judge_each() -> None:
    table = guide_table("005010X221A1", "835")
    assert table is not None
    (svc,) = table.loops["2110"].segments["SVC"]
    base = ["HC:99213", "100.00", "80.00", "", "1"]
    assert svc.fast(base, ":")
    assert svc.fast(["HC:99213:25:59:XE:GT"] + base[1:], ":")
    assert svc.fast(["HC:99213::59"] + base[1:], ":")
    # SVC01-7 (description) is Not Used in 2110; SVC06-7 is used, up to 80 characters.
    for bad in ("HC:99213:2", "HC:99213:25:59:XE:GT:DESC", "HC:99213:25:59:XE:GT::X",
                "HC:99213:25:59:XE:GT:::", "HC", "ZZ:99213", "HC::25"):  # fmt: skip
        assert not svc.fast([bad] + base[1:], ":"), bad
    assert svc.fast([*base, "HC:99213:25::::" + "D" * 80], ":")
    assert not svc.fast([*base, "HC:99213:25::::" + "D" * 81], ":")


def test_a_loops_definitions_are_told_apart_as_the_full_pick_tells_them() -> None:
    # 2100 has seven NM1 and three DTM definitions: each is reached by its qualifier.
    text = remittance_835().replace(
        "NM1*QC*1*DOE*JANE****MI*M123~",
        "NM1*QC*1*DOE*JANE****MI*M123~NM1*QC*1*DOE*JANE****MI*M124~NM1*74*1*DOE~"
        "NM1*82*2*DR*****XX*1234567893~DTM*232*20231215~DTM*233*20231215~DTM*050*20231215~",
    )
    found = [(i.code, i.segment_id, i.position) for i in validate(recount(text)).issues]
    nm1_twice = [f for f in found if f[0] == "max_use" and f[1] == "NM1"]
    assert len(nm1_twice) == 1  # the second patient name, not the corrected name or payee
    assert not [f for f in found if f[1] == "DTM"]


def _checks_after(text: str) -> TransactionChecks:
    result = parse(recount(text))
    (transaction,) = result.transactions
    checks = TransactionChecks(transaction, [], stream=False)
    assert transaction.model is not None
    checks.check_model(transaction.model)
    return checks


def test_each_lines_adjustments_are_taken_by_its_claim_even_when_the_claim_cannot_balance() -> None:
    # The second claim has no CLP03: it cannot balance, and its line's total is still taken.
    text = remittance_835(extra_claim=False).replace(
        "CAS*CO*45*20.00~",
        "CAS*CO*45*20.00~CLP*PCN002*1**0*0*12*PAYERCLAIM2~NM1*QC*1*ROE*RICHARD****MI*M456~"
        "SVC*HC:99213*70.00*0**1~CAS*CO*45*70.00~",
    )
    checks = _checks_after(text)
    assert checks.closer.context.line_adjustments == {}
    # ...and a line's adjustments still count in its claim's balance.
    unbalanced = remittance_835(extra_claim=False).replace("CAS*CO*45*20.00~", "CAS*CO*45*19.00~")
    codes = {i.code for i in validate(recount(unbalanced)).errors}
    assert {"unbalanced_claim", "unbalanced_service"} <= codes


def test_each_new_loop_has_its_own_lists_and_empty_fields() -> None:
    from shared.x12.loops import Loop
    from shared.x12.x12_835_005010X221A1.models import Loop2100 as ClaimPaymentLoop

    assert ClaimPaymentLoop.__init__ is not Loop.__init__  # unrolled per class
    first, second = ClaimPaymentLoop(), ClaimPaymentLoop()
    reference = Loop.__new__(ClaimPaymentLoop)
    Loop.__init__(reference)  # what the unrolled one must do
    assert first.__dict__ == reference.__dict__
    for name, value in first.__dict__.items():
        if isinstance(value, list):
            assert value is not second.__dict__[name], name
        else:
            assert value is None, name
    assert first.segments == [] and first.children == []
