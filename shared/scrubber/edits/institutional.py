"""Edits specific to institutional (837I, UB-04) claims: type of bill, revenue codes, stay dates."""

from __future__ import annotations

import re
from collections.abc import Iterator

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
