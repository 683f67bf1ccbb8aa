"""Edits on dates (future, order, before birth, timely filing) and on the claim as a whole."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, timedelta

from shared.claim_model import Frequency
from shared.scrubber.context import Scrubbing
from shared.scrubber.fingerprint import claim_fingerprint
from shared.scrubber.model import Category, Finding, Severity
from shared.scrubber.registry import edit

E, W = Severity.ERROR, Severity.WARNING


@edit(
    "DT001",
    E,
    Category.DATES,
    "Date of service in the future",
    "A service cannot be billed before it is provided.",
    fix="Correct the date of service, or hold the charge until the service is provided.",
)
def future_service(s: Scrubbing) -> Iterator[Finding]:
    today = s.today
    for index, line in enumerate(s.claim.lines):
        for name in ("service_date", "service_date_end"):
            day = getattr(line, name)
            if day is not None and day > today:
                yield Finding(
                    f"lines[{index}].{name}", f"line {line.line_number}: date is in the future"
                )
    if s.claim.statement_to is not None and s.claim.statement_to > today:
        yield Finding("statement_to", "statement period ends in the future")


@edit(
    "DT002",
    E,
    Category.DATES,
    "Service through-date before from-date",
    "A line's service end date is before its start date.",
    fix="Swap or correct the dates.",
)
def line_dates_in_order(s: Scrubbing) -> Iterator[Finding]:
    for index, line in enumerate(s.claim.lines):
        if (
            line.service_date
            and line.service_date_end
            and line.service_date_end < line.service_date
        ):
            yield Finding(
                f"lines[{index}].service_date_end",
                f"line {line.line_number}: service ends before it starts",
            )


@edit(
    "DT003",
    E,
    Category.DATES,
    "Service before the patient's birth",
    "A date of service precedes the patient's birth date (newborn claims use the baby's own "
    "birth date and record).",
    fix="Check the birth date and the dates of service; bill newborn services under the baby.",
)
def service_before_birth(s: Scrubbing) -> Iterator[Finding]:
    born = s.patient.birth_date
    first = s.service_date
    if born is not None and first is not None and first < born:
        yield Finding(
            f"{s.patient_path}.birth_date", "a date of service is before the patient's birth"
        )


def _filing_deadline(s: Scrubbing) -> tuple[int, date, str] | None:
    """(limit in days, last day to file, field the limit runs from), or None without dates."""
    first = s.service_date
    if first is None:
        return None
    days = s.timely_filing_days
    if not s.professional and s.claim.statement_to:
        # Institutional limits run from the discharge (statement through) date.
        return days, s.claim.statement_to + timedelta(days=days), "statement_to"
    dated = [(day, index) for index, day in enumerate(s.line_dates) if day is not None]
    field = f"lines[{min(dated)[1]}].service_date" if dated else "statement_from"
    return days, first + timedelta(days=days), field


@edit(
    "DT004",
    E,
    Category.DATES,
    "Timely filing limit passed",
    "The payer's timely filing limit (days from the date of service; from discharge for "
    "institutional claims) has passed: the payer will deny the claim (CARC 29). The limit "
    "is set per payer in the payer rules file (default 365 days).",
    fix="Bill only with proof of timely filing (an earlier acceptance report), or write off "
    "per policy.",
)
def timely_filing_passed(s: Scrubbing) -> Iterator[Finding]:
    limit = _filing_deadline(s)
    if limit is None:
        return
    days, deadline, field = limit
    if s.today > deadline:
        yield Finding(field, f"the {days}-day filing limit passed on {deadline}")


@edit(
    "DT005",
    W,
    Category.DATES,
    "Timely filing limit near",
    "The payer's timely filing limit falls within the next 30 days: send today.",
    fix="Submit now; correct and resubmit later if needed.",
)
def timely_filing_near(s: Scrubbing) -> Iterator[Finding]:
    limit = _filing_deadline(s)
    if limit is None:
        return
    days, deadline, field = limit
    warn_from = deadline - timedelta(days=s.context.timely_filing_warning_days)
    if warn_from <= s.today <= deadline:
        yield Finding(field, f"the {days}-day filing limit falls on {deadline}")


@edit(
    "CL001",
    E,
    Category.CLAIM,
    "Duplicate claim",
    "The organization already submitted a claim for the same patient, payer, dates and "
    "services: the payer would deny this one as a duplicate (CARC 18).",
    fix="Do not resubmit; to change the first claim, send a replacement (frequency 7) with "
    "the payer's claim number.",
)
def duplicate_claim(s: Scrubbing) -> Iterator[Finding]:
    accepted = s.context.accepted_claims
    if not accepted or s.claim.frequency is not Frequency.ORIGINAL:
        return  # replacements and voids repeat the original on purpose
    fingerprint = claim_fingerprint(s.claim)
    if isinstance(accepted, Mapping):
        original = accepted.get(fingerprint)
        if original is not None and original != s.claim.claim_id:
            yield Finding("claim_id", f"duplicate of claim {original} already submitted")
    elif fingerprint in accepted:
        yield Finding("claim_id", "duplicate of a claim already submitted")


@edit(
    "CL002",
    E,
    Category.CLAIM,
    "Replacement or void without the payer's claim number",
    "A replacement (frequency 7) or void (frequency 8) must carry the payer's claim control "
    "number of the original claim (REF*F8).",
    fix="Enter the payer claim number from the 835 or 277CA of the original claim.",
)
def replacement_without_original(s: Scrubbing) -> Iterator[Finding]:
    claim = s.claim
    if (
        claim.frequency in (Frequency.REPLACEMENT, Frequency.VOID)
        and not claim.original_payer_claim_number
    ):
        kind = "replacement" if claim.frequency is Frequency.REPLACEMENT else "void"
        yield Finding(
            "original_payer_claim_number", f"a {kind} claim needs the original payer claim number"
        )


@edit(
    "CL003",
    W,
    Category.CLAIM,
    "Original claim with a payer claim number",
    "An original claim (frequency 1) carries a payer claim number: if it corrects an earlier "
    "claim it should be a replacement (7), otherwise the number is ignored.",
    fix="Set frequency 7 to replace the earlier claim, or remove the payer claim number.",
)
def original_with_payer_number(s: Scrubbing) -> Iterator[Finding]:
    claim = s.claim
    if claim.frequency is Frequency.ORIGINAL and claim.original_payer_claim_number:
        yield Finding("frequency", "frequency 1 with an original payer claim number")
