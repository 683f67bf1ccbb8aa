"""Follow-up's own events on the claim stream, beside claim.appealed and claim.written_off.

- `claim.patient_payment_applied`: part of a patient payment (on the account's stream)
  applied to this claim, so the claim's own stream holds its whole balance.
- `claim.follow_up_due`: time passed with nothing from the payer (no response after the
  payer's N days) or an appeal deadline drew near; a queue rule opens an item on it.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared.events.base import Event, Money
from shared.events.ownership import Service


class ClaimPatientPaymentApplied(Event):
    """Part of a patient payment was applied to this claim's patient balance."""

    event_type: ClassVar[str] = "claim.patient_payment_applied"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.FOLLOWUP

    claim_id: str
    account_id: str
    payment_id: str
    amount: Money = Field(gt=0)
    received_on: date


class FollowUpReason(StrEnum):
    NO_RESPONSE = "no_response"
    APPEAL_DEADLINE = "appeal_deadline"
    TIMELY_FILING = "timely_filing"


class ClaimFollowUpDue(Event):
    """Time made the claim need a person: no answer from the payer, an appeal deadline near,
    or the payer's timely-filing limit near with no accepted claim on file."""

    event_type: ClassVar[str] = "claim.follow_up_due"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.FOLLOWUP

    claim_id: str
    reason: FollowUpReason
    as_of: date
    since: date = Field(description="Submission (no response) or remittance (appeal) date")
    deadline: date | None = None
    detail: str = Field(max_length=500)
