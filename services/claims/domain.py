"""The claim as the claims service sees it, pure: statuses, the transition table, apply and decide.

The claim's stream is shared: intake creates, scrubs and amends it; the claims service
marks it ready, submits it, records the clearinghouse's and payer's acknowledgements,
corrects, voids and bills the next payer; remit posts the payer's adjudication; follow-up
closes it. `TRANSITIONS` lists every status change, whoever appends the event, in one
table: `apply` follows it, `decide` asks it whether a command's event may happen now, the
claims index projection folds it, and `docs/claim-lifecycle.md` is generated from it.

A row may carry a condition (`when`): an event whose payload decides the next status
(coverage active or not, what a 277 answered, whether the payer has the claim a void
cancels). Facts other services own (eligibility answers, payments, closing) never stop the
claims service from folding a stream: where the table names no change for them, they leave
the status as it is (`RECORDED_ANYWHERE`). A type the claims service appends itself, or a
creation, in a status the table does not allow is a broken history (`UnexpectedHistory`).

No I/O, no clock, no random here: `now` is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from services.claims.commands import (
    Accept,
    Acknowledge,
    BatchRef,
    BillNextPayer,
    CheckTimelyFiling,
    Command,
    Correct,
    MarkReady,
    OpenSecondary,
    RecordStatus,
    Reject,
    RequestStatus,
    Submit,
    Void,
)
from shared.events.base import Event
from shared.events.claim_snapshot import Frequency, OtherPayer
from shared.events.claim_snapshot_v2 import ClaimSnapshotV2
from shared.events.claims import (
    ClaimAccepted,
    ClaimAcknowledged,
    ClaimAmended,
    ClaimClosed,
    ClaimCorrected,
    ClaimCreated,
    ClaimCrossedOver,
    ClaimEligibilityRequested,
    ClaimEligibilityVerified,
    ClaimReady,
    ClaimRejected,
    ClaimScrubFailed,
    ClaimSecondaryCreated,
    ClaimSecondaryOpened,
    ClaimStatusReceived,
    ClaimStatusRequested,
    ClaimSubmitted,
    ClaimTimelyFilingAtRisk,
    ClaimTimelyFilingPassed,
    ClaimVoided,
    StatusAnswer,
)
from shared.events.remittance import (
    ClaimDenied,
    ClaimPaid,
    ClaimPartiallyPaid,
    ClaimPosting,
    ClaimReversed,
    ClaimUnderpaid,
    NextPayerAction,
)
from shared.kernel import Aggregate, DomainError, IllegalTransition


class ClaimStatus(StrEnum):
    """Where a claim stands; `STATUS_MEANING` says what each one means."""

    NOT_CREATED = "not_created"
    CREATED = "created"
    HELD = "held"
    AWAITING_ELIGIBILITY = "awaiting_eligibility"
    COVERAGE_INACTIVE = "coverage_inactive"
    READY = "ready"
    FILING_LIMIT_PASSED = "filing_limit_passed"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"
    ACCEPTED = "accepted"
    INFO_REQUESTED = "info_requested"
    NOT_FOUND = "not_found"
    FINALIZED = "finalized"
    ADJUDICATED = "adjudicated"
    REVERSED = "reversed"
    CORRECTED = "corrected"
    VOID_PENDING = "void_pending"
    VOID_SUBMITTED = "void_submitted"
    VOIDED = "voided"
    CLOSED = "closed"


STATUS_MEANING: dict[ClaimStatus, str] = {
    ClaimStatus.NOT_CREATED: "The claim's stream has no event yet.",
    ClaimStatus.CREATED: (
        "Content recorded (new, amended, or a secondary claim), not yet checked by claims."
    ),
    ClaimStatus.HELD: "The scrubber found errors; waits for an amendment.",
    ClaimStatus.AWAITING_ELIGIBILITY: (
        "The payer wants coverage verified (270/271) before the claim goes out. "
    ),
    ClaimStatus.COVERAGE_INACTIVE: (
        "The 271 said the coverage is not active: kept from submission until amended. "
    ),
    ClaimStatus.READY: "Clean and queued for the next 837 to its payer.",
    ClaimStatus.FILING_LIMIT_PASSED: (
        "Ready, but the payer's filing limit has passed: flagged, not sent. "
    ),
    ClaimStatus.SUBMITTED: "In an 837 sent to the clearinghouse; no acknowledgement yet.",
    ClaimStatus.ACKNOWLEDGED: (
        "A 999 accepted its transaction set (or a 277CA its receipt); not yet accepted. "
    ),
    ClaimStatus.REJECTED: "A TA1, 999 or 277CA rejected it before adjudication: to be corrected.",
    ClaimStatus.ACCEPTED: "The payer accepted it into adjudication (277CA), with its claim number.",
    ClaimStatus.INFO_REQUESTED: "A 277 says the payer wants more information.",
    ClaimStatus.NOT_FOUND: "A 277 says the payer has no such claim.",
    ClaimStatus.FINALIZED: "A 277 says the payer decided; its 835 has not been posted yet.",
    ClaimStatus.ADJUDICATED: "Remit posted the payer's 835 (paid, partially paid or denied).",
    ClaimStatus.REVERSED: (
        "The payer took its payment back (CLP02 22); a new adjudication may follow. "
    ),
    ClaimStatus.CORRECTED: (
        "Corrected after submission (replacement or new original), to be checked and sent."
    ),
    ClaimStatus.VOID_PENDING: "Voided while the payer has it: a frequency-8 claim is to be sent.",
    ClaimStatus.VOID_SUBMITTED: "The frequency-8 claim is out; the payer has not accepted it yet.",
    ClaimStatus.VOIDED: "Cancelled: the payer accepted the void, or never had the claim.",
    ClaimStatus.CLOSED: "Follow-up closed it: nothing outstanding.",
}
"""What each status means (docs/claim-lifecycle.md)."""


S = ClaimStatus

# Conditions of the rows whose target depends on the event's payload (see `condition_of`).
COVERAGE_ACTIVE = "coverage active"
COVERAGE_INACTIVE = "coverage inactive"
PAYER_HAS_IT = "the payer has the claim"
PAYER_NEVER_HAD_IT = "the payer never had it"


@dataclass(frozen=True)
class Transition:
    """`event_type` (when its payload meets `when`) moves a claim from `source` to `target`."""

    source: ClaimStatus
    event_type: str
    target: ClaimStatus
    when: str | None = None


def _rows(
    sources: Iterable[ClaimStatus], event_type: str, target: ClaimStatus, when: str | None = None
) -> tuple[Transition, ...]:
    return tuple(Transition(source, event_type, target, when) for source in sources)


def _stays(
    sources: Iterable[ClaimStatus], event_type: str, when: str | None = None
) -> tuple[Transition, ...]:
    return tuple(Transition(source, event_type, source, when) for source in sources)


# Groups of statuses the rows below share.
BEFORE_SUBMISSION = (
    S.CREATED,
    S.HELD,
    S.AWAITING_ELIGIBILITY,
    S.COVERAGE_INACTIVE,
    S.READY,
    S.FILING_LIMIT_PASSED,
)
IN_FLIGHT = (S.SUBMITTED, S.ACKNOWLEDGED)
WITH_THE_PAYER = (S.ACCEPTED, S.INFO_REQUESTED, S.NOT_FOUND, S.FINALIZED)
AFTER_ADJUDICATION = (S.ADJUDICATED, S.REVERSED, S.CLOSED)
NOT_ACCEPTED = (*BEFORE_SUBMISSION, *IN_FLIGHT, S.REJECTED, S.NOT_FOUND, S.CORRECTED)
"""Where the filing limit still matters (unless the payer accepted an earlier version)."""
ASKABLE = (*IN_FLIGHT, S.ACCEPTED, S.INFO_REQUESTED, S.FINALIZED, S.NOT_FOUND)
"""Where a 276 may ask about the claim."""

_CREATED = ClaimCreated.event_type
_SECONDARY_OPENED = ClaimSecondaryOpened.event_type
_SCRUB_FAILED = ClaimScrubFailed.event_type
_AMENDED = ClaimAmended.event_type
_ELIGIBILITY_REQUESTED = ClaimEligibilityRequested.event_type
_ELIGIBILITY_VERIFIED = ClaimEligibilityVerified.event_type
_READY = ClaimReady.event_type
_SUBMITTED = ClaimSubmitted.event_type
_ACKNOWLEDGED = ClaimAcknowledged.event_type
_REJECTED = ClaimRejected.event_type
_ACCEPTED = ClaimAccepted.event_type
_CORRECTED = ClaimCorrected.event_type
_VOIDED = ClaimVoided.event_type
_AT_RISK = ClaimTimelyFilingAtRisk.event_type
_PASSED = ClaimTimelyFilingPassed.event_type
_STATUS_REQUESTED = ClaimStatusRequested.event_type
_STATUS_RECEIVED = ClaimStatusReceived.event_type
_SECONDARY_CREATED = ClaimSecondaryCreated.event_type
_CROSSED_OVER = ClaimCrossedOver.event_type
_ADJUDICATION = (ClaimPaid.event_type, ClaimPartiallyPaid.event_type, ClaimDenied.event_type)
_REVERSED = ClaimReversed.event_type
_UNDERPAID = ClaimUnderpaid.event_type
_CLOSED = ClaimClosed.event_type

_A = StatusAnswer

TRANSITIONS: tuple[Transition, ...] = (
    # -- creation, scrubbing, eligibility, readiness (intake's facts, claims' decision) --------
    Transition(S.NOT_CREATED, _CREATED, S.CREATED),
    Transition(S.NOT_CREATED, _SECONDARY_OPENED, S.CREATED),
    Transition(S.CREATED, _SCRUB_FAILED, S.HELD),
    Transition(S.CREATED, _ELIGIBILITY_REQUESTED, S.AWAITING_ELIGIBILITY),
    *_stays((S.HELD, S.AWAITING_ELIGIBILITY), _ELIGIBILITY_REQUESTED),
    Transition(S.AWAITING_ELIGIBILITY, _ELIGIBILITY_VERIFIED, S.CREATED, COVERAGE_ACTIVE),
    Transition(
        S.AWAITING_ELIGIBILITY, _ELIGIBILITY_VERIFIED, S.COVERAGE_INACTIVE, COVERAGE_INACTIVE
    ),
    Transition(S.COVERAGE_INACTIVE, _ELIGIBILITY_VERIFIED, S.CREATED, COVERAGE_ACTIVE),
    *_stays((S.COVERAGE_INACTIVE,), _ELIGIBILITY_VERIFIED, COVERAGE_INACTIVE),
    # An amendment before submission replaces the content; it is checked again from the start.
    *_rows(BEFORE_SUBMISSION, _AMENDED, S.CREATED),
    *_rows((S.CREATED, S.CORRECTED), _READY, S.READY),
    # -- timely filing ----------------------------------------------------------------------
    Transition(S.READY, _PASSED, S.FILING_LIMIT_PASSED),
    *_stays(NOT_ACCEPTED, _AT_RISK),
    # -- submission and acknowledgements ----------------------------------------------------
    Transition(S.READY, _SUBMITTED, S.SUBMITTED),
    Transition(S.VOID_PENDING, _SUBMITTED, S.VOID_SUBMITTED),
    Transition(S.SUBMITTED, _ACKNOWLEDGED, S.ACKNOWLEDGED),
    *_stays((S.ACKNOWLEDGED, S.VOID_SUBMITTED), _ACKNOWLEDGED),
    *_rows((*IN_FLIGHT, S.VOID_SUBMITTED), _REJECTED, S.REJECTED),
    *_rows(IN_FLIGHT, _ACCEPTED, S.ACCEPTED),
    Transition(S.VOID_SUBMITTED, _ACCEPTED, S.VOIDED),
    # -- status inquiries (276/277) ---------------------------------------------------------
    *_stays(ASKABLE, _STATUS_REQUESTED),
    *_rows((*IN_FLIGHT, S.INFO_REQUESTED, S.NOT_FOUND), _STATUS_RECEIVED, S.ACCEPTED, _A.PENDING),
    *_stays((S.ACCEPTED, S.FINALIZED), _STATUS_RECEIVED, _A.PENDING),
    *_rows(ASKABLE, _STATUS_RECEIVED, S.FINALIZED, _A.FINALIZED),
    *_rows(ASKABLE, _STATUS_RECEIVED, S.INFO_REQUESTED, _A.INFO_REQUESTED),
    *_rows((*IN_FLIGHT, *WITH_THE_PAYER), _STATUS_RECEIVED, S.NOT_FOUND, _A.NOT_FOUND),
    *_rows(IN_FLIGHT, _STATUS_RECEIVED, S.ACKNOWLEDGED, _A.ACKNOWLEDGED),
    *_stays(WITH_THE_PAYER, _STATUS_RECEIVED, _A.ACKNOWLEDGED),
    *_rows(IN_FLIGHT, _STATUS_RECEIVED, S.REJECTED, _A.REJECTED),
    *_stays(WITH_THE_PAYER, _STATUS_RECEIVED, _A.REJECTED),
    *_stays(ASKABLE, _STATUS_RECEIVED, _A.NO_ANSWER),
    # -- corrections and voids --------------------------------------------------------------
    *_rows(
        (S.REJECTED, *WITH_THE_PAYER, *AFTER_ADJUDICATION, S.FILING_LIMIT_PASSED),
        _CORRECTED,
        S.CORRECTED,
    ),
    *_rows(
        (
            S.READY,
            S.FILING_LIMIT_PASSED,
            S.REJECTED,
            S.CORRECTED,
            *WITH_THE_PAYER,
            *AFTER_ADJUDICATION,
        ),
        _VOIDED,
        S.VOID_PENDING,
        PAYER_HAS_IT,
    ),
    *_rows(
        (*BEFORE_SUBMISSION, S.REJECTED, S.NOT_FOUND, S.CORRECTED),
        _VOIDED,
        S.VOIDED,
        PAYER_NEVER_HAD_IT,
    ),
    # -- adjudication (remit's facts) and what follows --------------------------------------
    *(
        row
        for event_type in _ADJUDICATION
        for row in _rows(
            (*IN_FLIGHT, S.REJECTED, *WITH_THE_PAYER, *AFTER_ADJUDICATION),
            event_type,
            S.ADJUDICATED,
        )
    ),
    *_rows((S.ADJUDICATED, S.CLOSED), _REVERSED, S.REVERSED),
    Transition(S.ADJUDICATED, _SECONDARY_CREATED, S.ADJUDICATED),
    Transition(S.ADJUDICATED, _CROSSED_OVER, S.ADJUDICATED),
    *_rows((S.ADJUDICATED, S.REVERSED, S.VOIDED), _CLOSED, S.CLOSED),
)
"""Every status change the claim lifecycle knows; `docs/claim-lifecycle.md` is made from it."""

RECORDED_ANYWHERE = frozenset(
    {
        _ELIGIBILITY_VERIFIED,
        *_ADJUDICATION,
        _REVERSED,
        _UNDERPAID,
        _CLOSED,
    }
)
"""Other services' facts: where the table names no change, they leave the status as it is
(a late 835 for a claim already corrected, an eligibility answer after submission...)."""

COMMAND_EVENTS: dict[str, tuple[str, ...]] = {
    "mark_ready (readiness process)": (_READY,),
    "submit (submission)": (_SUBMITTED,),
    "acknowledge (TA1/999/277CA)": (_ACKNOWLEDGED,),
    "reject (TA1/999/277CA)": (_REJECTED,),
    "accept (277CA)": (_ACCEPTED,),
    "correct (POST /v1/claims/{id}/corrections)": (_CORRECTED,),
    "void (POST /v1/claims/{id}/void)": (_VOIDED,),
    "check_timely_filing (job, submission)": (_AT_RISK, _PASSED),
    "request_status (276 job)": (_STATUS_REQUESTED,),
    "record_status (277)": (_STATUS_RECEIVED,),
    "bill_next_payer (next-payer process)": (_SECONDARY_CREATED, _CROSSED_OVER),
    "open_secondary (next-payer process)": (_SECONDARY_OPENED,),
}
"""The claims service's commands and the events each may append (docs/claim-lifecycle.md)."""

