"""The FHIR Claims intake received, kept as sent: `GET /fhir/Claim/{id}` answers with them.

Intake's own table (`intake_fhir_claims`), one row per claim created from FHIR, keyed by
claim id and scoped by organization: the received resource is patient data, read only by
its organization, every read audited by the route.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared.eventstore.schema import AwareDateTime

fhir_metadata = sa.MetaData()

fhir_claims = sa.Table(
    "intake_fhir_claims",
    fhir_metadata,
    sa.Column("claim_id", sa.String(64), primary_key=True),
    sa.Column("organization_id", sa.String(64), nullable=False),
    sa.Column("resource", sa.Text, nullable=False),
    sa.Column("received_at", AwareDateTime(), nullable=False),
    sa.Column("submitted_by", sa.String(200), nullable=False),
)


def dumps(value: Any) -> str:
    """JSON text of a parsed resource, each number with the digits it was sent with.

    json.loads(parse_float=Decimal) kept the sender's digits ("100.50"); the json module
    would write a Decimal through float, so numbers are written here from their text.
    """
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value)


def save(
    conn: Connection,
    *,
    claim_id: str,
    organization_id: str,
    resource: dict[str, Any],
    received_at: datetime,
    submitted_by: str,
) -> None:
    """Keep the resource (a replayed request finds it kept already and changes nothing)."""
    exists = conn.execute(
        sa.select(fhir_claims.c.claim_id).where(fhir_claims.c.claim_id == claim_id)
    ).first()
    if exists is not None:
        return
    conn.execute(
        fhir_claims.insert().values(
            claim_id=claim_id,
            organization_id=organization_id,
            resource=dumps(resource),
            received_at=received_at,
            submitted_by=submitted_by,
        )
    )


def find(conn: Connection, organization_id: str, claim_id: str) -> tuple[str, datetime] | None:
    """The stored resource (JSON text) and when it came; None for another organization's."""
    row = conn.execute(
        sa.select(fhir_claims.c.resource, fhir_claims.c.received_at).where(
            fhir_claims.c.claim_id == claim_id,
            fhir_claims.c.organization_id == organization_id,
        )
    ).first()
    return (str(row.resource), row.received_at) if row is not None else None
