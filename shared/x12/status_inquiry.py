"""The claim asked about in a 276 and answered in a 277 (005010X212).

Shared by the 276 writer (our inquiry) and the 277 writer (a payer's answer, written by the
simulator), so neither transaction package imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.claim_model import Payer, Person, Provider, Relationship, Subscriber

__all__ = ["ClaimStatusInquiry"]


@dataclass(frozen=True, slots=True)
class ClaimStatusInquiry:
    """One claim asked about."""

    trace_number: str  # 2200D TRN02, echoed in the 277
    payer: Payer
    provider: Provider
    subscriber: Subscriber
    patient_control_number: str  # REF*EJ = the 837's CLM01
    charge: Decimal
    service_from: date
    service_to: date | None = None
    payer_claim_number: str | None = None  # REF*1K when the payer already assigned one
    bill_type: str | None = None  # REF*BLT for institutional claims
    patient: Person | None = None  # a dependent; None when the subscriber is the patient
    relationship: Relationship = Relationship.SELF
