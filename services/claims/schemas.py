"""The claims service's HTTP request and response models."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from shared.claim_model import Claim, ClaimFields, x12_text

Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(x12_text),
]


class CorrectionRequest(BaseModel):
    """`POST /v1/claims/{id}/corrections`: the corrected claim and why it changed.

    Leave `frequency` and `original_payer_claim_number` out: the service decides them (a
    replacement, 7 with REF*F8, when the payer had accepted the claim; a new original, 1,
    after a front-end rejection); values that say otherwise are refused, naming the field.
    """

    reason: Reason = Field(description="Why the claim was corrected (1-200 characters)")
    claim: ClaimFields

    def to_claim(self) -> Claim:
        # Only the fields the client gave: an absent frequency is not an explicit "1".
        return Claim(**{name: getattr(self.claim, name) for name in self.claim.model_fields_set})


class VoidRequest(BaseModel):
    """`POST /v1/claims/{id}/void`: why the claim is cancelled."""

    reason: Reason = Field(description="Why the claim is voided (1-200 characters)")


class ClaimChanged(BaseModel):
    """What a correction or void did to the claim."""

    claim_id: str
    status: str
    frequency: str = Field(description="CLM05-3 of the next 837 for this claim: 1, 7 or 8")
    original_payer_claim_number: str | None = Field(
        default=None, description="REF*F8 of that 837 (replacements and voids)"
    )
    stream_version: int
    warnings: list[dict[str, Any]] = Field(
        default_factory=list, description="The scrubber's warnings (they do not hold the claim)"
    )


class SubmissionRun(BaseModel):
    """What `POST /v1/submissions` (or `revcycle claims submit`) did."""

    submitted: int = Field(description="Claims in the files sent")
    batches: list[dict[str, Any]]
    recovered: list[dict[str, Any]] = Field(
        description="Files an earlier run had prepared and not recorded as sent, sent now"
    )
    flagged: list[dict[str, Any]] = Field(description="Claims kept back: filing limit passed")
    not_written: list[dict[str, Any]] = Field(
        description="Claims the 837 writer refused, with its reason (they stay ready)"
    )


class UnmatchedAck(BaseModel):
    """An acknowledgment line that matched no claim, or a claim it could not apply to."""

    id: int
    received_at: datetime
    file: str
    transaction: str
    reference: str = Field(description="What it named: control numbers, BHT03, trace number")
    patient_control_number: str | None = None
    claim_id: str | None = None
    reason: str
    detail: dict[str, Any]


class UnmatchedList(BaseModel):
    items: list[UnmatchedAck]
    next_after: int | None = Field(
        default=None, description="Pass as `after` for the next page; None at the end"
    )
