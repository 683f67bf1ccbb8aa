"""The work-queue projection: every work item's current state and history, from its stream.

Items are opened and closed by the queue process's events and worked by people's and
programs' commands; this read model is what `GET /v1/queues` and the page list. Rebuilt by
replaying `work_item.*` (the work-queue topic) from the start.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.followup.tables import queues_metadata, work_item_history, work_items
from shared.events.envelope import EventEnvelope
from shared.events.work_items import (
    WorkItemAssigned,
    WorkItemClaimed,
    WorkItemClosed,
    WorkItemNoted,
    WorkItemOpened,
    WorkItemResolved,
    WorkItemSnoozed,
)
from shared.messaging.projection import Projection

WORK_QUEUES_PROJECTION = "followup.work_queues"


class UnknownWorkItem(RuntimeError):
    """A step for an item whose opening the read model never saw (dead-lettered)."""


def _history(
    conn: Connection, envelope: EventEnvelope, event: Any, by: str | None, summary: str
) -> None:
    conn.execute(
        work_item_history.insert().values(
            organization_id=envelope.organization_id,
            item_id=envelope.stream_id,
            stream_version=envelope.stream_version,
            claim_id=event.claim_id,
            account_id=getattr(event, "account_id", None),
            type=envelope.type,
            at=envelope.occurred_at,
            by=by,
            summary=summary[:4200],
        )
    )


def opened(conn: Connection, event: WorkItemOpened, envelope: EventEnvelope) -> None:
    conn.execute(
        work_items.insert().values(
            organization_id=envelope.organization_id,
            item_id=event.item_id,
            queue=event.queue,
            status="open",
            claim_id=event.claim_id,
            account_id=event.account_id,
            payer_id=event.payer_id,
            reference=event.reference,
            amount_at_stake=event.amount_at_stake,
            risk_of_loss=format(event.risk_of_loss, "f"),
            priority=event.priority,
            age_from=event.age_from,
            deadline=event.deadline,
            reason=event.reason,
            opened_at=envelope.occurred_at,
            updated_at=envelope.occurred_at,
            stream_version=envelope.stream_version,
        )
    )
    _history(conn, envelope, event, None, f"opened in {event.queue}: {event.reason}")


def _update(conn: Connection, envelope: EventEnvelope, **values: Any) -> None:
    changed = conn.execute(
        work_items.update()
        .where(
            work_items.c.organization_id == envelope.organization_id,
            work_items.c.item_id == envelope.stream_id,
        )
        .values(updated_at=envelope.occurred_at, stream_version=envelope.stream_version, **values)
    )
    if changed.rowcount != 1:
        raise UnknownWorkItem(f"{envelope.type} for work item {envelope.stream_id} never opened")


def claimed(conn: Connection, event: WorkItemClaimed, envelope: EventEnvelope) -> None:
    _update(conn, envelope, claimed_by=event.by, claim_expires_at=event.expires_at)
    _history(
        conn,
        envelope,
        event,
        event.by,
        f"claimed until {event.expires_at.isoformat(timespec='minutes')}",
    )


def assigned(conn: Connection, event: WorkItemAssigned, envelope: EventEnvelope) -> None:
    _update(conn, envelope, assignee=event.assignee, claimed_by=None, claim_expires_at=None)
    _history(conn, envelope, event, event.by, f"assigned to {event.assignee}")


def noted(conn: Connection, event: WorkItemNoted, envelope: EventEnvelope) -> None:
    _update(conn, envelope)
    _history(conn, envelope, event, event.by, event.note)


def snoozed(conn: Connection, event: WorkItemSnoozed, envelope: EventEnvelope) -> None:
    _update(conn, envelope, snoozed_until=event.until)
    note = f": {event.note}" if event.note else ""
    _history(conn, envelope, event, event.by, f"snoozed until {event.until.isoformat()}{note}")


def resolved(conn: Connection, event: WorkItemResolved, envelope: EventEnvelope) -> None:
    _update(
        conn,
        envelope,
        status="resolved",
        outcome=event.outcome.value,
        claimed_by=None,
        claim_expires_at=None,
    )
    note = f": {event.note}" if event.note else ""
    _history(conn, envelope, event, event.by, f"resolved ({event.outcome.value}){note}")


def closed(conn: Connection, event: WorkItemClosed, envelope: EventEnvelope) -> None:
    _update(conn, envelope, status="closed", claimed_by=None, claim_expires_at=None)
    _history(conn, envelope, event, None, f"closed: {event.reason}")


work_queues_projection = Projection(
    WORK_QUEUES_PROJECTION,
    queues_metadata,
    {
        "work_item.opened": opened,
        "work_item.claimed": claimed,
        "work_item.assigned": assigned,
        "work_item.noted": noted,
        "work_item.snoozed": snoozed,
        "work_item.resolved": resolved,
        "work_item.closed": closed,
    },
)

__all__ = ["WORK_QUEUES_PROJECTION", "work_queues_projection", "sa"]
