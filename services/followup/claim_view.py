"""The claim as people and programs read it: status, money, submissions, remittances, timeline.

One pure fold over the claim's stream, `fold(view, event, envelope) -> view`, kept as a
projection (`followup.claim_views`, one JSON document per claim, written in the same
transaction as the projection's tracking row) and served by `GET /v1/claims/{id}` and
`revcycle claims show`. Every event of the claim's stream adds a timeline entry; the
event types that change more than the timeline have one function each in `VIEW_RULES`,
registered at the bottom, next to the status they move the claim to (`STATUS_AFTER`).

Each service that owns claim events adds its own rules here (claims: submissions,
acknowledgements, payer claim number; remit: money and remittances; follow-up: appeals,
write-offs), so the one document stays whole. A rule is pure: no I/O, no clock; money is
`Decimal` and the invariant it keeps is
`charge = paid + adjustments + patient_responsibility + insurance_balance` (patient
payments and write-offs move `patient_balance`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.events.claims import (
    AckProblem,
    ClaimAccepted,
    ClaimAcknowledged,
    ClaimAmended,
    ClaimCorrected,
    ClaimCreated,
    ClaimCrossedOver,
    ClaimEligibilityRequested,
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
from shared.events.envelope import EventEnvelope
from shared.events.remittance import (
    ClaimDenied,
    ClaimPartiallyPaid,
    ClaimPosting,
    ClaimReversed,
    ClaimUnderpaid,
    LedgerMove,
)
from shared.money import ZERO, Money


class _ViewPart(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClaimMoney(_ViewPart):
    """The claim's money, as Decimal strings in JSON."""

    charge: Money = ZERO
    paid: Money = ZERO
    adjustments: Money = ZERO
    patient_responsibility: Money = ZERO
    insurance_balance: Money = ZERO
    patient_balance: Money = ZERO
    written_off: Money = ZERO


class Finding(_ViewPart):
    code: str
    severity: str
    field: str | None = None
    message: str


class AckReason(_ViewPart):
    """Why an acknowledgment rejected a submission: its code, text and where it points."""

    code: str
    description: str
    location: str | None = None


class Submission(_ViewPart):
    """One time the claim left in an 837 (its file and control numbers), and what came back."""

    batch_id: str
    frequency: str
    submitted_at: datetime
    interchange_control_number: str | None = None
    group_control_number: str | None = None
    transaction_set_control_number: str | None = None
    file: str | None = None
    transaction: str | None = None
    original_payer_claim_number: str | None = None
    outcome: str | None = Field(
        default=None, description="acknowledged, accepted or rejected, as the acks said"
    )
    acknowledgments: list[str] = Field(
        default_factory=list, description="The acknowledgment files about this submission"
    )
    reasons: list[AckReason] = Field(default_factory=list)


class RemittanceMoved(_ViewPart):
    """One 835 payment (or reversal) that moved the claim's money."""

    remittance_id: str
    event_type: str
    at: datetime
    trace_number: str | None = None
    payer_id: str | None = None
    paid: Money = ZERO
    adjustments: Money = ZERO
    patient_responsibility: Money = ZERO
    denied: Money = ZERO
    claim_index: int | None = None
    status_code: str | None = None
    payment_date: date | None = None


class DenialView(_ViewPart):
    """Why the payer denied (part of) the claim, and the follow-up queue it went to."""

    category: str
    queue: str
    reasons: list[str] = Field(default_factory=list)


class NextPayerView(_ViewPart):
    action: str
    payer_id: str
    payer_name: str | None = None
    balance: Money = ZERO


class UnderpaymentView(_ViewPart):
    remittance_id: str
    expected: Money
    actual: Money
    difference: Money


