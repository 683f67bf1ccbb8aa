"""Intake's eligibility tables: the 270s sent (by trace number) and the answers per member.

`intake_eligibility_inquiries`: one row per 270 we sent, written in the same transaction as
the process's tracking row; the 271 finds its claim here by TRN02 (or BHT03 for a rejection
of the whole 270), and `answered_at` makes a second copy of the 271 change nothing.
`intake_eligibility_cache`: the last answer per organization, payer, member and date of
service, so a second claim for the same visit is answered without asking the payer again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared.eventstore.schema import AwareDateTime

eligibility_metadata = sa.MetaData()

inquiries = sa.Table(
    "intake_eligibility_inquiries",
    eligibility_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("trace_number", sa.String(50), nullable=False, unique=True),
    sa.Column("organization_id", sa.String(64), nullable=False),
    sa.Column("claim_id", sa.String(64), nullable=True),
    sa.Column("payer_id", sa.String(80), nullable=False),
    sa.Column("member_id", sa.String(80), nullable=False),
    sa.Column("service_date", sa.Date, nullable=False),
    sa.Column("file_name", sa.String(200), nullable=True),
    sa.Column("sent_at", AwareDateTime(), nullable=False),
    sa.Column("answered_at", AwareDateTime(), nullable=True),
    sa.Column("answer", sa.Text, nullable=True),
)

cache = sa.Table(
    "intake_eligibility_cache",
    eligibility_metadata,
    sa.Column("organization_id", sa.String(64), primary_key=True),
    sa.Column("payer_id", sa.String(80), primary_key=True),
    sa.Column("member_id", sa.String(80), primary_key=True),
    sa.Column("service_date", sa.Date, primary_key=True),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("trace_number", sa.String(50), nullable=False),
    sa.Column("answered_at", AwareDateTime(), nullable=False),
)


@dataclass(frozen=True)
class Inquiry:
    id: int
    trace_number: str
    organization_id: str
    claim_id: str | None
    payer_id: str
    member_id: str
    service_date: date
    sent_at: datetime
    answered_at: datetime | None
    answer: dict[str, Any] | None


def _inquiry(row: Any) -> Inquiry:
    return Inquiry(
        id=row.id,
        trace_number=row.trace_number,
        organization_id=row.organization_id,
        claim_id=row.claim_id,
        payer_id=row.payer_id,
        member_id=row.member_id,
        service_date=row.service_date,
        sent_at=row.sent_at,
        answered_at=row.answered_at,
        answer=json.loads(row.answer) if row.answer else None,
    )


def add_inquiry(
    conn: Connection,
    *,
    trace_number: str,
    organization_id: str,
    claim_id: str | None,
    payer_id: str,
    member_id: str,
    service_date: date,
    at: datetime,
) -> int:
    result = conn.execute(
        inquiries.insert().values(
            trace_number=trace_number,
            organization_id=organization_id,
            claim_id=claim_id,
            payer_id=payer_id,
            member_id=member_id,
            service_date=service_date,
            sent_at=at,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def set_file(conn: Connection, inquiry_id: int, file_name: str) -> None:
    conn.execute(inquiries.update().where(inquiries.c.id == inquiry_id).values(file_name=file_name))


def by_trace(conn: Connection, trace_number: str) -> Inquiry | None:
    row = conn.execute(sa.select(inquiries).where(inquiries.c.trace_number == trace_number)).first()
    return _inquiry(row) if row is not None else None


def by_id(conn: Connection, organization_id: str, inquiry_id: int) -> Inquiry | None:
    row = conn.execute(
        sa.select(inquiries).where(
            inquiries.c.id == inquiry_id, inquiries.c.organization_id == organization_id
        )
    ).first()
    return _inquiry(row) if row is not None else None


def mark_answered(conn: Connection, inquiry_id: int, answer: dict[str, Any], at: datetime) -> bool:
    """Record the answer; False when another copy of the 271 recorded one first."""
    result = conn.execute(
        inquiries.update()
        .where(inquiries.c.id == inquiry_id, inquiries.c.answered_at.is_(None))
        .values(answered_at=at, answer=json.dumps(answer))
    )
    return result.rowcount == 1


def cached(
    conn: Connection,
    organization_id: str,
    payer_id: str,
    member_id: str,
    service_date: date,
    fresh_since: datetime,
) -> tuple[dict[str, Any], str] | None:
    row = conn.execute(
        sa.select(cache.c.answer, cache.c.trace_number).where(
            cache.c.organization_id == organization_id,
            cache.c.payer_id == payer_id,
            cache.c.member_id == member_id,
            cache.c.service_date == service_date,
            cache.c.answered_at >= fresh_since,
        )
    ).first()
    return (json.loads(row.answer), str(row.trace_number)) if row is not None else None


def remember(
    conn: Connection,
    *,
    organization_id: str,
    payer_id: str,
    member_id: str,
    service_date: date,
    answer: dict[str, Any],
    trace_number: str,
    at: datetime,
) -> None:
    key = {
        "organization_id": organization_id,
        "payer_id": payer_id,
        "member_id": member_id,
        "service_date": service_date,
    }
    conn.execute(cache.delete().filter_by(**key))
    conn.execute(
        cache.insert().values(
            **key, answer=json.dumps(answer), trace_number=trace_number, answered_at=at
        )
    )
