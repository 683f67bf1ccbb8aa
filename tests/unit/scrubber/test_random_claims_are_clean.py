"""The seeded random claim factories give clean claims: the scrubber holds none of them.

Benchmarks and writer tests scrub or send thousands of these; a factory that bills E/M codes
at 3 units or LT with RT on one line would measure the scrubber on claims no office sends.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from shared.claim_model import Claim, Relationship
from shared.codes.sets import CodeSets
from shared.scrubber import PayerRules, ScrubContext, scrub_claim
from shared.scrubber.model import Severity
from testsupport.claims import random_institutional_claims, random_professional_claims

# The factories serve dates of service in January-October 2026: all past on this day and
# inside every filing limit.
TODAY = date(2026, 11, 27)


def _findings(claims: list[Claim], context: ScrubContext, severity: Severity) -> list[str]:
    """'PCN: CODE message' for every edit of `severity` the claims trigger."""
    found = []
    for claim in claims:
        for edit in scrub_claim(claim, context).edits:
            if edit.severity is severity:
                found.append(f"{claim.patient_control_number}: {edit.code} {edit.message}")
    return found


@pytest.fixture
def pinned(codes: CodeSets, rules: PayerRules) -> ScrubContext:
    return ScrubContext(today=TODAY, codes=codes, rules=rules)


@pytest.mark.parametrize("seed", [0, 7])
def test_no_random_claim_is_held(seed: int, pinned: ScrubContext) -> None:
    claims = [
        *random_professional_claims(500, seed=seed),
        *random_institutional_claims(200, seed=seed),
    ]
    held = _findings(claims, pinned, Severity.ERROR)
    fired = Counter(finding.split()[1] for finding in held)
    assert held == [], f"{len(held)} errors, by edit {dict(fired)}; first: {held[:5]}"


def test_random_claims_raise_no_warnings_either(pinned: ScrubContext) -> None:
    # Warnings pass the claim but make a biller look twice (an unused diagnosis, a service
    # repeated on a date): a clean claim has none.
    claims = [*random_professional_claims(300, seed=3), *random_institutional_claims(100, seed=3)]
    warned = _findings(claims, pinned, Severity.WARNING)
    assert warned == [], f"{len(warned)} warnings; first: {warned[:5]}"


def test_clean_claims_still_vary(pinned: ScrubContext) -> None:
    claims = list(random_professional_claims(500, seed=7))
    lines = [line for claim in claims for line in claim.lines]
    assert max(len(c.lines) for c in claims) >= 5
    assert max(len(c.diagnoses) for c in claims) == 4
    assert {m for line in lines for m in line.modifiers} >= {"25", "26", "GP", "LT", "RT"}
    assert any(line.units > 1 for line in lines)  # therapy minutes, drug doses
    children = [c for c in claims if c.relationship is Relationship.CHILD]
    assert len(children) > 50
    # Exam diagnoses by age: the adult exam never goes to a child, the child exam never to
    # an adult.
    assert any("Z00129" in c.diagnoses for c in children)
    assert not any("Z0000" in c.diagnoses for c in children)
    assert any("Z0000" in c.diagnoses for c in claims if c.patient is None)
