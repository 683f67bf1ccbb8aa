"""Remit commands: what can be asked of a claim, a remittance and a deposit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from services.remit.denials import DenialTable
from services.remit.fee_schedules import FeeSchedule
from shared.events.deposit import DepositReceived
from shared.events.remittance import (
    ClaimPaymentRecord,
    RemittanceClaimMatched,
    RemittanceClaimUnmatched,
    RemittancePosted,
    RemittanceReceived,
)


@dataclass(frozen=True)
class RemittanceRef:
    """The 835 a claim payment comes from."""

    remittance_id: str
    trace_number: str
    payer_id: str
    payer_name: str | None
    payment_date: date
    payment_method: str | None


@dataclass(frozen=True)
class Contract:
    """The claim's payer's fee schedule and the tolerance for underpayments."""

    schedule: FeeSchedule
    tolerance: Decimal


@dataclass(frozen=True)
class PostClaimPayment:
    """Post one 835 claim payment (CLP) to the claim it was matched to."""

    name: ClassVar[str] = "post_claim_payment"

    remittance: RemittanceRef
    claim_index: int | None
    payment: ClaimPaymentRecord
    matched_by: str
    denials: DenialTable
    contract: Contract | None = None


ClaimCommand = PostClaimPayment


@dataclass(frozen=True)
class ReceiveRemittance:
    name: ClassVar[str] = "receive_remittance"
    event: RemittanceReceived


@dataclass(frozen=True)
class HoldUnmatched:
    name: ClassVar[str] = "hold_unmatched"
    event: RemittanceClaimUnmatched


@dataclass(frozen=True)
class RecordManualMatch:
    name: ClassVar[str] = "record_manual_match"
    event: RemittanceClaimMatched


@dataclass(frozen=True)
class CompleteRemittance:
    name: ClassVar[str] = "complete_remittance"
    event: RemittancePosted


RemittanceCommand = ReceiveRemittance | HoldUnmatched | RecordManualMatch | CompleteRemittance


@dataclass(frozen=True)
class ReceiveDeposit:
    name: ClassVar[str] = "receive_deposit"
    event: DepositReceived


@dataclass(frozen=True)
class MatchDeposit:
    name: ClassVar[str] = "match_deposit"
    remittance_ids: tuple[str, ...]


DepositCommand = ReceiveDeposit | MatchDeposit

__all__ = [
    "ClaimCommand",
    "CompleteRemittance",
    "Contract",
    "DepositCommand",
    "HoldUnmatched",
    "MatchDeposit",
    "PostClaimPayment",
    "ReceiveDeposit",
    "ReceiveRemittance",
    "RecordManualMatch",
    "RemittanceCommand",
    "RemittanceRef",
]