class EligibilityView(_ViewPart):
    """The last eligibility check's outcome (intake's 270/271): coverage, or why it failed."""

    checked_at: datetime
    outcome: str  # active, inactive, failed
    trace_number: str | None = None
    from_cache: bool = False
    plan_name: str | None = None
    plan_begin: date | None = None
    plan_end: date | None = None
    copay: Money | None = None
    coinsurance: Decimal | None = None
    deductible: Money | None = None
    deductible_remaining: Money | None = None
    out_of_pocket_remaining: Money | None = None
    problems: list[str] = Field(default_factory=list)  # AAA03 codes and words


class TimelineEntry(_ViewPart):
    version: int
    at: datetime
    type: str
    producer: str
    summary: str


class ClaimView(_ViewPart):
    """The claim's whole story; built only by `fold`."""

    claim_id: str
    organization_id: str
    account_id: str
    status: str
    kind: str
    patient_control_number: str
    payer_id: str
    payer_name: str
    frequency: str
    payer_claim_number: str | None = None
    primary_claim_id: str | None = Field(
        default=None, description="A secondary claim's primary (the claim it follows)"
    )
    secondary_claim_ids: list[str] = Field(default_factory=list)
    filing_deadline: date | None = Field(
        default=None, description="The payer's filing deadline, once a check reported it"
    )
    money: ClaimMoney = Field(default_factory=ClaimMoney)
    findings: list[Finding] = Field(default_factory=list)
    submissions: list[Submission] = Field(default_factory=list)
    remittances: list[RemittanceMoved] = Field(default_factory=list)
    denial: DenialView | None = None
    next_payer: NextPayerView | None = None
    underpayment: UnderpaymentView | None = None
    eligibility: EligibilityView | None = None
    timeline: list[TimelineEntry] = Field(default_factory=list)
    stream_version: int = 0
    created_at: datetime
    updated_at: datetime


class ViewInconsistency(ValueError):
    """An event for a claim whose stream did not begin with claim.created (dead-lettered)."""


ViewRule = Callable[[ClaimView | None, Any, EventEnvelope], tuple[ClaimView, str]]
"""rule(view, event, envelope) -> (new view, timeline summary). Pure."""

VIEW_RULES: dict[str, ViewRule] = {}
"""Event type -> how it changes the view beyond its timeline entry."""

STATUS_AFTER: dict[str, str] = {}
"""Event type -> the claim's status after it (types absent here leave the status as it is)."""

STATUS_BY_PAYLOAD: set[str] = set()
"""Types whose rule sets the view's status from the payload (a void's submission, a 277's
answer); their `STATUS_AFTER` entry is the usual case, which the claims table keeps."""


def rule(
    event_type: str, *, status: str | None = None, by_payload: bool = False
) -> Callable[[ViewRule], ViewRule]:
    """Register a view rule (and optionally the status the event moves the claim to)."""

    def register(function: ViewRule) -> ViewRule:
        VIEW_RULES[event_type] = function
        if status is not None:
            STATUS_AFTER[event_type] = status
        if by_payload:
            STATUS_BY_PAYLOAD.add(event_type)
        return function

    return register


def fold(view: ClaimView | None, event: Any, envelope: EventEnvelope) -> ClaimView:
    """The view after one more event of the claim's stream (a redelivery is not folded twice:
    the projection's tracking sees to that)."""
    function = VIEW_RULES.get(envelope.type)
    if function is not None:
        view, summary = function(view, event, envelope)
    elif view is None:
        raise ViewInconsistency(
            f"{envelope.type} for claim {envelope.stream_id}, whose claim.created is not known"
        )
    else:
        summary = envelope.type.removeprefix("claim.").replace("_", " ")
    status = (
        view.status
        if envelope.type in STATUS_BY_PAYLOAD
        else STATUS_AFTER.get(envelope.type, view.status)
    )
    entry = TimelineEntry(
        version=envelope.stream_version,
        at=envelope.occurred_at,
        type=envelope.type,
        producer=envelope.producer,
        summary=summary,
    )
    return view.model_copy(
        update={
            "status": status,
            "stream_version": envelope.stream_version,
            "updated_at": envelope.occurred_at,
            "timeline": [*view.timeline, entry],
        }
    )


