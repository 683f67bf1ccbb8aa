"""Write 837P (005010X222A1) professional claim files from `Claim` objects.

One call writes one file for one payer: ISA/GS, one ST per batch, and in it one billing
provider loop (2000A) per distinct billing provider, one subscriber loop (2000B) per claim,
a patient loop (2000C) when the patient is not the subscriber, then the claim (2300), its
providers (2310x), other payers (2320/2330x) and lines (2400, with prior-payer 2430).

The loops the 837I guide (005010X223A2) shares with this one live in
`shared.x12.claim837_writing`; this module writes only the professional 2300/2400.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from shared.claim_model import Claim, ClaimKind, ServiceLine
from shared.x12.claim837_writing import (
    ClaimWriteError,
    Receiver,
    Submitter,
    build_837_body,
    claim_references,
    clm_segment,
    drug_segments,
    line_adjudication_segments,
    other_payers_and_lines,
    provider_name,
    service_facility_segments,
    write_837,
)
from shared.x12.control_numbers import ControlNumberSource
from shared.x12.envelope_writer import DEFAULT_DELIMITERS, Party
from shared.x12.segments import Delimiters, Segment, segment
from shared.x12.writing import d8, date_segment, money, quantity

__all__ = [
    "IMPLEMENTATION",
    "ClaimWriteError",
    "Submitter",
    "Receiver",
    "build_837p_body",
    "write_837p",
]

IMPLEMENTATION = "005010X222A1"
MAX_PROFESSIONAL_DIAGNOSES = 12


def _professional_claim_segments(claim: Claim) -> list[Segment]:
    if not claim.place_of_service:
        raise ClaimWriteError(claim, "place of service is required for 837P (CLM05-1)")
    if not claim.diagnoses:
        raise ClaimWriteError(claim, "at least one diagnosis is required (HI*ABK)")
    if len(claim.diagnoses) > MAX_PROFESSIONAL_DIAGNOSES:
        raise ClaimWriteError(
            claim, f"837P carries at most 12 diagnoses, got {len(claim.diagnoses)}"
        )
    out = [clm_segment(claim, claim.place_of_service, "B", "Y" if claim.signature_on_file else "N")]
    if claim.onset_date is not None:
        out.append(segment("DTP", "431", "D8", d8(claim.onset_date)))
    if claim.admission_date is not None:
        out.append(segment("DTP", "435", "D8", d8(claim.admission_date)))
    out += claim_references(claim)
    out.append(
        segment(
            "HI",
            *[["ABK" if index == 0 else "ABF", code] for index, code in enumerate(claim.diagnoses)],
        )
    )
    if claim.referring_provider is not None:
        out.append(provider_name("DN", claim.referring_provider, claim))
    if claim.rendering_provider is not None:
        out.append(provider_name("82", claim.rendering_provider, claim))
        if claim.rendering_provider.taxonomy:
            out.append(segment("PRV", "PE", "PXC", claim.rendering_provider.taxonomy))
    out += service_facility_segments(claim)
    out += other_payers_and_lines(claim, _professional_line)
    return out


def _professional_line(claim: Claim, line: ServiceLine) -> list[Segment]:
    if not line.procedure_code:
        raise ClaimWriteError(claim, f"line {line.line_number}: procedure code is required (SV101)")
    if any(p < 1 or p > len(claim.diagnoses) for p in line.diagnosis_pointers):
        raise ClaimWriteError(
            claim, f"line {line.line_number}: diagnosis pointer outside 1..{len(claim.diagnoses)}"
        )
    service_date = line.service_date or claim.statement_from
    if service_date is None:
        raise ClaimWriteError(claim, f"line {line.line_number}: service date is required (DTP*472)")
    line_pos = (
        line.place_of_service
        if line.place_of_service and line.place_of_service != claim.place_of_service
        else None
    )
    out = [
        segment("LX", str(line.line_number)),
        segment(
            "SV1",
            ["HC", line.procedure_code, *line.modifiers],
            money(line.charge),
            line.unit_type if line.unit_type in ("UN", "MJ") else "UN",
            quantity(line.units),
            line_pos,
            None,
            [str(p) for p in line.diagnosis_pointers],
        ),
        date_segment("472", service_date, line.service_date_end),
    ]
    out += drug_segments(line)
    if line.rendering_provider is not None:
        out.append(provider_name("82", line.rendering_provider, claim))
        if line.rendering_provider.taxonomy:
            out.append(segment("PRV", "PE", "PXC", line.rendering_provider.taxonomy))
    out += line_adjudication_segments(claim, line)
    return out


def build_837p_body(
    claims: Sequence[Claim],
    *,
    submitter: Submitter,
    receiver: Receiver,
    reference: str,
    created_at: datetime,
) -> list[Segment]:
    """The segments of one 837P transaction set between ST and SE."""
    return build_837_body(
        claims,
        ClaimKind.PROFESSIONAL,
        _professional_claim_segments,
        submitter=submitter,
        receiver=receiver,
        reference=reference,
        created_at=created_at,
    )


def write_837p(
    claims: Sequence[Claim],
    *,
    submitter: Submitter,
    receiver: Receiver,
    created_at: datetime,
    numbers: ControlNumberSource,
    reference: str | None = None,
    sender: Party | None = None,
    receiver_party: Party | None = None,
    usage: str = "P",
    delimiters: Delimiters = DEFAULT_DELIMITERS,
) -> str:
    """One 837P file for `claims` (all for one payer), enveloped with fresh control numbers."""
    return write_837(
        claims,
        ClaimKind.PROFESSIONAL,
        IMPLEMENTATION,
        _professional_claim_segments,
        submitter=submitter,
        receiver=receiver,
        created_at=created_at,
        numbers=numbers,
        reference=reference,
        sender=sender,
        receiver_party=receiver_party,
        usage=usage,
        delimiters=delimiters,
    )
