"""277CA inputs for the claim factories' claims: accept them, or reject some with a reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from shared.claim_model import Claim, ClaimKind
from shared.x12.x12_277_005010X214.writer import ClaimAcknowledgment, ClaimStatus, ProviderClaims

__all__ = ["claim_acknowledgment", "Rejection"]

Rejection = tuple[str, str, str | None, str | None]
"""(category, status code, entity code, message), e.g. ("A7", "562", "85", "NPI not on file")."""


def claim_acknowledgment(
    claims: Sequence[Claim],
    *,
    batch_reference: str,
    processed: date,
    rejections: Mapping[str, Rejection] | None = None,
    source: tuple[str, str] = ("Clearwater Exchange", "CLEARX"),
    receiver: tuple[str, str] = ("Riverbend Billing", "RIVERBEND01"),
) -> ClaimAcknowledgment:
    """The 277CA for an 837 batch: A2:20 (accepted) unless the claim's CLM01 is in `rejections`."""
    rejections = rejections or {}
    by_provider: dict[tuple[str, str], list[ClaimStatus]] = {}
    for index, claim in enumerate(claims, start=1):
        provider = claim.billing_provider
        if provider is None or not provider.npi:
            raise ValueError(f"claim {claim.patient_control_number} has no billing provider NPI")
        patient = claim.patient_person
        rejected = rejections.get(claim.patient_control_number)
        statuses = ((rejected[0], rejected[1], rejected[2]),) if rejected else (("A2", "20", None),)
        service_from = claim.first_service_date or processed
        ends = [line.service_date_end or line.service_date for line in claim.lines]
        service_to = claim.statement_to or max((d for d in ends if d), default=service_from)
        by_provider.setdefault(
            (provider.organization_name or provider.last_name or "PROVIDER", provider.npi), []
        ).append(
            ClaimStatus(
                patient_control_number=claim.patient_control_number,
                charge=claim.total_charge,
                patient_last_name=patient.last_name,
                patient_first_name=patient.first_name,
                member_id=claim.subscriber.member_id,
                statuses=statuses,
                service_from=service_from,
                service_to=service_to,
                payer_claim_number=None if rejected else f"{batch_reference[-6:]}{index:05d}",
                bill_type=("0" + claim.type_of_bill[-2:] + claim.frequency.value)[-3:]
                if claim.kind is ClaimKind.INSTITUTIONAL and claim.type_of_bill
                else None,
                message=rejected[3] if rejected else None,
            )
        )
    return ClaimAcknowledgment(
        source_name=source[0],
        source_id=source[1],
        receiver_name=receiver[0],
        receiver_id=receiver[1],
        batch_reference=batch_reference,
        received_date=processed,
        processed_date=processed,
        providers=tuple(
            ProviderClaims(name, npi, tuple(statuses))
            for (name, npi), statuses in by_provider.items()
        ),
    )
