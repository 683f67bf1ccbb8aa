"""Remittance events: what payers' 835s did to each claim, and the remittance itself.

Claim outcomes (paid, partially_paid, denied, reversed, underpaid) share the claim's
stream; `remittance.received` has its own stream (the remittance id).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared.events.base import Event, Money, Part
from shared.events.ownership import Service


class AdjustmentGroup(StrEnum):
    """CAS01 claim adjustment group code."""

    CONTRACTUAL = "CO"
    PATIENT_RESPONSIBILITY = "PR"
    OTHER = "OA"
    PAYER_INITIATED = "PI"
    CORRECTION_REVERSAL = "CR"


class ClaimAdjustment(Part):
    """One CAS triple: group, CARC reason code, amount (negative amounts are allowed by X12)."""

    group: AdjustmentGroup
    reason_code: str = Field(description="CARC, e.g. '45'")
    amount: Money
    line_number: int | None = Field(default=None, description="Service line, None for claim level")


class ClaimAdjudicated(Event):
    """Common shape of an 835 claim payment (CLP + CAS + MOA/MIA remarks).

    charge_amount = paid_amount + sum(adjustments) when the payer balanced its 835;
    patient_responsibility is CLP05 (the PR adjustments' total).
    """

    stream_field: ClassVar[str] = "claim_id"
    owner: ClassVar[Service] = Service.REMIT

    claim_id: str
    remittance_id: str
    payer_id: str
    payer_claim_number: str = Field(description="CLP07")
    claim_status_code: str = Field(description="CLP02: 1 primary, 2 secondary, 4 denied...")
    charge_amount: Money
    paid_amount: Money
    patient_responsibility: Money = Decimal("0.00")
    adjustments: tuple[ClaimAdjustment, ...] = ()
    remark_codes: tuple[str, ...] = Field(default=(), description="RARCs")
    paid_on: date


class ClaimPaid(ClaimAdjudicated):
    """The payer paid the claim in full of what it allows (no further payer money expected)."""

    event_type: ClassVar[str] = "claim.paid"
    event_version: ClassVar[int] = 1


class ClaimPartiallyPaid(ClaimAdjudicated):
    """The payer paid part of the claim and denied or reduced some lines."""

    event_type: ClassVar[str] = "claim.partially_paid"
    event_version: ClassVar[int] = 1


class ClaimDenied(ClaimAdjudicated):
    """The payer paid nothing and gave reasons (CARC/RARC)."""

    event_type: ClassVar[str] = "claim.denied"
    event_version: ClassVar[int] = 1

    denial_category: str = Field(description="e.g. 'eligibility', 'authorization', 'coding'")


class ClaimReversed(Event):
    """The payer took back an earlier payment (CLP02 = 22); amounts are the ones reversed."""

    event_type: ClassVar[str] = "claim.reversed"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.REMIT

    claim_id: str
    remittance_id: str
    payer_claim_number: str
    reversed_paid_amount: Money
    reversed_patient_responsibility: Money = Decimal("0.00")
    reversed_adjustments: tuple[ClaimAdjustment, ...] = ()
    reversed_on: date


class ClaimUnderpaid(Event):
    """The payment is below the contracted fee schedule's expected amount."""

    event_type: ClassVar[str] = "claim.underpaid"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.REMIT

    claim_id: str
    remittance_id: str
    expected_amount: Money
    paid_amount: Money
    shortfall: Money = Field(gt=0)


class ProviderAdjustment(Part):
    """A PLB adjustment: not tied to one claim (interest, forward balance, recoupment)."""

    reason_code: str = Field(description="PLB03-1, e.g. 'WO', 'L6', 'FB'")
    reference: str | None = None
    amount: Money


class RemittanceReceived(Event):
    """An 835 arrived and was read: the payment (BPR/TRN) and how many claims it pays."""

    event_type: ClassVar[str] = "remittance.received"
    event_version: ClassVar[int] = 1
    stream_field: ClassVar[str] = "remittance_id"
    owner: ClassVar[Service] = Service.REMIT

    remittance_id: str
    organization_id: str
    payer_id: str
    payer_name: str
    payment_method: str = Field(description="BPR04: CHK, ACH, NON...")
    trace_number: str = Field(description="TRN02: check or EFT trace number")
    payment_amount: Money
    payment_date: date
    claim_count: int = Field(ge=0)
    provider_adjustments: tuple[ProviderAdjustment, ...] = ()