_NEXT: dict[tuple[ClaimStatus, str, str | None], ClaimStatus] = {}
for _t in TRANSITIONS:
    _key = (_t.source, _t.event_type, _t.when)
    if _key in _NEXT:
        raise ValueError(f"two rows for {_key}: one target per status, event and condition")
    _NEXT[_key] = _t.target
TRACKED_EVENT_TYPES = frozenset(t.event_type for t in TRANSITIONS) | RECORDED_ANYWHERE
"""The types that may change the claim's status; any other type leaves it as it is."""
CONDITIONAL_TYPES = frozenset(t.event_type for t in TRANSITIONS if t.when is not None)


class UnexpectedHistory(DomainError):
    """The stream holds a transition the table does not allow: the table or a producer is wrong."""

    def __init__(self, claim_id: str, status: ClaimStatus, event_type: str) -> None:
        super().__init__(
            "history",
            f"claim {claim_id!r}: {event_type} recorded while the claim was {status}, "
            "which the claim lifecycle does not allow (services/claims/domain.py TRANSITIONS)",
        )
        self.status = status
        self.event_type = event_type


def condition_of(event: Event) -> str | None:
    """The payload's say in the next status, for the types whose rows carry `when`."""
    match event:
        case ClaimEligibilityVerified(coverage_active=active):
            return COVERAGE_ACTIVE if active else COVERAGE_INACTIVE
        case ClaimVoided(payer_claim_number=number):
            return PAYER_HAS_IT if number else PAYER_NEVER_HAD_IT
        case ClaimStatusReceived(answer=answer):
            return answer.value
        case _:
            return None


