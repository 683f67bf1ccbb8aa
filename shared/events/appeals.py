"""Appeal events: one appeal's own record (`appeal.*`), beside claim.appealed on the claim.

Filing an appeal appends `appeal.filed` here (the deadline the payer's rules gave, the
denial codes it answers, the office's justification, the letter's template) and
`claim.appealed` on the claim, in one transaction; a decision appends `appeal.decided` and
`claim.appeal_decided` the same way.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import Field

from shared.events.base import Event, Money, Part
from shared.events.claims import AppealOutcome
from shared.events.ownership import Service


class DeniedCode(Part):
    """A CARC (with its group) or RARC the appeal answers, and what it means."""

    kind: str = Field(description="'CARC' or 'RARC'")
    group: str | None = Field(default=None, description="CAS group for a CARC: CO, PR, OA, PI")
    code: str
    meaning: str


class AppealFiled(Event):
    """An appeal was filed: level, deadline, what it disputes and why."""

    event_type: ClassVar[str] = "appeal.filed"
    event_version: ClassVar[int] = 1
    stream_field: ClassVar[str] = "appeal_id"
    owner: ClassVar[Service] = Service.FOLLOWUP

    appeal_id: str
    claim_id: str
    level: int = Field(ge=1, le=5)
    reason: str = Field(min_length=1, max_length=500)
    justification: str | None = Field(default=None, max_length=8000)
    amount_disputed: Money
    filed_on: date
    remittance_date: date = Field(description="Date of the remittance that denied or underpaid")
    deadline: date = Field(description="Last day to file, from the payer's appeal rules")
    rule: str = Field(description="The payer rule that set the deadline, e.g. 'medicare L1'")
    denied_codes: tuple[DeniedCode, ...] = ()
    filed_by: str
    template: str = Field(description="Name of the letter template the letter was made from")


class AppealDecided(Event):
    """The payer decided the appeal; an overturn expects a new payment."""

    event_type: ClassVar[str] = "appeal.decided"
    event_version: ClassVar[int] = 1
    stream_field: ClassVar[str] = "appeal_id"
    owner: ClassVar[Service] = Service.FOLLOWUP

    appeal_id: str
    claim_id: str
    outcome: AppealOutcome
    amount_awarded: Money
    decided_on: date
    recorded_by: str
