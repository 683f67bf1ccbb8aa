"""X12 test helpers: fixed trading partners and clock, and pyx12 as a zero-error judge."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.x12.pyx12_judge import Pyx12Verdict, judge
from shared.x12.x12_837_005010X222A1.writer import Receiver, Submitter

__all__ = ["CREATED_AT", "SUBMITTER", "RECEIVER", "assert_pyx12_clean", "describe_errors"]

CREATED_AT = datetime(2026, 3, 11, 9, 30, tzinfo=UTC)
SUBMITTER = Submitter("Riverbend Billing", "RIVERBEND01", "Billing Office", "8135550100")
RECEIVER = Receiver("Clearwater Exchange", "CLEARX")


def describe_errors(verdict: Pyx12Verdict) -> str:
    return "\n".join(
        f"  segment {e.position} {e.segment_id} {e.element or ''} code {e.code}: {e.message}"
        for e in verdict.errors
    )


def assert_pyx12_clean(text: str) -> Pyx12Verdict:
    """Fail listing every pyx12 error (the verdict is pyx12's error tree, not its exit status)."""
    verdict = judge(text)
    assert verdict.has_map, f"pyx12 has no map for this file: {verdict.errors}"
    assert verdict.errors == [], (
        f"pyx12 found {len(verdict.errors)} errors:\n{describe_errors(verdict)}"
    )
    assert verdict.ok
    return verdict
