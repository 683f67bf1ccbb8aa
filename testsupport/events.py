"""Claim events for the spine's tests and benchmarks: a claim.created envelope in one call,
and raw rows written straight into the events table."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from sqlalchemy.engine import Engine

from shared.claim_model import ServiceLine
from shared.events.claim_snapshot import snapshot_v1
from shared.events.claims import ClaimCreated
from shared.events.envelope import EventEnvelope
from shared.events.patient_account import patient_account_id
from shared.events.registry import to_envelope
from shared.eventstore.schema import events
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


def insert_raw_event(
    engine: Engine,
    *,
    stream_id: str,
    stream_version: int,
    event_type: str,
    data: Any,
    event_version: int = 1,
    producer: str = "tests",
    organization_id: str = "org",
) -> None:
    """Write a row straight into the events table, past every check an append makes: how a
    test gets an event no append would accept (unknown type, corrupt or oversized data)."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            events.insert().values(
                event_id=str(uuid4()),
                stream_id=stream_id,
                stream_version=stream_version,
                type=event_type,
                version=event_version,
                occurred_at=now,
                recorded_at=now,
                producer=producer,
                organization_id=organization_id,
                data=data,
            )
        )
