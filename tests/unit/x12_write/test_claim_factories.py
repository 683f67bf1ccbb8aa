"""The claim factories give valid, realistic claims: NPIs, codes and totals a payer accepts."""

from __future__ import annotations

import simple_icd_10_cm as icd

from shared.claim_model import ClaimKind, Frequency, Relationship
from testsupport.claims import (
    INSTITUTIONAL_VARIANTS,
    PROFESSIONAL_VARIANTS,
    is_valid_npi,
    npi_with_check_digit,
    random_professional_claims,
)


def test_npi_check_digit_matches_the_cms_worked_example() -> None:
    assert npi_with_check_digit("123456789") == "1234567893"
    assert not is_valid_npi("1234567890")


def test_every_variant_is_internally_consistent() -> None:
    for name, factory in {**PROFESSIONAL_VARIANTS, **INSTITUTIONAL_VARIANTS}.items():
        claim = factory()
        assert claim.total_charge == claim.line_total, name
        for provider in (
            claim.billing_provider,
            claim.rendering_provider,
            claim.attending_provider,
        ):
            if provider is not None and provider.npi:
                assert is_valid_npi(provider.npi), name
        for code in claim.diagnoses:
            assert icd.is_leaf(icd.add_dot(code) if len(code) > 3 else code), (name, code)
        for line in claim.lines:
            assert all(1 <= p <= len(claim.diagnoses) for p in line.diagnosis_pointers), name


def test_variants_cover_what_the_writers_must_handle() -> None:
    assert PROFESSIONAL_VARIANTS["child_patient"]().relationship is Relationship.CHILD
    assert PROFESSIONAL_VARIANTS["secondary"]().other_payers[0].line_adjudications
    assert PROFESSIONAL_VARIANTS["replacement"]().frequency is Frequency.REPLACEMENT
    assert PROFESSIONAL_VARIANTS["void"]().frequency is Frequency.VOID
    inpatient = INSTITUTIONAL_VARIANTS["inpatient_drg"]()
    assert inpatient.kind is ClaimKind.INSTITUTIONAL and inpatient.drg
    assert all(line.revenue_code for line in inpatient.lines)


def test_random_claims_are_reproducible_from_the_seed() -> None:
    first = list(random_professional_claims(20, seed=7))
    assert first == list(random_professional_claims(20, seed=7))
    assert first != list(random_professional_claims(20, seed=8))
    assert len({c.patient_control_number for c in first}) == 20
    assert all(c.total_charge == c.line_total for c in first)