def next_status(claim_id: str, status: ClaimStatus, event: Event) -> ClaimStatus:
    """The status after `event` (the table's row), or UnexpectedHistory when it has none."""
    if event.event_type not in TRACKED_EVENT_TYPES:
        return status
    target = _NEXT.get((status, event.event_type, condition_of(event)))
    if target is not None:
        return target
    if event.event_type in RECORDED_ANYWHERE and status is not ClaimStatus.NOT_CREATED:
        return status
    raise UnexpectedHistory(claim_id, status, event.event_type)


def allows(status: ClaimStatus, event_type: str, when: str | None = None) -> bool:
    return (status, event_type, when) in _NEXT


# -- state -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """One time the claim went out: the batch, file and control numbers, and its frequency."""

    batch_id: str
    file_name: str | None
    frequency: str
    interchange_control_number: str
    group_control_number: str | None
    transaction_set_control_number: str | None
    submitted_at: datetime | None


@dataclass(frozen=True)
class ClaimState:
    claim_id: str
    status: ClaimStatus = ClaimStatus.NOT_CREATED
    claim: ClaimSnapshotV2 | None = None
    """The content as it stands (created, amended, corrected, or the secondary's)."""
    account_id: str | None = None
    eligibility_pending: bool = False
    payer_has_claim: bool = False
    """The payer took a version of the claim in (277CA acceptance, a 277 or an 835)."""
    payer_claim_number: str | None = None
    submissions: tuple[Submission, ...] = ()
    warned_deadlines: frozenset[date] = frozenset()
    primary_claim_id: str | None = None
    """Set on a secondary claim: the claim whose adjudication it follows."""
    next_payers_billed: frozenset[str] = frozenset()
    """Responsibility codes (S, T) already billed or crossed over from this claim."""
    void_reason: str | None = None
    adjudications: int = 0
    last_answer: StatusAnswer | None = None

    @classmethod
    def empty(cls, claim_id: str) -> ClaimState:
        return cls(claim_id)

    @property
    def payer_id(self) -> str | None:
        return self.claim.payer.payer_id if self.claim is not None else None

    @property
    def total_charge(self) -> Decimal | None:
        return self.claim.total_charge if self.claim is not None else None

    @property
    def last_submission(self) -> Submission | None:
        return self.submissions[-1] if self.submissions else None


