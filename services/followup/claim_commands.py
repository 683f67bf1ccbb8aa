"""Follow-up's commands on the claim stream: follow-up due, write-offs, appeals. Pure decide.

The claim's state here is its ledger (`services.followup.ledger`), folded from the stored
envelopes (payment dates live in payloads, submission dates in envelopes), plus the flags
that keep a sweep from raising the same follow-up twice: a no-response flag stands until
the next submission, an appeal-deadline flag until the next remittance.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from services.followup import ledger
from services.followup.ledger import ClaimFacts
from shared.events.base import Event
from shared.events.claims import AppealOutcome, ClaimAppealDecided, ClaimAppealed, ClaimWrittenOff
from shared.events.envelope import EventEnvelope
from shared.events.followup_claims import (
    ClaimFollowUpDue,
    ClaimPatientPaymentApplied,
    FollowUpReason,
)
from shared.events.registry import decode
from shared.kernel import Aggregate, DomainError


@dataclass(frozen=True)
class ClaimState:
    claim_id: str
    facts: ClaimFacts | None = None
    flagged: frozenset[str] = field(default_factory=frozenset)
    appeal_ids: tuple[str, ...] = ()

    @property
    def known(self) -> ClaimFacts:
        if self.facts is None:
            raise DomainError("unknown", f"no claim {self.claim_id}")
        return self.facts


def fold_envelope(state: ClaimState, event: Any, envelope: EventEnvelope) -> ClaimState:
    facts, _ = ledger.fold(state.facts, event, envelope)
    flagged = set(state.flagged)
    if envelope.type == "claim.submitted":
        flagged.discard(FollowUpReason.NO_RESPONSE.value)
    if envelope.type in (*ledger.ADJUDICATIONS, "claim.reversed", "claim.underpaid"):
        flagged.discard(FollowUpReason.APPEAL_DEADLINE.value)
    if isinstance(event, ClaimFollowUpDue):
        flagged.add(event.reason.value)
    appeals = state.appeal_ids
    if isinstance(event, ClaimAppealed):
        appeals = (*appeals, event.appeal_id)
    return replace(state, facts=facts, flagged=frozenset(flagged), appeal_ids=appeals)


@dataclass(frozen=True)
class FlagFollowUp:
    reason: FollowUpReason
    as_of: date
    since: date
    deadline: date | None
    detail: str


@dataclass(frozen=True)
class WriteOff:
    amount: Decimal
    balance: str  # ledger.PATIENT | ledger.INSURANCE
    reason_code: str
    reason: str


@dataclass(frozen=True)
class ApplyPatientPayment:
    account_id: str
    payment_id: str
    amount: Decimal
    received_on: date


@dataclass(frozen=True)
class FileAppeal:
    appeal_id: str
    level: int
    reason: str
    amount_disputed: Decimal
    filed_on: date
    decision_due: date | None


@dataclass(frozen=True)
class DecideAppeal:
    appeal_id: str
    outcome: AppealOutcome
    amount_awarded: Decimal
    decided_on: date


APPEALABLE = frozenset({"denied", "partially_paid", "paid", "underpaid", "reversed", "appealed"})


def decide(state: ClaimState, command: Any, now: datetime) -> list[Event]:
    facts = state.known
    match command:
        case FlagFollowUp():
            if command.reason.value in state.flagged:
                return []
            return [
                ClaimFollowUpDue(
                    claim_id=facts.claim_id,
                    reason=command.reason,
                    as_of=command.as_of,
                    since=command.since,
                    deadline=command.deadline,
                    detail=command.detail[:500],
                )
            ]
        case WriteOff():
            available = (
                facts.patient_balance
                if command.balance == ledger.PATIENT
                else facts.insurance_balance
            )
            if command.amount <= 0 or command.amount > available:
                raise DomainError(
                    "write-off",
                    f"a write-off of {command.amount} exceeds the claim's {command.balance} "
                    f"balance of {available}",
                )
            if ledger.WRITE_OFF_BALANCE.get(command.reason_code) != command.balance:
                raise DomainError(
                    "write-off",
                    f"reason code {command.reason_code} is not a {command.balance} write-off",
                )
            return [
                ClaimWrittenOff(
                    claim_id=facts.claim_id,
                    amount=command.amount,
                    reason_code=command.reason_code,
                    reason=command.reason,
                )
            ]
        case ApplyPatientPayment():
            return [
                ClaimPatientPaymentApplied(
                    claim_id=facts.claim_id,
                    account_id=command.account_id,
                    payment_id=command.payment_id,
                    amount=command.amount,
                    received_on=command.received_on,
                )
            ]
        case FileAppeal():
            if command.appeal_id in state.appeal_ids:
                return []
            if facts.status not in APPEALABLE or not (
                facts.denied_amount > 0 or facts.underpaid_shortfall > 0
            ):
                raise DomainError(
                    "appeal",
                    f"only a denied or underpaid claim can be appealed; this one is {facts.status} "
                    "with nothing denied or underpaid",
                )
            if facts.open_appeal_id is not None:
                raise DomainError("appeal", f"appeal {facts.open_appeal_id} is still open")
            return [
                ClaimAppealed(
                    claim_id=facts.claim_id,
                    appeal_id=command.appeal_id,
                    level=command.level,
                    reason=command.reason,
                    amount_disputed=command.amount_disputed,
                    filed_on=command.filed_on,
                    decision_due=command.decision_due,
                )
            ]
        case DecideAppeal():
            if facts.open_appeal_id != command.appeal_id:
                raise DomainError("appeal", f"appeal {command.appeal_id} is not open on this claim")
            return [
                ClaimAppealDecided(
                    claim_id=facts.claim_id,
                    appeal_id=command.appeal_id,
                    outcome=command.outcome,
                    amount_awarded=command.amount_awarded,
                    decided_on=command.decided_on,
                )
            ]
    raise TypeError(f"not a follow-up claim command: {type(command).__name__}")


@dataclass(frozen=True)
class _EnvelopeAggregate(Aggregate[ClaimState, Any]):
    """The claim stream folded with its envelopes (the ledger needs their dates)."""

    def fold_envelopes(self, stream_id: str, envelopes: Iterable[EventEnvelope]) -> ClaimState:
        state = self.initial(stream_id)
        for envelope in envelopes:
            state = fold_envelope(state, decode(envelope), envelope)
        return state


def _after_own_events(state: ClaimState, event: Event) -> ClaimState:
    # The state after a command is not read by follow-up's handlers (they answer from the
    # read models once settled); loads always fold the stored envelopes.
    return state


FOLLOWUP_CLAIM = _EnvelopeAggregate(
    name="followup-claim",
    initial=lambda claim_id: ClaimState(claim_id=claim_id),
    apply=_after_own_events,
    decide=decide,
)
