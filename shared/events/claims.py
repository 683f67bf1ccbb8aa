"""Claim lifecycle events from intake, claims and follow-up: creation, scrubbing, submission, acks.

Every event's stream is the claim (`claim_id`); the payment outcomes posted from 835s
(paid, denied, reversed...) are in `shared.events.remittance` and share the claim stream.
"""

from __future__ import annotations

from datetime import date, datetime
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


class ClaimSubmittedV1(Event):
    """The claim left in an 837 batch to the clearinghouse."""

    # Superseded by v2: v1 named the batch and ISA13 only. A reader could not tell which file
    # carried the claim, nor match a 999 (GS06, ST02) or a 277CA (BHT03) to it without the
    # batch stream, so v2 carries the file name, every control number, the transaction and
    # when it left. Stored v1 events are upcast with those unknown. (The docstring above is
    # the published v1 description: it stays as it was.)

    event_type: ClassVar[str] = "claim.submitted"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    payer_id: str
    batch_id: str
    interchange_control_number: str = Field(description="ISA13 of the 837 file")
    frequency: str = Field(default="1", description="CLM05-3: 1 original, 7 replacement, 8 void")
    total_charge: Money


class ClaimSubmitted(Event):
    """The claim went out in an 837 file to the clearinghouse (its batch is its own stream).

    Appended in the transaction that records the batch (`claim_batch.prepared`), before the
    file is handed to the clearinghouse adapter; `claim_batch.sent` on the batch stream
    follows once the adapter has it. A crash in between is finished by the next run, which
    sends the recorded file (the adapter recognises a file already sent): the claim is
    neither lost nor sent twice.
    """

    event_type: ClassVar[str] = "claim.submitted"
    event_version: ClassVar[int] = 2
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    payer_id: str
    batch_id: str
    interchange_control_number: str = Field(description="ISA13 of the 837 file")
    frequency: str = Field(default="1", description="CLM05-3: 1 original, 7 replacement, 8 void")
    total_charge: Money
    file_name: str | None = Field(default=None, description="The 837 file as sent")
    transaction: str | None = Field(default=None, description="837P or 837I")
    group_control_number: str | None = Field(default=None, description="GS06 of the file")
    transaction_set_control_number: str | None = Field(
        default=None, description="ST02 of the set that carries the claim"
    )
    reference: str | None = Field(
        default=None, description="BHT03 of the set (a 277CA echoes it in 2200B TRN02)"
    )
    sender_id: str | None = Field(default=None, description="ISA06 / 1000A submitter id")
    receiver_id: str | None = Field(default=None, description="ISA08 / 1000B receiver id")
    original_payer_claim_number: str | None = Field(
        default=None, description="REF*F8 of a replacement (7) or void (8)"
    )
    submitted_at: datetime | None = Field(default=None, description="When the batch was made")


def upcast_claim_submitted_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2: file, group and set control numbers, transaction and time were not recorded."""
    return dict(data)


class AckKind(StrEnum):
    # What acknowledged a claim, in the v1 events (v2 events use `AcknowledgmentKind`). No
    # docstring: it would become a description in the published v1 schemas.

    X12_999 = "999"
    X12_277CA = "277CA"


class AcknowledgmentKind(StrEnum):
    """What acknowledged (or rejected) a claim: the interchange (TA1), its set (999), the claim
    itself (277CA)."""

    X12_TA1 = "TA1"
    X12_999 = "999"
    X12_277CA = "277CA"


class ClaimAcknowledgedV1(Event):
    """A 999 accepted the file that carried the claim (syntax only, not adjudication)."""

    # Superseded by v2, which names the acknowledgment file and its verdict code.

    event_type: ClassVar[str] = "claim.acknowledged"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    batch_id: str
    ack_kind: AckKind = AckKind.X12_999
    control_number: str = Field(description="Control number of the acknowledged group/set")


class ClaimAcknowledged(Event):
    """A 999 accepted the transaction set that carried the claim (syntax only, not adjudication),
    or a 277CA said the claim was received (A0/A1) without accepting it for adjudication yet."""

    event_type: ClassVar[str] = "claim.acknowledged"
    event_version: ClassVar[int] = 2
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    batch_id: str
    ack_kind: AcknowledgmentKind = AcknowledgmentKind.X12_999
    control_number: str = Field(description="Control number of the acknowledged group/set")
    ack_file: str | None = Field(default=None, description="The acknowledgment file's name")
    code: str | None = Field(
        default=None, description="IK501 (A, E) of a 999; STC01 category:code of a 277CA"
    )


def upcast_claim_acknowledged_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2: the acknowledgment file and code were not recorded."""
    return dict(data)


