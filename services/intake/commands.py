"""Intake commands: what a caller (the API, an 837 batch, a FHIR or HL7 channel) asks intake to do.

`CreateClaim` is the one way a new claim enters the platform, whatever channel it came
through; `AmendClaim` replaces the content of a claim not yet submitted. Both are plain
values: the handlers (`services.intake.handlers`) scrub the claim, decide and append.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.claim_model import Claim
from shared.events.claims import ClaimChannel


@dataclass(frozen=True)
class CreateClaim:
    """Create one claim for `organization_id`, as `submitted_by` sent it through `source`.

    - `claim`: the content, translated at the channel's edge (JSON, FHIR, 837, HL7) into
      the intake model; its `claim_id` must be None (intake assigns ids) and its
      `organization_id` None or the caller's.
    - `submitted_by`: who asked (the token's subject, "cli", an MLLP peer's name...); it is
      recorded in the envelope of every event the command appends.
    - `client_reference`: the sender's own id for the claim, unique per organization
      (`services.intake.references`), written in the same transaction.
    - `source_reference`: the document it came in (an inbound 837 batch id, an HL7 message
      control id, a FHIR resource id), carried on `claim.created` for tracing.
    - `duplicate_key`: when given, a claim already created under the same key for this
      organization is not created again (`services.intake.duplicates`; 837 batches use it).
    """

    claim: Claim
    organization_id: str
    submitted_by: str
    source: ClaimChannel = ClaimChannel.JSON
    client_reference: str | None = None
    source_reference: str | None = None
    duplicate_key: str | None = None


@dataclass(frozen=True)
class AmendClaim:
    """Replace the content of claim `claim_id` before it is submitted (`PUT /v1/claims/{id}`).

    The new content is scrubbed like a new claim. After submission a change is a corrected
    claim, which is the claims service's (`POST /v1/claims/{id}/corrections`).
    """

    claim_id: str
    claim: Claim
    organization_id: str
    submitted_by: str
    reason: str | None = None
