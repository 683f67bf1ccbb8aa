"""835 remittances and 277CA acknowledgments for the simulator: pyx12-valid and balanced."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from shared.claim_model import Adjustment
from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.envelope_writer import Party
from shared.x12.x12_277_005010X214.writer import (
    AckStatusWriteError,
    ClaimAcknowledgment,
    ClaimStatus,
    ProviderClaims,
    write_277ca,
)
from shared.x12.x12_835_005010X221A1.writer import (
    ProviderAdjustment,
    Remittance,
    RemitWriteError,
    ServicePayment,
    write_835,
)
from testsupport.claims import (
    PROFESSIONAL_VARIANTS,
    institutional_claim,
    professional_claim,
    professional_claim_modifiers,
    professional_claim_several_lines,
    random_professional_claims,
)
from testsupport.remittances import (
    claim_payment,
    denied_claim_payment,
    remittance,
    reversal_of,
)
from testsupport.x12 import CREATED_AT

PAYER = Party("SUNSHINE")
PROVIDER = Party("RIVERBEND01")


def _835(remits: list[Remittance]) -> str:
    return write_835(
        remits, sender=PAYER, receiver=PROVIDER, created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )  # fmt: skip


def _elements(text: str) -> list[list[str]]:
    return [line.rstrip("~").split("*") for line in text.splitlines() if line]


def _balances(text: str) -> None:
    """Recompute the 835's balances from the text alone (independent of the writer)."""
    segments = _elements(text)
    bpr = [s for s in segments if s[0] == "BPR"]
    clp_paid = Decimal(0)
    plb_total = Decimal(0)
    claim: list[str] | None = None
    claim_cas = Decimal(0)

    def close() -> None:
        if claim is not None:
            assert Decimal(claim[3]) - Decimal(claim[4]) == claim_cas, claim[1]

    for seg in segments:
        if seg[0] in ("CLP", "SE"):
            close()
            claim, claim_cas = (seg, Decimal(0)) if seg[0] == "CLP" else (None, Decimal(0))
            if seg[0] == "CLP":
                clp_paid += Decimal(seg[4])
        elif seg[0] == "CAS":
            claim_cas += sum((Decimal(seg[i]) for i in range(3, len(seg), 3)), Decimal(0))
        elif seg[0] == "PLB":
            plb_total += sum((Decimal(seg[i]) for i in range(4, len(seg), 2)), Decimal(0))
    assert len(bpr) == 1
    assert Decimal(bpr[0][2]) == clp_paid - plb_total


def test_a_paid_denied_and_reversed_remittance_with_plb_is_valid_and_balances(
    pyx12_clean: Callable[[str], object],
) -> None:
    payments = [
        claim_payment(professional_claim_several_lines()),
        denied_claim_payment(professional_claim_modifiers()),
        reversal_of(claim_payment(professional_claim())),
        claim_payment(institutional_claim()),
    ]
    plb = [
        ProviderAdjustment("L6", Decimal("-2.15"), "INTEREST"),
        ProviderAdjustment("WO", Decimal("10.00"), "OVERPAY123"),
    ]
    text = _835([remittance(payments, provider_adjustments=plb)])
    pyx12_clean(text)
    _balances(text)
    assert "CLP*PCN26031001*22*-145.00*-92.80" in text
    assert "PLB*1234567893*20261231*L6:INTEREST*-2.15*WO:OVERPAY123*10.00" in text


@pytest.mark.parametrize("variant", sorted(PROFESSIONAL_VARIANTS))
def test_payment_of_each_claim_variant_is_valid(
    variant: str, pyx12_clean: Callable[[str], object]
) -> None:
    text = _835([remittance([claim_payment(PROFESSIONAL_VARIANTS[variant]())])])
    pyx12_clean(text)
    _balances(text)


def test_several_payments_in_one_file_each_balance(pyx12_clean: Callable[[str], object]) -> None:
    claims = list(random_professional_claims(30, seed=11))
    remits = [
        remittance([claim_payment(c) for c in claims[:15]], trace_number="EFT1"),
        remittance([claim_payment(c) for c in claims[15:]], trace_number="EFT2"),
    ]
    text = _835(remits)
    pyx12_clean(text)
    first_se = text.index("SE*")
    _balances(text[:first_se] + "SE*1*1~\n")
    _balances(text[first_se + 1 :])


