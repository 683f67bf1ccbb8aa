"""Writing pieces shared by the 270 and 271 writers (one guide, 005010X279A1).

The inquiry the 271 answers, the error both raise, and the payer (2000A/2100A) and provider
(2000B/2100B) levels both open with. Re-exported by the 270 writer under the old names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.claim_model import Payer, Person, Provider, Relationship, Subscriber
from shared.x12.segments import Segment, segment
from shared.x12.writing import payer_name, provider_nm1

__all__ = ["EligibilityInquiry", "EligibilityWriteError", "source_and_receiver"]


class EligibilityWriteError(ValueError):
    """The inquiry (or response) cannot be written as a valid X279A1 transaction."""


@dataclass(frozen=True, slots=True)
class EligibilityInquiry:
    """One member (and possibly dependent) asked about, for one date of service."""

    trace_number: str  # TRN02: echoed back in the 271
    payer: Payer
    provider: Provider
    subscriber: Subscriber
    service_date: date
    patient: Person | None = None  # a dependent; None when the subscriber is the patient
    relationship: Relationship = Relationship.SELF
    service_types: tuple[str, ...] = ("30",)  # EQ01: 30 health benefit plan coverage
    originator_id: str = "9000000000"  # TRN03: '1' or '9' + 9-digit id of the asker


def source_and_receiver(payer: Payer, provider: Provider) -> list[Segment]:
    """Loops 2000A/2100A (payer) and 2000B/2100B (provider): HL 1 and HL 2."""
    return [
        segment("HL", "1", None, "20", "1"),
        payer_name(payer),
        segment("HL", "2", "1", "21", "1"),
        provider_nm1("1P", provider, "XX"),
    ]