def _existing(view: ClaimView | None, envelope: EventEnvelope) -> ClaimView:
    if view is None:
        raise ViewInconsistency(
            f"{envelope.type} for claim {envelope.stream_id}, whose claim.created is not known"
        )
    return view


# --- intake ------------------------------------------------------------------------------------


@rule("claim.created", status="created")
def _created(view: ClaimView | None, event: ClaimCreated, envelope: EventEnvelope) -> Any:
    claim = event.claim
    total: Decimal = claim.total_charge
    created = ClaimView(
        claim_id=event.claim_id,
        organization_id=event.organization_id,
        account_id=event.account_id,
        status="created",
        kind=claim.kind.value,
        patient_control_number=claim.patient_control_number,
        payer_id=claim.payer.payer_id,
        payer_name=claim.payer.name,
        frequency=claim.frequency.value,
        money=ClaimMoney(charge=total, insurance_balance=total),
        created_at=envelope.occurred_at,
        updated_at=envelope.occurred_at,
    )
    return created, f"created from {event.source.value}: {len(claim.lines)} lines, {total}"


@rule("claim.scrub_failed", status="held")
def _scrub_failed(
    view: ClaimView | None, event: ClaimScrubFailed, envelope: EventEnvelope
) -> tuple[ClaimView, str]:
    current = _existing(view, envelope)
    findings = [
        Finding(code=f.code, severity=f.severity, field=f.field, message=f.message)
        for f in event.findings
    ]
    held = current.model_copy(update={"findings": findings})
    return held, f"held by the scrubber: {', '.join(f.code for f in findings)}"


@rule("claim.amended", status="amended")
def _amended(
    view: ClaimView | None, event: ClaimAmended, envelope: EventEnvelope
) -> tuple[ClaimView, str]:
    # The new content replaces the old (no payer has seen either, so nothing was paid or
    # adjusted yet: the balance is the new charge). It is scrubbed again: earlier findings
    # no longer stand, and a claim.scrub_failed right after brings the new ones.
    current = _existing(view, envelope)
    claim = event.claim
    total: Decimal = claim.total_charge
    amended = current.model_copy(
        update={
            "findings": [],
            "account_id": event.account_id,
            "kind": claim.kind.value,
            "patient_control_number": claim.patient_control_number,
            "payer_id": claim.payer.payer_id,
            "payer_name": claim.payer.name,
            "frequency": claim.frequency.value,
            "money": current.money.model_copy(update={"charge": total, "insurance_balance": total}),
        }
    )
    why = f": {event.reason}" if event.reason else ""
    return amended, f"amended before submission{why}: {len(claim.lines)} lines, {total}"


@rule("claim.eligibility_requested")
def _eligibility_requested(
    view: ClaimView | None, event: ClaimEligibilityRequested, envelope: EventEnvelope
) -> tuple[ClaimView, str]:
    # The claim waits for the 270/271 answer (claim.eligibility_verified) before it is ready.
    served = f" for {event.service_date}" if event.service_date else ""
    return _existing(
        view, envelope
    ), f"eligibility check (270) requested with payer {event.payer_id}{served}"


# --- claims ------------------------------------------------------------------------------------
# The claims service's types. Statuses match the claim aggregate's (services/claims/domain.py:
# TRANSITIONS); where the payload decides (a void, a 277's answer), the rule sets it.


def _last_submission(view: ClaimView) -> Submission | None:
    return view.submissions[-1] if view.submissions else None


def _with_last_submission(view: ClaimView, **changes: Any) -> list[Submission]:
    last = _last_submission(view)
    if last is None:
        return view.submissions
    return [*view.submissions[:-1], last.model_copy(update=changes)]


def _voiding(view: ClaimView) -> bool:
    last = _last_submission(view)
    return last is not None and last.frequency == "8"


@rule("claim.ready", status="ready")
def _ready(view: ClaimView | None, event: ClaimReady, envelope: EventEnvelope) -> Any:
    return _existing(view, envelope), f"ready for the next 837 to payer {event.payer_id}"


