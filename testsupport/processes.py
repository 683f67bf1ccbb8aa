"""A small process for the runtime's tests: a claim written off in full is closed.

It shows the process API: a plain handler `(conn, event, envelope)` that appends through
`SqlEventStore.append_in(conn, ...)` in the runtime's transaction, with the causation and
correlation of the event it reacts to.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared.events.claims import ClaimClosed, ClaimWrittenOff
from shared.events.envelope import EventEnvelope
from shared.events.registry import to_envelopes
from shared.eventstore.schema import events as events_table
from shared.eventstore.sql import SqlEventStore
from shared.messaging.process import Process

CLOSE_WRITTEN_OFF = "followup.close_written_off"


def stream_version_in(conn: Connection, stream_id: str) -> int:
    """The stream's version as the caller's transaction sees it."""
    t = events_table
    value = conn.execute(
        sa.select(sa.func.max(t.c.stream_version)).where(t.c.stream_id == stream_id)
    ).scalar()
    return int(value or 0)


def close_written_off_claims(store: SqlEventStore) -> Process:
    """On claim.written_off, append claim.closed to the same claim stream."""

    def close(conn: Connection, event: ClaimWrittenOff, envelope: EventEnvelope) -> None:
        version = stream_version_in(conn, envelope.stream_id)
        store.append_in(
            conn,
            envelope.stream_id,
            version,
            to_envelopes(
                [ClaimClosed(claim_id=event.claim_id, reason="written off")],
                expected_version=version,
                occurred_at=envelope.occurred_at,
                organization_id=envelope.organization_id,
                producer="followup",
                causation_id=envelope.event_id,
                correlation_id=envelope.correlation_id,
            ),
        )

    return Process(CLOSE_WRITTEN_OFF, {"claim.written_off": close})