def apply(state: ClaimState, event: Event) -> ClaimState:
    """Fold one event of the claim's stream into the state."""
    status = next_status(state.claim_id, state.status, event)
    if event.event_type not in TRACKED_EVENT_TYPES:
        return state
    state = replace(state, status=status)
    match event:
        case ClaimCreated(claim=claim, account_id=account_id):
            return replace(state, claim=claim, account_id=account_id)
        case ClaimSecondaryOpened(claim=claim, account_id=account_id, primary_claim_id=primary):
            return replace(state, claim=claim, account_id=account_id, primary_claim_id=primary)
        case ClaimAmended(claim=claim):
            return replace(state, claim=claim)
        case ClaimCorrected(corrected_claim=claim):
            return replace(state, claim=claim)
        case ClaimEligibilityRequested():
            return replace(state, eligibility_pending=True)
        case ClaimEligibilityVerified(coverage_active=active):
            return replace(state, eligibility_pending=state.eligibility_pending and not active)
        case ClaimSubmitted():
            return replace(state, submissions=(*state.submissions, _submission(event)))
        case ClaimAccepted(payer_claim_number=number):
            return replace(
                state, payer_has_claim=True, payer_claim_number=number or state.payer_claim_number
            )
        case ClaimStatusReceived(answer=answer, payer_claim_number=number):
            has_it = answer in (_A.PENDING, _A.FINALIZED, _A.INFO_REQUESTED)
            return replace(
                state,
                last_answer=answer,
                payer_has_claim=state.payer_has_claim or has_it,
                payer_claim_number=number or state.payer_claim_number,
            )
        case ClaimPaid() | ClaimPartiallyPaid() | ClaimDenied():
            return replace(
                state,
                payer_has_claim=True,
                payer_claim_number=event.payer_claim_number or state.payer_claim_number,
                adjudications=state.adjudications + 1,
            )
        case ClaimTimelyFilingAtRisk(deadline=deadline):
            return replace(state, warned_deadlines=state.warned_deadlines | {deadline})
        case ClaimVoided(reason=reason):
            return replace(state, void_reason=reason)
        case ClaimSecondaryCreated(secondary_claim_id=_):
            return replace(state, next_payers_billed=state.next_payers_billed | {_NEXT_RANK})
        case ClaimCrossedOver():
            return replace(state, next_payers_billed=state.next_payers_billed | {_NEXT_RANK})
        case _:
            return state


