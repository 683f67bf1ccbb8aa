"""Write 277 (005010X212) claim status responses: the payer's answer to a 276 inquiry.

The hierarchy mirrors the 276 it answers: payer (2000A), information receiver = the 276's
submitter (2000B), provider (2000C), subscriber (2000D) and, for a dependent patient, 2000E.
Each claim (2200D/2200E) echoes the inquiry's trace number as TRN*2 and carries the status
(STC: category, status code and entity; dates; billed and paid amounts; the check), the
payer's claim number (REF*1K), bill type (REF*BLT), the patient account (REF*EJ) and the
service dates (DTP*472). pyx12 has no X212 map: the writer checks its own hierarchy and the
tests read the file back with the 277 reader.

Example (one claim, paid):
    HL*4*3*22*0~
    NM1*IL*1*MARLOWE*THEODORA****MI*XKZ480019203~
    TRN*2*TRACE0001~
    STC*F1:65*20260402**145.00*92.50*20260401**20260402*EFT0001~
    REF*1K*26070000123~
    REF*EJ*PCN26031001~
    DTP*472*D8*20260310~
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from shared.claim_model import Relationship
from shared.x12.claim837_writing import Submitter
from shared.x12.control_numbers import ControlNumberSource
from shared.x12.envelope_writer import DEFAULT_DELIMITERS, Party, TransactionSet, write_interchange
from shared.x12.segments import Delimiters, Segment, segment
from shared.x12.status_inquiry import ClaimStatusInquiry
from shared.x12.writing import (
    bht_segment,
    checked_hierarchy,
    d8,
    date_segment,
    money,
    payer_name,
    person_name,
    provider_nm1,
    reference_or_timestamp,
)

__all__ = [
    "IMPLEMENTATION",
    "StatusResponseWriteError",
    "ClaimStatusResponse",
    "build_277_body",
    "write_277",
]

IMPLEMENTATION = "005010X212"
# Category codes a 277 (X212) may answer with: acknowledgment (A), pending (P), finalized
# (F), request for information (R), response not possible (E), search unsuccessful (D0).
_CATEGORY_PREFIXES = ("A", "P", "F", "R", "E", "D")


class StatusResponseWriteError(ValueError):
    """The response cannot be written as a valid 277."""


@dataclass(frozen=True, slots=True)
class ClaimStatusResponse:
    """The payer's answer about one claim asked for in a 276."""

    inquiry: ClaimStatusInquiry
    statuses: tuple[
        tuple[str, str, str | None], ...
    ]  # STC01, STC10, STC11: (category, code, entity)
    status_date: date  # STC02: when the claim reached this status
    charge: Decimal | None = None  # STC04; the inquiry's AMT*T3 when None
    paid: Decimal | None = None  # STC05 (finalized claims)
    adjudication_date: date | None = None  # STC06
    check_date: date | None = None  # STC08
    check_number: str | None = None  # STC09: the check or EFT trace number
    payer_claim_number: str | None = None  # REF*1K

    def __post_init__(self) -> None:
        if not 1 <= len(self.statuses) <= 3:
            raise StatusResponseWriteError(
                f"claim {self.inquiry.patient_control_number}: 1 to 3 status codes"
                " (STC01, STC10, STC11)"
            )
        for category, code, _entity in self.statuses:
            if not category.startswith(_CATEGORY_PREFIXES) or not code:
                raise StatusResponseWriteError(
                    f"claim {self.inquiry.patient_control_number}: {category}:{code} is not a"
                    " claim status category and code"
                )


def _composite(item: tuple[str, str, str | None]) -> list[str]:
    category, code, entity = item
    return [category, code, entity] if entity else [category, code]


