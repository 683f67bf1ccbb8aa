"""Claim stream events for tests: a created claim, its scrub failure, an amendment (fictional)."""

from __future__ import annotations

from shared.events.claim_snapshot import snapshot_v1
from shared.events.claims import ClaimAmended, ClaimCreated, ClaimScrubFailed, ScrubFinding
from shared.events.patient_account import patient_account_id
from testsupport.claims import professional_claim

ORG = "org-riverbend"


def claim_created(
    claim_id: str,
    *,
    payer_id: str = "87726",
    organization_id: str = ORG,
    patient_control_number: str = "PCN-7",
) -> ClaimCreated:
    """`claim.created` of a clean professional claim ($145.00, one E/M visit)."""
    claim = professional_claim(patient_control_number=patient_control_number)
    claim = claim.model_copy(
        update={"payer": claim.payer.model_copy(update={"payer_id": payer_id})}
    )
    return ClaimCreated(
        claim_id=claim_id,
        account_id=patient_account_id(organization_id, patient_control_number),
        organization_id=organization_id,
        claim=snapshot_v1(claim),
    )


def claim_amended(claim_id: str, *, payer_id: str, reason: str = "payer corrected") -> ClaimAmended:
    """`claim.amended`: the same claim sent to another payer."""
    created = claim_created(claim_id, payer_id=payer_id)
    return ClaimAmended(
        claim_id=claim_id, account_id=created.account_id, claim=created.claim, reason=reason
    )


def claim_scrub_failed(claim_id: str, code: str = "NPI_CHECK_DIGIT") -> ClaimScrubFailed:
    """`claim.scrub_failed` with one error finding."""
    return ClaimScrubFailed(
        claim_id=claim_id,
        findings=(ScrubFinding(code=code, message="billing NPI fails the Luhn check"),),
    )
