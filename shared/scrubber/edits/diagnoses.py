"""Edits on ICD-10-CM diagnoses: existence, billable, valid on the date, fit, order, count."""

from __future__ import annotations

import re
from collections.abc import Iterator

from shared.claim_model import Sex
from shared.scrubber.context import Scrubbing
from shared.scrubber.model import Category, Finding, Severity
from shared.scrubber.registry import PROFESSIONAL, edit

E, W = Severity.ERROR, Severity.WARNING

# ICD-10-CM: a letter, a digit, then one to five letters or digits (dot removed by the model).
_ICD10 = re.compile(r"^[A-Z][0-9][0-9A-Z]{1,5}$")
# 837P HI segment: 12 diagnoses; 837I: principal plus 24 others.
MAX_DIAGNOSES = {"professional": 12, "institutional": 25}


@edit(
    "DX001",
    E,
    Category.DIAGNOSES,
    "No diagnosis",
    "A claim needs at least one diagnosis (the principal, HI*ABK/ABF).",
    fix="Add the diagnosis codes from the encounter's documentation.",
)
def no_diagnosis(s: Scrubbing) -> Iterator[Finding]:
    if not s.claim.diagnoses:
        yield Finding("diagnoses", "the claim has no diagnosis")


@edit(
    "DX002",
    E,
    Category.DIAGNOSES,
    "Diagnosis not in ICD-10-CM format",
    "An ICD-10-CM code is a letter, a digit and one to five more letters or digits (e.g. E119); "
    "ICD-9 codes (all digits) are no longer accepted.",
    fix="Code the diagnosis in ICD-10-CM.",
)
def diagnosis_format(s: Scrubbing) -> Iterator[Finding]:
    for index, code in enumerate(s.claim.diagnoses):
        if not _ICD10.match(code):
            yield Finding(f"diagnoses[{index}]", f"{code!r} is not an ICD-10-CM code")


@edit(
    "DX003",
    E,
    Category.DIAGNOSES,
    "Diagnosis not found",
    "The code has ICD-10-CM's shape but is not in the code set loaded.",
    fix="Look the code up in the current ICD-10-CM tabular list.",
)
def diagnosis_unknown(s: Scrubbing) -> Iterator[Finding]:
    for index, (code, entry) in enumerate(zip(s.claim.diagnoses, s.diagnosis_codes, strict=True)):
        if entry is None and _ICD10.match(code):
            yield Finding(f"diagnoses[{index}]", f"{code} is not an ICD-10-CM code")


@edit(
    "DX004",
    E,
    Category.DIAGNOSES,
    "Diagnosis not billable",
    "The code is a category or subcategory with more specific codes below it; only the most "
    "specific (billable) code may be reported.",
    fix="Code to the highest specificity: add the missing characters.",
)
def diagnosis_not_billable(s: Scrubbing) -> Iterator[Finding]:
    for index, entry in enumerate(s.diagnosis_codes):
        if entry is None or entry.billable:
            continue
        # A code expanded into subcodes was billable before the expansion: judge on the date.
        on = s.diagnosis_date
        if on is None or not s.codes.icd10.valid_on(entry.code, on):
            yield Finding(f"diagnoses[{index}]", f"{entry.code} is a header code, not billable")


@edit(
    "DX005",
    E,
    Category.DIAGNOSES,
    "Diagnosis not valid on the date of service",
    "The code was not yet in effect, or was deleted, on the date of service "
    "(ICD-10-CM changes every October 1).",
    fix="Use the code valid in the fiscal year of the date of service.",
)
def diagnosis_not_valid_on_date(s: Scrubbing) -> Iterator[Finding]:
    on = s.diagnosis_date
    if on is None:
        return
    valid_on = s.codes.icd10.valid_on
    for index, entry in enumerate(s.diagnosis_codes):
        # Header codes are DX004's to report; this edit is about billable codes' dates.
        if entry is not None and entry.billable and not valid_on(entry.code, on):
            yield Finding(f"diagnoses[{index}]", f"{entry.code} is not valid on {on.isoformat()}")


