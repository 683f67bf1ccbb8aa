"""The duplicate rule of claims received in files: the same claim sent again is not created again.

An 837 that arrives twice (a clearinghouse resend, a retried upload, a file split and sent
again with a new ISA13) must create nothing new. The interchange control number alone
cannot decide that: senders regenerate envelopes when they resend, and control numbers
wrap and are reused. So the rule is per claim, per organization:

    patient control number (CLM01) + payer id + claim frequency (CLM05-3)
    + first and last date of service (statement period, else the lines' dates)
    + total charge (CLM02)

A claim whose key the organization already has is reported `duplicate`, naming the claim
that has it, and nothing is appended. The frequency is part of the key, so a replacement
(7) or void (8) of a claim is never mistaken for a resend of it; the charge and dates are,
so a claim keyed again with other services is a new claim (the scrubber's CL001 then
judges whether a payer would deny it as a duplicate). The key is a digest: the table holds
no patient data.

The row is reserved before the claim is appended, in the same transaction: two files
carrying the same claim at once create it once (the second waits on the unique index).
Claims from the API are not keyed this way: there the client's Idempotency-Key and
client_reference decide (`services.intake.idempotency`, `services.intake.references`).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from services.intake.idempotency import intake_metadata
from shared.claim_model import Claim
from shared.eventstore.schema import AwareDateTime

claim_keys = sa.Table(
    "intake_claim_keys",
    intake_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("claim_key", sa.String(64), primary_key=True),
    sa.Column("claim_id", sa.String(64), nullable=False),
    sa.Column("batch_id", sa.String(64), nullable=True),
    sa.Column("created_at", AwareDateTime(), nullable=False),
)


def claim_key(claim: Claim) -> str:
    """The duplicate key of a claim (hex digest; see the module docstring for the rule)."""
    dates = sorted(
        {d for line in claim.lines for d in (line.service_date, line.service_date_end) if d}
    )
    first = claim.statement_from or (dates[0] if dates else None)
    last = claim.statement_to or (dates[-1] if dates else None)
    parts = (
        claim.kind.value,
        claim.patient_control_number,
        claim.payer.payer_id,
        claim.frequency.value,
        first.isoformat() if first else "",
        last.isoformat() if last else "",
        str(claim.total_charge),
    )
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=20).hexdigest()


def find(conn: Connection, organization_id: str, key: str) -> str | None:
    row = conn.execute(
        sa.select(claim_keys.c.claim_id).where(
            claim_keys.c.organization_id == organization_id, claim_keys.c.claim_key == key
        )
    ).first()
    return str(row[0]) if row is not None else None


def reserve(
    conn: Connection,
    *,
    organization_id: str,
    key: str,
    claim_id: str,
    batch_id: str | None,
    at: datetime,
) -> str | None:
    """Take `key` for `claim_id`; the claim id that already has it, if any."""
    existing = find(conn, organization_id, key)
    if existing is not None:
        return existing
    try:
        with conn.begin_nested():
            conn.execute(
                claim_keys.insert().values(
                    organization_id=organization_id,
                    claim_key=key,
                    claim_id=claim_id,
                    batch_id=batch_id,
                    created_at=at,
                )
            )
    except IntegrityError:
        winner = find(conn, organization_id, key)  # a concurrent file committed it first
        assert winner is not None
        return winner
    return None
