"""Write 276 (005010X212) claim status inquiries: where is this claim with the payer?

Hierarchy: payer (2000A), information receiver = us as submitter (2000B), billing provider
(2000C), subscriber (2000D) and, for a dependent patient, 2000E; the claim (2200D/2200E:
TRN, REF*1K payer claim number, REF*EJ patient account, AMT*T3, DTP*472) sits at the
patient's level. pyx12 has no X212 map: the writer checks its own hierarchy and the tests
read the file back with the 276 reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from shared.claim_model import Claim, ClaimKind, Relationship
from shared.x12.claim837_writing import Submitter
from shared.x12.control_numbers import ControlNumberSource
from shared.x12.envelope_writer import (
    DEFAULT_DELIMITERS,
    Party,
    TransactionSet,
    write_interchange,
)
from shared.x12.segments import Delimiters, Segment, segment
from shared.x12.status_inquiry import ClaimStatusInquiry
from shared.x12.writing import (
    bht_segment,
    checked_hierarchy,
    date_segment,
    demographics,
    money,
    payer_name,
    person_name,
    provider_nm1,
    reference_or_timestamp,
)

__all__ = [
    "IMPLEMENTATION",
    "StatusInquiryWriteError",
    "ClaimStatusInquiry",
    "status_inquiry_for_claim",
    "build_276_body",
    "write_276",
]

IMPLEMENTATION = "005010X212"


class StatusInquiryWriteError(ValueError):
    """The inquiry cannot be written as a valid 276."""


def status_inquiry_for_claim(
    claim: Claim, trace_number: str, payer_claim_number: str | None = None
) -> ClaimStatusInquiry:
    """The 276 question follow-up asks about a submitted `claim`."""
    if claim.billing_provider is None or not claim.billing_provider.npi:
        raise StatusInquiryWriteError("the claim's billing provider NPI is needed for a 276")
    service_from = claim.first_service_date
    if service_from is None:
        raise StatusInquiryWriteError("the claim has no service date to ask about")
    ends = [line.service_date_end or line.service_date for line in claim.lines]
    dated = [d for d in ends if d is not None]
    service_to = claim.statement_to or (max(dated) if dated else None)
    return ClaimStatusInquiry(
        trace_number=trace_number,
        payer=claim.payer,
        provider=claim.billing_provider,
        subscriber=claim.subscriber,
        patient_control_number=claim.patient_control_number,
        charge=claim.total_charge,
        service_from=service_from,
        service_to=service_to,
        payer_claim_number=payer_claim_number or claim.original_payer_claim_number,
        bill_type=("0" + claim.type_of_bill[-2:] + claim.frequency.value)[-3:]
        if claim.kind is ClaimKind.INSTITUTIONAL and claim.type_of_bill
        else None,
        patient=claim.patient if claim.relationship is not Relationship.SELF else None,
        relationship=claim.relationship,
    )


def _claim_segments(inquiry: ClaimStatusInquiry) -> list[Segment]:
    out = [segment("TRN", "1", inquiry.trace_number)]
    if inquiry.payer_claim_number:
        out.append(segment("REF", "1K", inquiry.payer_claim_number))
    if inquiry.bill_type:
        out.append(segment("REF", "BLT", inquiry.bill_type))
    out.append(segment("REF", "EJ", inquiry.patient_control_number))
    out.append(segment("AMT", "T3", money(inquiry.charge)))
    out.append(date_segment("472", inquiry.service_from, inquiry.service_to))
    return out


def build_276_body(
    inquiries: Sequence[ClaimStatusInquiry],
    *,
    submitter: Submitter,
    reference: str,
    created_at: datetime,
) -> list[Segment]:
    """The segments of one 276 transaction set (one payer) between ST and SE."""
    if not inquiries:
        raise StatusInquiryWriteError("a 276 needs at least one inquiry")
    payer = inquiries[0].payer
    if any(i.payer.payer_id != payer.payer_id for i in inquiries):
        raise StatusInquiryWriteError("one 276 asks one payer")
    out = [
        bht_segment("0010", "13", reference, created_at),
        segment("HL", "1", None, "20", "1"),
        payer_name(payer),
        segment("HL", "2", "1", "21", "1"),
        segment("NM1", "41", "2", submitter.name, None, None, None, None, "46", submitter.id),
    ]
    counter = 2
    by_provider: dict[str | None, list[ClaimStatusInquiry]] = {}
    for inquiry in inquiries:
        by_provider.setdefault(inquiry.provider.npi, []).append(inquiry)
    for provider_inquiries in by_provider.values():
        provider = provider_inquiries[0].provider
        counter += 1
        provider_hl = counter
        out += [
            segment("HL", str(provider_hl), "2", "19", "1"),
            provider_nm1("1P", provider, "XX"),
        ]
        for inquiry in provider_inquiries:
            counter += 1
            subscriber_hl = counter
            dependent = (
                inquiry.patient is not None and inquiry.relationship is not Relationship.SELF
            )
            subscriber = inquiry.subscriber
            out.append(
                segment("HL", str(subscriber_hl), str(provider_hl), "22", "1" if dependent else "0")
            )
            if not dependent:
                out += demographics(subscriber, unknown_sex=None)
            out.append(person_name("IL", subscriber, "MI", subscriber.member_id))
            if not dependent:
                out += _claim_segments(inquiry)
                continue
            patient = inquiry.patient
            assert patient is not None
            counter += 1
            out += [
                segment("HL", str(counter), str(subscriber_hl), "23"),
                *demographics(patient, unknown_sex=None),
                person_name("QC", patient, "", None),
                *_claim_segments(inquiry),
            ]
    return checked_hierarchy(out, StatusInquiryWriteError)


def write_276(
    inquiries: Sequence[ClaimStatusInquiry],
    *,
    submitter: Submitter,
    sender: Party,
    receiver: Party,
    created_at: datetime,
    numbers: ControlNumberSource,
    reference: str | None = None,
    usage: str = "P",
    delimiters: Delimiters = DEFAULT_DELIMITERS,
) -> str:
    """One 276 file for `inquiries` (one payer)."""
    body = build_276_body(
        inquiries,
        submitter=submitter,
        reference=reference_or_timestamp(reference, created_at),
        created_at=created_at,
    )
    return write_interchange(
        [TransactionSet("276", IMPLEMENTATION, body)],
        functional_id="HR",
        sender=sender,
        receiver=receiver,
        created_at=created_at,
        numbers=numbers,
        usage=usage,
        delimiters=delimiters,
    )
