"""The 837 reader never changes what a file says: zero stays zero, absent is never guessed.

A claim billed with 0 units is read as 0 units (and the scrubber's units edit holds it), not
as 1; an element the guide requires and the file leaves out is an error naming its segment
and element, not a default the reader made up; an amount Money cannot hold exactly (a
fraction of a cent) is an error at its element, never rounded and never a crash.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.intake.adapters.x12_837 import translate_837, translate_837_report
from shared.claim_model import Claim
from shared.scrubber import ScrubContext, load_payer_rules
from shared.scrubber.engine import scrub_claim
from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.x12_837_005010X222A1.writer import write_837p
from shared.x12.x12_837_005010X223A2.writer import write_837i
from testsupport.claims import (
    institutional_claim,
    professional_claim,
    professional_claim_child_patient,
    professional_claim_secondary,
)
from testsupport.x12 import CREATED_AT, RECEIVER, SUBMITTER


def _837p(claim: Claim) -> str:
    return write_837p(
        [claim], submitter=SUBMITTER, receiver=RECEIVER, created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )  # fmt: skip


def _837i(claim: Claim) -> str:
    return write_837i(
        [claim], submitter=SUBMITTER, receiver=RECEIVER, created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )  # fmt: skip


def _edited(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} must occur once in the written 837"
    return text.replace(old, new)


@pytest.fixture(scope="module")
def context() -> ScrubContext:
    from shared.codes import load_code_sets

    return ScrubContext(today=date(2026, 6, 1), codes=load_code_sets(), rules=load_payer_rules())


def test_a_professional_line_billed_with_zero_units_is_read_as_zero_and_held(
    context: ScrubContext,
) -> None:
    text = _edited(_837p(professional_claim()), "*145.00*UN*1***1~", "*145.00*UN*0***1~")
    (claim,) = translate_837(text)
    assert claim.lines[0].units == Decimal("0")
    result = scrub_claim(claim, context)
    assert result.held
    assert [(e.code, e.field) for e in result.errors if e.code == "PX008"] == [
        ("PX008", "lines[0].units")
    ]


def test_an_institutional_line_billed_with_zero_units_is_read_as_zero(
    context: ScrubContext,
) -> None:
    text = _edited(_837i(institutional_claim()), "*185.00*UN*1~", "*185.00*UN*0~")
    (claim,) = translate_837(text)
    assert [line.units for line in claim.lines] == [
        Decimal("3"), Decimal("0"), Decimal("6"), Decimal("1")
    ]  # fmt: skip
    assert "PX008" in {e.code for e in scrub_claim(claim, context).errors}


def test_zero_paid_units_from_a_prior_payer_stay_zero() -> None:
    text = _edited(
        _837p(professional_claim_secondary()), "SVD*87726*11.52*HC:36415**1~",
        "SVD*87726*11.52*HC:36415**0~",
    )  # fmt: skip
    (claim,) = translate_837(text)
    paid_units = [a.paid_units for a in claim.other_payers[0].line_adjudications]
    assert paid_units == [Decimal("1"), Decimal("0")]


@pytest.mark.parametrize(
    ("old", "new", "segment", "element", "words"),
    [
        # SV104 service unit count: required, no default in the guide.
        ("*145.00*UN*1***1~", "*145.00*UN****1~", "SV1", 4, "service unit count (SV104)"),
        # SV103 unit basis: required, never assumed to be UN.
        ("*145.00*UN*1***1~", "*145.00**1***1~", "SV1", 3, "(SV103) is missing"),
        # SBR09 claim filing indicator: never assumed to be CI (commercial).
        ("SBR*P*18*GRP77120******CI~", "SBR*P*18*GRP77120~", "SBR", 9, "(SBR09) is missing"),
        # CLM06 signature indicator and CLM07 assignment: required Y/N and A/B/C.
        ("11:B:1*Y*A*Y*Y~", "11:B:1**A*Y*Y~", "CLM", 6, "(CLM06) is missing"),
        ("11:B:1*Y*A*Y*Y~", "11:B:1*Y**Y*Y~", "CLM", 7, "(CLM07) is missing"),
        ("11:B:1*Y*A*Y*Y~", "11:B:1*Y*Q*Y*Y~", "CLM", 7, "'Q' is not A, B or C"),
    ],
)
def test_a_required_element_left_out_is_an_error_not_a_default(
    old: str, new: str, segment: str, element: int, words: str
) -> None:
    report = translate_837_report(_edited(_837p(professional_claim()), old, new))
    assert not report.claims
    (issue,) = report.issues
    assert (issue.segment_id, issue.element) == (segment, element)
    assert words in issue.message


def test_an_absent_patient_relationship_is_an_error_not_other() -> None:
    report = translate_837_report(
        _edited(_837p(professional_claim_child_patient()), "PAT*19~", "PAT~")
    )
    (issue,) = report.issues
    assert (issue.segment_id, issue.element) == ("PAT", 1)


def test_an_absent_other_payer_relationship_is_an_error_not_self() -> None:
    report = translate_837_report(
        _edited(_837p(professional_claim_secondary()), "SBR*P*18*GRP77120", "SBR*P**GRP77120")
    )
    (issue,) = report.issues
    assert (issue.segment_id, issue.element) == ("SBR", 2)


def test_a_line_without_diagnosis_pointers_keeps_none_and_is_held(context: ScrubContext) -> None:
    text = _edited(_837p(professional_claim()), "*145.00*UN*1***1~", "*145.00*UN*1~")
    (claim,) = translate_837(text)
    assert claim.lines[0].diagnosis_pointers == ()
    assert "PX012" in {e.code for e in scrub_claim(claim, context).errors}


@pytest.mark.parametrize(
    ("old", "new", "segment", "element"),
    [
        ("CLM*PCN26031001*145.00*", "CLM*PCN26031001*145.005*", "CLM", 2),
        ("SV1*HC:99213*145.00*", "SV1*HC:99213*145.001*", "SV1", 2),
    ],
)
def test_a_fraction_of_a_cent_is_an_error_at_its_element(
    old: str, new: str, segment: str, element: int
) -> None:
    text = _837p(professional_claim())
    report = translate_837_report(_edited(text, old, new))
    assert not report.claims
    (issue,) = report.issues
    assert (issue.segment_id, issue.element) == (segment, element)
    assert "fractions of a cent" in issue.message
    lines = [line for line in text.splitlines() if line]
    assert lines[issue.position - 1].startswith(segment)  # type: ignore[operator]


def test_a_fraction_of_a_cent_in_a_prior_payer_adjustment_is_named() -> None:
    report = translate_837_report(
        _edited(_837p(professional_claim_secondary()), "CAS*CO*45*3.60~", "CAS*CO*45*3.605~")
    )
    (issue,) = report.issues
    assert (issue.segment_id, issue.element) == ("CAS", 3)
