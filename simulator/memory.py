"""What the payers remember between files: members' plan-year totals and the claims they saw.

A real payer keeps a member's deductible and out-of-pocket totals for the plan year, knows
every claim it adjudicated (to reverse it when a replacement or void arrives, to deny an
exact duplicate, to answer a 276) and which claims its front end returned (a corrected
resubmission of those is taken). The simulator keeps the same, in memory while it runs,
and rebuilds it from its own `truth.jsonl` when it starts again: the truth it wrote is its
memory, so the same inputs and the same earlier truth give the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from shared.money import ZERO
from simulator.adjudication import Accumulator, ClaimAdjudication

__all__ = ["KnownClaim", "Memory", "MemberKey"]

MemberKey = tuple[str, str, int]  # payer id, member id, plan year


@dataclass(slots=True)
class KnownClaim:
    """A claim a payer adjudicated, with its standing payment (None once reversed away)."""

    payer_id: str
    patient_control_number: str
    payer_claim_number: str
    member_id: str
    plan_year: int
    charge: Decimal
    service_from: date | None
    service_to: date | None
    outcome: str
    payment: ClaimAdjudication | None
    deductible: Decimal = ZERO  # what it added to the member's totals (given back on reversal)
    out_of_pocket: Decimal = ZERO
    acknowledged_on: date | None = None
    paid_on: date | None = None
    trace_number: str | None = None
    payment_method: str | None = None


@dataclass(slots=True)
class Memory:
    """The payers' memory: plan-year totals, claims by payer claim number and by CLM01."""

    accumulators: dict[MemberKey, Accumulator] = field(default_factory=dict)
    by_payer_claim_number: dict[str, KnownClaim] = field(default_factory=dict)
    by_patient_control_number: dict[tuple[str, str], list[KnownClaim]] = field(default_factory=dict)
    # (payer id, CLM01) -> (stage, category, status, entity) of the last front-end rejection
    rejected: dict[tuple[str, str], tuple[str, str, str, str | None]] = field(default_factory=dict)
    used_numbers: set[str] = field(default_factory=set)  # payer claim numbers, traces
    files_seen: int = 0  # inbound files answered so far (part of each batch's identity)

    def accumulator(self, key: MemberKey) -> Accumulator:
        return self.accumulators.get(key, Accumulator())

    def add_to_member(self, key: MemberKey, deductible: Decimal, out_of_pocket: Decimal) -> None:
        self.accumulators[key] = self.accumulator(key).plus(deductible, out_of_pocket)

    def remember(self, claim: KnownClaim) -> None:
        self.by_payer_claim_number[claim.payer_claim_number] = claim
        self.by_patient_control_number.setdefault(
            (claim.payer_id, claim.patient_control_number), []
        ).append(claim)
        self.used_numbers.add(claim.payer_claim_number)
        self.rejected.pop((claim.payer_id, claim.patient_control_number), None)

    def reject(
        self, payer_id: str, patient_control_number: str, stage: str, category: str,
        status: str, entity: str | None,
    ) -> None:  # fmt: skip
        self.rejected[(payer_id, patient_control_number)] = (stage, category, status, entity)

    def was_rejected(self, payer_id: str, patient_control_number: str) -> bool:
        return (payer_id, patient_control_number) in self.rejected

    def latest(self, payer_id: str, patient_control_number: str) -> KnownClaim | None:
        claims = self.by_patient_control_number.get((payer_id, patient_control_number))
        return claims[-1] if claims else None

    def duplicate_of(
        self,
        payer_id: str,
        patient_control_number: str,
        charge: Decimal,
        service_from: date | None,
        service_to: date | None,
    ) -> KnownClaim | None:
        """An adjudicated, standing claim that an original (frequency 1) claim repeats."""
        for known in self.by_patient_control_number.get((payer_id, patient_control_number), ()):
            if (
                known.payment is not None
                and known.charge == charge
                and known.service_from == service_from
                and known.service_to == service_to
                and known.outcome != "denied_duplicate"
            ):
                return known
        return None
