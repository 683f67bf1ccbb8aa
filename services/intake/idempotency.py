"""Idempotency keys: the first answer to a keyed submission, stored with the append it caused.

The row is written in the same transaction as the `claim.created` append, so either both
exist or neither does. A replay with the same key and the same body gets the stored answer;
the same key with a different body is refused, because the caller has a bug and silently
returning the old claim would hide it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared.eventstore.schema import AwareDateTime

MAX_KEY_LENGTH = 200

intake_metadata = sa.MetaData()

idempotency_keys = sa.Table(
    "intake_idempotency_keys",
    intake_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("key", sa.String(MAX_KEY_LENGTH), primary_key=True),
    sa.Column("request_fingerprint", sa.String(64), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("response_body", sa.Text, nullable=False),
    sa.Column("claim_id", sa.String(64), nullable=True),
    sa.Column("created_at", AwareDateTime(), nullable=False),
)


@dataclass(frozen=True)
class StoredResponse:
    request_fingerprint: str
    status_code: int
    body: dict[str, Any]


def fingerprint(canonical_json: str) -> str:
    """SHA-256 of the request's canonical JSON (parsed and re-serialised, so spacing is moot)."""
    return hashlib.sha256(canonical_json.encode()).hexdigest()


def find(conn: Connection, organization_id: str, key: str) -> StoredResponse | None:
    row = conn.execute(
        sa.select(
            idempotency_keys.c.request_fingerprint,
            idempotency_keys.c.status_code,
            idempotency_keys.c.response_body,
        ).where(
            idempotency_keys.c.organization_id == organization_id, idempotency_keys.c.key == key
        )
    ).first()
    if row is None:
        return None
    return StoredResponse(row[0], int(row[1]), json.loads(row[2]))


def save(
    conn: Connection,
    *,
    organization_id: str,
    key: str,
    request_fingerprint: str,
    status_code: int,
    body: dict[str, Any],
    claim_id: str | None,
    at: datetime,
) -> None:
    """Insert the key; a concurrent twin violates the primary key and its transaction rolls back."""
    conn.execute(
        idempotency_keys.insert().values(
            organization_id=organization_id,
            key=key,
            request_fingerprint=request_fingerprint,
            status_code=status_code,
            response_body=json.dumps(body),  # key order kept: replays are byte-identical
            claim_id=claim_id,
            created_at=at,
        )
    )
