"""Work item events: one follow-up queue item's life, on its own stream (`work_item.*`).

A queue rule (services/followup/queue_rules.py) opens an item when an event puts money at
risk and closes it when a later event settles it; people and programs work it in between
(claim, assign, note, snooze, resolve). Every event carries the item's claim (or the
remittance, deposit or account it is about), so a claim's history shows its follow-up
work. These events are also what outside follow-up vendors consume: they are published on
`revcycle.work-queue.v1`, keyed by the item id.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, Field

from shared.events.base import Event, Money
from shared.events.ownership import Service

QUEUE_NAME_PATTERN = r"^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)?$"
"""Queue names: `rejections`, `denials.medical-necessity`... (stable, integrations use them)."""


class _WorkItemEvent(Event):
    stream_field: ClassVar[str] = "item_id"
    owner: ClassVar[Service] = Service.FOLLOWUP

    item_id: str = Field(max_length=64)
    claim_id: str | None = Field(default=None, description="The claim the item is about, if any")


class WorkItemOpened(_WorkItemEvent):
    """A queue rule found money at risk: an item joins queue `queue`."""

    event_type: ClassVar[str] = "work_item.opened"
    event_version: ClassVar[int] = 1

    queue: str = Field(max_length=80, pattern=QUEUE_NAME_PATTERN)
    account_id: str | None = None
    payer_id: str | None = None
    reference: str | None = Field(
        default=None, description="What the item is about when not a claim: remittance, deposit"
    )
    amount_at_stake: Money
    risk_of_loss: Decimal = Field(ge=0, le=1, description="The queue's documented risk, 0 to 1")
    priority: Money = Field(description="amount_at_stake x risk_of_loss, to the cent (docs/queues)")
    age_from: date = Field(description="Day the item's age counts from (date of service, bill...)")
    deadline: date | None = Field(default=None, description="Last day to act before money is lost")
    reason: str = Field(max_length=500, description="Why it was opened: codes and their meaning")
    opened_by_event: str = Field(description="Type of the event that opened it")


class WorkItemClaimed(_WorkItemEvent):
    """A specialist took the item: nobody else works it until `expires_at`."""

    event_type: ClassVar[str] = "work_item.claimed"
    event_version: ClassVar[int] = 1

    by: str
    expires_at: AwareDatetime


class WorkItemAssigned(_WorkItemEvent):
    """A supervisor gave the item to a specialist (any claim by someone else ends)."""

    event_type: ClassVar[str] = "work_item.assigned"
    event_version: ClassVar[int] = 1

    assignee: str
    by: str


class WorkItemNoted(_WorkItemEvent):
    """Someone added a note (a call with the payer, what was found)."""

    event_type: ClassVar[str] = "work_item.noted"
    event_version: ClassVar[int] = 1

    by: str
    note: str = Field(min_length=1, max_length=4000)


class WorkItemSnoozed(_WorkItemEvent):
    """The item is set aside until a date (it leaves the working list until then)."""

    event_type: ClassVar[str] = "work_item.snoozed"
    event_version: ClassVar[int] = 1

    by: str
    until: date
    note: str | None = Field(default=None, max_length=4000)


class ResolutionOutcome(StrEnum):
    """What the specialist did about the item."""

    CORRECTED = "corrected"
    RESUBMITTED = "resubmitted"
    APPEALED = "appealed"
    PAID = "paid"
    WRITTEN_OFF = "written_off"
    REFUNDED = "refunded"
    POSTED = "posted"
    NO_ACTION = "no_action"


class WorkItemResolved(_WorkItemEvent):
    """A person (or a vendor's program) resolved the item with an outcome."""

    event_type: ClassVar[str] = "work_item.resolved"
    event_version: ClassVar[int] = 1

    by: str
    outcome: ResolutionOutcome
    note: str | None = Field(default=None, max_length=4000)


class WorkItemClosed(_WorkItemEvent):
    """A later event settled what the item was about (the claim was paid, corrected...)."""

    event_type: ClassVar[str] = "work_item.closed"
    event_version: ClassVar[int] = 1

    closed_by_event: str = Field(description="Type of the event that settled it")
    reason: str = Field(max_length=500)


def describe_expiry(expires_at: datetime) -> str:
    return expires_at.isoformat(timespec="minutes")
