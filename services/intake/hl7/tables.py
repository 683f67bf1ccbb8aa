"""Intake's HL7 tables: visit numbers to visit streams, and the messages already applied.

`intake_hl7_visits` maps a hospital's visit number (PV1-19, per organization) to the visit
stream intake assigned, and keeps what `revcycle intake release-held` asks (billed yet,
last service date). `intake_hl7_messages` remembers each applied message by its sender and
MSH-10, with the ACK it got, written in the same transaction as the message's events: a
message sent again is answered the same and applied once.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import uuid4

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from shared.eventstore.schema import AwareDateTime

hl7_metadata = sa.MetaData()

visits = sa.Table(
    "intake_hl7_visits",
    hl7_metadata,
    sa.Column("organization_id", sa.String(64), primary_key=True),
    sa.Column("visit_number", sa.String(80), primary_key=True),
    sa.Column("visit_id", sa.String(64), nullable=False, unique=True),
    sa.Column("last_service_date", sa.Date, nullable=True),
    sa.Column("open_charges", sa.Integer, nullable=False, default=0),
    sa.Column("claim_id", sa.String(64), nullable=True),
)

messages = sa.Table(
    "intake_hl7_messages",
    hl7_metadata,
    sa.Column("organization_id", sa.String(64), primary_key=True),
    sa.Column("sender", sa.String(400), primary_key=True),
    sa.Column("control_id", sa.String(200), primary_key=True),
    sa.Column("visit_id", sa.String(64), nullable=False),
    sa.Column("ack", sa.Text, nullable=False),
    sa.Column("received_at", AwareDateTime(), nullable=False),
)


def visit_id_for(engine: Engine, organization_id: str, visit_number: str) -> str:
    """The visit stream of this visit number (assigned on first sight; races settle on one)."""
    with engine.begin() as conn:
        found = _visit_id(conn, organization_id, visit_number)
        if found is not None:
            return found
    try:
        with engine.begin() as conn:
            visit_id = f"vis_{uuid4().hex}"
            conn.execute(
                visits.insert().values(
                    organization_id=organization_id,
                    visit_number=visit_number,
                    visit_id=visit_id,
                    open_charges=0,
                )
            )
            return visit_id
    except IntegrityError:
        with engine.begin() as conn:
            found = _visit_id(conn, organization_id, visit_number)
        if found is None:
            raise
        return found


def _visit_id(conn: Connection, organization_id: str, visit_number: str) -> str | None:
    value = conn.execute(
        sa.select(visits.c.visit_id).where(
            visits.c.organization_id == organization_id, visits.c.visit_number == visit_number
        )
    ).scalar()
    return str(value) if value is not None else None


def record_visit(
    conn: Connection,
    visit_id: str,
    *,
    last_service_date: date | None,
    open_charges: int,
    claim_id: str | None,
) -> None:
    conn.execute(
        visits.update()
        .where(visits.c.visit_id == visit_id)
        .values(last_service_date=last_service_date, open_charges=open_charges, claim_id=claim_id)
    )


def held_visits(conn: Connection, organization_id: str, served_before: date) -> list[str]:
    """Unbilled visits with charges whose last service date is on or before `served_before`."""
    rows = conn.execute(
        sa.select(visits.c.visit_id)
        .where(
            visits.c.organization_id == organization_id,
            visits.c.claim_id.is_(None),
            visits.c.open_charges > 0,
            visits.c.last_service_date <= served_before,
        )
        .order_by(visits.c.last_service_date, visits.c.visit_id)
    ).all()
    return [str(r.visit_id) for r in rows]


def applied_ack(conn: Connection, organization_id: str, sender: str, control_id: str) -> str | None:
    value = conn.execute(
        sa.select(messages.c.ack).where(
            messages.c.organization_id == organization_id,
            messages.c.sender == sender,
            messages.c.control_id == control_id,
        )
    ).scalar()
    return str(value) if value is not None else None


def record_message(
    conn: Connection,
    *,
    organization_id: str,
    sender: str,
    control_id: str,
    visit_id: str,
    ack: str,
    at: datetime,
) -> None:
    conn.execute(
        messages.insert().values(
            organization_id=organization_id,
            sender=sender,
            control_id=control_id,
            visit_id=visit_id,
            ack=ack,
            received_at=at,
        )
    )
