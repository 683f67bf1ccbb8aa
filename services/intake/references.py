"""Client references: a sender's own id for a claim, unique within its organization.

Intake assigns every claim id itself; a hospital's engine that wants to find its claim by its
own number sends it as `client_reference`. The row is written in the same transaction as
the claim's `claim.created`, keyed by (organization, reference), so the same reference in
two organizations never meets, and a second use within one organization is refused.
The reference stays here: it is not part of the claim's frozen event snapshot.

The row is reserved *before* the claim is appended: a concurrent request with the same
reference waits on the unique index until the first commits, then learns which claim has
it, and has appended nothing that would need undoing.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from services.intake.idempotency import intake_metadata
from services.intake.schemas import CLIENT_REFERENCE_MAX
from shared.eventstore.schema import AwareDateTime

client_references = sa.Table(
    "intake_client_references",
    intake_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("client_reference", sa.String(CLIENT_REFERENCE_MAX), primary_key=True),
    sa.Column("claim_id", sa.String(64), nullable=False),
    sa.Column("account_id", sa.String(200), nullable=False),
    sa.Column("created_at", AwareDateTime(), nullable=False),
)


def find(conn: Connection, organization_id: str, reference: str) -> tuple[str, str] | None:
    """(claim id, account id) the organization's reference names, if any."""
    row = conn.execute(
        sa.select(client_references.c.claim_id, client_references.c.account_id).where(
            client_references.c.organization_id == organization_id,
            client_references.c.client_reference == reference,
        )
    ).first()
    return (str(row[0]), str(row[1])) if row is not None else None


def reserve(
    conn: Connection,
    *,
    organization_id: str,
    reference: str,
    claim_id: str,
    account_id: str,
    at: datetime,
) -> str | None:
    """Take the reference for `claim_id`; the claim id that already has it, if any."""
    taken = find(conn, organization_id, reference)
    if taken is not None:
        return taken[0]
    try:
        with conn.begin_nested():
            save(
                conn,
                organization_id=organization_id,
                reference=reference,
                claim_id=claim_id,
                account_id=account_id,
                at=at,
            )
    except IntegrityError:
        winner = find(conn, organization_id, reference)  # a concurrent twin committed it
        assert winner is not None
        return winner[0]
    return None


def save(
    conn: Connection,
    *,
    organization_id: str,
    reference: str,
    claim_id: str,
    account_id: str,
    at: datetime,
) -> None:
    """Insert; a concurrent twin violates the primary key and its transaction rolls back."""
    conn.execute(
        client_references.insert().values(
            organization_id=organization_id,
            client_reference=reference,
            claim_id=claim_id,
            account_id=account_id,
            created_at=at,
        )
    )