def _submission(event: ClaimSubmitted) -> Submission:
    return Submission(
        batch_id=event.batch_id,
        file_name=event.file_name,
        frequency=event.frequency,
        interchange_control_number=event.interchange_control_number,
        group_control_number=event.group_control_number,
        transaction_set_control_number=event.transaction_set_control_number,
        submitted_at=event.submitted_at,
    )


# The next payer after the one billed on this claim: one per claim stream (a secondary claim
# bills the tertiary from its own stream), so a single marker is enough.
_NEXT_RANK = "next"


# -- what goes out ---------------------------------------------------------------------------


def claim_to_send(state: ClaimState) -> ClaimSnapshotV2:
    """The claim as the next 837 carries it: the content, or a void (frequency 8, REF*F8)."""
    if state.claim is None:
        raise DomainError("content", f"claim {state.claim_id!r} has no content to send")
    if state.status is ClaimStatus.VOID_PENDING:
        return state.claim.model_copy(
            update={
                "frequency": Frequency.VOID,
                "original_payer_claim_number": state.payer_claim_number,
            }
        )
    return state.claim


def replacement_for(state: ClaimState, claim: ClaimSnapshotV2) -> ClaimSnapshotV2:
    """The corrected claim as it must go out: a replacement (7, REF*F8) when the payer has the
    claim, else a new original (1) with no payer claim number (a front-end rejection)."""
    if state.payer_has_claim:
        if not state.payer_claim_number:
            raise DomainError(
                "payer-claim-number",
                f"claim {state.claim_id!r}: the payer accepted it without a claim number, and a "
                "replacement needs one (REF*F8); ask the payer (a 276) first",
            )
        return claim.model_copy(
            update={
                "frequency": Frequency.REPLACEMENT,
                "original_payer_claim_number": state.payer_claim_number,
            }
        )
    return claim.model_copy(
        update={"frequency": Frequency.ORIGINAL, "original_payer_claim_number": None}
    )


