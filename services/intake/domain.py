"""Intake decisions, pure: an accepted claim becomes `claim.created` (no I/O, clock or ids)."""

from __future__ import annotations

from shared.claim_model import Claim
from shared.events.claim_snapshot import snapshot_v1
from shared.events.claims import ClaimCreated, ClaimSource
from shared.events.patient_account import patient_account_id


class IntakeRejected(ValueError):
    """The submission contradicts the caller's identity or itself; names the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def create_claim(
    claim: Claim, *, claim_id: str, organization_id: str, source: ClaimSource = ClaimSource.JSON
) -> ClaimCreated:
    """Accept a structurally valid claim for `organization_id` under the id intake assigned.

    Business edits (NPI, codes, totals) are the scrubber's: a claim failing them is still
    created and then held, so nothing a hospital sends is lost.
    """
    if claim.organization_id is not None and claim.organization_id != organization_id:
        raise IntakeRejected(
            "organization_id", "does not match the organization of the caller's credentials"
        )
    if claim.claim_id is not None and claim.claim_id != claim_id:
        raise IntakeRejected("claim_id", "is assigned by intake; leave it out")
    stamped = claim.model_copy(update={"claim_id": claim_id, "organization_id": organization_id})
    return ClaimCreated(
        claim_id=claim_id,
        account_id=patient_account_id(organization_id, claim.patient_control_number),
        organization_id=organization_id,
        claim=snapshot_v1(stamped),
        source=source,
    )