def _stc(response: ClaimStatusResponse) -> Segment:
    charge = response.charge if response.charge is not None else response.inquiry.charge
    statuses = response.statuses
    return segment(
        "STC",
        _composite(statuses[0]),
        d8(response.status_date),
        None,  # STC03 action code: not used in a 277 response
        money(charge),
        money(response.paid) if response.paid is not None else None,
        d8(response.adjudication_date) if response.adjudication_date else None,
        None,  # STC07 payment method: Not Used in X212 2200D/2200E (it is in the 835)
        d8(response.check_date) if response.check_date else None,
        response.check_number,
        _composite(statuses[1]) if len(statuses) > 1 else None,
        _composite(statuses[2]) if len(statuses) > 2 else None,
    )


def _claim_segments(response: ClaimStatusResponse) -> list[Segment]:
    inquiry = response.inquiry
    out = [segment("TRN", "2", inquiry.trace_number), _stc(response)]
    payer_claim_number = response.payer_claim_number or inquiry.payer_claim_number
    if payer_claim_number:
        out.append(segment("REF", "1K", payer_claim_number))
    if inquiry.bill_type:
        out.append(segment("REF", "BLT", inquiry.bill_type))
    if inquiry.patient_control_number:  # situational: a pharmacy 276 asks by REF*XZ instead
        out.append(segment("REF", "EJ", inquiry.patient_control_number))
    out.append(date_segment("472", inquiry.service_from, inquiry.service_to))
    return out


def build_277_body(
    responses: Sequence[ClaimStatusResponse],
    *,
    receiver: Submitter,
    reference: str,
    created_at: datetime,
) -> list[Segment]:
    """The segments of one 277 transaction set (one payer) between ST and SE."""
    if not responses:
        raise StatusResponseWriteError("a 277 needs at least one claim status")
    payer = responses[0].inquiry.payer
    if any(r.inquiry.payer.payer_id != payer.payer_id for r in responses):
        raise StatusResponseWriteError("one 277 answers for one payer")
    out = [
        bht_segment("0010", "08", reference, created_at, "DG"),
        segment("HL", "1", None, "20", "1"),
        payer_name(payer),
        segment("HL", "2", "1", "21", "1"),
        segment("NM1", "41", "2", receiver.name, None, None, None, None, "46", receiver.id),
    ]
    by_provider: dict[str | None, list[ClaimStatusResponse]] = {}
    for response in responses:
        by_provider.setdefault(response.inquiry.provider.npi, []).append(response)
    level = 2
    for provider_responses in by_provider.values():
        level += 1
        provider_level = level
        out.append(segment("HL", str(provider_level), "2", "19", "1"))
        out.append(provider_nm1("1P", provider_responses[0].inquiry.provider, "XX"))
        for response in provider_responses:
            inquiry = response.inquiry
            dependent = (
                inquiry.patient is not None and inquiry.relationship is not Relationship.SELF
            )
            level += 1
            subscriber_level = level
            subscriber = inquiry.subscriber
            out.append(
                segment(
                    "HL",
                    str(subscriber_level),
                    str(provider_level),
                    "22",
                    "1" if dependent else "0",
                )
            )
            out.append(person_name("IL", subscriber, "MI", subscriber.member_id))
            if dependent:
                assert inquiry.patient is not None
                level += 1
                out.append(segment("HL", str(level), str(subscriber_level), "23"))
                out.append(person_name("QC", inquiry.patient, "", None))
            out += _claim_segments(response)
    return checked_hierarchy(out, StatusResponseWriteError)


def write_277(
    responses: Sequence[ClaimStatusResponse],
    *,
    receiver: Submitter,
    sender: Party,
    receiver_party: Party,
    created_at: datetime,
    numbers: ControlNumberSource,
    reference: str | None = None,
    usage: str = "P",
    delimiters: Delimiters = DEFAULT_DELIMITERS,
) -> str:
    """One 277 file answering `responses` (one payer); `receiver` is the 276's submitter."""
    body = build_277_body(
        responses,
        receiver=receiver,
        reference=reference_or_timestamp(reference, created_at),
        created_at=created_at,
    )
    return write_interchange(
        [TransactionSet("277", IMPLEMENTATION, body)],
        functional_id="HN",
        sender=sender,
        receiver=receiver_party,
        created_at=created_at,
        numbers=numbers,
        usage=usage,
        delimiters=delimiters,
    )
