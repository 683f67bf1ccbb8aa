"""The remit service's read model: the claims an 835 can be matched to (`remit.claim_index`).

Fed by claim events (content, submission, acceptance with the payer's claim number, voids,
and remit's own postings, whose CLP07 is a payer claim number too), on Kafka by the remit
worker and in the embedded runner alike; rebuilt by replaying the claim topic.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.remit.tables import claim_index, claim_numbers, index_metadata
from shared.events.claim_snapshot import ClaimSnapshotV1
from shared.events.claim_snapshot_v2 import ClaimSnapshotV2
from shared.events.envelope import EventEnvelope
from shared.events.registry import decode as decode_event
from shared.messaging.projection import EventHandler, Projection

CLAIM_INDEX_PROJECTION = "remit.claim_index"

_NOT_NAME = re.compile(r"[^A-Z0-9]+")


def patient_key(last_name: str | None, first_name: str | None) -> str:
    """Names compared as payers print them: upper case, letters and digits only."""
    last = _NOT_NAME.sub("", (last_name or "").upper())
    first = _NOT_NAME.sub("", (first_name or "").upper())
    return f"{last}|{first}"


def claim_index_row(
    envelope: EventEnvelope, claim: ClaimSnapshotV1 | ClaimSnapshotV2, status: str
) -> dict[str, Any]:
    """The index row of a claim's content (the projection's, and the bench's setup)."""
    person = claim.patient if claim.patient is not None else claim.subscriber
    dates = [line.service_date for line in claim.lines if line.service_date]
    dates += [line.service_date_end for line in claim.lines if line.service_date_end]
    dates += [d for d in (claim.statement_from, claim.statement_to) if d]
    return {
        "organization_id": envelope.organization_id,
        "claim_id": envelope.stream_id,
        "patient_control_number": claim.patient_control_number,
        "payer_id": claim.payer.payer_id,
        "patient_key": patient_key(person.last_name, person.first_name),
        "member_id": claim.subscriber.member_id,
        "service_from": min(dates) if dates else None,
        "service_to": max(dates) if dates else None,
        "total_charge": format(claim.total_charge, "f"),
        "status": status,
        "stream_version": envelope.stream_version,
    }


def _key(envelope: EventEnvelope) -> Any:
    return (claim_index.c.organization_id == envelope.organization_id) & (
        claim_index.c.claim_id == envelope.stream_id
    )


def index_content(conn: Connection, event: Any, envelope: EventEnvelope) -> None:
    """claim.created / amended / corrected / secondary_opened: the claim as billed (replaces
    what was indexed); a secondary claim is indexed under the payer it bills."""
    claim = getattr(event, "claim", None) or event.corrected_claim
    conn.execute(claim_index.delete().where(_key(envelope)))
    conn.execute(claim_index.insert().values(**claim_index_row(envelope, claim, "created")))


def _status(status: str) -> EventHandler:
    def set_status(conn: Connection, event: Any, envelope: EventEnvelope) -> None:
        conn.execute(
            claim_index.update()
            .where(_key(envelope))
            .values(status=status, stream_version=envelope.stream_version)
        )
        number = getattr(event, "payer_claim_number", None)
        if number:
            add_payer_claim_number(conn, envelope.organization_id, number, envelope.stream_id)

    set_status.__name__ = f"index_{status}"
    return set_status


def add_payer_claim_number(
    conn: Connection, organization_id: str, number: str, claim_id: str
) -> None:
    """Remember a payer's claim number (CLP07, 277CA) of a claim (idempotent)."""
    found = conn.execute(
        sa.select(claim_numbers.c.claim_id).where(
            claim_numbers.c.organization_id == organization_id,
            claim_numbers.c.payer_claim_number == number,
            claim_numbers.c.claim_id == claim_id,
        )
    ).first()
    if found is None:
        conn.execute(
            claim_numbers.insert().values(
                organization_id=organization_id, payer_claim_number=number, claim_id=claim_id
            )
        )


HANDLERS: dict[str, EventHandler] = {
    "claim.created": index_content,
    "claim.amended": index_content,
    "claim.corrected": index_content,
    "claim.secondary_opened": index_content,
    "claim.submitted": _status("submitted"),
    "claim.accepted": _status("accepted"),
    "claim.voided": _status("voided"),
    "claim.paid": _status("paid"),
    "claim.partially_paid": _status("partially_paid"),
    "claim.denied": _status("denied"),
    "claim.reversed": _status("reversed"),
}

claim_index_projection = Projection(CLAIM_INDEX_PROJECTION, index_metadata, HANDLERS)

PROJECTIONS: dict[str, Projection] = {claim_index_projection.name: claim_index_projection}

decode_payload = decode_event
