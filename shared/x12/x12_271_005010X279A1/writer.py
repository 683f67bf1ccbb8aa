"""Write 271 (005010X279A1) eligibility responses for the payer simulator.

Mirrors the 270: payer (2000A), provider (2000B), subscriber (2000C), dependent (2000D);
the answer (AAA rejection, or DTP*346 and EB benefit lines) sits at the patient's level and
the 270's TRN comes back as TRN*2. pyx12 has no X279A1 map: the writer checks its own
hierarchy and the tests read the file back with the 271 reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from shared.x12.control_numbers import ControlNumberSource
from shared.x12.eligibility_writing import (
    EligibilityInquiry,
    EligibilityWriteError,
    source_and_receiver,
)
from shared.x12.envelope_writer import (
    DEFAULT_DELIMITERS,
    Party,
    TransactionSet,
    write_interchange,
)
from shared.x12.segments import Delimiters, Segment, segment
from shared.x12.writing import (
    address_segments,
    bht_segment,
    checked_hierarchy,
    d8,
    demographics,
    money,
    person_name,
    reference_or_timestamp,
)

__all__ = [
    "IMPLEMENTATION",
    "Benefit",
    "EligibilityResponse",
    "build_271_body",
    "write_271",
    "REJECT_REASONS",
]

IMPLEMENTATION = "005010X279A1"
# AAA03 codes the simulator uses (subscriber/dependent level).
REJECT_REASONS = {
    "72": "Invalid/missing subscriber/insured ID",
    "73": "Invalid/missing subscriber/insured name",
    "75": "Subscriber/insured not found",
    "58": "Invalid/missing date of birth",
    "67": "Patient not found",
}


@dataclass(frozen=True, slots=True)
class Benefit:
    """EB: one line of benefit information."""

    information: str  # EB01: 1 active, 6 inactive, C deductible, B co-payment, A co-insurance
    service_type: str = "30"  # EB03
    coverage_level: str | None = "IND"  # EB02: IND individual, FAM family
    insurance_type: str | None = None  # EB04: e.g. HM, PR, C1
    plan_description: str | None = None  # EB05
    time_period: str | None = None  # EB06: 23 calendar year, 29 remaining, 27 visit
    amount: Decimal | None = None  # EB07
    percent: Decimal | None = None  # EB08, a fraction: 0.2 is 20%
    in_network: bool | None = None  # EB12

    def segment(self) -> Segment:
        network = None if self.in_network is None else ("Y" if self.in_network else "N")
        return segment(
            "EB", self.information, self.coverage_level, self.service_type,
            self.insurance_type, self.plan_description, self.time_period,
            money(self.amount) if self.amount is not None else None,
            format(self.percent.normalize(), "f") if self.percent is not None else None,
            None, None, None, network,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class EligibilityResponse:
    """The payer's answer to one inquiry: benefits, or a rejection reason (AAA03)."""

    inquiry: EligibilityInquiry
    benefits: tuple[Benefit, ...] = ()
    plan_begin: date | None = None  # DTP*346
    rejection_reason: str | None = None  # AAA03 when the member cannot be answered

    def __post_init__(self) -> None:
        if self.rejection_reason is None and not self.benefits:
            raise EligibilityWriteError("a 271 answer needs benefits (EB) or a rejection (AAA)")
        if self.rejection_reason is not None and self.rejection_reason not in REJECT_REASONS:
            raise EligibilityWriteError(f"AAA03 {self.rejection_reason!r} is not supported")


def _answer(response: EligibilityResponse) -> list[Segment]:
    if response.rejection_reason is not None:
        # AAA01 N: not valid request; AAA04 C: please correct and resubmit.
        return [segment("AAA", "N", None, response.rejection_reason, "C")]
    out: list[Segment] = []
    if response.plan_begin is not None:
        out.append(segment("DTP", "346", "D8", d8(response.plan_begin)))
    out += [benefit.segment() for benefit in response.benefits]
    return out


def build_271_body(
    responses: Sequence[EligibilityResponse], *, reference: str, created_at: datetime
) -> list[Segment]:
    """The segments of one 271 transaction set between ST and SE."""
    if not responses:
        raise EligibilityWriteError("a 271 needs at least one response")
    first = responses[0].inquiry
    out = [
        bht_segment("0022", "11", reference, created_at),
        *source_and_receiver(first.payer, first.provider),
    ]
    counter = 2
    for response in responses:
        inquiry = response.inquiry
        if (
            inquiry.payer.payer_id != first.payer.payer_id
            or inquiry.provider.npi != first.provider.npi
        ):
            raise EligibilityWriteError("one 271 answers one payer's inquiries for one provider")
        counter += 1
        subscriber_hl = counter
        dependent = inquiry.patient is not None
        subscriber = inquiry.subscriber
        trn = segment("TRN", "2", inquiry.trace_number, inquiry.originator_id)
        out.append(segment("HL", str(subscriber_hl), "2", "22", "1" if dependent else "0"))
        if not dependent:
            out.append(trn)
        out.append(person_name("IL", subscriber, "MI", subscriber.member_id))
        if not dependent:
            if response.rejection_reason is not None:
                out += _answer(response)
                continue
            out += address_segments(subscriber.address)
            out += demographics(subscriber, unknown_sex=None)
            out += _answer(response)
            continue
        patient = inquiry.patient
        assert patient is not None
        counter += 1
        out += [
            segment("HL", str(counter), str(subscriber_hl), "23", "0"),
            trn,
            person_name("03", patient, "", None),
        ]
        if response.rejection_reason is not None:
            out += _answer(response)
            continue
        out += demographics(patient, unknown_sex=None)
        out.append(segment("INS", "N", inquiry.relationship.value))
        out += _answer(response)
    return checked_hierarchy(out, EligibilityWriteError)


def write_271(
    responses: Sequence[EligibilityResponse],
    *,
    sender: Party,
    receiver: Party,
    created_at: datetime,
    numbers: ControlNumberSource,
    reference: str | None = None,
    usage: str = "P",
    delimiters: Delimiters = DEFAULT_DELIMITERS,
) -> str:
    """One 271 file answering `responses` (one payer, one provider)."""
    body = build_271_body(
        responses, reference=reference_or_timestamp(reference, created_at), created_at=created_at
    )
    return write_interchange(
        [TransactionSet("271", IMPLEMENTATION, body)],
        functional_id="HB",
        sender=sender,
        receiver=receiver,
        created_at=created_at,
        numbers=numbers,
        usage=usage,
        delimiters=delimiters,
    )
