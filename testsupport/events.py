"""Claim events for the spine's tests and benchmarks: a claim.created envelope in one call."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from shared.claim_model import ServiceLine
from shared.events.claim_snapshot import snapshot_v1
from shared.events.claims import ClaimCreated
from shared.events.envelope import EventEnvelope
from shared.events.patient_account import patient_account_id
from shared.events.registry import to_envelope
from testsupport.claims import professional_claim

DEFAULT_AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def claim_created(
    claim_id: str,
    *,
    organization_id: str,
    patient_control_number: str,
    charge: Decimal | str,
    occurred_at: datetime = DEFAULT_AT,
    producer: str = "intake",
) -> EventEnvelope:
    """claim.created (version 1 of the claim stream) for a one-line professional claim."""
    amount = Decimal(charge)
    claim = professional_claim(
        patient_control_number=patient_control_number,
        lines=(ServiceLine(line_number=1, procedure_code="99213", charge=amount),),
    )
    event = ClaimCreated(
        claim_id=claim_id,
        account_id=patient_account_id(organization_id, patient_control_number),
        organization_id=organization_id,
        claim=snapshot_v1(claim),
    )
    return to_envelope(
        event,
        stream_version=1,
        occurred_at=occurred_at,
        organization_id=organization_id,
        producer=producer,
    )
