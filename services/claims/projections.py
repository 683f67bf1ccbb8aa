"""The claims index: one row per claim (status, payer, CLM01, dates), kept from the claim stream.

A projection like follow-up's, applied by the shared runtime (Kafka consumer or embedded
runner) in the transaction that records what it applied. The status is folded with the
domain's own transition table (`services.claims.domain.next_status`), so the index and the
aggregate never disagree about a claim's status. The claims jobs read it to find their
claims (ready to submit, near the filing limit, waiting for an answer); every command
still loads the claim's stream and decides on it, so a row a moment behind is harmless.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.claims.domain import ClaimStatus, next_status
from services.claims.tables import claims_index, index_metadata
from services.claims.timely import limit_starts
from shared.events.claims import (
    ClaimAmended,
    ClaimCorrected,
    ClaimCreated,
    ClaimSecondaryOpened,
    ClaimStatusRequested,
    ClaimSubmitted,
)
from shared.events.envelope import EventEnvelope
from shared.events.registry import registry
from shared.messaging.projection import EventHandler, Projection

INDEX_PROJECTION = "claims.index"


def _content(event: Any) -> dict[str, Any] | None:
    match event:
        case (
            ClaimCreated(claim=claim)
            | ClaimAmended(claim=claim)
            | ClaimSecondaryOpened(claim=claim)
        ):
            pass
        case ClaimCorrected(corrected_claim=claim):
            pass
        case _:
            return None
    return {
        "payer_id": claim.payer.payer_id,
        "patient_control_number": claim.patient_control_number,
        "kind": claim.kind.value,
        "limit_starts": limit_starts(claim),
    }


def index_claim(conn: Connection, event: Any, envelope: EventEnvelope) -> None:
    """Fold one claim event into its index row (insert on the stream's first event)."""
    key = (claims_index.c.organization_id == envelope.organization_id) & (
        claims_index.c.claim_id == envelope.stream_id
    )
    current = conn.execute(sa.select(claims_index.c.status).where(key)).scalar_one_or_none()
    before = ClaimStatus(current) if current is not None else ClaimStatus.NOT_CREATED
    status = next_status(envelope.stream_id, before, event)
    if current is None and status is ClaimStatus.NOT_CREATED:
        return  # a type that does not begin a claim, on a stream the index has not seen
    values: dict[str, Any] = {
        "status": status.value,
        "stream_version": envelope.stream_version,
        "updated_at": envelope.occurred_at,
        **(_content(event) or {}),
    }
    if isinstance(event, ClaimSubmitted):
        values["last_submitted_at"] = envelope.occurred_at
    if isinstance(event, ClaimStatusRequested):
        values["last_status_request_at"] = envelope.occurred_at
    if current is None:
        conn.execute(
            claims_index.insert().values(
                organization_id=envelope.organization_id,
                claim_id=envelope.stream_id,
                created_at=envelope.occurred_at,
                **values,
            )
        )
    else:
        conn.execute(claims_index.update().where(key).values(**values))


INDEX_HANDLERS: dict[str, EventHandler] = {
    event_type: index_claim
    for event_type in registry.event_types()
    if event_type.startswith("claim.")
}

index_projection = Projection(INDEX_PROJECTION, index_metadata, INDEX_HANDLERS)