class RejectionReason(Part):
    """A code and its text from a 999 (IK3/IK4) or 277CA (STC)."""

    code: str
    description: str
    location: str | None = Field(default=None, description="Segment/element named by the ack")


class AckProblem(Part):
    """One problem an acknowledgment names: a 999's IK3/IK4/IK5, a 277CA's STC, a TA1's TA105.

    `code` and `description` always say what was wrong; the other fields locate it where the
    acknowledgment does (999: segment, position, loop, element; 277CA: category and entity).
    """

    code: str = Field(description="IK304, IK403, IK5 code, STC status code (list 508), TA105")
    description: str
    location: str | None = Field(default=None, description="Where, in words")
    segment_id: str | None = Field(default=None, description="999 IK301")
    segment_position: int | None = Field(default=None, description="999 IK302 (ST = 1)")
    loop_id: str | None = Field(default=None, description="999 IK303")
    element_position: int | None = Field(default=None, description="999 IK401-1")
    component_position: int | None = Field(default=None, description="999 IK401-2")
    element_reference: str | None = Field(default=None, description="999 IK402 (data element)")
    category: str | None = Field(default=None, description="277CA STC01-1 category, e.g. A7")
    category_description: str | None = None
    entity: str | None = Field(default=None, description="277CA STC01-3 entity, e.g. 85")
    entity_description: str | None = None
    message: str | None = Field(default=None, description="277CA STC12 free-form message")


class ClaimRejectedV1(Event):
    """The clearinghouse or payer rejected the claim before adjudication (999 or 277CA)."""

    # Superseded by v2, which names the batch, the file and where each problem is.

    event_type: ClassVar[str] = "claim.rejected"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    ack_kind: AckKind
    reasons: tuple[RejectionReason, ...] = Field(min_length=1)


class ClaimRejected(Event):
    """The clearinghouse or payer rejected the claim before adjudication (TA1, 999 or 277CA).

    The payer has not taken the claim in: once corrected it goes out as a new original
    (frequency 1), unless the payer had accepted an earlier version (then a replacement).
    """

    event_type: ClassVar[str] = "claim.rejected"
    event_version: ClassVar[int] = 2
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    ack_kind: AcknowledgmentKind
    reasons: tuple[AckProblem, ...] = Field(min_length=1)
    batch_id: str | None = Field(default=None, description="The submission it rejects")
    ack_file: str | None = Field(default=None, description="The acknowledgment file's name")


def upcast_claim_rejected_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2: reasons keep code, description and location; batch and file were unknown."""
    return dict(data)


class ClaimAcceptedV1(Event):
    """A 277CA accepted the claim into the payer's adjudication system."""

    # Superseded by v2, which names the batch, the file and the STC status.

    event_type: ClassVar[str] = "claim.accepted"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    payer_claim_number: str | None = Field(default=None, description="Payer's claim control number")


class ClaimAccepted(Event):
    """A 277CA accepted the claim into the payer's adjudication system (STC A2, A5)."""

    event_type: ClassVar[str] = "claim.accepted"
    event_version: ClassVar[int] = 2
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    payer_claim_number: str | None = Field(default=None, description="Payer's claim control number")
    batch_id: str | None = Field(default=None, description="The submission it accepts")
    ack_file: str | None = Field(default=None, description="The 277CA file's name")
    status: str | None = Field(default=None, description="STC01: category:code, e.g. A2:20")
    clearinghouse_trace: str | None = Field(default=None, description="REF*D9 of the 277CA")


def upcast_claim_accepted_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2: batch, file, status and trace were not recorded."""
    return dict(data)


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


class ClaimCorrectedV1(Event):
    """A corrected claim replaces the original (frequency 7); it carries the whole new claim."""

    event_type: ClassVar[str] = "claim.corrected"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    corrected_claim: ClaimSnapshotV1
    reason: str


class ClaimCorrected(Event):
    """A corrected claim replaces the original (frequency 7, or a new original when the payer
    never took the first); it carries the whole new claim. v2 carries snapshot v2, so an
    institutional claim keeps its UB-04 fields (present-on-admission, procedures, codes)."""

    event_type: ClassVar[str] = "claim.corrected"
    event_version: ClassVar[int] = 2
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    corrected_claim: ClaimSnapshotV2
    reason: str


def upcast_claim_corrected_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2: a v1 snapshot is a v2 snapshot without the institutional fields."""
    return dict(data)


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


