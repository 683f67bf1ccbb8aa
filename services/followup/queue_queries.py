"""Read side of the work queues: counts and dollars per queue, item lists with filters,
sorting and paging, one item with its history (scoped to the caller's organization)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.engine import Connection

from services.followup.queue_rules import QUEUE_NAMES
from services.followup.tables import work_item_history, work_items
from shared.money import ZERO

FIXED_QUEUES = tuple(q for q in QUEUE_NAMES if "<" not in q)

SortKey = Literal["priority", "amount", "age", "deadline", "opened"]
_SORT_COLUMNS = {
    "priority": work_items.c.priority,
    "amount": work_items.c.amount_at_stake,
    "age": work_items.c.age_from,
    "deadline": work_items.c.deadline,
    "opened": work_items.c.opened_at,
}


class QueueSummary(BaseModel):
    name: str
    open: int
    dollars: Decimal
    overdue: int
    snoozed: int
    claimed: int


class WorkItemPublic(BaseModel):
    item_id: str
    queue: str
    status: str
    claim_id: str | None
    account_id: str | None
    payer_id: str | None
    reference: str | None
    amount_at_stake: Decimal
    risk_of_loss: Decimal
    priority: Decimal
    age_days: int
    age_from: date
    deadline: date | None
    days_to_deadline: int | None
    reason: str
    claimed_by: str | None
    claim_expires_at: datetime | None
    assignee: str | None
    snoozed_until: date | None
    outcome: str | None
    opened_at: datetime
    updated_at: datetime


class HistoryEntry(BaseModel):
    item_id: str
    version: int
    type: str
    at: datetime
    by: str | None
    summary: str


class WorkItemDetail(WorkItemPublic):
    history: list[HistoryEntry]


class ItemPage(BaseModel):
    queue: str
    total: int
    limit: int
    offset: int
    next_offset: int | None
    items: list[WorkItemPublic]


def _public(row: Any, today: date, now: datetime) -> WorkItemPublic:
    m = row._mapping
    holder = m["claimed_by"] if m["claim_expires_at"] and m["claim_expires_at"] > now else None
    return WorkItemPublic(
        item_id=m["item_id"],
        queue=m["queue"],
        status=m["status"],
        claim_id=m["claim_id"],
        account_id=m["account_id"],
        payer_id=m["payer_id"],
        reference=m["reference"],
        amount_at_stake=m["amount_at_stake"],
        risk_of_loss=Decimal(m["risk_of_loss"]),
        priority=m["priority"],
        age_days=(today - m["age_from"]).days,
        age_from=m["age_from"],
        deadline=m["deadline"],
        days_to_deadline=(m["deadline"] - today).days if m["deadline"] else None,
        reason=m["reason"],
        claimed_by=holder,
        claim_expires_at=m["claim_expires_at"] if holder else None,
        assignee=m["assignee"],
        snoozed_until=m["snoozed_until"],
        outcome=m["outcome"],
        opened_at=m["opened_at"],
        updated_at=m["updated_at"],
    )


def queue_summaries(conn: Connection, organization_id: str, now: datetime) -> list[QueueSummary]:
    """Every stable queue (zero when empty) and each denial category present: open items
    (snoozed ones included in `open`, counted apart), their dollars at stake, overdue."""
    today = now.date()
    open_items = work_items.c.status == "open"
    rows = conn.execute(
        sa.select(
            work_items.c.queue,
            sa.func.count(),
            sa.func.sum(work_items.c.amount_at_stake),
            sa.func.sum(sa.case((work_items.c.deadline < today, 1), else_=0)),
            sa.func.sum(sa.case((work_items.c.snoozed_until > today, 1), else_=0)),
            sa.func.sum(sa.case((work_items.c.claim_expires_at > now, 1), else_=0)),
        )
        .where(work_items.c.organization_id == organization_id, open_items)
        .group_by(work_items.c.queue)
    ).all()
    found = {
        queue: QueueSummary(
            name=queue,
            open=count,
            # SUM keeps the money column's type: exact Decimal on both backends.
            dollars=total if total is not None else ZERO,
            overdue=int(overdue or 0),
            snoozed=int(snoozed or 0),
            claimed=int(claimed or 0),
        )
        for queue, count, total, overdue, snoozed, claimed in rows
    }
    for name in FIXED_QUEUES:
        found.setdefault(
            name, QueueSummary(name=name, open=0, dollars=ZERO, overdue=0, snoozed=0, claimed=0)
        )
    fixed = [found.pop(name) for name in FIXED_QUEUES]
    # Denial categories follow 'rejections' in the stable list's order.
    denials = [found[q] for q in sorted(found)]
    return fixed[:2] + denials + fixed[2:]


def list_items(
    conn: Connection,
    organization_id: str,
    queue: str,
    now: datetime,
    *,
    status: str = "open",
    payer_id: str | None = None,
    assignee: str | None = None,
    visible_to: str | None = None,
    include_snoozed: bool = False,
    overdue: bool = False,
    min_amount: Decimal | None = None,
    claim_id: str | None = None,
    sort: SortKey = "priority",
    descending: bool = True,
    limit: int = 50,
    offset: int = 0,
) -> ItemPage:
    today = now.date()
    where = [work_items.c.organization_id == organization_id, work_items.c.queue == queue]
    if status != "all":
        where.append(work_items.c.status == status)
    if status == "open" and not include_snoozed:
        where.append(
            sa.or_(work_items.c.snoozed_until.is_(None), work_items.c.snoozed_until <= today)
        )
    if payer_id is not None:
        where.append(work_items.c.payer_id == payer_id)
    if assignee is not None:
        where.append(work_items.c.assignee == assignee)
    if visible_to is not None:
        # A specialist sees items nobody was given, and the ones given to them.
        where.append(sa.or_(work_items.c.assignee.is_(None), work_items.c.assignee == visible_to))
    if overdue:
        where.append(work_items.c.deadline < today)
    if min_amount is not None:
        where.append(work_items.c.amount_at_stake >= min_amount)
    if claim_id is not None:
        where.append(work_items.c.claim_id == claim_id)
    total = conn.execute(
        sa.select(sa.func.count()).select_from(work_items).where(*where)
    ).scalar_one()
    column = _SORT_COLUMNS[sort]
    # Age sorts by the start date: the oldest item first means the earliest date first.
    ascending = not descending if sort != "age" else descending
    ordered = column.asc() if ascending else column.desc()
    rows = conn.execute(
        sa.select(work_items)
        .where(*where)
        .order_by(ordered.nulls_last(), work_items.c.item_id)
        .limit(limit)
        .offset(offset)
    ).all()
    items = [_public(r, today, now) for r in rows]
    following = offset + len(items)
    return ItemPage(
        queue=queue,
        total=total,
        limit=limit,
        offset=offset,
        next_offset=following if following < total else None,
        items=items,
    )


def get_item(
    conn: Connection, organization_id: str, item_id: str, now: datetime
) -> WorkItemDetail | None:
    row = conn.execute(
        sa.select(work_items).where(
            work_items.c.organization_id == organization_id, work_items.c.item_id == item_id
        )
    ).first()
    if row is None:
        return None
    history = conn.execute(
        sa.select(work_item_history)
        .where(
            work_item_history.c.organization_id == organization_id,
            work_item_history.c.item_id == item_id,
        )
        .order_by(work_item_history.c.stream_version)
    ).all()
    return WorkItemDetail(
        **_public(row, now.date(), now).model_dump(),
        history=[_entry(h) for h in history],
    )


def _entry(row: Any) -> HistoryEntry:
    m = row._mapping
    return HistoryEntry(
        item_id=m["item_id"],
        version=m["stream_version"],
        type=m["type"],
        at=m["at"],
        by=m["by"],
        summary=m["summary"],
    )


def claim_work_history(conn: Connection, organization_id: str, claim_id: str) -> list[HistoryEntry]:
    """Every work item step about one claim, oldest first (the claim page's follow-up story)."""
    rows = conn.execute(
        sa.select(work_item_history)
        .where(
            work_item_history.c.organization_id == organization_id,
            work_item_history.c.claim_id == claim_id,
        )
        .order_by(
            work_item_history.c.at, work_item_history.c.item_id, work_item_history.c.stream_version
        )
    ).all()
    return [_entry(r) for r in rows]


def open_items_of_claim(
    conn: Connection, organization_id: str, claim_id: str, now: datetime
) -> list[WorkItemPublic]:
    rows = conn.execute(
        sa.select(work_items).where(
            work_items.c.organization_id == organization_id,
            work_items.c.claim_id == claim_id,
            work_items.c.status == "open",
        )
    ).all()
    return [_public(r, now.date(), now) for r in rows]
