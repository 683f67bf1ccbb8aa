"""Write 270 (005010X279A1) eligibility inquiries: is this member covered for this service?

One 270 per payer: information source (2000A, the payer), information receiver (2000B, the
provider asking), subscriber (2000C) and, when the patient is a dependent, 2000D. The
inquiry (DTP*291, EQ) sits at the patient's level. pyx12 has no X279A1 map, so the writer
checks its own hierarchy (`hierarchy_problems`) and the tests read the file back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from shared.claim_model import Claim, Relationship
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
    person_name,
    reference_or_timestamp,
)

__all__ = [
    "IMPLEMENTATION",
    "EligibilityWriteError",
    "EligibilityInquiry",
    "inquiry_for_claim",
    "build_270_body",
    "write_270",
    "source_and_receiver",
]

IMPLEMENTATION = "005010X279A1"


def inquiry_for_claim(claim: Claim, trace_number: str) -> EligibilityInquiry:
    """The 270 question intake asks before billing `claim`."""
    provider = claim.billing_provider
    if provider is None or not provider.npi:
        raise EligibilityWriteError("the claim's billing provider NPI is needed for a 270")
    service_date = claim.first_service_date
    if service_date is None:
        raise EligibilityWriteError("the claim has no service date to ask about")
    return EligibilityInquiry(
        trace_number=trace_number,
        payer=claim.payer,
        provider=provider,
        subscriber=claim.subscriber,
        service_date=service_date,
        patient=claim.patient if claim.relationship is not Relationship.SELF else None,
        relationship=claim.relationship,
        originator_id="1" + provider.tax_id if provider.tax_id else "9000000000",
    )


def _inquiry_segments(inquiry: EligibilityInquiry) -> list[Segment]:
    return [
        segment("DTP", "291", "D8", d8(inquiry.service_date)),
        *[segment("EQ", code) for code in inquiry.service_types],
    ]


def build_270_body(
    inquiries: Sequence[EligibilityInquiry], *, reference: str, created_at: datetime
) -> list[Segment]:
    """The segments of one 270 transaction set (one payer, one provider) between ST and SE."""
    if not inquiries:
        raise EligibilityWriteError("a 270 needs at least one inquiry")
    first = inquiries[0]
    for inquiry in inquiries:
        if inquiry.payer.payer_id != first.payer.payer_id:
            raise EligibilityWriteError("one 270 asks one payer")
        if inquiry.provider.npi != first.provider.npi:
            raise EligibilityWriteError("one 270 asks for one provider (2000B)")
        if not inquiry.trace_number or len(inquiry.trace_number) > 50:
            raise EligibilityWriteError("TRN02 trace number must be 1..50 characters")
    out = [
        bht_segment("0022", "13", reference, created_at),
        *source_and_receiver(first.payer, first.provider),
    ]
    counter = 2
    for inquiry in inquiries:
        counter += 1
        subscriber_hl = counter
        dependent = inquiry.patient is not None and inquiry.relationship is not Relationship.SELF
        trn = segment("TRN", "1", inquiry.trace_number, inquiry.originator_id)
        subscriber = inquiry.subscriber
        out.append(segment("HL", str(subscriber_hl), "2", "22", "1" if dependent else "0"))
        if not dependent:
            out.append(trn)
        out.append(person_name("IL", subscriber, "MI", subscriber.member_id))
        if not dependent:
            out += address_segments(subscriber.address)
            out += demographics(subscriber, unknown_sex=None)
            out += _inquiry_segments(inquiry)
            continue
        patient = inquiry.patient
        assert patient is not None
        counter += 1
        out += [
            segment("HL", str(counter), str(subscriber_hl), "23", "0"),
            trn,
            person_name("03", patient, "", None),
            *demographics(patient, unknown_sex=None),
            segment("INS", "N", inquiry.relationship.value),
            *_inquiry_segments(inquiry),
        ]
    return checked_hierarchy(out, EligibilityWriteError)


def write_270(
    inquiries: Sequence[EligibilityInquiry],
    *,
    sender: Party,
    receiver: Party,
    created_at: datetime,
    numbers: ControlNumberSource,
    reference: str | None = None,
    usage: str = "P",
    delimiters: Delimiters = DEFAULT_DELIMITERS,
) -> str:
    """One 270 file for `inquiries` (one payer, one provider)."""
    body = build_270_body(
        inquiries, reference=reference_or_timestamp(reference, created_at), created_at=created_at
    )
    return write_interchange(
        [TransactionSet("270", IMPLEMENTATION, body)],
        functional_id="HS",
        sender=sender,
        receiver=receiver,
        created_at=created_at,
        numbers=numbers,
        usage=usage,
        delimiters=delimiters,
    )