class ClaimSecondaryOpened(Event):
    """The first event of a secondary (or tertiary) claim's own stream: the claim to the next
    payer, carrying the earlier payers' adjudication (loops 2320/2330B/2430 of its 837).

    The primary claim's stream records `claim.secondary_created` in the same transaction.
    """

    event_type: ClassVar[str] = "claim.secondary_opened"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str = Field(description="The secondary claim (this stream)")
    primary_claim_id: str = Field(description="The claim whose adjudication it follows")
    organization_id: str
    account_id: str = Field(
        description="Patient account: organization-scoped patient control number"
    )
    responsibility: str = Field(
        description="SBR01 of the payer billed now: S secondary, T tertiary"
    )
    claim: ClaimSnapshotV2
    remittance_id: str = Field(description="The remittance whose adjudication it carries")


class ClaimCrossedOver(Event):
    """The primary payer forwarded the claim to the next payer itself (crossover: CLP02 19 or
    remark MA18), so no secondary claim is billed; the next payer will pay on its own."""

    event_type: ClassVar[str] = "claim.crossed_over"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    remittance_id: str
    next_payer_id: str = Field(description="The payer it was forwarded to (2330B of the claim)")
    next_payer_name: str
    reason: str = Field(description="What showed the crossover, e.g. 'remark MA18'")


class ClaimTimelyFilingAtRisk(Event):
    """The payer's filing limit is near (or passed) and the payer has not accepted the claim."""

    event_type: ClassVar[str] = "claim.timely_filing_at_risk"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    payer_id: str
    deadline: date = Field(description="Last day the payer takes the claim")
    days_left: int = Field(description="Days from the check to the deadline (negative: passed)")
    filing_limit_days: int = Field(ge=1, description="The payer's limit in days")
    limit_starts: date = Field(
        description="The date the limit runs from (first date of service; discharge for 837I)"
    )


class ClaimTimelyFilingPassed(Event):
    """A ready claim's filing limit has passed: it is flagged and kept out of submission."""

    event_type: ClassVar[str] = "claim.timely_filing_passed"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    payer_id: str
    deadline: date
    filing_limit_days: int = Field(ge=1)
    limit_starts: date


class ClaimStatusRequested(Event):
    """A 276 asked the payer where the claim stands (no 277CA or 835 after the configured days)."""

    event_type: ClassVar[str] = "claim.status_requested"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    payer_id: str
    batch_id: str = Field(description="The 276 batch (its own stream)")
    trace_number: str = Field(description="2200D TRN02 of the 276; the 277 echoes it")
    file_name: str
    interchange_control_number: str
    payer_claim_number: str | None = Field(default=None, description="REF*1K when known")


class StatusAnswer(StrEnum):
    """What a 277 says about a claim, from its STC category."""

    PENDING = "pending"  # P0-P5
    FINALIZED = "finalized"  # F0-F5
    INFO_REQUESTED = "info_requested"  # R0-R16
    NOT_FOUND = "not_found"  # A4, D0, E4
    ACKNOWLEDGED = "acknowledged"  # A0-A2, A5
    REJECTED = "rejected"  # A3, A6-A8
    NO_ANSWER = "no_answer"  # E0-E3: the payer could not answer


class StatusCode(Part):
    """One STC composite with the code lists' descriptions."""

    category: str
    category_description: str
    code: str
    code_description: str
    entity: str | None = None
    entity_description: str | None = None


class ClaimStatusReceived(Event):
    """A 277 answered a status inquiry about the claim."""

    event_type: ClassVar[str] = "claim.status_received"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.CLAIMS

    claim_id: str
    answer: StatusAnswer
    statuses: tuple[StatusCode, ...] = Field(min_length=1)
    trace_number: str | None = Field(default=None, description="TRN02 echoed from the 276")
    status_date: date | None = Field(default=None, description="STC02")
    payer_claim_number: str | None = Field(default=None, description="REF*1K")
    charge: Money | None = Field(default=None, description="STC04")
    paid: Money | None = Field(default=None, description="STC05 (finalized claims)")
    adjudication_date: date | None = Field(default=None, description="STC06")
    payment_method: str | None = Field(default=None, description="STC07")
    check_number: str | None = Field(default=None, description="STC09")
    status_file: str | None = Field(default=None, description="The 277 file's name")


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
