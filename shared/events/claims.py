"""Claim lifecycle events from intake, claims and follow-up: creation, scrubbing, submission, acks.

Every event's stream is the claim (`claim_id`); the payment outcomes posted from 835s
(paid, denied, reversed...) are in `shared.events.remittance` and share the claim stream.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field

from shared.events.base import Event, Money, Part
from shared.events.claim_snapshot import ClaimSnapshotV1
from shared.events.claim_snapshot_v2 import ClaimSnapshotV2
from shared.events.ownership import Service
from shared.events.patient_account import patient_account_id


# The channels of claim.created v1 and v2, frozen with them (v3 uses ClaimChannel). No
# docstring: it would become a description in their published schemas.
class ClaimSource(StrEnum):
    JSON = "json"
    FHIR = "fhir"
    X12_837 = "x12-837"


class ClaimChannel(StrEnum):
    """How a claim reached intake (`claim.created` v3 `source`)."""

    JSON = "json"  # POST /v1/claims
    FHIR = "fhir"  # POST /fhir/Claim, POST /fhir (Bundle)
    X12_837 = "x12-837"  # POST /v1/batches/837, revcycle ingest
    HL7V2 = "hl7v2"  # DFT^P03 charges over MLLP, released as a claim


class ClaimCreatedV1(Event):
    """Superseded by v2: v1 carried no patient account id.

    Follow-up could not tie a claim to the account it bills without re-deriving the id
    from the claim, so v2 made `account_id` explicit. Stored v1 events are upcast to v2
    by `upcast_claim_created_v1_v2` (account id derived the same way intake derives it).
    """

    event_type: ClassVar[str] = "claim.created"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.INTAKE

    claim_id: str
    organization_id: str
    claim: ClaimSnapshotV1
    source: ClaimSource = ClaimSource.JSON


class ClaimCreatedV2(Event):
    """Intake accepted a claim: its lifecycle begins. Carries the full intake claim."""

    # Superseded by v3 (snapshot v2 with the institutional claim's UB-04 fields, the HL7
    # channel, the source document); upcast by `upcast_claim_created_v2_v3`.

    event_type: ClassVar[str] = "claim.created"
    event_version: ClassVar[int] = 2
    owner: ClassVar[Service] = Service.INTAKE

    claim_id: str
    account_id: str = Field(
        description="Patient account: organization-scoped patient control number"
    )
    organization_id: str
    claim: ClaimSnapshotV1
    source: ClaimSource = ClaimSource.JSON


class ClaimCreated(Event):
    """Intake accepted a claim: its lifecycle begins. Carries the full claim (snapshot v2).

    Scrubbed in the same transaction: a claim the scrubber holds has `claim.scrub_failed`
    right after it, and one whose payer requires a 270 has `claim.eligibility_requested`;
    a clean claim's `claim.created` is followed by nothing else from intake.
    """

    event_type: ClassVar[str] = "claim.created"
    event_version: ClassVar[int] = 3
    owner: ClassVar[Service] = Service.INTAKE

    claim_id: str
    account_id: str = Field(
        description="Patient account: organization-scoped patient control number"
    )
    organization_id: str
    claim: ClaimSnapshotV2
    source: ClaimChannel = ClaimChannel.JSON
    source_reference: str | None = Field(
        default=None,
        description=(
            "The document the claim came in, when it had one: the inbound 837 batch id, "
            "the HL7 message control id, the FHIR resource id"
        ),
    )


def upcast_claim_created_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2: derive the patient account id from organization and CLM01."""
    upgraded = dict(data)
    upgraded["account_id"] = patient_account_id(
        str(data["organization_id"]), str(data["claim"]["patient_control_number"])
    )
    return upgraded


def upcast_claim_created_v2_v3(data: dict[str, Any]) -> dict[str, Any]:
    """v2 -> v3: a v1 snapshot is a v2 snapshot without the institutional fields, every v2
    source is a v3 channel, and no source document was recorded: the data carries over."""
    return dict(data)


class ScrubFinding(Part):
    """One scrubber edit that failed: which rule, where, and why."""

    code: str = Field(description="Edit identifier, e.g. 'NPI_CHECK_DIGIT'")
    message: str
    field: str | None = Field(default=None, description="Path in the claim, e.g. 'lines[0].charge'")
    severity: str = Field(
        default="error", description="'error' holds the claim; 'warning' does not"
    )


class ClaimScrubFailed(Event):
    """The scrubber found errors a payer would reject; the claim is held for correction."""

    event_type: ClassVar[str] = "claim.scrub_failed"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.INTAKE

    claim_id: str
    findings: tuple[ScrubFinding, ...] = Field(min_length=1)


class ClaimEligibilityRequested(Event):
    """Intake asked for the patient's coverage to be verified (270) before the claim goes out.

    Appended with `claim.created` (or `claim.amended`) when the payer's configuration
    requires an eligibility check; the claim is not ready for submission until a
    `claim.eligibility_verified` with active coverage follows.
    """

    event_type: ClassVar[str] = "claim.eligibility_requested"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.INTAKE

    claim_id: str
    payer_id: str
    member_id: str = Field(description="Subscriber's member id (NM109 of the 270's 2100C)")
    service_date: date | None = Field(default=None, description="Date the coverage must cover")
    reason: str = Field(default="payer requires eligibility verification")


class ClaimEligibilityVerified(Event):
    """A 270/271 exchange confirmed (or refuted) the patient's coverage with the payer."""

    event_type: ClassVar[str] = "claim.eligibility_verified"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.INTAKE

    claim_id: str
    payer_id: str
    coverage_active: bool
    plan_name: str | None = None
    copay: Money | None = None
    deductible_remaining: Money | None = None
    trace_number: str | None = Field(default=None, description="TRN02 of the 270")


