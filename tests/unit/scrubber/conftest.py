"""Fixtures for scrubber tests: the shipped code sets and payer rules, a pinned 'today'."""

from __future__ import annotations

from datetime import date

import pytest

from shared.scrubber import PayerRules, ScrubContext, load_payer_rules

# Factory claims are served in February and March 2026: on this day they are all in the past
# and well inside every filing limit.
TODAY = date(2026, 6, 1)


@pytest.fixture(scope="session")
def codes():  # type: ignore[no-untyped-def]
    from shared.codes import load_code_sets

    return load_code_sets()


@pytest.fixture(scope="session")
def rules() -> PayerRules:
    return load_payer_rules()


@pytest.fixture
def context(codes, rules) -> ScrubContext:  # type: ignore[no-untyped-def]
    return ScrubContext(today=TODAY, codes=codes, rules=rules)
