"""Claims service commands: what can be asked of a claim (by a request, a file or a process)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from shared.events.claim_snapshot_v2 import ClaimSnapshotV2
from shared.events.claims import AcknowledgmentKind, AckProblem, StatusAnswer, StatusCode
from shared.events.remittance import ClaimPosting
from shared.money import Money


@dataclass(frozen=True)
class MarkReady:
    """Queue a clean, created claim for submission (the claims process runs it on claim.created)."""

    name: ClassVar[str] = "mark_ready"


@dataclass(frozen=True)
class BatchRef:
    """The file a claim goes out in: what `claim.submitted` / `claim.status_requested` name."""

    batch_id: str
    file_name: str
    transaction: str  # 837P, 837I, 276
    interchange_control_number: str
    group_control_number: str
    transaction_set_control_number: str
    reference: str  # BHT03
    sender_id: str
    receiver_id: str
    created_at: datetime


@dataclass(frozen=True)
class Submit:
    """Send the claim (as it stands: original, replacement or void) in the batch `batch`."""

    batch: BatchRef
    name: ClassVar[str] = "submit"


@dataclass(frozen=True)
class Acknowledge:
    """A 999 accepted the set that carried the claim, or a 277CA said it was received."""

    batch_id: str
    ack_kind: AcknowledgmentKind
    control_number: str
    ack_file: str | None
    code: str | None
    name: ClassVar[str] = "acknowledge"


@dataclass(frozen=True)
class Reject:
    """A TA1, 999 or 277CA rejected the submission `batch_id`."""

    batch_id: str
    ack_kind: AcknowledgmentKind
    reasons: tuple[AckProblem, ...]
    ack_file: str | None
    name: ClassVar[str] = "reject"


@dataclass(frozen=True)
class Accept:
    """A 277CA accepted the submission `batch_id` into the payer's adjudication system."""

    batch_id: str
    payer_claim_number: str | None
    ack_file: str | None
    status: str | None
    clearinghouse_trace: str | None
    name: ClassVar[str] = "accept"


@dataclass(frozen=True)
class Correct:
    """Replace the claim's content after submission (the service decides frequency 7 or 1)."""

    claim: ClaimSnapshotV2
    reason: str
    name: ClassVar[str] = "correct"


@dataclass(frozen=True)
class Void:
    """Cancel the claim: a frequency-8 claim goes out when the payer has it, else nothing."""

    reason: str
    name: ClassVar[str] = "void"


@dataclass(frozen=True)
class CheckTimelyFiling:
    """Compare the claim with its payer's filing deadline on `today` (flag or warn)."""

    today: date
    deadline: date
    limit_days: int
    limit_starts: date
    warn_days: int
    name: ClassVar[str] = "check_timely_filing"


@dataclass(frozen=True)
class RequestStatus:
    """A 276 asks the payer about the claim (trace number `trace_number`, in `batch`)."""

    batch: BatchRef
    trace_number: str
    name: ClassVar[str] = "request_status"


@dataclass(frozen=True)
class RecordStatus:
    """A 277 answered: what the payer says about the claim."""

    answer: StatusAnswer
    statuses: tuple[StatusCode, ...]
    trace_number: str | None
    status_date: date | None
    payer_claim_number: str | None
    charge: Money | None
    paid: Money | None
    adjudication_date: date | None
    payment_method: str | None
    check_number: str | None
    status_file: str | None
    name: ClassVar[str] = "record_status"


@dataclass(frozen=True)
class BillNextPayer:
    """After the payer billed now adjudicated the claim: bill the next payer, or note a crossover.

    `secondary_claim` is the claim to the next payer (built from the claim and `adjudication`
    by `services.claims.secondary`), None when the adjudication shows a crossover.
    """

    adjudication: ClaimPosting
    secondary_claim_id: str
    secondary_claim: ClaimSnapshotV2 | None
    name: ClassVar[str] = "bill_next_payer"


@dataclass(frozen=True)
class OpenSecondary:
    """Begin the secondary claim's own stream with its content."""

    primary_claim_id: str
    organization_id: str
    account_id: str
    responsibility: str
    claim: ClaimSnapshotV2
    remittance_id: str
    name: ClassVar[str] = "open_secondary"


Command = (
    MarkReady
    | Submit
    | Acknowledge
    | Reject
    | Accept
    | Correct
    | Void
    | CheckTimelyFiling
    | RequestStatus
    | RecordStatus
    | BillNextPayer
    | OpenSecondary
)
"""Every claims command."""
