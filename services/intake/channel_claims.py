"""Claim creation for the FHIR and HL7 channels: the one place they call intake's handler.

FHIR (`services.intake.fhir`) and HL7 v2 (`services.intake.hl7`) translate what they
receive into the intake `Claim`, then create it here, so the way a claim is created
(intake's command handler `create_claim` on the kernel, the edge's idempotency gate, the
scrubbing of every new claim) is the same for every channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from services.intake.bootstrap import IntakeDeps
from services.intake.commands import CreateClaim
from services.intake.handlers import create_claim
from services.intake.idempotency import Answer, fingerprint
from shared.claim_model import Claim
from shared.events.claims import ClaimChannel, ClaimSource


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
    source: ClaimChannel | ClaimSource,
    idempotency_key: str | None = None,
    request_fingerprint: str | None = None,
    correlation_id: UUID | None = None,
) -> CreatedClaim:
    """Create one claim through intake's handler (in its own transaction).

    With an idempotency key, a second call with the same key and fingerprint answers with
    the first claim and creates nothing (a retried message or request).
    Raises what the handler and the gate raise (IntakeRejected, IdempotencyKeyReused...).
    """
    command = CreateClaim(
        claim=claim,
        organization_id=organization_id,
        submitted_by=submitted_by,
        source=ClaimChannel(source.value),
        source_reference=str(correlation_id) if correlation_id is not None else None,
    )

    def act(uow: Any) -> Answer:
        result = create_claim(uow, command, deps.policy)
        body = {"account_id": result.account_id, "status": result.status}
        return Answer(201, body, result.claim_id)

    answer = deps.idempotency.answer(
        deps.unit_of_work(),
        organization_id=organization_id,
        key=idempotency_key,
        request_fingerprint=request_fingerprint or fingerprint(claim.model_dump_json()),
        act=act,
    )
    assert answer.claim_id is not None
    return CreatedClaim(
        claim_id=answer.claim_id,
        account_id=str(answer.body["account_id"]),
        status=str(answer.body.get("status", "created")),
        replayed=answer.replayed,
    )