@rule("claim.submitted", status="submitted", by_payload=True)
def _submitted(view: ClaimView | None, event: ClaimSubmitted, envelope: EventEnvelope) -> Any:
    current = _existing(view, envelope)
    submission = Submission(
        batch_id=event.batch_id,
        frequency=event.frequency,
        submitted_at=event.submitted_at or envelope.occurred_at,
        interchange_control_number=event.interchange_control_number,
        group_control_number=event.group_control_number,
        transaction_set_control_number=event.transaction_set_control_number,
        file=event.file_name,
        transaction=event.transaction,
        original_payer_claim_number=event.original_payer_claim_number,
    )
    status = "void_submitted" if event.frequency == "8" else "submitted"
    updated = current.model_copy(
        update={
            "status": status,
            "frequency": event.frequency,
            "submissions": [*current.submissions, submission],
        }
    )
    return updated, (
        f"{'void sent' if event.frequency == '8' else 'submitted'} "
        f"in {event.file_name or 'an 837'} "
        f"(ISA13 {event.interchange_control_number}, GS06 {event.group_control_number}, "
        f"ST02 {event.transaction_set_control_number}), frequency {event.frequency}"
    )


@rule("claim.acknowledged", status="acknowledged", by_payload=True)
def _acknowledged(view: ClaimView | None, event: ClaimAcknowledged, envelope: EventEnvelope) -> Any:
    current = _existing(view, envelope)
    last = _last_submission(current)
    files = [*(last.acknowledgments if last else []), *([event.ack_file] if event.ack_file else [])]
    updated = current.model_copy(
        update={
            "status": "void_submitted" if _voiding(current) else "acknowledged",
            "submissions": _with_last_submission(
                current, outcome="acknowledged", acknowledgments=files
            ),
        }
    )
    return updated, f"acknowledged by the {event.ack_kind.value} {event.ack_file or ''}".rstrip()


def _reason(problem: AckProblem) -> AckReason:
    return AckReason(code=problem.code, description=problem.description, location=problem.location)


@rule("claim.rejected", status="rejected")
def _rejected(view: ClaimView | None, event: ClaimRejected, envelope: EventEnvelope) -> Any:
    current = _existing(view, envelope)
    last = _last_submission(current)
    files = [*(last.acknowledgments if last else []), *([event.ack_file] if event.ack_file else [])]
    reasons = [_reason(p) for p in event.reasons]
    updated = current.model_copy(
        update={
            "submissions": _with_last_submission(
                current, outcome="rejected", acknowledgments=files, reasons=reasons
            )
        }
    )
    first = event.reasons[0]
    return updated, (
        f"rejected by the {event.ack_kind.value}: {first.code} {first.description}"
        + (f" ({first.location})" if first.location else "")
    )


@rule("claim.accepted", status="accepted", by_payload=True)
def _accepted(view: ClaimView | None, event: ClaimAccepted, envelope: EventEnvelope) -> Any:
    current = _existing(view, envelope)
    last = _last_submission(current)
    files = [*(last.acknowledgments if last else []), *([event.ack_file] if event.ack_file else [])]
    voided = _voiding(current)
    updated = current.model_copy(
        update={
            "status": "voided" if voided else "accepted",
            "payer_claim_number": event.payer_claim_number or current.payer_claim_number,
            "submissions": _with_last_submission(
                current, outcome="accepted", acknowledgments=files
            ),
        }
    )
    what = "the payer accepted the void" if voided else "accepted by the payer"
    return updated, f"{what}: claim number {event.payer_claim_number or 'not given'}"


@rule("claim.corrected", status="corrected")
def _corrected(view: ClaimView | None, event: ClaimCorrected, envelope: EventEnvelope) -> Any:
    current = _existing(view, envelope)
    claim = event.corrected_claim
    updated = current.model_copy(
        update={
            "frequency": claim.frequency.value,
            "payer_id": claim.payer.payer_id,
            "payer_name": claim.payer.name,
            "findings": [],
        }
    )
    kind = "replacement (7)" if claim.frequency.value == "7" else "new original (1)"
    return updated, f"corrected, to go out as a {kind}: {event.reason}"


