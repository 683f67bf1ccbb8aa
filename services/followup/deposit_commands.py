"""Follow-up's command about a deposit no 835 matched: flag it, once. Pure decide.

Remit alone writes the deposit's stream, so the flag goes on follow-up's own stream for the
deposit (`shared.events.followup_deposits.follow_up_stream`); its state is whether it was
flagged already. Whether remit has matched the deposit meanwhile is the sweep's read (the
queue process's table of waiting deposits) and, for a match that lands after that read, the
queue process's (it opens no item for a deposit already matched).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from shared.events.base import Event
from shared.events.followup_deposits import DepositFollowUpDue
from shared.kernel import Aggregate


@dataclass(frozen=True)
class DepositFlagState:
    follow_up_id: str
    flagged: bool = False

    @classmethod
    def empty(cls, follow_up_id: str) -> DepositFlagState:
        return cls(follow_up_id)


@dataclass(frozen=True)
class FlagUnmatchedDeposit:
    deposit_id: str
    trace_number: str
    amount: Decimal
    deposit_date: date
    payer_id: str | None
    as_of: date
    detail: str


def apply(state: DepositFlagState, event: Event) -> DepositFlagState:
    if isinstance(event, DepositFollowUpDue):
        return replace(state, flagged=True)
    return state


def decide(state: DepositFlagState, command: FlagUnmatchedDeposit, now: datetime) -> list[Event]:
    if state.flagged:
        return []
    return [
        DepositFollowUpDue(
            follow_up_id=state.follow_up_id,
            deposit_id=command.deposit_id,
            trace_number=command.trace_number,
            amount=command.amount,
            deposit_date=command.deposit_date,
            payer_id=command.payer_id,
            as_of=command.as_of,
            detail=command.detail[:500],
        )
    ]


FOLLOWUP_DEPOSIT: Aggregate[DepositFlagState, FlagUnmatchedDeposit] = Aggregate(
    name="followup.deposit", initial=DepositFlagState.empty, apply=apply, decide=decide
)
