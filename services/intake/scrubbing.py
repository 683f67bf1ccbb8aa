"""What intake asks of every new or amended claim: the scrubber's verdict and the payer's needs.

A `Judge` is pure (the scrubber reads no clock, file or database: code sets and rules are
loaded once, here, and `today` is passed in), so the intake domain calls it inside
`decide` with the day of the command. `ClaimJudges` builds one per organization: the
organization's payer rules (`services.intake.configuration`), the shared code sets, and
intake's per-payer settings (eligibility).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from services.intake.configuration import IntakeConfig
from shared.claim_model import Claim
from shared.events.claims import ScrubFinding
from shared.scrubber import PayerRules, ScrubContext, load_payer_rules, scrub_claim

if TYPE_CHECKING:
    from shared.codes import CodeSets


@dataclass(frozen=True)
class Verdict:
    """The claim as the payer rules corrected it, every finding on it, and what its payer needs."""

    claim: Claim
    findings: tuple[ScrubFinding, ...]
    eligibility_required: bool

    @property
    def held(self) -> bool:
        """An error finding holds the claim (warnings let it pass)."""
        return any(f.severity == "error" for f in self.findings)


Judge = Callable[[Claim, date], Verdict]
"""judge(claim, today) -> Verdict. Pure."""

MAX_RECORDED_FINDINGS = 1000
"""Findings a verdict (and so `claim.scrub_failed`) lists one by one.

A claim of 999 lines each failing several edits would make one event larger than a Kafka
record (1 MiB). Beyond this many, one summary finding (`SCRUB_MORE`) counts the rest per
edit code, so every finding is still accounted for and the event stays publishable.
"""


def bounded(findings: tuple[ScrubFinding, ...]) -> tuple[ScrubFinding, ...]:
    """The findings, at most MAX_RECORDED_FINDINGS of them plus one summary of the rest."""
    if len(findings) <= MAX_RECORDED_FINDINGS:
        return findings
    kept, rest = findings[:MAX_RECORDED_FINDINGS], findings[MAX_RECORDED_FINDINGS:]
    counts: dict[str, int] = {}
    for finding in rest:
        counts[finding.code] = counts.get(finding.code, 0) + 1
    listed = ", ".join(f"{code} x{n}" for code, n in sorted(counts.items()))
    errors = any(f.severity == "error" for f in rest)
    summary = ScrubFinding(
        code="SCRUB_MORE",
        message=f"and {len(rest)} more findings not listed one by one: {listed}",
        severity="error" if errors else "warning",
    )
    return (*kept, summary)


class ClaimJudges:
    """One judge per organization (its payer rules), sharing the code sets; loaded lazily."""

    def __init__(self, config: IntakeConfig, *, codes: CodeSets | None = None) -> None:
        self.config = config
        self._codes = codes
        self._rules: dict[str, PayerRules] = {}
        self._lock = threading.Lock()

    def check(self) -> None:
        """Load every organization's rules now: a broken file stops start-up, naming it."""
        for organization_id in self.config.organization_ids:
            self._payer_rules(organization_id)

    @property
    def codes(self) -> CodeSets:
        if self._codes is None:
            from shared.codes import load_code_sets

            self._codes = load_code_sets()
        return self._codes

    def _payer_rules(self, organization_id: str) -> PayerRules:
        with self._lock:
            rules = self._rules.get(organization_id)
            if rules is None:
                organization = self.config.organization(organization_id)
                path = organization.payer_rules if organization is not None else None
                rules = self._rules[organization_id] = load_payer_rules(path)
            return rules

    def for_organization(self, organization_id: str) -> Judge:
        rules = self._payer_rules(organization_id)
        codes = self.codes
        config = self.config

        def judge(claim: Claim, today: date) -> Verdict:
            result = scrub_claim(claim, ScrubContext(today=today, codes=codes, rules=rules))
            findings = bounded(
                tuple(
                    ScrubFinding(
                        code=edit.code,
                        message=edit.message,
                        field=edit.field,
                        severity=edit.severity.value,
                    )
                    for edit in result.edits
                )
            )
            return Verdict(
                claim=result.claim,
                findings=findings,
                eligibility_required=config.eligibility_required(result.claim.payer),
            )

        return judge
