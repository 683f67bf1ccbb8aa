"""Edits on service lines: procedure codes, modifiers, units, charges, pointers, totals."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache

from shared.codes.procedures import procedure_code_kind as _procedure_code_kind
from shared.scrubber.context import Scrubbing
from shared.scrubber.model import Category, Finding, Severity
from shared.scrubber.registry import PROFESSIONAL, edit

E, W = Severity.ERROR, Severity.WARNING

_MODIFIER = re.compile(r"^[A-Z0-9]{2}$")
_NDC11 = re.compile(r"^\d{11}$")
# 837P loop 2400 repeats at most 50 times; 837I at most 999.
MAX_LINES = {"professional": 50, "institutional": 999}
# SV103 (837P): UN units, MJ minutes. SV204 (837I): UN units, DA days.
UNIT_TYPES = {"professional": frozenset({"UN", "MJ"}), "institutional": frozenset({"UN", "DA"})}
# Repeat-procedure modifiers: a second identical line is legitimate with one of these.
_REPEAT_MODIFIERS = frozenset({"76", "77", "91", "59", "XE", "XS", "XP", "XU"})
_ZERO = Decimal("0")

# Codes repeat across a batch: remember the format verdict per code.
procedure_code_kind = lru_cache(maxsize=65536)(_procedure_code_kind)


@edit(
    "PX001",
    E,
    Category.PROCEDURES,
    "Procedure code missing",
    "A professional service line needs a CPT or HCPCS code (SV101-2).",
    fix="Enter the CPT/HCPCS code of the service.",
    kinds=PROFESSIONAL,
)
def procedure_missing(s: Scrubbing) -> Iterator[Finding]:
    for index, line in enumerate(s.claim.lines):
        if not line.procedure_code:
            yield Finding(
                f"lines[{index}].procedure_code", f"line {line.line_number} has no procedure code"
            )


@edit(
    "PX002",
    E,
    Category.PROCEDURES,
    "Procedure code malformed",
    "A CPT code is five digits or four digits and F/T/U; a HCPCS Level II code is a letter A-V "
    "and four digits.",
    fix="Enter the code as printed in the CPT/HCPCS book, upper case, no spaces.",
)
def procedure_format(s: Scrubbing) -> Iterator[Finding]:
    for index, line in enumerate(s.claim.lines):
        code = line.procedure_code
        if code and procedure_code_kind(code) is None:
            yield Finding(
                f"lines[{index}].procedure_code",
                f"line {line.line_number}: {code!r} is not a CPT or HCPCS code",
            )


@edit(
    "PX003",
    E,
    Category.PROCEDURES,
    "Modifier unknown",
    "Each modifier must be a two-character code from the CPT/HCPCS modifier list.",
    fix="Correct or remove the modifier.",
)
def modifier_unknown(s: Scrubbing) -> Iterator[Finding]:
    known = s.codes.modifiers
    for index, line in s.modified_lines:
        for position, modifier in enumerate(line.modifiers):
            if not _MODIFIER.match(modifier) or modifier not in known:
                yield Finding(
                    f"lines[{index}].modifiers[{position}]",
                    f"line {line.line_number}: modifier {modifier!r} is not a known modifier",
                )


def _conflict(s: Scrubbing, first: str, others: frozenset[str], why: str) -> Iterator[Finding]:
    for index, line in s.modified_lines:
        modifiers = line.modifiers
        if first in modifiers and not others.isdisjoint(modifiers):
            other = next(m for m in modifiers if m in others)
            yield Finding(
                f"lines[{index}].modifiers[{modifiers.index(other)}]",
                f"line {line.line_number}: {first} with {other}: {why}",
            )


@edit(
    "PX004",
    E,
    Category.PROCEDURES,
    "26 with TC on one line",
    "Modifier 26 (professional component) and TC (technical component) together are the "
    "global service: bill without either, or split into two lines.",
    fix="Remove both modifiers to bill the global service, or bill 26 and TC on separate lines.",
)
def professional_and_technical(s: Scrubbing) -> Iterator[Finding]:
    yield from _conflict(s, "26", frozenset({"TC"}), "both components on one line")


@edit(
    "PX005",
    E,
    Category.PROCEDURES,
    "LT with RT on one line",
    "Left and right on one line contradict each other; a bilateral service takes modifier 50 "
    "(or two lines, LT and RT, as the payer prefers).",
    fix="Use modifier 50, or one line LT and one line RT.",
)
def left_and_right(s: Scrubbing) -> Iterator[Finding]:
    yield from _conflict(s, "LT", frozenset({"RT"}), "contradictory sides")


@edit(
    "PX006",
    E,
    Category.PROCEDURES,
    "50 with LT or RT",
    "Modifier 50 already means both sides; adding LT or RT contradicts it.",
    fix="Keep 50 alone, or bill one line LT and one line RT.",
)
def bilateral_and_side(s: Scrubbing) -> Iterator[Finding]:
    yield from _conflict(s, "50", frozenset({"LT", "RT"}), "bilateral already covers both sides")


@edit(
    "PX007",
    W,
    Category.PROCEDURES,
    "Modifier repeated",
    "The same modifier appears twice on a line; payers ignore or reject the repeat.",
    fix="Remove the repeated modifier.",
)
def modifier_repeated(s: Scrubbing) -> Iterator[Finding]:
    for index, line in s.modified_lines:
        if len(line.modifiers) == 1:
            continue
        seen: set[str] = set()
        for position, modifier in enumerate(line.modifiers):
            if modifier in seen:
                yield Finding(
                    f"lines[{index}].modifiers[{position}]",
                    f"line {line.line_number}: modifier {modifier} is repeated",
                )
            seen.add(modifier)


@edit(
    "PX008",
    E,
    Category.PROCEDURES,
    "Units not positive",
    "Service units (SV104/SV205) must be greater than zero.",
    fix="Enter the number of units (or minutes) actually provided.",
)
def units_positive(s: Scrubbing) -> Iterator[Finding]:
    for index, line in enumerate(s.claim.lines):
        if line.units <= _ZERO:
            yield Finding(
                f"lines[{index}].units", f"line {line.line_number}: units must be above zero"
            )


@edit(
    "PX009",
    E,
    Category.PROCEDURES,
    "Line charge not positive",
    "A line charge must be greater than zero: payers reject zero and negative charges.",
    fix="Enter the line's charge from the fee schedule; remove lines not billed.",
)
def charge_positive(s: Scrubbing) -> Iterator[Finding]:
    for index, line in enumerate(s.claim.lines):
        if line.charge <= _ZERO:
            yield Finding(
                f"lines[{index}].charge", f"line {line.line_number}: charge must be above zero"
            )


@edit(
    "PX010",
    E,
    Category.PROCEDURES,
    "Lines do not sum to the total",
    "The claim's total charge (CLM02) must equal the sum of the line charges.",
    fix="Recompute the total from the lines.",
)
def lines_sum_to_total(s: Scrubbing) -> Iterator[Finding]:
    total = s.claim.line_total
    if total != s.claim.total_charge:
        yield Finding(
            "total_charge",
            f"total charge {s.claim.total_charge} differs from the sum of lines {total}",
            fix=f"Set the total charge to {total}.",
        )


@edit(
    "PX011",
    E,
    Category.PROCEDURES,
    "Diagnosis pointer to nothing",
    "A line's diagnosis pointer (SV107) must point at one of the claim's diagnoses (1 to 12).",
    fix="Point the line at the diagnosis that supports it.",
    kinds=PROFESSIONAL,
)
def pointer_exists(s: Scrubbing) -> Iterator[Finding]:
    count = min(len(s.claim.diagnoses), 12)
    for index, line in enumerate(s.claim.lines):
        for position, pointer in enumerate(line.diagnosis_pointers):
            if not 1 <= pointer <= count:
                yield Finding(
                    f"lines[{index}].diagnosis_pointers[{position}]",
                    f"line {line.line_number}: pointer {pointer} has no diagnosis "
                    f"(the claim has {count})",
                )


@edit(
    "PX012",
    E,
    Category.PROCEDURES,
    "No diagnosis pointer",
    "Each professional line must point to at least one diagnosis (SV107-1).",
    fix="Point the line at the diagnosis that supports it.",
    kinds=PROFESSIONAL,
)
def pointer_present(s: Scrubbing) -> Iterator[Finding]:
    for index, line in enumerate(s.claim.lines):
        if not line.diagnosis_pointers:
            yield Finding(
                f"lines[{index}].diagnosis_pointers",
                f"line {line.line_number} points to no diagnosis",
            )


@edit(
    "PX013",
    E,
    Category.PROCEDURES,
    "Diagnosis pointers repeated or too many",
    "A line carries at most four diagnosis pointers, each once.",
    fix="Keep up to four distinct pointers, the primary first.",
    kinds=PROFESSIONAL,
)
def pointers_distinct(s: Scrubbing) -> Iterator[Finding]:
    for index, line in enumerate(s.claim.lines):
        pointers = line.diagnosis_pointers
        # The model caps pointers at four; claims built without validation can still exceed it.
        if len(pointers) > 4:
            yield Finding(
                f"lines[{index}].diagnosis_pointers[4]",
                f"line {line.line_number}: {len(pointers)} pointers, at most 4",
            )
        elif len(set(pointers)) != len(pointers):
            yield Finding(
                f"lines[{index}].diagnosis_pointers",
                f"line {line.line_number}: a diagnosis pointer is repeated",
            )


@edit(
    "PX014",
    E,
    Category.PROCEDURES,
    "Line date of service missing",
    "Each line needs a date of service (DTP*472), unless an institutional claim gives the "
    "statement period.",
    fix="Enter the date the service was provided.",
)
def line_date_present(s: Scrubbing) -> Iterator[Finding]:
    for index, line in enumerate(s.claim.lines):
        if s.line_dates[index] is None:
            yield Finding(
                f"lines[{index}].service_date", f"line {line.line_number} has no date of service"
            )


@edit(
    "PX015",
    E,
    Category.PROCEDURES,
    "Too many lines",
    "An 837P claim carries at most 50 service lines, an 837I 999.",
    fix="Split the claim.",
)
def too_many_lines(s: Scrubbing) -> Iterator[Finding]:
    limit = MAX_LINES[s.claim.kind.value]
    if len(s.claim.lines) > limit:
        yield Finding(f"lines[{limit}]", f"{len(s.claim.lines)} lines; at most {limit} per claim")


@edit(
    "PX016",
    E,
    Category.PROCEDURES,
    "Unit type invalid",
    "Units are UN (units) or MJ (anesthesia minutes) on an 837P; UN or DA (days) on an 837I.",
    fix="Use UN unless the service is billed in minutes (MJ) or days (DA).",
)
def unit_type(s: Scrubbing) -> Iterator[Finding]:
    allowed = UNIT_TYPES[s.claim.kind.value]
    for index, line in enumerate(s.claim.lines):
        if line.unit_type not in allowed:
            yield Finding(
                f"lines[{index}].unit_type",
                f"line {line.line_number}: unit type {line.unit_type!r} is not one of "
                f"{', '.join(sorted(allowed))}",
            )


@edit(
    "PX017",
    E,
    Category.PROCEDURES,
    "NDC malformed",
    "A National Drug Code on a claim is 11 digits in the 5-4-2 layout, without hyphens.",
    fix="Pad the NDC to 5-4-2 with leading zeros and remove the hyphens.",
)
def ndc_format(s: Scrubbing) -> Iterator[Finding]:
    for index, line in enumerate(s.claim.lines):
        if line.ndc is not None and not _NDC11.match(line.ndc):
            yield Finding(f"lines[{index}].ndc", f"line {line.line_number}: NDC must be 11 digits")


@edit(
    "PX018",
    E,
    Category.PROCEDURES,
    "Place of service missing or unknown",
    "A professional claim needs a CMS place-of-service code (CLM05-1, or SV105 on a line).",
    fix="Enter the two-digit place of service, e.g. 11 office, 22 outpatient hospital.",
    kinds=PROFESSIONAL,
)
def place_of_service(s: Scrubbing) -> Iterator[Finding]:
    known = s.codes.place_of_service
    claim_pos = s.claim.place_of_service
    if claim_pos is not None and claim_pos not in known:
        yield Finding("place_of_service", f"place of service {claim_pos!r} is not a CMS code")
    for index, line in enumerate(s.claim.lines):
        pos = line.place_of_service
        if pos is not None and pos not in known:
            yield Finding(
                f"lines[{index}].place_of_service",
                f"line {line.line_number}: place of service {pos!r} is not a CMS code",
            )
        elif pos is None and claim_pos is None:
            yield Finding(
                f"lines[{index}].place_of_service",
                f"line {line.line_number} has no place of service",
            )


@edit(
    "PX019",
    E,
    Category.PROCEDURES,
    "Line number repeated",
    "Line numbers (LX01) identify lines in the payer's answer; each must be used once.",
    fix="Number the lines 1, 2, 3...",
)
def line_numbers_unique(s: Scrubbing) -> Iterator[Finding]:
    numbers = [line.line_number for line in s.claim.lines]
    if len(set(numbers)) == len(numbers):
        return
    counts = Counter(numbers)
    for index, line in enumerate(s.claim.lines):
        if counts[line.line_number] > 1:
            yield Finding(
                f"lines[{index}].line_number", f"line number {line.line_number} is used twice"
            )
            counts[line.line_number] = 0  # report each repeated number once


@edit(
    "PX020",
    W,
    Category.PROCEDURES,
    "Line repeated without a repeat modifier",
    "Two lines bill the same code, modifiers and date; without 76/77/91 (or 59/X{EPSU}) the "
    "payer denies the second as a duplicate.",
    fix="Combine the units on one line, or add the repeat-procedure modifier that applies.",
)
def repeated_line(s: Scrubbing) -> Iterator[Finding]:
    seen: set[tuple[object, ...]] = set()
    for index, line in enumerate(s.claim.lines):
        if not line.procedure_code:
            continue
        key = (line.procedure_code, line.revenue_code, line.modifiers, s.line_dates[index])
        if key in seen and _REPEAT_MODIFIERS.isdisjoint(line.modifiers):
            yield Finding(
                f"lines[{index}]",
                f"line {line.line_number} repeats {line.procedure_code} on the same date",
            )
        seen.add(key)