@rule("claim.voided", status="voided", by_payload=True)
def _voided(view: ClaimView | None, event: ClaimVoided, envelope: EventEnvelope) -> Any:
    current = _existing(view, envelope)
    pending = event.payer_claim_number is not None
    updated = current.model_copy(update={"status": "void_pending" if pending else "voided"})
    follow = (
        f"a frequency-8 claim for payer claim {event.payer_claim_number} goes out next"
        if pending
        else "the payer never had it: nothing is sent"
    )
    return updated, f"voided ({event.reason}); {follow}"


@rule("claim.timely_filing_at_risk")
def _at_risk(
    view: ClaimView | None, event: ClaimTimelyFilingAtRisk, envelope: EventEnvelope
) -> Any:
    current = _existing(view, envelope)
    updated = current.model_copy(update={"filing_deadline": event.deadline})
    when = (
        f"{event.days_left} days left"
        if event.days_left >= 0
        else f"passed {-event.days_left} days ago"
    )
    return updated, f"timely filing at risk: deadline {event.deadline} ({when})"


@rule("claim.timely_filing_passed", status="filing_limit_passed")
def _filing_passed(
    view: ClaimView | None, event: ClaimTimelyFilingPassed, envelope: EventEnvelope
) -> Any:
    current = _existing(view, envelope)
    updated = current.model_copy(update={"filing_deadline": event.deadline})
    return updated, (
        f"not submitted: the {event.filing_limit_days}-day filing limit passed on {event.deadline}"
    )


@rule("claim.status_requested")
def _status_requested(
    view: ClaimView | None, event: ClaimStatusRequested, envelope: EventEnvelope
) -> Any:
    return (
        _existing(view, envelope),
        f"status asked of payer {event.payer_id} "
        f"(276 {event.file_name}, trace {event.trace_number})",
    )


_ASKABLE = frozenset(
    {"submitted", "acknowledged", "accepted", "info_requested", "finalized", "not_found"}
)
_ANSWER_STATUS = {
    StatusAnswer.FINALIZED: ("finalized", _ASKABLE),
    StatusAnswer.INFO_REQUESTED: ("info_requested", _ASKABLE),
    StatusAnswer.NOT_FOUND: (
        "not_found",
        frozenset(
            {"submitted", "acknowledged", "accepted", "info_requested", "finalized", "not_found"}
        ),
    ),
    StatusAnswer.PENDING: (
        "accepted",
        frozenset({"submitted", "acknowledged", "info_requested", "not_found"}),
    ),
    StatusAnswer.ACKNOWLEDGED: ("acknowledged", frozenset({"submitted"})),
    StatusAnswer.REJECTED: ("rejected", frozenset({"submitted", "acknowledged"})),
}


@rule("claim.status_received")
def _status_received(
    view: ClaimView | None, event: ClaimStatusReceived, envelope: EventEnvelope
) -> Any:
    current = _existing(view, envelope)
    target = _ANSWER_STATUS.get(event.answer)
    status = target[0] if target is not None and current.status in target[1] else current.status
    updated = current.model_copy(
        update={
            "status": status,
            "payer_claim_number": event.payer_claim_number or current.payer_claim_number,
        }
    )
    first = event.statuses[0]
    return updated, (
        f"payer status {event.answer.value}: {first.category}:{first.code} {first.code_description}"
    )


@rule("claim.secondary_created")
def _secondary_created(
    view: ClaimView | None, event: ClaimSecondaryCreated, envelope: EventEnvelope
) -> Any:
    current = _existing(view, envelope)
    updated = current.model_copy(
        update={"secondary_claim_ids": [*current.secondary_claim_ids, event.secondary_claim_id]}
    )
    return updated, (
        f"secondary claim {event.secondary_claim_id} created for payer {event.secondary_payer_id}"
    )


