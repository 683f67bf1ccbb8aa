"""837P 2320 SBR05 (Insurance Type Code): a claim billed after Medicare paid as a secondary
payer says, in Medicare's 2320 loop, why Medicare was not primary; nowhere else.

X222A1: 2320 SBR05 is required when the other payer of the loop is Medicare (SBR09 MA/MB)
and Medicare was not the primary payer, with the reason (12, 13, 14, 15, 16, 41, 42, 43,
47, from the payer primary to Medicare as in 2000B); it is not sent for Medicare as the
primary payer nor for any other payer. Every file here is judged by pyx12 and our validator.
"""

from __future__ import annotations

from datetime import date

import pytest

from shared.claim_model import Claim, Payer
from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.pyx12_judge import judge
from shared.x12.validation import validate
from shared.x12.x12_837_005010X222A1.writer import write_837p
from shared.x12.x12_837_005010X223A2.writer import write_837i
from testsupport.claims import (
    _subscriber,
    institutional_claim_secondary,
    professional_claim_secondary,
)
from testsupport.x12 import CREATED_AT, RECEIVER, SUBMITTER

MEDICARE_B = Payer(payer_id="MCRB1", name="Medicare Part B", claim_filing_indicator="MB")
GROUP_PLAN = Payer(payer_id="60054", name="Employer Group Health", claim_filing_indicator="CI")
MEDIGAP = Payer(payer_id="MGAP1", name="Medigap Mutual", claim_filing_indicator="CI")


def _other_payer_sbrs(text: str) -> list[list[str]]:
    """Every 2320 SBR (the SBRs after 2000B's), split into elements."""
    sbrs = [line.rstrip("~").split("*") for line in text.splitlines() if line.startswith("SBR*")]
    return sbrs[1:]


def _judged(text: str) -> None:
    verdict = judge(text)
    assert verdict.ok, verdict
    report = validate(text)
    assert report.ok, report.errors


def _tertiary(born: date, primary: Payer = GROUP_PLAN) -> Claim:
    """Billed to a Medigap plan third, after `primary` (P) and Medicare (S) paid."""
    claim = professional_claim_secondary(
        payer=MEDIGAP, subscriber=_subscriber(member_id="MG77001", birth_date=born)
    )
    [first] = claim.other_payers
    first = first.model_copy(update={"payer": primary, "responsibility": "P"})
    medicare = first.model_copy(
        update={
            "payer": MEDICARE_B,
            "responsibility": "S",
            "subscriber": _subscriber(member_id="1EG4TE5MK73", birth_date=born),
        }
    )
    return claim.model_copy(update={"other_payers": (first, medicare)})


def _837p(claim: Claim) -> str:
    return write_837p(
        [claim],
        submitter=SUBMITTER,
        receiver=RECEIVER,
        created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )


@pytest.mark.parametrize(
    ("born", "primary", "expected"),
    [
        (date(1968, 7, 14), GROUP_PLAN, "43"),  # a group plan, a beneficiary under 65
        (date(1950, 2, 1), GROUP_PLAN, "12"),  # a group plan, the working aged
        (
            date(1968, 7, 14),
            Payer(payer_id="WC001", name="State Fund", claim_filing_indicator="WC"),
            "15",
        ),
    ],
)
def test_medicare_secondary_in_2320_says_why(born: date, primary: Payer, expected: str) -> None:
    text = _837p(_tertiary(born, primary))
    first, medicare = _other_payer_sbrs(text)
    assert first[1] == "P" and first[5] == "", "no SBR05 for a payer that is not Medicare"
    assert medicare[1] == "S" and medicare[9] == "MB"
    assert medicare[5] == expected
    _judged(text)


def test_medicare_as_the_primary_payer_has_no_sbr05_in_2320() -> None:
    claim = professional_claim_secondary(payer=MEDIGAP)
    [prior] = claim.other_payers
    claim = claim.model_copy(
        update={"other_payers": (prior.model_copy(update={"payer": MEDICARE_B}),)}
    )
    text = _837p(claim)
    [medicare] = _other_payer_sbrs(text)
    assert medicare[1] == "P" and medicare[9] == "MB" and medicare[5] == ""
    _judged(text)


def test_the_837i_does_not_use_2320_sbr05() -> None:
    claim = institutional_claim_secondary()
    [prior] = claim.other_payers
    medicare = prior.model_copy(update={"payer": MEDICARE_B, "responsibility": "S"})
    first = prior.model_copy(update={"payer": GROUP_PLAN, "responsibility": "P"})
    claim = claim.model_copy(update={"payer": MEDIGAP, "other_payers": (first, medicare)})
    text = write_837i(
        [claim],
        submitter=SUBMITTER,
        receiver=RECEIVER,
        created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )
    assert all(sbr[5] == "" for sbr in _other_payer_sbrs(text))