def next_payer(claim: ClaimSnapshotV2) -> OtherPayer | None:
    """The payer to bill after the one billed now: the next rank among the claim's other payers
    that has not adjudicated it (no paid amount, no line adjudication)."""
    ranks = "PSTABCDEFGH"
    waiting = [
        other
        for other in claim.other_payers
        if other.paid_amount is None and not other.line_adjudications
    ]
    waiting.sort(key=lambda o: ranks.index(o.responsibility) if o.responsibility in ranks else 99)
    return waiting[0] if waiting else None


CROSSOVER_STATUS_CODES = frozenset({"19", "20", "21"})
"""CLP02: processed as primary (19), secondary (20), tertiary (21), forwarded to the next payer."""
CROSSOVER_REMARKS = frozenset({"MA18", "N89"})
"""RARCs saying the payer forwarded the claim to the next payer itself."""


def crossover_reason(adjudication: ClaimPosting) -> str | None:
    """Why the adjudication shows the payer forwarded the claim (None when it did not)."""
    posted = adjudication.next_payer
    if posted is not None and posted.action is NextPayerAction.CROSSOVER:
        # Remit read the whole 835 (NM1*TT, line-level MA18...): its word is the posting's.
        return f"crossed over to {posted.payer_name or posted.payer_id} (as posted by remit)"
    remarks = sorted(CROSSOVER_REMARKS & set(adjudication.remark_codes))
    if remarks:
        return f"remark {', '.join(remarks)}"
    if adjudication.claim_status_code in CROSSOVER_STATUS_CODES:
        return f"CLP02 {adjudication.claim_status_code} (forwarded to the next payer)"
    return None


# -- decide ----------------------------------------------------------------------------------