@rule("claim.secondary_opened", status="created")
def _secondary_opened(
    view: ClaimView | None, event: ClaimSecondaryOpened, envelope: EventEnvelope
) -> Any:
    claim = event.claim
    total: Decimal = claim.total_charge
    opened = ClaimView(
        claim_id=event.claim_id,
        organization_id=event.organization_id,
        account_id=event.account_id,
        status="created",
        kind=claim.kind.value,
        patient_control_number=claim.patient_control_number,
        payer_id=claim.payer.payer_id,
        payer_name=claim.payer.name,
        frequency=claim.frequency.value,
        primary_claim_id=event.primary_claim_id,
        money=ClaimMoney(charge=total, insurance_balance=total),
        created_at=envelope.occurred_at,
        updated_at=envelope.occurred_at,
    )
    return opened, (
        f"opened as the {'secondary' if event.responsibility == 'S' else 'next'} claim of "
        f"{event.primary_claim_id} to payer {claim.payer.payer_id}"
    )


@rule("claim.crossed_over")
def _crossed_over(view: ClaimView | None, event: ClaimCrossedOver, envelope: EventEnvelope) -> Any:
    return _existing(view, envelope), (
        f"crossed over to {event.next_payer_name} ({event.next_payer_id}) by the payer "
        f"({event.reason}): no secondary claim billed"
    )


# --- remit: money and remittances ---------------------------------------------------------------
# Each posting carries its `ledger` (remit decided each adjustment's effect): paid and
# contractual adjustments reduce the insurance balance, patient responsibility moves to
# the patient's balance, a denied amount stays open in the insurance balance (never a
# write-off). A reversal carries the exact negation of the posting it undoes.


def _moved(view: ClaimView, ledger: LedgerMove) -> ClaimMoney:
    money = view.money
    return money.model_copy(
        update={
            "paid": money.paid + ledger.paid,
            "adjustments": money.adjustments + ledger.adjustments,
            "patient_responsibility": money.patient_responsibility + ledger.patient_responsibility,
            "patient_balance": money.patient_balance + ledger.patient_responsibility,
            "insurance_balance": money.insurance_balance
            - ledger.paid
            - ledger.adjustments
            - ledger.patient_responsibility,
        }
    )


def _remittance_entry(
    event: ClaimPosting | ClaimReversed, envelope: EventEnvelope
) -> RemittanceMoved:
    return RemittanceMoved(
        remittance_id=event.remittance_id,
        event_type=envelope.type,
        at=envelope.occurred_at,
        trace_number=event.trace_number,
        payer_id=event.payer_id,
        paid=event.ledger.paid,
        adjustments=event.ledger.adjustments,
        patient_responsibility=event.ledger.patient_responsibility,
        denied=event.ledger.denied,
        claim_index=event.claim_index,
        status_code=event.claim_status_code,
        payment_date=event.paid_on if isinstance(event, ClaimPosting) else event.reversed_on,
    )


def _posted(
    view: ClaimView | None, event: ClaimPosting, envelope: EventEnvelope
) -> tuple[ClaimView, str]:
    current = _existing(view, envelope)
    update: dict[str, Any] = {
        "money": _moved(current, event.ledger),
        "remittances": [*current.remittances, _remittance_entry(event, envelope)],
        "payer_claim_number": event.payer_claim_number or current.payer_claim_number,
        "denial": None,
        "next_payer": (
            NextPayerView(
                action=event.next_payer.action.value,
                payer_id=event.next_payer.payer_id,
                payer_name=event.next_payer.payer_name,
                balance=event.next_payer.balance,
            )
            if event.next_payer is not None
            else None
        ),
    }
    if isinstance(event, ClaimDenied | ClaimPartiallyPaid):
        update["denial"] = DenialView(
            category=event.denial_category,
            queue=event.queue,
            reasons=[
                f"{d.group.value}-{d.reason_code}"
                + (f" ({', '.join(d.remark_codes)})" if d.remark_codes else "")
                for d in event.denials
            ],
        )
    ledger = event.ledger
    summary = (
        f"{envelope.type.removeprefix('claim.').replace('_', ' ')} by {event.payer_id}"
        f" (trace {event.trace_number or '-'}): paid {ledger.paid}, adjustments "
        f"{ledger.adjustments}, patient {ledger.patient_responsibility}"
        + (f", denied {ledger.denied} left open" if ledger.denied else "")
    )
    return current.model_copy(update=update), summary


