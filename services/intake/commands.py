"""Intake commands: what a caller asks intake to do."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from shared.claim_model import Claim
from shared.events.claims import ClaimSource


@dataclass(frozen=True)
class SubmitClaim:
    """Submit one claim for the caller's organization (optionally under an Idempotency-Key)."""

    claim: Claim
    organization_id: str
    submitted_by: str
    client_reference: str | None = None  # the sender's own id, unique per organization
    idempotency_key: str | None = None
    request_fingerprint: str | None = None  # hash of the request body, for key reuse checks
    source: ClaimSource = ClaimSource.JSON
    correlation_id: UUID | None = None