def _refuse(state: ClaimState, command: Command) -> IllegalTransition:
    return IllegalTransition(state.status, command.name, subject="the claim")


def _require(state: ClaimState, command: Command, event_type: str, when: str | None = None) -> None:
    if not allows(state.status, event_type, when):
        raise _refuse(state, command)


def _check_batch(state: ClaimState, command: Command, batch_id: str) -> None:
    last = state.last_submission
    if last is None or last.batch_id != batch_id:
        raise DomainError(
            "acknowledgment",
            f"{command.name} names batch {batch_id}, but the claim's latest submission is "
            f"{last.batch_id if last else 'none'}; nothing was appended",
        )


def decide(state: ClaimState, command: Command, now: datetime) -> list[Event]:
    """The events a command produces on this claim, or a DomainError naming the rule."""
    match command:
        case MarkReady():
            _require(state, command, _READY)
            if state.eligibility_pending:
                raise DomainError(
                    "eligibility",
                    "mark_ready is not allowed while the payer's eligibility check is pending; "
                    "nothing was appended",
                )
            assert state.payer_id is not None and state.total_charge is not None
            return [
                ClaimReady(
                    claim_id=state.claim_id,
                    payer_id=state.payer_id,
                    total_charge=state.total_charge,
                )
            ]
        case Submit(batch=batch):
            _require(state, command, _SUBMITTED)
            return [_submitted(state, batch)]
        case Acknowledge():
            _require(state, command, _ACKNOWLEDGED)
            _check_batch(state, command, command.batch_id)
            return [
                ClaimAcknowledged(
                    claim_id=state.claim_id,
                    batch_id=command.batch_id,
                    ack_kind=command.ack_kind,
                    control_number=command.control_number,
                    ack_file=command.ack_file,
                    code=command.code,
                )
            ]
        case Reject():
            _require(state, command, _REJECTED)
            _check_batch(state, command, command.batch_id)
            return [
                ClaimRejected(
                    claim_id=state.claim_id,
                    ack_kind=command.ack_kind,
                    reasons=command.reasons,
                    batch_id=command.batch_id,
                    ack_file=command.ack_file,
                )
            ]
        case Accept():
            _require(state, command, _ACCEPTED)
            _check_batch(state, command, command.batch_id)
            return [
                ClaimAccepted(
                    claim_id=state.claim_id,
                    payer_claim_number=command.payer_claim_number,
                    batch_id=command.batch_id,
                    ack_file=command.ack_file,
                    status=command.status,
                    clearinghouse_trace=command.clearinghouse_trace,
                )
            ]
        case Correct():
            _require(state, command, _CORRECTED)
            if not state.submissions:
                raise DomainError(
                    "correction",
                    "a claim never submitted is corrected by amending it (PUT /v1/claims/{id}); "
                    "nothing was appended",
                )
            replacement = replacement_for(state, command.claim)
            if replacement != command.claim:
                raise DomainError(
                    "frequency",
                    f"the corrected claim must go out with frequency {replacement.frequency.value}"
                    + (
                        f" and REF*F8 {replacement.original_payer_claim_number}"
                        if replacement.original_payer_claim_number
                        else " and no payer claim number"
                    )
                    + "; nothing was appended",
                )
            return [
                ClaimCorrected(
                    claim_id=state.claim_id, corrected_claim=command.claim, reason=command.reason
                )
            ]
        case Void(reason=reason):
            has_it = state.payer_has_claim
            _require(state, command, _VOIDED, PAYER_HAS_IT if has_it else PAYER_NEVER_HAD_IT)
            if has_it and not state.payer_claim_number:
                raise DomainError(
                    "payer-claim-number",
                    "the payer has the claim but its claim number is unknown, and a void needs "
                    "it (REF*F8); ask the payer (a 276) first; nothing was appended",
                )
            return [
                ClaimVoided(
                    claim_id=state.claim_id,
                    reason=reason,
                    payer_claim_number=state.payer_claim_number if has_it else None,
                )
            ]
        case CheckTimelyFiling():
            return _check_timely_filing(state, command)
        case RequestStatus(batch=batch, trace_number=trace):
            _require(state, command, _STATUS_REQUESTED)
            assert state.payer_id is not None
            return [
                ClaimStatusRequested(
                    claim_id=state.claim_id,
                    payer_id=state.payer_id,
                    batch_id=batch.batch_id,
                    trace_number=trace,
                    file_name=batch.file_name,
                    interchange_control_number=batch.interchange_control_number,
                    payer_claim_number=state.payer_claim_number,
                )
            ]
        case RecordStatus():
            _require(state, command, _STATUS_RECEIVED, command.answer.value)
            return [
                ClaimStatusReceived(
                    claim_id=state.claim_id,
                    answer=command.answer,
                    statuses=command.statuses,
                    trace_number=command.trace_number,
                    status_date=command.status_date,
                    payer_claim_number=command.payer_claim_number,
                    charge=command.charge,
                    paid=command.paid,
                    adjudication_date=command.adjudication_date,
                    payment_method=command.payment_method,
                    check_number=command.check_number,
                    status_file=command.status_file,
                )
            ]
        case BillNextPayer():
            return _bill_next_payer(state, command)
        case OpenSecondary():
            _require(state, command, _SECONDARY_OPENED)
            return [
                ClaimSecondaryOpened(
                    claim_id=state.claim_id,
                    primary_claim_id=command.primary_claim_id,
                    organization_id=command.organization_id,
                    account_id=command.account_id,
                    responsibility=command.responsibility,
                    claim=command.claim,
                    remittance_id=command.remittance_id,
                )
            ]
    raise TypeError(f"not a claims command: {command!r}")


