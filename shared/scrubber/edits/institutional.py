"""Edits specific to institutional (837I, UB-04) claims: type of bill, revenue codes, stay dates,
present-on-admission indicators, ICD-10-PCS procedures and the UB-04 occurrence, occurrence
span, value and condition codes."""

from __future__ import annotations

import re
from collections.abc import Iterator

from shared.claim_model import POA_CODES
from shared.scrubber.context import Scrubbing
from shared.scrubber.model import Category, Finding, Severity
from shared.scrubber.registry import INSTITUTIONAL, edit

E, W = Severity.ERROR, Severity.WARNING

# The model carries facility type + classification with the NUBC leading zero ("011");
# a fourth digit, when an office keys the full UB-04 form locator 4, is the frequency.
_TOB = re.compile(r"^0?([1-8])([1-9])(\d)?$")
_REVENUE = re.compile(r"^\d{4}$")
# Hospital (1), SNF (2) and religious non-medical (4) facilities, inpatient classifications.
_INPATIENT_FACILITIES = frozenset("124")
_INPATIENT_CLASSES = frozenset("12")
# NUBC occurrence, occurrence span, value and condition codes: two characters, digits and
# capital letters ("01", "A1", "80"); ICD-10-PCS: seven characters, never the letters I or O.
_NUBC_CODE = re.compile(r"^[0-9A-Z]{2}$")
_ICD10_PCS = re.compile(r"^[0-9A-HJ-NP-Z]{7}$")


def _tob(s: Scrubbing) -> re.Match[str] | None:
    tob = s.claim.type_of_bill
    return _TOB.match(tob) if tob else None


def _inpatient(s: Scrubbing) -> bool:
    match = _tob(s)
    return bool(match and match[1] in _INPATIENT_FACILITIES and match[2] in _INPATIENT_CLASSES)


@edit(
    "IN001",
    E,
    Category.INSTITUTIONAL,
    "Type of bill missing",
    "An institutional claim needs the type of bill (facility type and classification, CLM05-1/2).",
    fix="Enter the type of bill, e.g. 011 hospital inpatient, 013 hospital outpatient.",
    kinds=INSTITUTIONAL,
)
def type_of_bill_missing(s: Scrubbing) -> Iterator[Finding]:
    if not s.claim.type_of_bill:
        yield Finding("type_of_bill", "type of bill is missing")


@edit(
    "IN002",
    E,
    Category.INSTITUTIONAL,
    "Type of bill malformed",
    "The type of bill is a facility type digit (1-8) and a classification digit (1-9), with "
    "the NUBC leading zero, e.g. 011, 013, 021.",
    fix="Enter the NUBC type of bill.",
    kinds=INSTITUTIONAL,
)
def type_of_bill_format(s: Scrubbing) -> Iterator[Finding]:
    tob = s.claim.type_of_bill
    if tob and _TOB.match(tob) is None:
        yield Finding("type_of_bill", f"type of bill {tob!r} is not a NUBC code")


@edit(
    "IN003",
    E,
    Category.INSTITUTIONAL,
    "Type of bill frequency disagrees",
    "The type of bill was given with a frequency digit that differs from the claim's "
    "frequency code.",
    fix="Make the type of bill's last digit and the claim frequency agree.",
    kinds=INSTITUTIONAL,
)
def type_of_bill_frequency(s: Scrubbing) -> Iterator[Finding]:
    match = _tob(s)
    if match and match[3] is not None and match[3] != s.claim.frequency.value:
        yield Finding(
            "type_of_bill",
            f"type of bill frequency {match[3]} but claim frequency {s.claim.frequency.value}",
        )


@edit(
    "IN004",
    E,
    Category.INSTITUTIONAL,
    "Revenue code missing or malformed",
    "Every institutional line needs a four-digit NUBC revenue code (SV201), e.g. 0450.",
    fix="Enter the revenue code with its leading zero.",
    kinds=INSTITUTIONAL,
)
def revenue_code(s: Scrubbing) -> Iterator[Finding]:
    for index, line in enumerate(s.claim.lines):
        code = line.revenue_code
        if not code:
            yield Finding(
                f"lines[{index}].revenue_code", f"line {line.line_number} has no revenue code"
            )
        elif not _REVENUE.match(code):
            yield Finding(
                f"lines[{index}].revenue_code",
                f"line {line.line_number}: revenue code {code!r} must be 4 digits",
            )


