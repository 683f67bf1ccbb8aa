"""What the scrubber knows besides the claim (ScrubContext) and facts worked out once per claim."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from shared.claim_model import Claim, ClaimKind, Person
from shared.scrubber.rules import PayerRules, TelehealthPolicy

if TYPE_CHECKING:
    from shared.codes import CodeSets
    from shared.codes.icd10 import Icd10Code


@dataclass(frozen=True)
class ScrubContext:
    """Everything an edit may consult, passed in: the scrubber reads no clock, file or database.

    `accepted_claims` maps the fingerprint (see `claim_fingerprint`) of each claim the
    organization already submitted to that claim's id; the caller builds it from its store.
    """

    today: date
    codes: CodeSets
    rules: PayerRules
    accepted_claims: Mapping[str, str] = field(default_factory=dict)
    timely_filing_warning_days: int = 30


class Scrubbing:
    """One claim under scrutiny: the claim, the context, and facts several edits share."""

    def __init__(self, claim: Claim, context: ScrubContext) -> None:
        self.claim = claim
        self.context = context
        self.codes = context.codes
        self.today = context.today
        self.professional = claim.kind is ClaimKind.PROFESSIONAL
        self.patient: Person = claim.patient if claim.patient is not None else claim.subscriber
        # Field paths point at the person actually on the claim.
        self.patient_path = "patient" if claim.patient is not None else "subscriber"

    @cached_property
    def service_date(self) -> date | None:
        """The earliest date of service on the claim (lines, then statement period)."""
        return self.claim.first_service_date

    @cached_property
    def diagnosis_date(self) -> date | None:
        """The date diagnoses are judged on: discharge (statement through) if institutional."""
        if not self.professional and self.claim.statement_to is not None:
            return self.claim.statement_to
        return self.service_date

    @cached_property
    def patient_age(self) -> int | None:
        """Age in whole years on the date diagnoses are judged on."""
        born = self.patient.birth_date
        on = self.diagnosis_date
        if born is None or on is None or on < born:
            return None
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    @cached_property
    def diagnosis_codes(self) -> list[Icd10Code | None]:
        lookup = self.codes.icd10.lookup
        return [lookup(code) for code in self.claim.diagnoses]

    @cached_property
    def telehealth(self) -> TelehealthPolicy:
        return self.context.rules.telehealth(self.claim.payer)

    @cached_property
    def timely_filing_days(self) -> int:
        return self.context.rules.timely_filing_days(self.claim.payer)

    def line_date(self, index: int) -> date | None:
        line = self.claim.lines[index]
        return line.service_date or self.claim.statement_from

    def line_pos(self, index: int) -> str | None:
        return self.claim.lines[index].place_of_service or self.claim.place_of_service
