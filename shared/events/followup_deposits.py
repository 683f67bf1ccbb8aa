"""Follow-up's event about money no 835 explains: `deposit_follow_up.due`.

Remit writes the deposit's own stream (`deposit.received`, `deposit.matched`) and has no event
for a deposit that no 835 matched (the ERA may simply come later). The follow-up sweep
appends `deposit_follow_up.due` when a deposit is still unmatched N days after its date
(FOLLOWUP_DEPOSIT_MATCH_DAYS), once per deposit, on follow-up's own stream for that deposit
(`dfu_<deposit id>`); the `unmatched-deposits` queue opens on it and closes on remit's
`deposit.matched`.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import Field

from shared.events.base import Event, Money
from shared.events.ownership import Service

STREAM_PREFIX = "dfu_"


def follow_up_stream(deposit_id: str) -> str:
    """Follow-up's stream about a deposit (not the deposit's own, which only remit writes)."""
    return f"{STREAM_PREFIX}{deposit_id}"


class DepositFollowUpDue(Event):
    """The deposit stayed unmatched: no 835 with its trace number and amount N days after."""

    event_type: ClassVar[str] = "deposit_follow_up.due"
    event_version: ClassVar[int] = 1
    stream_field: ClassVar[str] = "follow_up_id"
    owner: ClassVar[Service] = Service.FOLLOWUP

    follow_up_id: str = Field(description="dfu_ + the deposit id")
    deposit_id: str
    trace_number: str
    amount: Money
    deposit_date: date
    payer_id: str | None = None
    as_of: date
    detail: str = Field(max_length=500)
