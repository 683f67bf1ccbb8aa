"""Claim creation for the FHIR and HL7 channels: the one place they call intake's handler.

FHIR (`services.intake.fhir`) and HL7 v2 (`services.intake.hl7`) translate what they
receive into the intake `Claim`, then create it here, so the way a claim is created
(intake's command handler, its idempotency, its scrubbing) is the same for every channel
and changes in one line when intake's handler does.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from services.intake.commands import SubmitClaim
from services.intake.handlers import IntakeDeps, submit_claim
from shared.claim_model import Claim
from shared.events.claims import ClaimSource


@dataclass(frozen=True)
class CreatedClaim:
    claim_id: str
    account_id: str
    status: str  # created, held
    replayed: bool  # the same idempotency key was seen: nothing new was created


def create_channel_claim(
    deps: IntakeDeps,
    claim: Claim,
    *,
    organization_id: str,
    submitted_by: str,
    source: ClaimSource,
    idempotency_key: str | None = None,
    request_fingerprint: str | None = None,
    correlation_id: UUID | None = None,
) -> CreatedClaim:
    """Create one claim through intake's handler (in its own transaction).

    With an idempotency key, a second call with the same key and fingerprint answers with
    the first claim and creates nothing (a retried message or request).
    Raises what the handler raises (IntakeRejected, IdempotencyKeyReused...).
    """
    result = submit_claim(
        SubmitClaim(
            claim=claim,
            organization_id=organization_id,
            submitted_by=submitted_by,
            idempotency_key=idempotency_key,
            request_fingerprint=request_fingerprint,
            source=source,
            correlation_id=correlation_id,
        ),
        deps,
    )
    body = result.body
    return CreatedClaim(
        claim_id=result.claim_id,
        account_id=str(body["account_id"]),
        status=str(body.get("status", "created")),
        replayed=result.replayed,
    )