@edit(
    "IN005",
    E,
    Category.INSTITUTIONAL,
    "Statement period missing",
    "An institutional claim needs the statement covers period from and through dates (DTP*434).",
    fix="Enter the first and last dates the bill covers.",
    kinds=INSTITUTIONAL,
)
def statement_dates_present(s: Scrubbing) -> Iterator[Finding]:
    if s.claim.statement_from is None:
        yield Finding("statement_from", "statement from date is missing")
    if s.claim.statement_to is None:
        yield Finding("statement_to", "statement through date is missing")


@edit(
    "IN006",
    E,
    Category.INSTITUTIONAL,
    "Statement through before from",
    "The statement period ends before it starts.",
    fix="Correct the statement dates.",
    kinds=INSTITUTIONAL,
)
def statement_dates_order(s: Scrubbing) -> Iterator[Finding]:
    start, end = s.claim.statement_from, s.claim.statement_to
    if start and end and end < start:
        yield Finding("statement_to", "statement period ends before it starts")


@edit(
    "IN007",
    E,
    Category.INSTITUTIONAL,
    "Line date outside the statement period",
    "A line's date of service falls outside the statement covers period.",
    fix="Correct the line date or the statement period (bill other periods separately).",
    kinds=INSTITUTIONAL,
)
def line_within_statement(s: Scrubbing) -> Iterator[Finding]:
    start, end = s.claim.statement_from, s.claim.statement_to
    if start is None or end is None:
        return
    for index, line in enumerate(s.claim.lines):
        for name in ("service_date", "service_date_end"):
            day = getattr(line, name)
            if day is not None and not start <= day <= end:
                yield Finding(
                    f"lines[{index}].{name}",
                    f"line {line.line_number}: date outside the statement period",
                )


@edit(
    "IN008",
    E,
    Category.INSTITUTIONAL,
    "Attending provider missing",
    "An institutional claim needs the attending provider (loop 2310A) for inpatient and "
    "outpatient services.",
    fix="Enter the attending physician's name and NPI.",
    kinds=INSTITUTIONAL,
)
def attending_present(s: Scrubbing) -> Iterator[Finding]:
    if s.claim.attending_provider is None:
        yield Finding("attending_provider", "attending provider is missing")


@edit(
    "IN009",
    E,
    Category.INSTITUTIONAL,
    "Inpatient stay details missing",
    "An inpatient type of bill needs the admission date, admission type and discharge status.",
    fix="Enter the admission date and type (UB-04 FL 12, 14) and the patient status (FL 17).",
    kinds=INSTITUTIONAL,
)
def inpatient_details(s: Scrubbing) -> Iterator[Finding]:
    if not _inpatient(s):
        return
    claim = s.claim
    for name, label in (
        ("admission_date", "admission date"),
        ("admission_type", "admission type"),
        ("discharge_status", "discharge status"),
    ):
        if getattr(claim, name) is None:
            yield Finding(name, f"inpatient claim without {label}")


@edit(
    "IN010",
    E,
    Category.INSTITUTIONAL,
    "Admitting diagnosis invalid",
    "The admitting diagnosis, when given, must be an ICD-10-CM code.",
    fix="Enter the admitting diagnosis in ICD-10-CM.",
    kinds=INSTITUTIONAL,
)
def admitting_diagnosis(s: Scrubbing) -> Iterator[Finding]:
    code = s.claim.admitting_diagnosis
    if code and s.codes.icd10.lookup(code.replace(".", "").upper()) is None:
        yield Finding("admitting_diagnosis", f"{code} is not an ICD-10-CM code")


@edit(
    "IN011",
    E,
    Category.INSTITUTIONAL,
    "Admission after the statement period starts",
    "The admission date is after the statement from date: a stay cannot be billed before "
    "the admission.",
    fix="Correct the admission date or the statement period.",
    kinds=INSTITUTIONAL,
)
def admission_before_statement(s: Scrubbing) -> Iterator[Finding]:
    admitted, start = s.claim.admission_date, s.claim.statement_from
    if admitted and start and admitted > start:
        yield Finding("admission_date", "admission date is after the statement from date")


