"""837P 2000B SBR05 (Insurance Type Code): written when the guide requires it, and only then.

X222A1: required when the destination payer is Medicare (SBR09 MA/MB) and Medicare is not
the primary payer (SBR01 is not P), with the reason Medicare is secondary (12, 13, 14, 15,
16, 41, 42, 43, 47); not sent otherwise. X223A2 does not use it. The files are judged by
pyx12 and by our validator, whose situational rules (`insurance_type_required`,
`insurance_type_not_allowed`) catch a file that gets it wrong.
"""

from __future__ import annotations

from datetime import date

import pytest

from shared.claim_model import Claim, OtherPayer, Payer, Relationship
from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.pyx12_judge import judge
from shared.x12.validation import validate
from shared.x12.x12_837_005010X222A1.writer import ClaimWriteError, write_837p
from shared.x12.x12_837_005010X223A2.writer import write_837i
from testsupport.claims import (
    _payer,
    _secondary_payer,
    _subscriber,
    institutional_claim_secondary,
    professional_claim,
    professional_claim_secondary,
)
from testsupport.x12 import CREATED_AT, RECEIVER, SUBMITTER

MEDICARE_B = Payer(payer_id="MCRB1", name="Medicare Part B", claim_filing_indicator="MB")
MEDICARE_A = Payer(payer_id="MCRA1", name="Medicare Part A", claim_filing_indicator="MA")


def _837p(claim: Claim) -> str:
    return write_837p(
        [claim],
        submitter=SUBMITTER,
        receiver=RECEIVER,
        created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )


def _subscriber_sbr(text: str) -> list[str]:
    """2000B's SBR (the first SBR after the subscriber HL), split into elements."""
    lines = [line.rstrip("~") for line in text.splitlines()]
    hl = next(i for i, line in enumerate(lines) if line.startswith("HL*") and "*22*" in line)
    return next(line for line in lines[hl:] if line.startswith("SBR*")).split("*")


def _judged(text: str) -> None:
    verdict = judge(text)
    assert verdict.ok, verdict
    report = validate(text)
    assert report.ok, report.errors


def _medicare_after(primary: Payer, born: date, medicare: Payer = MEDICARE_B) -> Claim:
    """Medicare billed second, after `primary` paid (the claims service's secondary claim)."""
    claim = professional_claim_secondary(
        payer=medicare, subscriber=_subscriber(member_id="1EG4TE5MK73", birth_date=born)
    )
    [prior] = claim.other_payers
    prior = prior.model_copy(update={"payer": primary})
    return claim.model_copy(update={"other_payers": (prior,)})


@pytest.mark.parametrize(
    ("indicator", "born", "expected"),
    [
        ("CI", date(1968, 7, 14), "43"),  # a group health plan, a beneficiary under 65
        ("CI", date(1950, 2, 1), "12"),  # a group health plan, the working aged
        ("BL", date(1958, 3, 10), "12"),  # 65 on the day before the service (2026-03-10)
        ("BL", date(1961, 3, 11), "43"),
        ("WC", date(1968, 7, 14), "15"),  # workers' compensation
        ("AM", date(1968, 7, 14), "14"),  # no-fault (auto)
        ("LM", date(1968, 7, 14), "47"),  # liability
        ("VA", date(1950, 2, 1), "42"),  # veterans' plan
    ],
)
def test_medicare_billed_after_another_payer_carries_sbr05(
    indicator: str, born: date, expected: str
) -> None:
    primary = _payer().model_copy(update={"claim_filing_indicator": indicator})
    text = _837p(_medicare_after(primary, born))
    sbr = _subscriber_sbr(text)
    assert sbr[1] == "S" and sbr[9] == "MB"
    assert sbr[5] == expected, sbr
    _judged(text)


def test_medicare_part_a_on_an_837p_after_a_group_plan_carries_it_too() -> None:
    text = _837p(_medicare_after(_payer(), date(1950, 2, 1), MEDICARE_A))
    assert _subscriber_sbr(text)[5] == "12"
    _judged(text)


def test_medicare_billed_as_primary_has_no_sbr05() -> None:
    medigap = OtherPayer(
        payer=_secondary_payer(),
        responsibility="S",
        subscriber=_subscriber(member_id="GCB0045512"),
        relationship=Relationship.SELF,
    )
    text = _837p(professional_claim(payer=MEDICARE_B, other_payers=(medigap,)))
    sbr = _subscriber_sbr(text)
    assert sbr[1] == "P" and len(sbr) == 10 and sbr[5] == ""
    _judged(text)


def test_a_commercial_secondary_after_medicare_has_no_sbr05() -> None:
    claim = professional_claim_secondary()
    [prior] = claim.other_payers
    claim = claim.model_copy(
        update={"other_payers": (prior.model_copy(update={"payer": MEDICARE_B}),)}
    )
    text = _837p(claim)
    sbr = _subscriber_sbr(text)
    assert sbr[1] == "S" and sbr[5] == ""
    _judged(text)


def test_the_837i_never_sends_sbr05() -> None:
    claim = institutional_claim_secondary(payer=MEDICARE_A)
    text = write_837i(
        [claim],
        submitter=SUBMITTER,
        receiver=RECEIVER,
        created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )
    sbr = _subscriber_sbr(text)
    assert sbr[1] != "P" and sbr[5] == ""
    _judged(text)


def test_a_missing_birth_date_is_a_clear_error_not_a_guess() -> None:
    claim = _medicare_after(_payer(), date(1950, 2, 1))
    subscriber = claim.subscriber.model_copy(update={"birth_date": None})
    with pytest.raises(ClaimWriteError, match="SBR05"):
        _837p(claim.model_copy(update={"subscriber": subscriber}))


def test_our_validator_names_a_missing_or_unwanted_sbr05() -> None:
    text = _837p(_medicare_after(_payer(), date(1950, 2, 1)))
    without = text.replace("**12*", "***", 1)
    assert without != text
    report = validate(without)
    [issue] = [i for i in report.errors if i.code.endswith("insurance_type_required")]
    assert issue.segment_id == "SBR" and issue.element == 5

    commercial = _837p(professional_claim_secondary())
    sbr = "*".join(_subscriber_sbr(commercial))
    parts = sbr.split("*")
    parts[5] = "12"
    added = commercial.replace(sbr + "~", "*".join(parts) + "~", 1)
    assert added != commercial
    report = validate(added)
    assert report.ok, "a stray SBR05 is a warning: the claim is still read"
    assert any(i.code.endswith("insurance_type_not_allowed") for i in report.warnings), report
