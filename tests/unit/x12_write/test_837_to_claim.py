"""837 intake meets JSON intake: Claim -> 837 -> Claim is the same claim; real files translate."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from services.intake.adapters.x12_837 import (
    Claim837TranslationError,
    translate_837,
    translate_837_report,
)
from shared.claim_model import Claim, ClaimKind, Relationship
from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.x12_837_005010X222A1.writer import write_837p
from shared.x12.x12_837_005010X223A2.writer import write_837i
from testsupport.claims import (
    INSTITUTIONAL_VARIANTS,
    PROFESSIONAL_VARIANTS,
    professional_claim,
    random_institutional_claims,
    random_professional_claims,
)
from testsupport.samples import x12_samples_dir
from testsupport.x12 import CREATED_AT, RECEIVER, SUBMITTER


def _as_837_carries_it(claim: Claim) -> Claim:
    """Drop what an 837 does not carry back (see the adapter's docstring): nothing else."""
    update: dict[str, object] = {}
    if claim.relationship is not Relationship.SELF:
        # 2010BA DMG is sent only when the subscriber is the patient.
        update["subscriber"] = claim.subscriber.model_copy(update={"birth_date": None, "sex": None})
    update["other_payers"] = tuple(
        # 2330A (other subscriber) has no DMG segment.
        other.model_copy(
            update={
                "subscriber": other.subscriber.model_copy(update={"birth_date": None, "sex": None})
            }
        )
        for other in claim.other_payers
    )
    return claim.model_copy(update=update)


def _write(claims: list[Claim]) -> str:
    writer = write_837i if claims[0].kind is ClaimKind.INSTITUTIONAL else write_837p
    return writer(
        claims, submitter=SUBMITTER, receiver=RECEIVER, created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )  # fmt: skip


@pytest.mark.parametrize("variant", sorted(PROFESSIONAL_VARIANTS))
def test_professional_claim_round_trips_through_837p(variant: str) -> None:
    claim = PROFESSIONAL_VARIANTS[variant]()
    assert translate_837(_write([claim])) == [_as_837_carries_it(claim)]


@pytest.mark.parametrize("variant", sorted(INSTITUTIONAL_VARIANTS))
def test_institutional_claim_round_trips_through_837i(variant: str) -> None:
    claim = INSTITUTIONAL_VARIANTS[variant]()
    assert translate_837(_write([claim])) == [_as_837_carries_it(claim)]


def test_a_random_batch_round_trips_in_order() -> None:
    claims = list(random_professional_claims(40, seed=5))
    back = translate_837(_write(claims))
    # The reader yields a subscriber's own claims before its dependents'; one claim per
    # subscriber here, so file order is claim order.
    assert back == [_as_837_carries_it(c) for c in claims]


def test_a_random_institutional_batch_round_trips() -> None:
    claims = list(random_institutional_claims(30, seed=9))
    assert translate_837(_write(claims)) == [_as_837_carries_it(c) for c in claims]


def test_a_bad_element_is_named_with_its_segment_position() -> None:
    text = _write([professional_claim()])
    broken = text.replace("SV1*HC:99213*145.00", "SV1*HC:99213*14x5.00")
    with pytest.raises(Claim837TranslationError) as caught:
        translate_837(broken)
    error = caught.value
    assert error.segment_id == "SV1" and error.element == 2
    lines = [line for line in broken.splitlines() if line]
    assert lines[error.position - 1].startswith("SV1*HC:99213*14x5.00")  # type: ignore[operator]
    assert "line charge (SV102) '14x5.00' is not a number" in str(error)


def test_an_unsupported_frequency_is_refused_clearly() -> None:
    text = _write([professional_claim()]).replace("11:B:1", "11:B:6")
    with pytest.raises(Claim837TranslationError, match=r"CLM05-3\) '6' is not supported"):
        translate_837(text)


def test_a_file_that_is_not_an_837_is_refused() -> None:
    report = translate_837_report("ISA*00*nope~")
    assert not report.ok and report.issues[0].position is not None


def _samples(kind: str) -> list[Path]:
    root = x12_samples_dir()
    return sorted(p for p in (root / kind).iterdir() if p.is_file())


# Samples that are not conformant, and the first problem the adapter must name for each.
_EXPECTED_REFUSALS = {
    "5010-837-institutional-example.txt": ("SE", "count_mismatch"),
    "x223-test.txt": ("SE", "count_mismatch"),
    "demo.cob.example3.A.837": ("SBR", "claim_translation"),  # 2320 without its 2330B payer
    "demo.example9.837": ("SV1", "claim_translation"),  # SV107 pointer '1.00' is not a number
    "x12_complex.txt": ("SE", "count_mismatch"),
    "x12_many_claims.txt": ("SE", "count_mismatch"),
    "x12_valid.txt": ("SE", "count_mismatch"),
    "x12_valid_different_separators.txt": ("SE", "count_mismatch"),
}


@pytest.mark.parametrize("kind", ["837P", "837I"])
def test_every_sample_translates_or_names_the_segment_at_fault(kind: str) -> None:
    for path in _samples(kind):
        report = translate_837_report(path)
        expected = _EXPECTED_REFUSALS.get(path.name)
        if expected is None:
            assert report.ok, (path.name, [str(i) for i in report.issues])
            assert report.claims, path.name
            assert all(c.kind.value == ("professional" if kind == "837P" else "institutional")
                       for c in report.claims)  # fmt: skip
        else:
            assert not report.ok, path.name
            first = report.issues[0]
            assert (first.segment_id, first.code) == expected, (path.name, str(first))
            assert first.position is not None


def test_known_samples_carry_their_values() -> None:
    professional = {p.name: p for p in _samples("837P")}["5010-837-professional-example.txt"]
    claims = translate_837(professional)
    assert [c.patient_control_number for c in claims] == ["1000A", "1001A"]
    assert claims[0].place_of_service == "19" and claims[0].total_charge == Decimal("140.00")
    assert claims[1].subscriber.member_id == "9876543201" and claims[1].payer.payer_id == "12345"
    institutional = {p.name: p for p in _samples("837I")}["two-claims-single-provider.837i"]
    first, second = translate_837(institutional)
    assert first.type_of_bill == "013" and not first.accept_assignment
    assert first.diagnoses == ("3669", "4019", "79431")
    assert [(line.revenue_code, line.procedure_code, line.units) for line in first.lines] == [
        ("0305", "85025", Decimal("1.00")),
        ("0730", "93005", Decimal("3.00")),
    ]
    assert second.total_charge == Decimal("50.00")
