"""The claims service's scheduled jobs besides submission: timely filing checks and 276 inquiries.

Run by `revcycle claims timely-filing` and `revcycle claims status-inquiries`, and by the
claims worker's schedule (with `submit_ready_claims`). Each finds its claims in the claims
index, loads each claim's stream and runs a command; decide says whether anything happens.

- Timely filing: every claim the payer has not accepted is compared with its deadline
  (the payer's limit from the payer rules file, from the first date of service): within
  `CLAIMS_TIMELY_FILING_WARNING_DAYS` of it (or past it), `claim.timely_filing_at_risk`
  once per deadline; a ready claim past it, `claim.timely_filing_passed` (not submitted).
- Status inquiries: a claim with no 277CA or 835 `CLAIMS_STATUS_INQUIRY_AFTER_DAYS` after
  it went out (and as long again after the last inquiry) is asked about in a 276, one file
  per payer, sent crash-safely like an 837 batch (`services.claims.sending`). A claim the
  payer answered about with a request for information or "not found" has no 835 either: it
  is asked about again after as many days (the office answers or resubmits meanwhile).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from services.claims.commands import BatchRef, CheckTimelyFiling, RequestStatus
from services.claims.deps import ClaimsDeps
from services.claims.domain import CLAIM, NOT_ACCEPTED, ClaimState, ClaimStatus
from services.claims.sending import BatchLine, new_batch_ref, prepare_batch, send_batch
from services.claims.submission import deadline_of, load_claim
from services.claims.tables import claims_index, inquiries
from shared.events.claim_batches import BatchTransaction
from shared.events.claim_snapshot_v2 import claim_from_snapshot_v2 as claim_from_snapshot
from shared.exchange.interface import ClearinghouseAdapter
from shared.kernel import DomainError, KernelError
from shared.x12.x12_276_005010X212.writer import (
    ClaimStatusInquiry,
    StatusInquiryWriteError,
    status_inquiry_for_claim,
    write_276,
)


@dataclass
class JobReport:
    events: list[dict[str, Any]] = field(default_factory=list)
    batches: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"events": self.events, "batches": self.batches, "skipped": self.skipped}


# -- timely filing ----------------------------------------------------------------------------


def check_timely_filing(deps: ClaimsDeps, *, organization_id: str | None = None) -> JobReport:
    """Warn about (or flag) every claim near or past its payer's filing deadline."""
    report = JobReport()
    today = deps.clock().date()
    warn_days = deps.settings.claims_timely_filing_warning_days
    # No payer's limit is shorter than the shortest configured: claims whose limit started
    # more recently than that cannot be near any deadline yet.
    document = deps.payer_rules.document
    shortest = min(
        [document.defaults.timely_filing_days]
        + [p.timely_filing_days for p in document.payers if p.timely_filing_days is not None]
    )
    horizon = today - timedelta(days=max(shortest - warn_days, 0))
    query = sa.select(claims_index.c.claim_id).where(
        claims_index.c.status.in_([s.value for s in NOT_ACCEPTED]),
        claims_index.c.limit_starts.is_not(None),
        claims_index.c.limit_starts <= horizon,
    )
    if organization_id is not None:
        query = query.where(claims_index.c.organization_id == organization_id)
    with deps.engine.connect() as conn:
        claim_ids = conn.execute(query.order_by(claims_index.c.limit_starts)).scalars().all()
    for claim_id in claim_ids:
        state, _version = load_claim(deps, claim_id)
        _check_claim(deps, state, today, warn_days, report)
    return report


def _check_claim(
    deps: ClaimsDeps, state: ClaimState, today: date, warn_days: int, report: JobReport
) -> None:
    if state.claim is None:
        return
    deadline = deadline_of(deps, state.claim)
    if deadline is None:
        return
    command = CheckTimelyFiling(
        today=today,
        deadline=deadline.deadline,
        limit_days=deadline.limit_days,
        limit_starts=deadline.starts,
        warn_days=warn_days,
    )
    try:
        with deps.uow() as uow:
            result = uow.run(CLAIM, state.claim_id, command)
    except (DomainError, KernelError) as refused:
        report.skipped.append({"claim_id": state.claim_id, "reason": str(refused)})
        return
    for event in result.events:
        report.events.append(
            {
                "claim_id": state.claim_id,
                "type": event.event_type,
                "deadline": deadline.deadline.isoformat(),
                "days_left": (deadline.deadline - today).days,
            }
        )


# -- status inquiries (276) -------------------------------------------------------------------

WAITING = (
    ClaimStatus.SUBMITTED.value,
    ClaimStatus.ACKNOWLEDGED.value,
    ClaimStatus.ACCEPTED.value,
    ClaimStatus.INFO_REQUESTED.value,
    ClaimStatus.NOT_FOUND.value,
)
"""No 277CA (submitted, acknowledged) or no 835 (accepted, or a 277 that asked for more
information or did not find the claim) yet."""


