"""Patient account events: the guarantor's side of the balance (statements, patient payments)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field

from shared.events.base import Event, Money, Part
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


# Superseded by v2 (lines, cycle and dunning): kept readable by its upcaster. Its docstring is
# its published description and stays as published.
class StatementIssuedV1(Event):
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


class StatementLine(Part):
    """One claim on a statement: what was billed, what insurance did, what the patient owes."""

    claim_id: str
    service_date: date | None
    description: str
    charges: Money
    insurance_paid: Money
    adjustments: Money
    patient_paid: Money
    patient_due: Money


class StatementIssued(Event):
    """A patient statement was issued: its lines, the amount due, the dunning message."""

    event_type: ClassVar[str] = "patient_account.statement_issued"
    event_version: ClassVar[int] = 2
    stream_field: ClassVar[str] = "account_id"
    owner: ClassVar[Service] = Service.FOLLOWUP

    account_id: str
    statement_id: str
    statement_date: date
    due_date: date
    balance_due: Money
    claim_ids: tuple[str, ...] = Field(default=(), description="Claims whose balances it lists")
    lines: tuple[StatementLine, ...] = ()
    cycle: int = Field(ge=0, description="Billing cycle the account belongs to")
    oldest_balance_days: int = Field(ge=0, description="Age of the oldest patient balance")
    dunning_level: int = Field(ge=0, description="0 first statement; higher as balances age")
    dunning_message: str = ""
    statement_number: int = Field(ge=1, description="1 for the account's first statement")


def upcast_statement_issued_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2: v1 carried no lines or dunning; a v1 statement is cycle 0, level 0."""
    upgraded = dict(data)
    upgraded.setdefault("lines", [])
    upgraded.setdefault("cycle", 0)
    upgraded.setdefault("oldest_balance_days", 0)
    upgraded.setdefault("dunning_level", 0)
    upgraded.setdefault("dunning_message", "")
    upgraded.setdefault("statement_number", 1)
    return upgraded


class PaymentAllocation(Part):
    """The part of a payment applied to one claim's patient balance."""

    claim_id: str
    amount: Money = Field(gt=0)


# Superseded by v2: v1 did not say how the payment was applied to the claims. Follow-up could
# not keep each claim's patient balance from the account's stream alone; v2 carries the
# allocations (oldest first or to the named claim) and what was left unapplied (a credit). A
# v1 payment is upcast as applied whole to its `claim_id`, or left unapplied when it named
# none. Its docstring is its published description and stays as published.
class PaymentReceivedV1(Event):
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


class PaymentReceived(Event):
    """The patient (guarantor) paid toward the account: how it was applied, what is left."""

    event_type: ClassVar[str] = "patient_account.payment_received"
    event_version: ClassVar[int] = 2
    stream_field: ClassVar[str] = "account_id"
    owner: ClassVar[Service] = Service.FOLLOWUP

    account_id: str
    payment_id: str
    amount: Money = Field(gt=0)
    method: PaymentMethod
    received_on: date
    claim_id: str | None = Field(default=None, description="The claim it was sent for, if named")
    reference: str | None = Field(default=None, description="Check number or card authorisation")
    allocations: tuple[PaymentAllocation, ...] = Field(
        default=(), description="Applied to claims' patient balances, oldest service date first"
    )
    unapplied: Money = Field(description="Left over: a credit on the account, listed for refund")
    account_balance_after: Money = Field(
        description="Patient balance of the account after the payment (negative: a credit)"
    )


def upcast_payment_received_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2: applied whole to the named claim, else left unapplied; balance unknown (0)."""
    upgraded = dict(data)
    claim_id = data.get("claim_id")
    amount = str(data["amount"])
    upgraded["allocations"] = [{"claim_id": claim_id, "amount": amount}] if claim_id else []
    upgraded["unapplied"] = "0.00" if claim_id else amount
    upgraded["account_balance_after"] = "0.00"
    return upgraded