class ClaimAmendedV1(Event):
    """Intake replaced the claim's content before it was ever submitted (a corrected request).

    No payer has seen the earlier content, so the claim still goes out as an original
    (frequency 1); a change after submission is the claims service's `claim.corrected`
    (frequency 7 or a new original). The new content is scrubbed like a new claim: when it
    fails, a `claim.scrub_failed` follows in the same transaction and the claim stays held.
    """

    event_type: ClassVar[str] = "claim.amended"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.INTAKE

    claim_id: str
    account_id: str = Field(
        description="Patient account: organization-scoped patient control number"
    )
    claim: ClaimSnapshotV1
    reason: str | None = Field(default=None, description="Why it was amended, when given")


class ClaimAmended(Event):
    """Intake replaced the claim's content before it was ever submitted (`PUT /v1/claims/{id}`).

    No payer has seen the earlier content, so the claim still goes out as an original
    (frequency 1); a change after submission is the claims service's `claim.corrected`.
    The new content is scrubbed like a new claim: when it fails, a `claim.scrub_failed`
    follows in the same transaction and the claim stays held. v2 carries snapshot v2.
    """

    event_type: ClassVar[str] = "claim.amended"
    event_version: ClassVar[int] = 2
    owner: ClassVar[Service] = Service.INTAKE

    claim_id: str
    account_id: str = Field(
        description="Patient account: organization-scoped patient control number"
    )
    claim: ClaimSnapshotV2
    reason: str | None = Field(default=None, description="Why it was amended, when given")


def upcast_claim_amended_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2: a v1 snapshot is a v2 snapshot without the institutional fields."""
    return dict(data)


class ClaimReady(Event):
    """The claims service found the claim clean and queued it for the next 837 to its payer."""

    event_type: ClassVar[str] = "claim.ready"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    payer_id: str = Field(description="The payer it will be billed to (NM109 of loop 2010BB)")
    total_charge: Money


class ClaimSubmitted(Event):
    """The claim left in an 837 batch to the clearinghouse."""

    event_type: ClassVar[str] = "claim.submitted"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    payer_id: str
    batch_id: str
    interchange_control_number: str = Field(description="ISA13 of the 837 file")
    frequency: str = Field(default="1", description="CLM05-3: 1 original, 7 replacement, 8 void")
    total_charge: Money


class AckKind(StrEnum):
    X12_999 = "999"
    X12_277CA = "277CA"


class ClaimAcknowledged(Event):
    """A 999 accepted the file that carried the claim (syntax only, not adjudication)."""

    event_type: ClassVar[str] = "claim.acknowledged"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    batch_id: str
    ack_kind: AckKind = AckKind.X12_999
    control_number: str = Field(description="Control number of the acknowledged group/set")


class RejectionReason(Part):
    """A code and its text from a 999 (IK3/IK4) or 277CA (STC)."""

    code: str
    description: str
    location: str | None = Field(default=None, description="Segment/element named by the ack")


class ClaimRejected(Event):
    """The clearinghouse or payer rejected the claim before adjudication (999 or 277CA)."""

    event_type: ClassVar[str] = "claim.rejected"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    ack_kind: AckKind
    reasons: tuple[RejectionReason, ...] = Field(min_length=1)


class ClaimAccepted(Event):
    """A 277CA accepted the claim into the payer's adjudication system."""

    event_type: ClassVar[str] = "claim.accepted"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    payer_claim_number: str | None = Field(default=None, description="Payer's claim control number")


class ClaimAppealed(Event):
    """A specialist filed an appeal of a denial or underpayment."""

    event_type: ClassVar[str] = "claim.appealed"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.FOLLOWUP

    claim_id: str
    appeal_id: str
    level: int = Field(default=1, ge=1, description="1 first-level, 2 second-level...")
    reason: str
    amount_disputed: Money
    filed_on: date
    decision_due: date | None = None


class AppealOutcome(StrEnum):
    OVERTURNED = "overturned"
    PARTIALLY_OVERTURNED = "partially_overturned"
    UPHELD = "upheld"


class ClaimAppealDecided(Event):
    """The payer decided an appeal."""

    event_type: ClassVar[str] = "claim.appeal_decided"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.FOLLOWUP

    claim_id: str
    appeal_id: str
    outcome: AppealOutcome
    amount_awarded: Money
    decided_on: date


class ClaimCorrected(Event):
    """A corrected claim replaces the original (frequency 7); it carries the whole new claim."""

    event_type: ClassVar[str] = "claim.corrected"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    corrected_claim: ClaimSnapshotV1
    reason: str


class ClaimVoided(Event):
    """The claim was voided (frequency 8); nothing more is expected from the payer."""

    event_type: ClassVar[str] = "claim.voided"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    reason: str
    payer_claim_number: str | None = None


class ClaimSecondaryCreated(Event):
    """After the primary paid, a claim to the secondary payer was created (crossover/COB)."""

    event_type: ClassVar[str] = "claim.secondary_created"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str = Field(description="The primary claim")
    secondary_claim_id: str
    secondary_payer_id: str
    amount_billed: Money


class ClaimWrittenOff(Event):
    """A balance was written off (small balance, timely filing, charity, bad debt)."""

    event_type: ClassVar[str] = "claim.written_off"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.FOLLOWUP

    claim_id: str
    amount: Money = Field(gt=0)
    reason_code: str = Field(description="Office's write-off code, e.g. 'SMALL_BALANCE'")
    reason: str


class ClaimClosed(Event):
    """The claim has nothing outstanding: insurance and patient balances are zero."""

    event_type: ClassVar[str] = "claim.closed"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.FOLLOWUP

    claim_id: str
    reason: str = "zero balance"
