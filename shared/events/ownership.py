"""Who writes and who reads each event: one producing service per type, stream kinds, consumers.

Each event type has exactly one producing service, declared on its model (`owner`, beside
the fields in `claims.py`, `remittance.py`, `patient_account.py`). The event store refuses
an append whose envelope `producer` is not the owner of its type (`check_producer`, called
on every append path), so a service can only write the facts it is responsible for, even
on the claim stream that four services share.

A claim's stream is written by several services, one type each; every other kind of
stream has a single owner, listed in `STREAM_KINDS` with the prefix of its event types.
`CONSUMES` says which service reads which types (subscribes to them, or folds them in its
own aggregate); `revcycle events schemas` turns all of it into `docs/events/owners.md`.
The refusal itself is `shared.eventstore.NotOwnerError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Service(StrEnum):
    """The services that append events; the value is the envelope's `producer`."""

    INTAKE = "intake"
    CLAIMS = "claims"
    REMIT = "remit"
    FOLLOWUP = "followup"


@dataclass(frozen=True)
class StreamKind:
    """A kind of stream: what its id is, which types go on it, and who may write them."""

    name: str
    stream_id: str
    event_prefix: str
    owner: Service | None
    """The one service writing this kind of stream; None for the claim (owner per type)."""
    description: str


CLAIM_STREAM = StreamKind(
    "claim",
    "claim id",
    "claim.",
    None,
    "A claim's whole lifecycle, in order: intake, claims, remit and follow-up each append "
    "the types they own.",
)
STREAM_KINDS: tuple[StreamKind, ...] = (
    CLAIM_STREAM,
    StreamKind(
        "remittance",
        "remittance id",
        "remittance.",
        Service.REMIT,
        "One 835 file's payment: header, totals, provider-level adjustments (PLB).",
    ),
    StreamKind(
        "claim batch",
        "batch id",
        "claim_batch.",
        Service.CLAIMS,
        "One file the claims service sends to a clearinghouse (an 837 batch, or a 276 of "
        "status inquiries): its claims, file and control numbers, prepared then sent "
        "(shared/events/claim_batches.py).",
    ),
    StreamKind(
        "deposit",
        "deposit id",
        "deposit.",
        Service.REMIT,
        "Money received at the bank (EFT or check), reassociated with 835s.",
    ),
    StreamKind(
        "deposit follow-up",
        "dfu_ + deposit id",
        "deposit_follow_up.",
        Service.FOLLOWUP,
        "Follow-up's record of a deposit no 835 matched in time (the unmatched-deposits queue).",
    ),
    StreamKind(
        "patient account",
        "patient account id (organization:patient control number)",
        "patient_account.",
        Service.FOLLOWUP,
        "The guarantor's side: statements issued and patient payments.",
    ),
    StreamKind(
        "work item",
        "work item id",
        "work_item.",
        Service.FOLLOWUP,
        "One follow-up queue item: claimed, assigned, noted, snoozed, resolved.",
    ),
    StreamKind(
        "appeal",
        "appeal id",
        "appeal.",
        Service.FOLLOWUP,
        "One appeal's own record (letters, deadlines); its filing and decision also go on "
        "the claim stream (claim.appealed, claim.appeal_decided).",
    ),
    StreamKind(
        "visit",
        "visit id (vis_ + 32 hex digits; intake_hl7_visits maps the hospital's PV1-19 to it)",
        "visit.",
        Service.INTAKE,
        "One hospital visit fed over HL7 v2: its patient and insurance (ADT), charges and "
        "reversals (DFT^P03), discharge, and the claim it became.",
    ),
)


class NoStreamKindError(LookupError):
    def __init__(self, event_type: str) -> None:
        prefixes = ", ".join(k.event_prefix for k in STREAM_KINDS)
        super().__init__(
            f"event type {event_type!r} belongs to no stream kind (known prefixes: {prefixes})"
        )
        self.event_type = event_type


def stream_kind_of(event_type: str) -> StreamKind:
    """The kind of stream an event type is appended to, from its prefix."""
    for kind in STREAM_KINDS:
        if event_type.startswith(kind.event_prefix):
            return kind
    raise NoStreamKindError(event_type)


# What each service reads: the types it subscribes to or folds in its own aggregate. Follow-up
# builds queues, balances and every claim's timeline, so it reads everything; the others read
# what their rules depend on (see services/*/domain.py and processes.py).
_CLAIM_CONTENT = frozenset({"claim.created", "claim.amended", "claim.corrected"})
_ADJUDICATION = frozenset(
    {"claim.paid", "claim.partially_paid", "claim.denied", "claim.reversed", "claim.underpaid"}
)
CONSUMES: dict[Service, frozenset[str] | None] = {
    Service.INTAKE: frozenset(
        {"claim.ready", "claim.submitted", "claim.voided", "claim.eligibility_requested"}
    ),
    Service.CLAIMS: _CLAIM_CONTENT
    | _ADJUDICATION
    | frozenset(
        {
            "claim.scrub_failed",
            "claim.eligibility_requested",
            "claim.eligibility_verified",
            # its own types too: the claim aggregate and the claims index fold them
            "claim.ready",
            "claim.submitted",
            "claim.acknowledged",
            "claim.rejected",
            "claim.accepted",
            "claim.voided",
            "claim.secondary_created",
            "claim.secondary_opened",
            "claim.crossed_over",
            "claim.timely_filing_at_risk",
            "claim.timely_filing_passed",
            "claim.status_requested",
            "claim.status_received",
            "claim.closed",
        }
    ),
    # Remit folds its own adjudications too: a reversal undoes an earlier posting exactly.
    Service.REMIT: _CLAIM_CONTENT
    | _ADJUDICATION
    | frozenset(
        {
            "claim.submitted",
            "claim.accepted",
            "claim.voided",
            "claim.secondary_created",
            "claim.secondary_opened",  # a secondary claim's content: matched and posted too
        }
    ),
    Service.FOLLOWUP: None,  # every type
}
"""Service -> the event types it consumes (None: all of them)."""


def consumers_of(event_type: str) -> tuple[Service, ...]:
    """The services that read an event type, in declaration order."""
    return tuple(
        service for service, types in CONSUMES.items() if types is None or event_type in types
    )
