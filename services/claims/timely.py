"""Timely filing: each payer's filing limit gives every claim a deadline (pure date arithmetic).

The limit in days is configured per payer in the payer rules file the scrubber also reads
(`shared/scrubber/payer_rules.yaml`, or PAYER_RULES_PATH; examples shipped there: Medicare
365 days from the date of service, Medicaid 180, a default of 365), so one place says how
long each payer takes claims. The limit runs from the first date of service; for an
institutional claim with a statement period, from its end (the discharge).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from shared.events.claim_snapshot import ClaimKind
from shared.events.claim_snapshot_v2 import ClaimSnapshotV2


@dataclass(frozen=True)
class FilingDeadline:
    limit_days: int
    starts: date
    deadline: date


def limit_starts(claim: ClaimSnapshotV2) -> date | None:
    """The date the payer's filing limit runs from (None for a claim with no dates)."""
    if claim.kind is ClaimKind.INSTITUTIONAL and claim.statement_to is not None:
        return claim.statement_to
    return claim.first_service_date


def filing_deadline(claim: ClaimSnapshotV2, limit_days: int) -> FilingDeadline | None:
    """The last day the payer takes `claim` under a limit of `limit_days`."""
    starts = limit_starts(claim)
    if starts is None:
        return None
    return FilingDeadline(limit_days, starts, starts + timedelta(days=limit_days))