def test_our_strict_validator_agrees_the_835_balances() -> None:
    from shared.x12.validation import validate

    payments = [
        claim_payment(professional_claim_several_lines()),
        claim_payment(institutional_claim()),
    ]
    report = validate(
        _835(
            [remittance(payments, provider_adjustments=[ProviderAdjustment("WO", Decimal("5.00"))])]
        )
    )
    assert report.errors == [], [str(i) for i in report.errors]


def test_an_unbalanced_claim_is_refused() -> None:
    good = claim_payment(professional_claim())
    service = good.services[0]
    short = ServicePayment(
        charge=service.charge,
        paid=service.paid,
        procedure_code=service.procedure_code,
        adjustments=(Adjustment(group="CO", reason="45", amount=Decimal("1.00")),),
    )
    bad = remittance(
        [
            type(good)(
                **{**{f: getattr(good, f) for f in good.__dataclass_fields__}, "services": (short,)}
            )
        ]
    )
    with pytest.raises(
        RemitWriteError, match="line 1: charge 145.00 - paid 92.80 != adjustments 1.00"
    ):
        _835([bad])


def test_provider_adjustments_that_exceed_the_payment_are_refused() -> None:
    plb = [ProviderAdjustment("WO", Decimal("5000.00"), "RECOUP")]
    with pytest.raises(RemitWriteError, match="negative"):
        _835([remittance([claim_payment(professional_claim())], provider_adjustments=plb)])


def _status(pcn: str, accepted: bool, charge: str = "145.00") -> ClaimStatus:
    return ClaimStatus(
        patient_control_number=pcn,
        charge=Decimal(charge),
        patient_last_name="Marlowe",
        patient_first_name="Theodora",
        member_id="XKZ480019203",
        statuses=(("A2", "20", None),) if accepted else (("A7", "562", "85"), ("A7", "21", None)),
        service_from=date(2026, 3, 10),
        payer_claim_number="2026X1" if accepted else None,
        message=None if accepted else "BILLING NPI NOT ON FILE",
    )


def _277ca(claims: tuple[ClaimStatus, ...]) -> str:
    ack = ClaimAcknowledgment(
        source_name="Clearwater Exchange",
        source_id="CLEARX",
        receiver_name="Riverbend Billing",
        receiver_id="RIVERBEND01",
        batch_reference="20260311093000",
        received_date=date(2026, 3, 11),
        processed_date=date(2026, 3, 11),
        providers=(ProviderClaims("Riverbend Family Medicine", "1234567893", claims, "591234567"),),
    )
    return write_277ca(
        [ack], sender=Party("CLEARX"), receiver=PROVIDER, created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )  # fmt: skip


def test_277ca_with_accepted_and_rejected_claims_is_valid(
    pyx12_clean: Callable[[str], object],
) -> None:
    text = _277ca((_status("PCN1", True), _status("PCN2", False, "180.00")))
    pyx12_clean(text)
    lines = text.splitlines()
    assert "QTY*90*1~" in lines and "QTY*AA*1~" in lines
    assert "AMT*YU*145.00~" in lines and "AMT*YY*180.00~" in lines
    assert "STC*A7:562:85*20260311*U*180.00******A7:21**BILLING NPI NOT ON FILE~" in lines


def test_277ca_rejecting_the_whole_batch_is_valid(pyx12_clean: Callable[[str], object]) -> None:
    text = _277ca((_status("PCN1", False), _status("PCN2", False)))
    pyx12_clean(text)
    assert "STC*A3:19*20260311*U*290.00~" in text.splitlines()


def test_277ca_refuses_a_status_that_is_not_an_acknowledgment() -> None:
    with pytest.raises(AckStatusWriteError, match="'F1' is not an acknowledgment"):
        ClaimStatus(
            "PCN1", Decimal("1.00"), "X", None, "M1", (("F1", "65", None),), date(2026, 3, 1)
        )


def test_277ca_for_a_factory_batch_with_one_rejection(pyx12_clean: Callable[[str], object]) -> None:
    from testsupport.acknowledgments import claim_acknowledgment

    claims = [f() for f in PROFESSIONAL_VARIANTS.values()] + [institutional_claim()]
    ack = claim_acknowledgment(
        claims,
        batch_reference="20260311093000",
        processed=date(2026, 3, 11),
        rejections={"PCN26031004": ("A7", "562", "85", "ENTITY NOT ELIGIBLE")},
    )
    text = write_277ca(
        [ack], sender=Party("CLEARX"), receiver=PROVIDER, created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )  # fmt: skip
    pyx12_clean(text)
    lines = text.splitlines()
    assert f"QTY*90*{len(claims) - 1}~" in lines and "QTY*AA*1~" in lines
    assert "REF*BLT*111~" in lines
