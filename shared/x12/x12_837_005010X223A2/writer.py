"""Write 837I (005010X223A2) institutional claim files from `Claim` objects.

Same hierarchy and envelope as the 837P writer (loops shared in `claim837_writing`);
the institutional claim differs in loop 2300 (CLM05 facility type code with form code A,
statement dates DTP*434, admission DTP*435 and CL1, HI with ABK/ABJ/DR/ABF/BBR) and in the
service line (SV2 with a revenue code, 2400), and in the 2310 provider order.
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
from shared.x12.loops import is_digits
from shared.x12.segments import Delimiters, Segment, segment
from shared.x12.writing import d8, date_segment, money, quantity

__all__ = [
    "IMPLEMENTATION",
    "ClaimWriteError",
    "Submitter",
    "Receiver",
    "facility_type_code",
    "build_837i_body",
    "write_837i",
]

IMPLEMENTATION = "005010X223A2"
MAX_OTHER_DIAGNOSES = 24  # two HI segments of 12 ABF codes each


def facility_type_code(claim: Claim) -> str:
    """CLM05-1 from the claim's type of bill ('011', '0111', '11' or '111' all give '11')."""
    tob = (claim.type_of_bill or "").strip()
    if not is_digits(tob) or not 2 <= len(tob) <= 4:
        raise ClaimWriteError(claim, f"type of bill {tob!r} is not 2-4 digits (CLM05-1)")
    if len(tob) == 4:
        return tob[1:3]  # leading zero, facility type + classification, frequency
    if len(tob) == 3:
        # '011' is zero + facility/classification; '111' is facility/classification + frequency.
        return tob[1:] if tob.startswith("0") else tob[:2]
    return tob


def _diagnosis_segments(claim: Claim) -> list[Segment]:
    if not claim.diagnoses:
        raise ClaimWriteError(claim, "a principal diagnosis is required (HI*ABK)")
    others = claim.diagnoses[1:]
    if len(others) > MAX_OTHER_DIAGNOSES:
        raise ClaimWriteError(claim, f"837I carries at most 24 other diagnoses, got {len(others)}")
    out = [segment("HI", ["ABK", claim.diagnoses[0]])]
    if claim.admitting_diagnosis:
        out.append(segment("HI", ["ABJ", claim.admitting_diagnosis.replace(".", "").upper()]))
    if claim.drg:
        out.append(segment("HI", ["DR", claim.drg]))
    for start in range(0, len(others), 12):
        out.append(segment("HI", *[["ABF", code] for code in others[start : start + 12]]))
    return out


def _institutional_claim_segments(claim: Claim) -> list[Segment]:
    if claim.statement_from is None:
        raise ClaimWriteError(claim, "statement from date is required (DTP*434)")
    statement_to = claim.statement_to or claim.statement_from
    out = [
        clm_segment(claim, facility_type_code(claim), "A", None),
        segment("DTP", "434", "RD8", f"{d8(claim.statement_from)}-{d8(statement_to)}"),
    ]
    if claim.admission_date is not None:
        out.append(segment("DTP", "435", "D8", d8(claim.admission_date)))
    # CL1 is required on every institutional claim; its CL103 (patient status) always.
    if not claim.discharge_status:
        raise ClaimWriteError(claim, "patient status (discharge_status, CL103) is required")
    out.append(segment("CL1", claim.admission_type, claim.admission_source, claim.discharge_status))
    out += claim_references(claim)
    out += _diagnosis_segments(claim)
    if claim.attending_provider is not None:
        out.append(provider_name("71", claim.attending_provider, claim))
        if claim.attending_provider.taxonomy:
            out.append(segment("PRV", "AT", "PXC", claim.attending_provider.taxonomy))
    if claim.rendering_provider is not None:
        out.append(provider_name("82", claim.rendering_provider, claim))
    out += service_facility_segments(claim)
    if claim.referring_provider is not None:
        out.append(provider_name("DN", claim.referring_provider, claim))
    out += other_payers_and_lines(claim, _institutional_line)
    return out


def _institutional_line(claim: Claim, line: ServiceLine) -> list[Segment]:
    if not line.revenue_code:
        raise ClaimWriteError(claim, f"line {line.line_number}: revenue code is required (SV201)")
    procedure = ["HC", line.procedure_code, *line.modifiers] if line.procedure_code else None
    out = [
        segment("LX", str(line.line_number)),
        segment(
            "SV2",
            line.revenue_code,
            procedure,
            money(line.charge),
            line.unit_type if line.unit_type in ("UN", "DA") else "UN",
            quantity(line.units),
        ),
    ]
    out += drug_segments(line)
    if line.service_date is not None:
        out.insert(2, date_segment("472", line.service_date, line.service_date_end))
    out += line_adjudication_segments(claim, line)
    return out


def build_837i_body(
    claims: Sequence[Claim],
    *,
    submitter: Submitter,
    receiver: Receiver,
    reference: str,
    created_at: datetime,
) -> list[Segment]:
    """The segments of one 837I transaction set between ST and SE."""
    return build_837_body(
        claims,
        ClaimKind.INSTITUTIONAL,
        _institutional_claim_segments,
        submitter=submitter,
        receiver=receiver,
        reference=reference,
        created_at=created_at,
    )


def write_837i(
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
    """One 837I file for `claims` (all for one payer), enveloped with fresh control numbers."""
    return write_837(
        claims,
        ClaimKind.INSTITUTIONAL,
        IMPLEMENTATION,
        _institutional_claim_segments,
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
