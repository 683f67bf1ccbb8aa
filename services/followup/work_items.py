"""A work item's rules: who may work it, when, and what each step records. Pure.

The item's stream (`work_item.*`) is its whole record: opened by a queue rule, worked by
people and programs (claim, assign, note, snooze, resolve), closed by a later event. One
specialist at a time: a claim holds the item until it expires (`claim_minutes`), and while
it is held nobody else notes, snoozes or resolves it; an item assigned to someone is theirs
to work. Supervisors assign, and may act on any item.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from shared.events.base import Event
from shared.events.work_items import (
    ResolutionOutcome,
    WorkItemAssigned,
    WorkItemClaimed,
    WorkItemClosed,
    WorkItemNoted,
    WorkItemOpened,
    WorkItemResolved,
    WorkItemSnoozed,
)
from shared.kernel import Aggregate, DomainError, IllegalTransition

OPEN = "open"
RESOLVED = "resolved"
CLOSED = "closed"
NEW = "new"


@dataclass(frozen=True)
class WorkItemState:
    item_id: str
    status: str = NEW
    queue: str | None = None
    claim_id: str | None = None
    claimed_by: str | None = None
    claim_expires_at: datetime | None = None
    assignee: str | None = None
    snoozed_until: date | None = None

    def holder(self, now: datetime) -> str | None:
        """Who holds the item by an unexpired claim, if anyone."""
        if self.claimed_by and self.claim_expires_at and self.claim_expires_at > now:
            return self.claimed_by
        return None


@dataclass(frozen=True)
class Actor:
    subject: str
    supervisor: bool = False


@dataclass(frozen=True)
class Open:
    queue: str
    claim_id: str | None
    account_id: str | None
    payer_id: str | None
    reference: str | None
    amount_at_stake: Decimal
    risk_of_loss: Decimal
    age_from: date
    deadline: date | None
    reason: str
    opened_by_event: str


@dataclass(frozen=True)
class Close:
    closed_by_event: str
    reason: str


@dataclass(frozen=True)
class Claim:
    actor: Actor
    minutes: int


@dataclass(frozen=True)
class Assign:
    actor: Actor
    assignee: str


@dataclass(frozen=True)
class Note:
    actor: Actor
    note: str


@dataclass(frozen=True)
class Snooze:
    actor: Actor
    until: date
    note: str | None = None


@dataclass(frozen=True)
class Resolve:
    actor: Actor
    outcome: ResolutionOutcome
    note: str | None = None


class ItemHeld(DomainError):
    """Someone else holds the item (a claim that has not expired, or an assignment)."""

    def __init__(self, holder: str, why: str) -> None:
        super().__init__("held", f"the item is {why} {holder}; nothing was recorded")
        self.holder = holder


class UnknownItem(DomainError):
    def __init__(self, item_id: str) -> None:
        super().__init__("unknown", f"no work item {item_id}")


def priority_of(amount: Decimal, risk: Decimal) -> Decimal:
    """Priority = dollars at stake x risk of loss, to the cent (rounded half up: a ranking)."""
    return (amount * risk).quantize(Decimal("0.01"))


def apply(state: WorkItemState, event: Event) -> WorkItemState:
    match event:
        case WorkItemOpened():
            return replace(state, status=OPEN, queue=event.queue, claim_id=event.claim_id)
        case WorkItemClaimed():
            return replace(state, claimed_by=event.by, claim_expires_at=event.expires_at)
        case WorkItemAssigned():
            return replace(state, assignee=event.assignee, claimed_by=None, claim_expires_at=None)
        case WorkItemSnoozed():
            return replace(state, snoozed_until=event.until)
        case WorkItemResolved():
            return replace(state, status=RESOLVED, claimed_by=None, claim_expires_at=None)
        case WorkItemClosed():
            return replace(state, status=CLOSED, claimed_by=None, claim_expires_at=None)
    return state


def _check_may_work(state: WorkItemState, actor: Actor, now: datetime, command: str) -> None:
    if state.status == NEW:
        raise UnknownItem(state.item_id)
    if state.status != OPEN:
        raise IllegalTransition(state.status, command, subject="the work item")
    if actor.supervisor:
        return
    holder = state.holder(now)
    if holder is not None and holder != actor.subject:
        raise ItemHeld(holder, "claimed by")
    if holder is None and state.assignee is not None and state.assignee != actor.subject:
        raise ItemHeld(state.assignee, "assigned to")


def decide(state: WorkItemState, command: Any, now: datetime) -> list[Event]:
    item, claim_id = state.item_id, state.claim_id
    match command:
        case Open():
            if state.status != NEW:
                return []  # opened once; a redelivered opening adds nothing
            return [
                WorkItemOpened(
                    item_id=item,
                    claim_id=command.claim_id,
                    queue=command.queue,
                    account_id=command.account_id,
                    payer_id=command.payer_id,
                    reference=command.reference,
                    amount_at_stake=command.amount_at_stake,
                    risk_of_loss=command.risk_of_loss,
                    priority=priority_of(command.amount_at_stake, command.risk_of_loss),
                    age_from=command.age_from,
                    deadline=command.deadline,
                    reason=command.reason[:500],
                    opened_by_event=command.opened_by_event,
                )
            ]
        case Close():
            if state.status != OPEN:
                return []  # already resolved by a person, or closed
            return [
                WorkItemClosed(
                    item_id=item,
                    claim_id=claim_id,
                    closed_by_event=command.closed_by_event,
                    reason=command.reason[:500],
                )
            ]
        case Claim():
            _check_may_work(state, command.actor, now, "claim")
            return [
                WorkItemClaimed(
                    item_id=item,
                    claim_id=claim_id,
                    by=command.actor.subject,
                    expires_at=now + timedelta(minutes=command.minutes),
                )
            ]
        case Assign():
            if not command.actor.supervisor:
                raise DomainError("role", "only a supervisor assigns work items")
            _check_may_work(state, command.actor, now, "assign")
            return [
                WorkItemAssigned(
                    item_id=item,
                    claim_id=claim_id,
                    assignee=command.assignee,
                    by=command.actor.subject,
                )
            ]
        case Note():
            _check_may_work(state, command.actor, now, "note")
            return [
                WorkItemNoted(
                    item_id=item, claim_id=claim_id, by=command.actor.subject, note=command.note
                )
            ]
        case Snooze():
            _check_may_work(state, command.actor, now, "snooze")
            if command.until <= now.date():
                raise DomainError("snooze", f"snooze until a day after today ({now.date()})")
            return [
                WorkItemSnoozed(
                    item_id=item,
                    claim_id=claim_id,
                    by=command.actor.subject,
                    until=command.until,
                    note=command.note,
                )
            ]
        case Resolve():
            _check_may_work(state, command.actor, now, "resolve")
            return [
                WorkItemResolved(
                    item_id=item,
                    claim_id=claim_id,
                    by=command.actor.subject,
                    outcome=command.outcome,
                    note=command.note,
                )
            ]
    raise TypeError(f"not a work item command: {type(command).__name__}")


WORK_ITEM: Aggregate[WorkItemState, Any] = Aggregate(
    name="work_item",
    initial=lambda item_id: WorkItemState(item_id=item_id),
    apply=apply,
    decide=decide,
)