def _submitted(state: ClaimState, batch: BatchRef) -> ClaimSubmitted:
    claim = claim_to_send(state)
    return ClaimSubmitted(
        claim_id=state.claim_id,
        payer_id=claim.payer.payer_id,
        batch_id=batch.batch_id,
        interchange_control_number=batch.interchange_control_number,
        frequency=claim.frequency.value,
        total_charge=claim.total_charge,
        file_name=batch.file_name,
        transaction=batch.transaction,
        group_control_number=batch.group_control_number,
        transaction_set_control_number=batch.transaction_set_control_number,
        reference=batch.reference,
        sender_id=batch.sender_id,
        receiver_id=batch.receiver_id,
        original_payer_claim_number=claim.original_payer_claim_number,
        submitted_at=batch.created_at,
    )


def _check_timely_filing(state: ClaimState, command: CheckTimelyFiling) -> list[Event]:
    """Past the deadline, a ready claim is flagged (not sent); near it, a warning, once."""
    if state.payer_has_claim or state.status not in NOT_ACCEPTED or state.claim is None:
        return []
    payer_id = state.claim.payer.payer_id
    if state.status is ClaimStatus.READY and command.today > command.deadline:
        return [
            ClaimTimelyFilingPassed(
                claim_id=state.claim_id,
                payer_id=payer_id,
                deadline=command.deadline,
                filing_limit_days=command.limit_days,
                limit_starts=command.limit_starts,
            )
        ]
    days_left = (command.deadline - command.today).days
    if days_left > command.warn_days or command.deadline in state.warned_deadlines:
        return []
    return [
        ClaimTimelyFilingAtRisk(
            claim_id=state.claim_id,
            payer_id=payer_id,
            deadline=command.deadline,
            days_left=days_left,
            filing_limit_days=command.limit_days,
            limit_starts=command.limit_starts,
        )
    ]


def _bill_next_payer(state: ClaimState, command: BillNextPayer) -> list[Event]:
    if state.status is not ClaimStatus.ADJUDICATED:
        raise _refuse(state, command)
    if _NEXT_RANK in state.next_payers_billed:
        raise DomainError(
            "next-payer", "the next payer was already billed (or crossed over); nothing appended"
        )
    assert state.claim is not None
    other = next_payer(state.claim)
    if other is None:
        raise DomainError("next-payer", "the claim names no other payer left to bill")
    adjudication = command.adjudication
    reason = crossover_reason(adjudication)
    if reason is not None:
        return [
            ClaimCrossedOver(
                claim_id=state.claim_id,
                remittance_id=adjudication.remittance_id,
                next_payer_id=other.payer.payer_id,
                next_payer_name=other.payer.name,
                reason=reason,
            )
        ]
    if command.secondary_claim is None:
        raise DomainError("next-payer", "no claim to the next payer was given")
    return [
        ClaimSecondaryCreated(
            claim_id=state.claim_id,
            secondary_claim_id=command.secondary_claim_id,
            secondary_payer_id=command.secondary_claim.payer.payer_id,
            amount_billed=command.secondary_claim.total_charge,
        )
    ]


CLAIM: Aggregate[ClaimState, Command] = Aggregate(
    name="claim", initial=ClaimState.empty, apply=apply, decide=decide
)
