"""837P and 837I files written from claims pass pyx12 with zero errors, for every variant."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from shared.claim_model import Claim
from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.pyx12_judge import judge
from shared.x12.x12_837_005010X222A1.writer import ClaimWriteError, write_837p
from shared.x12.x12_837_005010X223A2.writer import facility_type_code, write_837i
from testsupport.claims import (
    INSTITUTIONAL_VARIANTS,
    PROFESSIONAL_VARIANTS,
    institutional_claim,
    professional_claim,
    professional_claim_child_patient,
    professional_claim_secondary,
    random_institutional_claims,
    random_professional_claims,
)
from testsupport.x12 import CREATED_AT, RECEIVER, SUBMITTER


def _837p(claims: list[Claim]) -> str:
    return write_837p(
        claims,
        submitter=SUBMITTER,
        receiver=RECEIVER,
        created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )


def _837i(claims: list[Claim]) -> str:
    return write_837i(
        claims,
        submitter=SUBMITTER,
        receiver=RECEIVER,
        created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )


def _segments(text: str, seg_id: str) -> list[str]:
    return [line.rstrip("~") for line in text.splitlines() if line.startswith(seg_id + "*")]


@pytest.mark.parametrize("variant", sorted(PROFESSIONAL_VARIANTS))
def test_837p_variant_is_valid_under_pyx12(
    variant: str, pyx12_clean: Callable[[str], None]
) -> None:
    pyx12_clean(_837p([PROFESSIONAL_VARIANTS[variant]()]))


@pytest.mark.parametrize("variant", sorted(INSTITUTIONAL_VARIANTS))
def test_837i_variant_is_valid_under_pyx12(
    variant: str, pyx12_clean: Callable[[str], None]
) -> None:
    pyx12_clean(_837i([INSTITUTIONAL_VARIANTS[variant]()]))


def test_every_variant_passes_our_own_strict_validator() -> None:
    # The reader engineer's validator is the second, independent opinion on our files.
    from shared.x12.validation import validate

    files = [_837p([f()]) for f in PROFESSIONAL_VARIANTS.values()]
    files += [_837i([f()]) for f in INSTITUTIONAL_VARIANTS.values()]
    for text in files:
        report = validate(text)
        assert report.errors == [], [str(i) for i in report.errors]


def test_a_seeded_batch_of_random_claims_is_one_valid_837p(
    pyx12_clean: Callable[[str], None],
) -> None:
    claims = list(random_professional_claims(60, seed=2026))
    text = _837p(claims)
    pyx12_clean(text)
    assert len(_segments(text, "CLM")) == 60
    assert len(_segments(text, "ST")) == 1


def test_a_seeded_batch_of_random_institutional_claims_is_one_valid_837i(
    pyx12_clean: Callable[[str], object],
) -> None:
    claims = list(random_institutional_claims(40, seed=2026))
    text = _837i(claims)
    pyx12_clean(text)
    assert len(_segments(text, "CLM")) == 40
    assert {s.split("*")[5][:2] for s in _segments(text, "CLM")} == {"11", "13"}


def test_all_professional_variants_in_one_batch_are_valid(
    pyx12_clean: Callable[[str], None],
) -> None:
    # Mixed payer rank/child/self claims for one payer: the hierarchy must stay consistent.
    claims = [f() for name, f in sorted(PROFESSIONAL_VARIANTS.items()) if name != "secondary"]
    text = _837p(claims)
    pyx12_clean(text)
    hl = _segments(text, "HL")
    assert hl[0] == "HL*1**20*1"  # one billing provider for all claims
    assert sum(1 for s in hl if s.endswith("*22*0") or s.endswith("*22*1")) == len(claims)
    assert sum(1 for s in hl if "*23*" in s) == 1  # only the child claim has a 2000C


def test_837p_carries_what_the_claim_says() -> None:
    text = _837p([professional_claim_child_patient()])
    assert "SBR*P**" in text  # subscriber is not the patient: SBR02 empty
    assert _segments(text, "PAT") == ["PAT*19"]
    claim_line = _segments(text, "CLM")[0]
    assert claim_line == "CLM*PCN26031004*180.00***11:B:1*Y*A*Y*Y"
    secondary = _837p([professional_claim_secondary()])
    assert "SBR*S*18*" in secondary and "AMT*D*145.92" in secondary
    assert _segments(secondary, "SVD")[0] == "SVD*87726*134.40*HC:99214**1"
    modifiers = _837p([PROFESSIONAL_VARIANTS["modifiers"]()])
    assert "SV1*HC:97110:GP:59*144.00*UN*3***2" in modifiers
    replacement = _837p([PROFESSIONAL_VARIANTS["replacement"]()])
    assert "REF*F8*2026061000123" in replacement and "11:B:7" in replacement
    void = _837p([PROFESSIONAL_VARIANTS["void"]()])
    assert "REF*F8*2026061000456" in void and "11:B:8" in void


def test_837i_carries_bill_type_dates_drg_and_revenue_codes() -> None:
    text = _837i([institutional_claim()])
    assert _segments(text, "CLM")[0] == "CLM*ACCT26021601*7147.40***11:A:1**A*Y*Y"
    assert "DTP*434*RD8*20260216-20260219" in text
    assert "CL1*1*7*01" in text
    assert _segments(text, "HI") == [
        "HI*ABK:J189:::::::Y",  # HI01-9: present on admission (an inpatient stay)
        "HI*ABJ:R0602",
        "HI*DR:194",
        "HI*ABF:E119:::::::Y*ABF:I10:::::::Y",
    ]
    assert "SV2*0120**5400.00*DA*3" in text


@pytest.mark.parametrize(
    ("tob", "code"), [("011", "11"), ("0111", "11"), ("131", "13"), ("13", "13")]
)
def test_facility_type_code_from_type_of_bill(tob: str, code: str) -> None:
    assert facility_type_code(institutional_claim(type_of_bill=tob)) == code


def test_judge_catches_a_broken_837p() -> None:
    # The judge must be able to fail: drop a mandatory DTP*472 from a valid file.
    text = _837p([professional_claim()])
    broken = text.replace("DTP*472*D8*20260310~\n", "", 1)
    verdict = judge(broken)
    assert not verdict.ok
    assert "DTP" in verdict.segment_ids


def test_claims_for_two_payers_are_refused() -> None:
    other_payer = professional_claim().payer.model_copy(update={"payer_id": "99999"})
    with pytest.raises(ClaimWriteError, match="one payer"):
        _837p([professional_claim(), professional_claim(payer=other_payer)])


def test_a_total_that_does_not_match_the_lines_is_refused() -> None:
    with pytest.raises(ClaimWriteError, match="CLM02 100.00 differs"):
        _837p([professional_claim(total_charge=Decimal("100.00"))])


def test_a_replacement_without_the_payer_claim_number_is_refused() -> None:
    with pytest.raises(ClaimWriteError, match="REF\\*F8"):
        _837p([PROFESSIONAL_VARIANTS["replacement"](original_payer_claim_number=None)])


def test_an_institutional_claim_is_not_written_as_837p() -> None:
    with pytest.raises(ClaimWriteError, match="is institutional"):
        _837p([institutional_claim()])


def test_a_value_holding_a_delimiter_is_refused_without_echoing_it() -> None:
    from shared.x12.envelope_writer import EnvelopeError

    subscriber = professional_claim().subscriber.model_copy(update={"last_name": "O*Brien"})
    with pytest.raises(
        EnvelopeError, match=r"\(NM1\) element NM103 contains a delimiter"
    ) as caught:
        _837p([professional_claim(subscriber=subscriber)])
    assert "O*Brien" not in str(caught.value)


def test_an_institutional_claim_without_patient_status_is_refused() -> None:
    with pytest.raises(ClaimWriteError, match="CL103"):
        _837i([institutional_claim(discharge_status=None)])


def test_two_billing_providers_get_two_provider_levels(
    pyx12_clean: Callable[[str], object],
) -> None:
    from testsupport.claims import professional_claim_line_details

    first = professional_claim()
    other = first.billing_provider.model_copy(  # type: ignore[union-attr]
        update={
            "npi": "1871234563",
            "organization_name": "Bayside Pediatrics",
            "tax_id": "592223333",
        }
    )
    claims = [
        first,
        professional_claim_line_details(billing_provider=other),
        professional_claim_child_patient(),
    ]
    text = _837p(claims)
    pyx12_clean(text)
    hl = _segments(text, "HL")
    assert [s for s in hl if s.endswith("*20*1")] == ["HL*1**20*1", "HL*5**20*1"]
    # Claims are grouped under their own billing provider, whatever their order in the batch.
    assert _segments(text, "CLM")[1].startswith("CLM*PCN26031004*")


def test_a_dependent_relationship_without_the_patient_is_refused() -> None:
    from shared.claim_model import Relationship

    with pytest.raises(ClaimWriteError, match="relationship 19 needs the patient"):
        _837p([professional_claim(relationship=Relationship.CHILD)])


@pytest.mark.parametrize("write", [_837p, _837i], ids=["837P", "837I"])
def test_lx01_counts_the_lines_from_one_whatever_the_claims_line_numbers(
    write: Callable[[list[Claim]], str],
) -> None:
    """LX01 is the guide's assigned number (1, then one more per line; pyx12 counts it): a
    claim whose own line numbers skip, or reach LX01's maximum, still writes 1, 2, ..."""
    claim = professional_claim() if write is _837p else institutional_claim()
    first = claim.lines[0]
    lines = (
        first.model_copy(update={"line_number": 7}),
        first.model_copy(update={"line_number": 999_999}),
    )
    claim = claim.model_copy(update={"lines": lines, "total_charge": first.charge * 2})
    text = write([claim])
    assert _segments(text, "LX") == ["LX*1", "LX*2"]
    verdict = judge(text)
    assert verdict.ok, verdict.errors