def send_status_inquiries(
    deps: ClaimsDeps,
    *,
    organization_id: str | None = None,
    adapter: ClearinghouseAdapter | None = None,
) -> JobReport:
    """A 276 per payer for the claims the payer has been silent about (see the module doc)."""
    adapter = adapter or deps.adapter()
    report = JobReport()
    now = deps.clock()
    before = now - timedelta(days=deps.settings.claims_status_inquiry_after_days)
    query = sa.select(claims_index.c.claim_id, claims_index.c.organization_id).where(
        claims_index.c.status.in_(WAITING),
        claims_index.c.last_submitted_at <= before,
        sa.or_(
            claims_index.c.last_status_request_at.is_(None),
            claims_index.c.last_status_request_at <= before,
        ),
    )
    if organization_id is not None:
        query = query.where(claims_index.c.organization_id == organization_id)
    with deps.engine.connect() as conn:
        rows = conn.execute(query.order_by(claims_index.c.claim_id)).all()
    groups: dict[tuple[str, str, str], list[tuple[ClaimState, int]]] = {}
    for claim_id, org in rows:
        state, version = load_claim(deps, claim_id)
        if state.status.value not in WAITING or state.claim is None:
            continue
        payer_id = state.claim.payer.payer_id
        receiver = deps.partners.receiver_for(payer_id)
        groups.setdefault((org, payer_id, receiver.id), []).append((state, version))
    for (org, payer_id, _receiver), members in groups.items():
        _send_276(deps, adapter, org, payer_id, members, report)
    return report


def _send_276(
    deps: ClaimsDeps,
    adapter: ClearinghouseAdapter,
    organization_id: str,
    payer_id: str,
    members: Sequence[tuple[ClaimState, int]],
    report: JobReport,
) -> None:
    receiver = deps.partners.receiver_for(payer_id)
    ref, numbers = new_batch_ref(
        deps, BatchTransaction.X12_276, payer_id, receiver.id, deps.numbers
    )
    asked: list[tuple[ClaimState, str, ClaimStatusInquiry]] = []
    for state, _version in members:
        assert state.claim is not None
        trace = deps.ids("trc")
        try:
            inquiry = status_inquiry_for_claim(
                claim_from_snapshot(state.claim), trace, state.payer_claim_number
            )
        except (StatusInquiryWriteError, ValueError) as exc:
            report.skipped.append({"claim_id": state.claim_id, "reason": str(exc)})
            continue
        asked.append((state, trace, inquiry))
    if not asked:
        return
    text = write_276(
        [inquiry for _, _, inquiry in asked],
        submitter=deps.partners.submitter,
        sender=deps.partners.sender_party(),
        receiver=deps.partners.receiver_party(receiver),
        created_at=ref.created_at,
        numbers=numbers,
        reference=ref.reference,
        usage=deps.settings.claims_usage,
    )
    content = text.encode("utf-8")
    lines: list[BatchLine] = []
    try:
        _record_276(deps, ref, organization_id, payer_id, asked, lines, content)
    except (DomainError, KernelError) as refused:
        # A claim moved meanwhile (answered, corrected): nothing recorded; the next run asks.
        report.skipped.append({"payer_id": payer_id, "reason": str(refused)})
        return
    sent = send_batch(deps, adapter, ref.batch_id, ref.file_name, content)
    report.batches.append(
        {
            "batch_id": ref.batch_id,
            "file": ref.file_name,
            "transaction": "276",
            "payer_id": payer_id,
            "claims": len(lines),
            "already_sent": sent.already_sent if sent else True,
        }
    )
    for state, trace, _inquiry in asked:
        report.events.append(
            {"claim_id": state.claim_id, "type": "claim.status_requested", "trace_number": trace}
        )


def _record_276(
    deps: ClaimsDeps,
    ref: BatchRef,
    organization_id: str,
    payer_id: str,
    asked: Sequence[tuple[ClaimState, str, ClaimStatusInquiry]],
    lines: list[BatchLine],
    content: bytes,
) -> None:
    with deps.uow() as uow:
        for state, trace, _inquiry in asked:
            result = uow.run(CLAIM, state.claim_id, RequestStatus(ref, trace))
            assert state.claim is not None
            lines.append(
                BatchLine(
                    claim_id=state.claim_id,
                    stream_version=result.version,
                    patient_control_number=state.claim.patient_control_number,
                    charge=state.claim.total_charge,
                )
            )
            uow.transaction.execute(
                inquiries.insert().values(
                    trace_number=trace,
                    batch_id=ref.batch_id,
                    organization_id=organization_id,
                    claim_id=state.claim_id,
                )
            )
        prepare_batch(
            uow,
            ref,
            organization_id=organization_id,
            payer_id=payer_id,
            lines=lines,
            content=content,
            prepared_at=deps.clock(),
        )
