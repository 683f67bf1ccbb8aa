"""Write 837I (005010X223A2) institutional claim files from `Claim` objects.

Same hierarchy and envelope as the 837P writer (loops shared in `claim837_writing`);
the institutional claim differs in loop 2300 (CLM05 facility type code with form code A,
discharge hour DTP*096, statement dates DTP*434, admission date (and hour) DTP*435 and CL1,
HI with ABK/ABJ/DR/ABF carrying present-on-admission indicators, then the UB-04 codes:
principal and other ICD-10-PCS procedures BBR/BBQ with their dates, occurrence spans BI,
occurrence codes BH, value codes BE and condition codes BG), in the service line (SV2 with
a revenue code, 2400), and in the 2310 providers (attending 71, operating 72, other
operating ZZ, rendering 82, service facility 77, referring DN).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time

from shared.claim_model import Claim, ClaimKind, IcdProcedure, ServiceLine
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
MAX_HI_CODES = 24  # the same for procedures, occurrence (span), value and condition codes


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


def _diagnosis(qualifier: str, code: str, poa: str | None) -> list[str]:
    # HI0x-9 is the present-on-admission indicator; HI0x-3..8 stay empty for diagnoses.
    return [qualifier, code] if poa is None else [qualifier, code, "", "", "", "", "", "", poa]


def _his(claim: Claim, what: str, composites: list[list[str]]) -> list[Segment]:
    """Up to 24 codes of one kind: HI segments of 12 composites each (the guide's two)."""
    if len(composites) > MAX_HI_CODES:
        raise ClaimWriteError(claim, f"837I carries at most 24 {what}, got {len(composites)}")
    return [segment("HI", *composites[at : at + 12]) for at in range(0, len(composites), 12)]


def _procedure(claim: Claim, qualifier: str, procedure: IcdProcedure) -> list[str]:
    if procedure.date is None:
        raise ClaimWriteError(
            claim, f"ICD-10-PCS procedure {qualifier} needs the date performed (HI0x-4)"
        )
    return [qualifier, procedure.code, "D8", d8(procedure.date)]


def _diagnosis_segments(claim: Claim) -> list[Segment]:
    if not claim.diagnoses:
        raise ClaimWriteError(claim, "a principal diagnosis is required (HI*ABK)")
    others = claim.diagnoses[1:]
    if len(others) > MAX_OTHER_DIAGNOSES:
        raise ClaimWriteError(claim, f"837I carries at most 24 other diagnoses, got {len(others)}")
    poa = claim.present_on_admission or (None,) * len(claim.diagnoses)
    out = [segment("HI", _diagnosis("ABK", claim.diagnoses[0], poa[0]))]
    if claim.admitting_diagnosis:
        out.append(segment("HI", ["ABJ", claim.admitting_diagnosis.replace(".", "").upper()]))
    if claim.drg:
        out.append(segment("HI", ["DR", claim.drg]))
    out += _his(
        claim,
        "other diagnoses",
        [_diagnosis("ABF", code, poa[1 + i]) for i, code in enumerate(others)],
    )
    # The UB-04 codes, in the guide's order of 2300 HI segments.
    if claim.principal_procedure is not None:
        out.append(segment("HI", _procedure(claim, "BBR", claim.principal_procedure)))
    procedures = [_procedure(claim, "BBQ", p) for p in claim.other_procedures or ()]
    out += _his(claim, "other procedures", procedures)
    spans = [
        ["BI", span.code, "RD8", f"{d8(span.start)}-{d8(span.end)}"]
        for span in claim.occurrence_spans or ()
    ]
    out += _his(claim, "occurrence spans", spans)
    occurrences = [["BH", o.code, "D8", d8(o.date)] for o in claim.occurrence_codes or ()]
    out += _his(claim, "occurrence codes", occurrences)
    values = [["BE", v.code, "", "", money(v.amount)] for v in claim.value_codes or ()]
    out += _his(claim, "value codes", values)
    out += _his(claim, "condition codes", [["BG", code] for code in claim.condition_codes or ()])
    return out


def _hhmm(value: time) -> str:
    return f"{value.hour:02d}{value.minute:02d}"


def _institutional_claim_segments(claim: Claim) -> list[Segment]:
    if claim.statement_from is None:
        raise ClaimWriteError(claim, "statement from date is required (DTP*434)")
    statement_to = claim.statement_to or claim.statement_from
    out = [clm_segment(claim, facility_type_code(claim), "A", None)]
    if claim.discharge_hour is not None:
        out.append(segment("DTP", "096", "TM", _hhmm(claim.discharge_hour)))
    out.append(segment("DTP", "434", "RD8", f"{d8(claim.statement_from)}-{d8(statement_to)}"))
    if claim.admission_date is not None:
        if claim.admission_hour is not None:  # DT: the date and the hour (FL 12 and 13)
            admitted = d8(claim.admission_date) + _hhmm(claim.admission_hour)
            out.append(segment("DTP", "435", "DT", admitted))
        else:
            out.append(segment("DTP", "435", "D8", d8(claim.admission_date)))
    elif claim.admission_hour is not None:
        raise ClaimWriteError(claim, "an admission hour needs its admission date (DTP*435)")
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
    if claim.operating_provider is not None:  # 2310B
        out.append(provider_name("72", claim.operating_provider, claim))
    if claim.other_operating_provider is not None:  # 2310C
        out.append(provider_name("ZZ", claim.other_operating_provider, claim))
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
