"""270, 271 and 276 writers (no pyx12 map): own hierarchy checks, counts, and read-back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.envelope_writer import Party, hierarchy_problems
from shared.x12.reader import parse
from shared.x12.segments import segment
from shared.x12.validation import validate
from shared.x12.x12_270_005010X279A1.writer import (
    EligibilityWriteError,
    inquiry_for_claim,
    write_270,
)
from shared.x12.x12_271_005010X279A1.writer import Benefit, EligibilityResponse, write_271
from shared.x12.x12_276_005010X212.writer import status_inquiry_for_claim, write_276
from testsupport.claims import (
    institutional_claim,
    professional_claim,
    professional_claim_child_patient,
    professional_claim_several_lines,
)
from testsupport.x12 import CREATED_AT, SUBMITTER

PROVIDER = Party("RIVERBEND01")
PAYER = Party("SUNSHINE")


def _leaves(obj: Any) -> Iterator[str]:
    """Every scalar in a parsed model (as text), wherever the reader put it."""
    if isinstance(obj, dict):
        for value in obj.values():
            yield from _leaves(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _leaves(value)
    elif obj is not None:
        yield str(obj)


def _read_back(text: str, kind: str) -> set[str]:
    """Parse with the reader engineer's typed reader: no issue at all, the expected kind."""
    result = parse(text)
    assert [str(i) for i in result.issues] == []
    assert [t.kind for t in result.transactions] == [kind]
    report = validate(text)
    assert [str(i) for i in report.issues] == []
    return set(_leaves(result.to_plain()["transactions"][0]["model"]))


def _body(text: str) -> list[list[str]]:
    lines = [line.rstrip("~").split("*") for line in text.splitlines() if line]
    st = next(i for i, s in enumerate(lines) if s[0] == "ST")
    se = next(i for i, s in enumerate(lines) if s[0] == "SE")
    assert int(lines[se][1]) == se - st + 1  # SE01 counts ST..SE
    return lines[st + 1 : se]


def test_270_for_a_subscriber_and_a_dependent_reads_back() -> None:
    inquiries = [
        inquiry_for_claim(professional_claim(), "TRACE0001"),
        inquiry_for_claim(professional_claim_child_patient(), "TRACE0002"),
    ]
    text = write_270(
        inquiries, sender=PROVIDER, receiver=PAYER, created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )  # fmt: skip
    values = _read_back(text, "270")
    assert {"TRACE0001", "TRACE0002", "XKZ480019203", "Jasper", "1234567893"} <= values
    body = _body(text)
    hl = [s[1:5] for s in body if s[0] == "HL"]
    assert hl == [["1", "", "20", "1"], ["2", "1", "21", "1"], ["3", "2", "22", "0"],
                  ["4", "2", "22", "1"], ["5", "4", "23", "0"]]  # fmt: skip
    # The question sits at the patient's level: the subscriber HL 4 carries no EQ.
    eq_after = [i for i, s in enumerate(body) if s[0] == "EQ"]
    assert len(eq_after) == 2 and body[eq_after[1] - 2][0] == "INS"


def test_271_with_benefits_and_a_rejection_reads_back() -> None:
    subscriber = inquiry_for_claim(professional_claim(), "TRACE0001")
    dependent = inquiry_for_claim(professional_claim_child_patient(), "TRACE0002")
    responses = [
        EligibilityResponse(
            subscriber,
            benefits=(
                Benefit("1", plan_description="GOLD PPO"),
                Benefit("C", time_period="23", amount=Decimal("500.00"), in_network=True),
                Benefit("A", percent=Decimal("0.20")),
            ),
            plan_begin=date(2026, 1, 1),
        ),
        EligibilityResponse(dependent, rejection_reason="67"),
    ]
    text = write_271(
        responses, sender=PAYER, receiver=PROVIDER, created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )  # fmt: skip
    values = _read_back(text, "271")
    assert {"TRACE0001", "TRACE0002", "GOLD PPO"} <= values
    body = _body(text)
    assert ["EB", "C", "IND", "30", "", "", "23", "500.00", "", "", "", "", "Y"] in body
    assert ["AAA", "N", "", "67", "C"] in body
    assert [s for s in body if s[0] == "TRN"][0][1] == "2"  # the 270's trace comes back as TRN*2


def test_a_271_needs_benefits_or_a_rejection() -> None:
    inquiry = inquiry_for_claim(professional_claim(), "T")
    with pytest.raises(EligibilityWriteError, match="needs benefits"):
        EligibilityResponse(inquiry)
    with pytest.raises(EligibilityWriteError, match="AAA03 'ZZ'"):
        EligibilityResponse(inquiry, rejection_reason="ZZ")


def test_276_for_professional_dependent_and_institutional_claims_reads_back() -> None:
    inquiries = [
        status_inquiry_for_claim(professional_claim_several_lines(), "T1"),
        status_inquiry_for_claim(professional_claim_child_patient(), "T2", "2026X9"),
        status_inquiry_for_claim(institutional_claim(), "T3"),
    ]
    text = write_276(
        inquiries, submitter=SUBMITTER, sender=PROVIDER, receiver=PAYER, created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )  # fmt: skip
    values = _read_back(text, "276")
    assert {"T1", "T2", "T3", "PCN26031004", "2026X9", "ACCT26021601", "7147.40"} <= values
    body = _body(text)
    assert [s[3] for s in body if s[0] == "HL"] == ["20", "21", "19", "22", "22", "23", "19", "22"]
    assert ["REF", "BLT", "111"] in body
    assert ["DTP", "472", "RD8", "20260216-20260219"] in body
    assert hierarchy_problems([segment(*s) for s in body]) == []


def test_hierarchy_check_finds_broken_parents_and_child_codes() -> None:
    broken = [
        segment("HL", "1", None, "20", "1"),
        segment("HL", "2", "1", "21", "0"),  # says no children, but HL 3 is its child
        segment("HL", "3", "2", "22", "0"),
        segment("HL", "5", "9", "23", "0"),  # id out of order, unknown parent
    ]
    problems = hierarchy_problems(broken)
    assert "HL 2: HL04 '0' does not match its children" in problems
    assert "HL01 '5' should be 4" in problems
    assert "HL 5: parent '9' is not an earlier HL" in problems
