"""Patient account events: the guarantor's side of the balance (statements, patient payments)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared.events.base import Event, Money
from shared.events.ownership import Service


def patient_account_id(organization_id: str, patient_control_number: str) -> str:
    """The patient account's id: the patient control number (CLM01), scoped by organization.

    Two hospitals may both use account number 1001, so the organization is part of the id.
    """
    if not organization_id or not patient_control_number:
        raise ValueError(
            "a patient account id needs an organization id and a patient control number"
        )
    return f"{organization_id}:{patient_control_number}"


class PaymentMethod(StrEnum):
    CASH = "cash"
    CHECK = "check"
    CARD = "card"
    ACH = "ach"
    OTHER = "other"


class StatementIssued(Event):
    """A patient statement was issued for the account's patient-responsibility balance."""

    event_type: ClassVar[str] = "patient_account.statement_issued"
    event_version: ClassVar[int] = 1
    stream_field: ClassVar[str] = "account_id"
    owner: ClassVar[Service] = Service.FOLLOWUP

    account_id: str
    statement_id: str
    statement_date: date
    due_date: date
    balance_due: Money
    claim_ids: tuple[str, ...] = Field(default=(), description="Claims whose balances it lists")


class PaymentReceived(Event):
    """The patient (guarantor) paid toward the account, optionally against one claim."""

    event_type: ClassVar[str] = "patient_account.payment_received"
    event_version: ClassVar[int] = 1
    stream_field: ClassVar[str] = "account_id"
    owner: ClassVar[Service] = Service.FOLLOWUP

    account_id: str
    payment_id: str
    amount: Money = Field(gt=0)
    method: PaymentMethod
    received_on: date
    claim_id: str | None = Field(default=None, description="The claim it pays, when specified")
    reference: str | None = Field(default=None, description="Check number or card authorisation")
