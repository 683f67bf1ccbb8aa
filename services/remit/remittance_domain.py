"""The remittance and deposit streams, pure: what each has recorded, and what may follow.

A remittance stream records the 835 once (`remittance.received`), each claim payment held
because no claim matched it (`remittance.claim_unmatched`), each of those matched later by
hand (`remittance.claim_matched`), and the end (`remittance.posted`). Each decision is
idempotent: what the stream already holds is not recorded again (a resumed file, a
retried request). A deposit stream records the money and, once, what it was matched to.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from services.remit.commands import (
    CompleteRemittance,
    DepositCommand,
    HoldUnmatched,
    MatchDeposit,
    ReceiveDeposit,
    ReceiveRemittance,
    RecordManualMatch,
    RemittanceCommand,
)
from shared.events.base import Event
from shared.events.deposit import DepositMatched, DepositReceived
from shared.events.remittance import (
    RemittanceClaimMatched,
    RemittanceClaimUnmatched,
    RemittancePosted,
    RemittanceReceived,
)
from shared.kernel import Aggregate, DomainError, IllegalTransition


class NotUnmatched(DomainError):
    def __init__(self, remittance_id: str, claim_index: int, why: str) -> None:
        super().__init__(
            "manual-match", f"claim payment {claim_index} of remittance {remittance_id} {why}"
        )


@dataclass(frozen=True)
class RemittanceState:
    remittance_id: str
    received: RemittanceReceived | None = None
    unmatched: dict[int, RemittanceClaimUnmatched] = field(default_factory=dict)
    matched: dict[int, RemittanceClaimMatched] = field(default_factory=dict)
    posted: RemittancePosted | None = None

    @classmethod
    def empty(cls, remittance_id: str) -> RemittanceState:
        return cls(remittance_id)

    @property
    def still_unmatched(self) -> dict[int, RemittanceClaimUnmatched]:
        return {i: e for i, e in self.unmatched.items() if i not in self.matched}


def apply_remittance(state: RemittanceState, event: Event) -> RemittanceState:
    match event:
        case RemittanceReceived():
            return replace(state, received=event)
        case RemittanceClaimUnmatched(claim_index=index):
            return replace(state, unmatched={**state.unmatched, index: event})
        case RemittanceClaimMatched(claim_index=index):
            return replace(state, matched={**state.matched, index: event})
        case RemittancePosted():
            return replace(state, posted=event)
    return state


def decide_remittance(
    state: RemittanceState, command: RemittanceCommand, now: datetime
) -> list[Event]:
    match command:
        case ReceiveRemittance(event=event):
            return [] if state.received is not None else [event]
        case HoldUnmatched(event=event):
            if state.received is None:
                raise IllegalTransition("not received", command.name, subject="the remittance")
            return [] if event.claim_index in state.unmatched else [event]
        case RecordManualMatch(event=event):
            index = event.claim_index
            if index not in state.unmatched:
                raise NotUnmatched(state.remittance_id, index, "was never unmatched")
            if index in state.matched:
                raise NotUnmatched(
                    state.remittance_id,
                    index,
                    f"was already matched to claim {state.matched[index].claim_id}",
                )
            return [event]
        case CompleteRemittance(event=event):
            if state.received is None:
                raise IllegalTransition("not received", command.name, subject="the remittance")
            return [] if state.posted is not None else [event]
    raise TypeError(f"not a remittance command: {command!r}")


REMITTANCE: Aggregate[RemittanceState, RemittanceCommand] = Aggregate(
    name="remit.remittance",
    initial=RemittanceState.empty,
    apply=apply_remittance,
    decide=decide_remittance,
)


@dataclass(frozen=True)
class DepositState:
    deposit_id: str
    received: DepositReceived | None = None
    matched: DepositMatched | None = None

    @classmethod
    def empty(cls, deposit_id: str) -> DepositState:
        return cls(deposit_id)


def apply_deposit(state: DepositState, event: Event) -> DepositState:
    match event:
        case DepositReceived():
            return replace(state, received=event)
        case DepositMatched():
            return replace(state, matched=event)
    return state


def decide_deposit(state: DepositState, command: DepositCommand, now: datetime) -> list[Event]:
    match command:
        case ReceiveDeposit(event=event):
            return [] if state.received is not None else [event]
        case MatchDeposit(remittance_ids=ids):
            if state.received is None:
                raise IllegalTransition("not received", command.name, subject="the deposit")
            if state.matched is not None:
                return []
            received = state.received
            return [
                DepositMatched(
                    deposit_id=state.deposit_id,
                    trace_number=received.trace_number,
                    amount=received.amount,
                    remittance_ids=ids,
                )
            ]
    raise TypeError(f"not a deposit command: {command!r}")


DEPOSIT: Aggregate[DepositState, DepositCommand] = Aggregate(
    name="remit.deposit", initial=DepositState.empty, apply=apply_deposit, decide=decide_deposit
)