@edit(
    "DX006",
    E,
    Category.DIAGNOSES,
    "Diagnosis does not fit the patient's sex",
    "The code applies to one sex only (e.g. pregnancy, prostate) and the patient is of the other.",
    fix="Check the diagnosis and the patient's sex on the registration.",
)
def diagnosis_sex(s: Scrubbing) -> Iterator[Finding]:
    sex = s.patient.sex
    if sex not in (Sex.MALE, Sex.FEMALE):
        return
    for index, entry in enumerate(s.diagnosis_codes):
        if entry is not None and entry.sex is not None and entry.sex != sex.value:
            yield Finding(
                f"diagnoses[{index}]",
                f"{entry.code} is for {'female' if entry.sex == 'F' else 'male'} patients only",
            )


@edit(
    "DX007",
    E,
    Category.DIAGNOSES,
    "Diagnosis does not fit the patient's age",
    "The code is limited to an age range (newborn, pediatric, maternity, adult) the patient's "
    "age on the date of service is outside.",
    fix="Check the diagnosis and the patient's birth date.",
)
def diagnosis_age(s: Scrubbing) -> Iterator[Finding]:
    age = s.patient_age
    if age is None:
        return
    for index, entry in enumerate(s.diagnosis_codes):
        if entry is None:
            continue
        low, high = entry.age_min, entry.age_max
        if (low is not None and age < low) or (high is not None and age > high):
            yield Finding(
                f"diagnoses[{index}]",
                f"{entry.code} is for ages {low if low is not None else 0} to "
                f"{high if high is not None else 'any'}",
            )


@edit(
    "DX008",
    E,
    Category.DIAGNOSES,
    "Manifestation code first",
    "A manifestation code ('code first the underlying disease') may never be the first-listed "
    "or principal diagnosis.",
    fix="List the underlying condition first, the manifestation after it.",
)
def manifestation_first(s: Scrubbing) -> Iterator[Finding]:
    if s.diagnosis_codes and (first := s.diagnosis_codes[0]) is not None and first.manifestation:
        yield Finding("diagnoses[0]", f"{first.code} is a manifestation code and cannot be first")


@edit(
    "DX009",
    E,
    Category.DIAGNOSES,
    "External cause code first",
    "External cause codes (V00-Y99) explain how an injury happened; they are never first-listed "
    "or principal.",
    fix="List the injury or condition first and the external cause after it.",
)
def external_cause_first(s: Scrubbing) -> Iterator[Finding]:
    if s.diagnosis_codes and (first := s.diagnosis_codes[0]) is not None and first.external_cause:
        yield Finding("diagnoses[0]", f"{first.code} is an external cause code and cannot be first")


@edit(
    "DX010",
    W,
    Category.DIAGNOSES,
    "Duplicate diagnosis",
    "The same diagnosis is listed more than once; payers ignore or reject repeats.",
    fix="Remove the repeated code and re-point the lines at the first one.",
)
def duplicate_diagnosis(s: Scrubbing) -> Iterator[Finding]:
    seen: set[str] = set()
    for index, code in enumerate(s.claim.diagnoses):
        if code in seen:
            yield Finding(f"diagnoses[{index}]", f"{code} is listed more than once")
        seen.add(code)


@edit(
    "DX011",
    E,
    Category.DIAGNOSES,
    "Too many diagnoses",
    "An 837P carries at most 12 diagnoses; an 837I a principal and 24 others.",
    fix="Keep the diagnoses the lines point to; move the rest to a split claim.",
)
def too_many_diagnoses(s: Scrubbing) -> Iterator[Finding]:
    limit = MAX_DIAGNOSES[s.claim.kind.value]
    if len(s.claim.diagnoses) > limit:
        yield Finding(
            f"diagnoses[{limit}]",
            f"{len(s.claim.diagnoses)} diagnoses; at most {limit} fit a {s.claim.kind.value} claim",
        )


@edit(
    "DX012",
    W,
    Category.DIAGNOSES,
    "Diagnosis not pointed to",
    "No service line points to this diagnosis; it will not support any charge.",
    fix="Point the line it supports at it, or remove it.",
    kinds=PROFESSIONAL,
)
def unused_diagnosis(s: Scrubbing) -> Iterator[Finding]:
    used = {pointer for line in s.claim.lines for pointer in line.diagnosis_pointers}
    for index, code in enumerate(s.claim.diagnoses[:12]):
        if index + 1 not in used:
            yield Finding(f"diagnoses[{index}]", f"no line points to {code}")