@edit(
    "IN012",
    E,
    Category.INSTITUTIONAL,
    "Present-on-admission indicators missing",
    "An inpatient hospital claim (type of bill 011x, 012x) needs a present-on-admission "
    "indicator for its diagnoses (HI0x-9; CMS hospital-acquired condition rules).",
    fix="Enter Y, N, U or W for each diagnosis (blank only for codes exempt from POA).",
    kinds=INSTITUTIONAL,
)
def present_on_admission_required(s: Scrubbing) -> Iterator[Finding]:
    match = _tob(s)
    hospital_inpatient = match is not None and match[1] == "1" and match[2] in _INPATIENT_CLASSES
    poa = s.claim.present_on_admission
    if hospital_inpatient and s.claim.diagnoses and (poa is None or poa[0] is None):
        yield Finding("present_on_admission", "inpatient claim without present-on-admission")


@edit(
    "IN013",
    E,
    Category.INSTITUTIONAL,
    "Present-on-admission indicator invalid",
    "A present-on-admission indicator is Y (yes), N (no), U (documentation insufficient) or "
    "W (clinically undetermined); blank for exempt codes.",
    fix="Use Y, N, U or W, or leave the indicator blank for an exempt diagnosis.",
    kinds=INSTITUTIONAL,
)
def present_on_admission_codes(s: Scrubbing) -> Iterator[Finding]:
    for index, indicator in enumerate(s.claim.present_on_admission or ()):
        if indicator is not None and indicator not in POA_CODES:
            yield Finding(
                f"present_on_admission[{index}]",
                f"present-on-admission indicator {indicator!r} is not Y, N, U or W",
            )


@edit(
    "IN014",
    E,
    Category.INSTITUTIONAL,
    "ICD-10-PCS procedure invalid",
    "An inpatient procedure is a seven-character ICD-10-PCS code (digits and letters, never "
    "I or O) with the date it was performed (HI BBR/BBQ).",
    fix="Enter the ICD-10-PCS code without a dot, and the procedure date.",
    kinds=INSTITUTIONAL,
)
def icd10_pcs_procedures(s: Scrubbing) -> Iterator[Finding]:
    claim = s.claim
    named = (
        [("principal_procedure", claim.principal_procedure)] if claim.principal_procedure else []
    )
    named += [(f"other_procedures[{i}]", p) for i, p in enumerate(claim.other_procedures or ())]
    for field, procedure in named:
        if procedure is None:
            continue
        if not _ICD10_PCS.match(procedure.code):
            yield Finding(f"{field}.code", f"{procedure.code!r} is not an ICD-10-PCS code")
        if procedure.date is None:
            yield Finding(f"{field}.date", "procedure without the date it was performed")


@edit(
    "IN015",
    E,
    Category.INSTITUTIONAL,
    "UB-04 code malformed",
    "Occurrence, occurrence span, value and condition codes are two NUBC characters (digits "
    "and capital letters, e.g. 11, 74, 80, A1, C1); an occurrence span ends on or after it "
    "starts.",
    fix="Enter the NUBC code as two characters with its leading zero (01, not 1).",
    kinds=INSTITUTIONAL,
)
def ub04_codes(s: Scrubbing) -> Iterator[Finding]:
    claim = s.claim
    coded: list[tuple[str, str]] = []
    coded += [
        (f"occurrence_codes[{i}].code", o.code) for i, o in enumerate(claim.occurrence_codes or ())
    ]
    coded += [
        (f"occurrence_spans[{i}].code", o.code) for i, o in enumerate(claim.occurrence_spans or ())
    ]
    coded += [(f"value_codes[{i}].code", v.code) for i, v in enumerate(claim.value_codes or ())]
    coded += [(f"condition_codes[{i}]", code) for i, code in enumerate(claim.condition_codes or ())]
    for field, code in coded:
        if not _NUBC_CODE.match(code):
            yield Finding(field, f"{code!r} is not a two-character NUBC code")
    for index, span in enumerate(claim.occurrence_spans or ()):
        if span.end < span.start:
            yield Finding(f"occurrence_spans[{index}].end", "occurrence span ends before it starts")