rule("claim.paid", status="paid")(_posted)
rule("claim.partially_paid", status="partially_paid")(_posted)
rule("claim.denied", status="denied")(_posted)


@rule("claim.reversed", status="reversed")
def _reversed(
    view: ClaimView | None, event: ClaimReversed, envelope: EventEnvelope
) -> tuple[ClaimView, str]:
    current = _existing(view, envelope)
    updated = current.model_copy(
        update={
            "money": _moved(current, event.ledger),
            "remittances": [*current.remittances, _remittance_entry(event, envelope)],
            "denial": None,
            "next_payer": None,
            "underpayment": None,
        }
    )
    undone = event.reverses.remittance_id if event.reverses else "an earlier posting"
    return updated, f"reversed by {event.payer_id}: {event.ledger.paid} undoing {undone}"


@rule("claim.underpaid", status="underpaid")
def _underpaid(
    view: ClaimView | None, event: ClaimUnderpaid, envelope: EventEnvelope
) -> tuple[ClaimView, str]:
    current = _existing(view, envelope)
    updated = current.model_copy(
        update={
            "underpayment": UnderpaymentView(
                remittance_id=event.remittance_id,
                expected=event.expected_amount,
                actual=event.actual_amount,
                difference=event.difference,
            )
        }
    )
    return updated, (
        f"underpaid: the contract allows {event.expected_amount}, the payer allowed "
        f"{event.actual_amount} ({event.difference} short)"
    )


@rule("claim.eligibility_verified")
def _eligibility_verified(
    view: ClaimView | None, event: Any, envelope: EventEnvelope
) -> tuple[ClaimView, str]:
    # v1 events decode to v2 (upcast), so every field below exists; v1's are None.
    checked = EligibilityView(
        checked_at=envelope.occurred_at,
        outcome="active" if event.coverage_active else "inactive",
        trace_number=event.trace_number,
        from_cache=event.from_cache,
        plan_name=event.plan_name,
        plan_begin=event.plan_begin,
        plan_end=event.plan_end,
        copay=event.copay,
        coinsurance=event.coinsurance,
        deductible=event.deductible,
        deductible_remaining=event.deductible_remaining,
        out_of_pocket_remaining=event.out_of_pocket_remaining,
    )
    current = _existing(view, envelope).model_copy(update={"eligibility": checked})
    source = " (cached answer)" if event.from_cache else ""
    return current, f"coverage {checked.outcome} with payer {event.payer_id}{source}"


@rule("claim.eligibility_failed")
def _eligibility_failed(
    view: ClaimView | None, event: Any, envelope: EventEnvelope
) -> tuple[ClaimView, str]:
    problems = [f"{p.code}: {p.description}" for p in event.problems]
    checked = EligibilityView(
        checked_at=envelope.occurred_at,
        outcome="failed",
        trace_number=event.trace_number,
        problems=problems,
    )
    current = _existing(view, envelope).model_copy(update={"eligibility": checked})
    return current, f"eligibility check failed: {', '.join(p.code for p in event.problems)}"


# --- the rest of the lifecycle ------------------------------------------------------------------
# Statuses of events whose rules (money, submissions...) their owning services add above;
# until then they move the status and add their timeline entry.

STATUS_AFTER.update(
    {
        "claim.paid": "paid",
        "claim.partially_paid": "partially_paid",
        "claim.denied": "denied",
        "claim.reversed": "reversed",
        "claim.closed": "closed",
    }
)
