"""What the scrubber says about a claim: edits, severities, and the registry behind them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from shared.claim_model import ClaimKind

if TYPE_CHECKING:
    from shared.scrubber.context import Scrubbing


class Severity(StrEnum):
    """`error` holds the claim until it is corrected; `warning` lets it pass, flagged."""

    ERROR = "error"
    WARNING = "warning"


class Category(StrEnum):
    DEMOGRAPHICS = "demographics"
    SUBSCRIBER = "subscriber"
    PROVIDERS = "providers"
    PAYER = "payer"
    DIAGNOSES = "diagnoses"
    PROCEDURES = "procedures"
    NCCI = "ncci"
    TELEHEALTH = "telehealth"
    DATES = "dates"
    CLAIM = "claim"
    INSTITUTIONAL = "institutional"
    PAYER_RULES = "payer rules"


@dataclass(frozen=True, slots=True)
class Edit:
    """One problem found on one claim, pointing at the field to correct."""

    code: str
    severity: Severity
    field: str
    message: str
    fix: str | None = None
    rule_id: str | None = None  # the payer rule that raised it, for PR edits

    @property
    def holds(self) -> bool:
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity.value,
            "field": self.field,
            "message": self.message,
            "fix": self.fix,
        }
        if self.rule_id is not None:
            data["rule_id"] = self.rule_id
        return data


@dataclass(frozen=True, slots=True)
class Finding:
    """What an edit's check yields: where and what; the registry adds code and severity."""

    field: str
    message: str
    fix: str | None = None


Check = Callable[["Scrubbing"], Iterable[Finding]]

ALL_KINDS: frozenset[ClaimKind] = frozenset(ClaimKind)


@dataclass(frozen=True, slots=True)
class EditSpec:
    """A registered edit: its stable code and documentation, and the check that finds it."""

    code: str
    severity: Severity
    category: Category
    title: str
    description: str
    fix: str | None
    check: Check | None  # None: raised by the payer-rules engine, not by a check function
    kinds: frozenset[ClaimKind] = field(default=ALL_KINDS)

    def edit(self, finding: Finding, rule_id: str | None = None) -> Edit:
        return Edit(
            code=self.code,
            severity=self.severity,
            field=finding.field,
            message=finding.message,
            fix=finding.fix if finding.fix is not None else self.fix,
            rule_id=rule_id,
        )
