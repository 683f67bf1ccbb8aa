"""Deposit events: money that reached the bank (EFT or check) and the 835s it pays for.

A deposit has its own stream (the deposit id), written by the remit service: received from
the API or a bank file, then matched to the remittances (835s) whose trace number (TRN02)
it carries and whose payments (BPR02, all parts of a split check) add up to its amount.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared.events.base import Event, Money
from shared.events.ownership import Service


class DepositSource(StrEnum):
    API = "api"
    BANK_FILE = "bank_file"


class DepositReceived(Event):
    """Money arrived at the bank: its date, amount and the trace number the payer gave it."""

    event_type: ClassVar[str] = "deposit.received"
    event_version: ClassVar[int] = 1
    stream_field: ClassVar[str] = "deposit_id"
    owner: ClassVar[Service] = Service.REMIT

    deposit_id: str
    organization_id: str
    deposit_date: date
    amount: Money = Field(gt=0)
    trace_number: str = Field(description="The payer's reassociation trace (the 835's TRN02)")
    payer_id: str | None = None
    payer_name: str | None = None
    source: DepositSource = DepositSource.API
    reference: str | None = Field(default=None, description="The bank's own reference")
    file_name: str | None = Field(default=None, description="The bank file it came from")
    line_number: int | None = Field(default=None, description="Its line in that file")


class DepositMatched(Event):
    """The deposit was reassociated with the remittances (835s) it pays."""

    event_type: ClassVar[str] = "deposit.matched"
    event_version: ClassVar[int] = 1
    stream_field: ClassVar[str] = "deposit_id"
    owner: ClassVar[Service] = Service.REMIT

    deposit_id: str
    trace_number: str
    amount: Money
    remittance_ids: tuple[str, ...] = Field(min_length=1)
