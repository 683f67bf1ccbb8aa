"""Version 1 of the remit events (published before the service existed) is read as v2."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from shared.events.registry import registry
from shared.events.remittance import (
    AdjustmentEffect,
    ClaimDenied,
    ClaimPaid,
    ClaimPaidV1,
    ClaimReversed,
    ClaimUnderpaid,
    RemittanceReceived,
)

D = Decimal


def _v1(event: Any) -> dict[str, Any]:
    data: dict[str, Any] = event.model_dump(mode="json")
    return data


def test_a_v1_payment_gets_the_effect_of_each_adjustment_and_its_ledger() -> None:
    paid = ClaimPaidV1(
        claim_id="clm-1",
        remittance_id="r-1",
        payer_id="87726",
        payer_claim_number="PCN1",
        claim_status_code="1",
        charge_amount=D("100.00"),
        paid_amount=D("60.00"),
        patient_responsibility=D("20.00"),
        adjustments=(
            {"group": "CO", "reason_code": "45", "amount": D("20.00")},
            {"group": "PR", "reason_code": "2", "amount": D("20.00")},
        ),
        paid_on=date(2026, 3, 2),
    )
    event = registry.decode_data("claim.paid", 1, _v1(paid))
    assert isinstance(event, ClaimPaid)
    assert [a.effect for a in event.adjustments] == [
        AdjustmentEffect.CONTRACTUAL,
        AdjustmentEffect.PATIENT,
    ]
    assert (event.ledger.paid, event.ledger.adjustments) == (D("60.00"), D("20.00"))
    assert (event.ledger.patient_responsibility, event.ledger.denied) == (D("20.00"), D("0.00"))


def test_v1_denials_reversals_underpayments_and_remittances_read_as_v2() -> None:
    denied = registry.decode_data(
        "claim.denied",
        1,
        {
            "claim_id": "clm-1",
            "remittance_id": "r-1",
            "payer_id": "87726",
            "payer_claim_number": "PCN1",
            "claim_status_code": "4",
            "charge_amount": "100.00",
            "paid_amount": "0.00",
            "adjustments": [{"group": "CO", "reason_code": "29", "amount": "100.00"}],
            "paid_on": "2026-03-02",
            "denial_category": "timely-filing",
        },
    )
    assert isinstance(denied, ClaimDenied)
    assert (denied.queue, denied.ledger.denied) == ("denials.timely-filing", D("100.00"))

    reversed_ = registry.decode_data(
        "claim.reversed",
        1,
        {
            "claim_id": "clm-1",
            "remittance_id": "r-2",
            "payer_claim_number": "PCN1",
            "reversed_paid_amount": "60.00",
            "reversed_patient_responsibility": "20.00",
            "reversed_adjustments": [
                {"group": "CO", "reason_code": "45", "amount": "20.00"},
                {"group": "PR", "reason_code": "2", "amount": "20.00"},
            ],
            "reversed_on": "2026-03-20",
        },
    )
    assert isinstance(reversed_, ClaimReversed)
    assert (reversed_.ledger.paid, reversed_.ledger.adjustments) == (D("-60.00"), D("-20.00"))
    assert reversed_.ledger.patient_responsibility == D("-20.00")

    underpaid = registry.decode_data(
        "claim.underpaid",
        1,
        {
            "claim_id": "clm-1",
            "remittance_id": "r-1",
            "expected_amount": "90.00",
            "paid_amount": "60.00",
            "shortfall": "30.00",
        },
    )
    assert isinstance(underpaid, ClaimUnderpaid)
    assert (underpaid.expected_amount, underpaid.actual_amount, underpaid.difference) == (
        D("90.00"),
        D("60.00"),
        D("30.00"),
    )

    received = registry.decode_data(
        "remittance.received",
        1,
        {
            "remittance_id": "r-1",
            "organization_id": "org-a",
            "payer_id": "87726",
            "payer_name": "Sunshine Mutual",
            "payment_method": "ACH",
            "trace_number": "T1",
            "payment_amount": "58.75",
            "payment_date": "2026-03-02",
            "claim_count": 1,
            "provider_adjustments": [{"reason_code": "L6", "amount": "-1.25"}],
        },
    )
    assert isinstance(received, RemittanceReceived)
    assert received.totals.claims_paid == D("57.50")  # BPR02 + PLB amounts (the 835 balances)
    assert received.totals.provider_adjustments == D("-1.25")
