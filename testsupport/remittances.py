"""Remittance factories: balanced 835 inputs paying (or denying) the claim factories' claims."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from shared.claim_model import Address, Adjustment, Claim, ClaimKind
from shared.x12.x12_835_005010X221A1.writer import (
    ClaimPayment,
    ProviderAdjustment,
    Remittance,
    ServicePayment,
)

__all__ = ["claim_payment", "denied_claim_payment", "reversal_of", "remittance"]

CENT = Decimal("0.01")
PAYMENT_DATE = date(2026, 4, 2)


def claim_payment(
    claim: Claim,
    *,
    allowed_rate: Decimal = Decimal("0.80"),
    coinsurance_rate: Decimal = Decimal("0.20"),
    payer_claim_number: str | None = None,
    status: str = "1",
) -> ClaimPayment:
    """Pay each line at `allowed_rate` of charge (CO-45 for the rest), less PR-2 coinsurance."""
    services = []
    for line in claim.lines:
        allowed = (line.charge * allowed_rate).quantize(CENT)
        patient = (allowed * coinsurance_rate).quantize(CENT)
        adjustments = []
        if line.charge - allowed:
            adjustments.append(Adjustment(group="CO", reason="45", amount=line.charge - allowed))
        if patient:
            adjustments.append(Adjustment(group="PR", reason="2", amount=patient))
        services.append(
            ServicePayment(
                charge=line.charge,
                paid=allowed - patient,
                procedure_code=line.procedure_code,
                modifiers=line.modifiers,
                revenue_code=line.revenue_code,
                units=line.units,
                service_date=line.service_date,
                adjustments=tuple(adjustments),
                allowed=allowed,
            )
        )
    patient_person = claim.patient_person
    return ClaimPayment(
        patient_control_number=claim.patient_control_number,
        status=status,
        charge=claim.total_charge,
        paid=sum((s.paid for s in services), Decimal("0.00")),
        payer_claim_number=payer_claim_number or f"PCN{claim.patient_control_number[-8:]}X",
        patient_last_name=patient_person.last_name,
        patient_first_name=patient_person.first_name,
        member_id=claim.subscriber.member_id,
        facility_type_code=claim.place_of_service
        if claim.kind is ClaimKind.PROFESSIONAL
        else (claim.type_of_bill or "011")[-2:],
        frequency=claim.frequency.value,
        services=tuple(services),
        statement_from=claim.statement_from,
        statement_to=claim.statement_to,
    )


def denied_claim_payment(
    claim: Claim, reason: str = "29", remark: str | None = "N211"
) -> ClaimPayment:
    """A denial (CLP02 = 4): nothing paid, the whole charge adjusted CO-`reason` per line."""
    paid = claim_payment(claim, allowed_rate=Decimal("1"), coinsurance_rate=Decimal("0"))
    services = tuple(
        ServicePayment(
            charge=s.charge,
            paid=Decimal("0.00"),
            procedure_code=s.procedure_code,
            modifiers=s.modifiers,
            revenue_code=s.revenue_code,
            units=s.units,
            service_date=s.service_date,
            adjustments=(Adjustment(group="CO", reason=reason, amount=s.charge),),
            remarks=(remark,) if remark else (),
        )
        for s in paid.services
    )
    return ClaimPayment(
        **{
            **{f: getattr(paid, f) for f in paid.__dataclass_fields__},
            "status": "4",
            "paid": Decimal("0.00"),
            "services": services,
            "patient_responsibility": Decimal("0.00"),
        }
    )


def reversal_of(payment: ClaimPayment) -> ClaimPayment:
    """CLP02 = 22: the payer takes back an earlier payment (every amount negated)."""

    def negate(adjustments: Sequence[Adjustment]) -> tuple[Adjustment, ...]:
        return tuple(a.model_copy(update={"amount": -a.amount}) for a in adjustments)

    services = tuple(
        ServicePayment(
            charge=-s.charge,
            paid=-s.paid,
            procedure_code=s.procedure_code,
            modifiers=s.modifiers,
            revenue_code=s.revenue_code,
            units=s.units,
            service_date=s.service_date,
            adjustments=negate(s.adjustments),
        )
        for s in payment.services
    )
    return ClaimPayment(
        **{
            **{f: getattr(payment, f) for f in payment.__dataclass_fields__},
            "status": "22",
            "charge": -payment.charge,
            "paid": -payment.paid,
            "patient_responsibility": -payment.responsibility,
            "adjustments": negate(payment.adjustments),
            "services": services,
        }
    )


def remittance(
    payments: Sequence[ClaimPayment],
    *,
    provider_adjustments: Sequence[ProviderAdjustment] = (),
    trace_number: str = "EFT20260402001",
    payment_date: date = PAYMENT_DATE,
) -> Remittance:
    """A check from Sunshine Mutual to Riverbend Family Medicine for `payments`."""
    return Remittance(
        payer_name="Sunshine Mutual Health Plan",
        payer_tax_id="870012345",
        payer_address=Address(
            line1="PO Box 30555", city="Salt Lake City", state="UT", postal_code="84130"
        ),
        payer_contact_phone="8005550199",
        payer_id="87726",
        payee_name="Riverbend Family Medicine",
        payee_npi="1234567893",
        payee_tax_id="591234567",
        payee_address=Address(
            line1="1200 Harbor View Drive", city="Tampa", state="FL", postal_code="336021234"
        ),
        payment_date=payment_date,
        trace_number=trace_number,
        claims=tuple(payments),
        provider_adjustments=tuple(provider_adjustments),
    )
