"""What the scrubber knows besides the claim (ScrubContext) and facts worked out once per claim."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from shared.claim_model import Claim, ClaimKind, Person, ServiceLine
from shared.scrubber.rules import PayerRules, TelehealthPolicy

if TYPE_CHECKING:
    from shared.codes import CodeSets
    from shared.codes.icd10 import Icd10Code


@dataclass(frozen=True)
class ScrubContext:
    """Everything an edit may consult, passed in: the scrubber reads no clock, file or database.

    `accepted_claims` holds the fingerprint (see `claim_fingerprint`) of each claim the
    organization already submitted: a mapping to that claim's id (named in the edit), or a
    plain set. The caller builds it from its store.
    """

    today: date
    codes: CodeSets
    rules: PayerRules
    accepted_claims: Mapping[str, str] | AbstractSet[str] = field(default_factory=dict)
    timely_filing_warning_days: int = 30


class Scrubbing:
    """One claim under scrutiny: the claim, the context, and facts several edits share.

    The shared facts are computed once, up front: most edits read them, and plain attributes
    are cheaper than lazy properties at thousands of claims a second.
    """

    __slots__ = (
        "claim",
        "context",
        "codes",
        "today",
        "professional",
        "patient",
        "patient_path",
        "line_dates",
        "service_date",
        "diagnosis_date",
        "patient_age",
        "diagnosis_codes",
        "telehealth",
        "timely_filing_days",
        "memo",
        "modified_lines",
    )

    def __init__(self, claim: Claim, context: ScrubContext) -> None:
        self.claim = claim
        self.context = context
        self.codes = context.codes
        self.today = context.today
        self.professional = claim.kind is ClaimKind.PROFESSIONAL
        self.patient: Person = claim.patient if claim.patient is not None else claim.subscriber
        # Field paths point at the person actually on the claim.
        self.patient_path = "patient" if claim.patient is not None else "subscriber"
        statement_from = claim.statement_from
        # A line without its own date is dated by the statement period (institutional).
        self.line_dates: list[date | None] = [
            line.service_date or statement_from for line in claim.lines
        ]
        known = [day for day in self.line_dates if day is not None]
        if statement_from is not None:
            known.append(statement_from)
        # The earliest date of service on the claim.
        self.service_date: date | None = min(known) if known else None
        # Diagnoses are judged on the discharge (statement through) date if institutional.
        self.diagnosis_date: date | None = (
            claim.statement_to
            if not self.professional and claim.statement_to is not None
            else self.service_date
        )
        self.patient_age = _age(self.patient.birth_date, self.diagnosis_date)
        lookup = context.codes.icd10.lookup
        self.diagnosis_codes: list[Icd10Code | None] = [lookup(code) for code in claim.diagnoses]
        profile = context.rules.profile(claim.payer)
        self.telehealth: TelehealthPolicy = context.rules.telehealth(claim.payer, profile)
        self.timely_filing_days: int = context.rules.timely_filing_days(claim.payer, profile)
        # Most lines carry no modifier: the modifier edits look only at those that do.
        self.modified_lines: list[tuple[int, ServiceLine]] = [
            (index, line) for index, line in enumerate(claim.lines) if line.modifiers
        ]
        # Facts only some edits need (NCCI pairs, MUE limits), computed by the first to ask.
        self.memo: dict[str, Any] = {}

    def line_date(self, index: int) -> date | None:
        return self.line_dates[index]

    def line_pos(self, index: int) -> str | None:
        return self.claim.lines[index].place_of_service or self.claim.place_of_service


def _age(born: date | None, on: date | None) -> int | None:
    """Age in whole years on `on`."""
    if born is None or on is None or on < born:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
