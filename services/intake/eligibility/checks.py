"""Eligibility checks, with I/O: ask (cache, or a 270 through the clearinghouse) and record answers.

`start_check` is the one way a check begins, for the automatic process (on
`claim.eligibility_requested`) and for `POST /v1/eligibility` alike: a fresh answer in the
cache for the same organization, payer, member and date of service is recorded at once
(`from_cache`); otherwise the inquiry row is written and one 270 goes out through the
clearinghouse adapter, in the caller's transaction. `record_answer` turns one answer of a
271 into the claim's events and the cache entry (used by `ingest_271`).

A redelivered `claim.eligibility_requested` must not send a second, different 270: the
process passes a trace number and a creation time taken from the event, so the file is
the same bytes under the same name, which the adapter accepts as already sent.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.intake.eligibility import tables
from services.intake.eligibility.answers import Answer
from services.intake.eligibility.config import EligibilitySettings
from services.intake.eligibility.domain import (
    CLAIM_ELIGIBILITY,
    CheckAnswered,
    CheckFailed,
    Command,
)
from shared.claim_model import Claim
from shared.events.eligibility import EligibilityProblem
from shared.events.envelope import EventEnvelope
from shared.exchange.interface import ClearinghouseAdapter
from shared.kernel import UnitOfWork
from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.envelope_writer import Party
from shared.x12.x12_270_005010X279A1.writer import (
    EligibilityWriteError,
    inquiry_for_claim,
    write_270,
)

MAX_CONTROL = 999_999_999


@dataclass(frozen=True)
class CheckStarted:
    """What a check did at once: `sent` a 270, `answered` (from the cache) or `failed`."""

    status: str
    trace_number: str | None
    inquiry_id: int | None = None
    file_name: str | None = None
    answer: dict[str, Any] | None = None
    problems: tuple[EligibilityProblem, ...] = ()


def command_for(
    answer: Answer,
    *,
    payer_id: str,
    service_date: Any,
    trace_number: str | None,
    from_cache: bool = False,
) -> Command:
    """The claim command one answer becomes: recorded coverage, or a failed check."""
    if answer.rejected or answer.active is None:
        problems = tuple(
            EligibilityProblem(
                code=r.code, description=r.description, follow_up=r.follow_up, level=r.level
            )
            for r in answer.rejections
        ) or (
            EligibilityProblem(
                code="NO_COVERAGE_ANSWER",
                description="the 271 holds no coverage status (EB01 1-8) for this inquiry",
            ),
        )
        return CheckFailed(payer_id=payer_id, problems=problems, trace_number=trace_number)
    return CheckAnswered(
        payer_id=payer_id,
        service_date=service_date,
        trace_number=trace_number,
        answer=answer,
        from_cache=from_cache,
    )


def _write_problem(exc: EligibilityWriteError) -> EligibilityProblem:
    text = str(exc)
    code = "NO_NPI" if "NPI" in text else "NO_SERVICE_DATE" if "service date" in text else "NO_270"
    return EligibilityProblem(code=code, description=text)


def _numbers(trace_number: str) -> InMemoryControlNumbers:
    # Control numbers from the trace: the same inquiry always writes the same bytes.
    digest = int(hashlib.sha256(trace_number.encode()).hexdigest(), 16)
    return InMemoryControlNumbers(start=digest % (MAX_CONTROL - 10))


def file_name_for(trace_number: str) -> str:
    return f"eligibility-{trace_number}.270"


def start_check(
    uow: UnitOfWork,
    *,
    claim_id: str,
    claim: Claim,
    organization_id: str,
    trace_number: str,
    created_at: datetime,
    settings: EligibilitySettings,
    adapter: ClearinghouseAdapter,
    cause: EventEnvelope | None = None,
) -> CheckStarted:
    """Begin one check of `claim` inside `uow`'s open transaction (see the module doc)."""
    conn = uow.transaction
    payer_id = claim.payer.payer_id
    member_id = claim.subscriber.member_id
    service_date = claim.first_service_date
    earlier = tables.by_trace(conn, trace_number)
    if earlier is not None:  # a redelivery: that check is under way (or answered) already
        return CheckStarted("sent", trace_number, earlier.id, file_name_for(trace_number))
    if service_date is not None:
        fresh_since = uow.clock() - timedelta(hours=settings.eligibility_cache_hours)
        hit = tables.cached(conn, organization_id, payer_id, member_id, service_date, fresh_since)
        if hit is not None:
            stored, cached_trace = hit
            answer = Answer.from_json(stored, cached_trace)
            command = command_for(
                answer,
                payer_id=payer_id,
                service_date=service_date,
                trace_number=cached_trace,
                from_cache=True,
            )
            uow.run(CLAIM_ELIGIBILITY, claim_id, command, cause=cause)
            return CheckStarted("answered", cached_trace, answer=stored)
    try:
        inquiry = inquiry_for_claim(claim, trace_number)
    except EligibilityWriteError as exc:
        failed = CheckFailed(payer_id=payer_id, problems=(_write_problem(exc),), trace_number=None)
        uow.run(CLAIM_ELIGIBILITY, claim_id, failed, cause=cause)
        return CheckStarted("failed", None, problems=failed.problems)
    assert service_date is not None  # inquiry_for_claim refuses a claim without one
    inquiry_id = tables.add_inquiry(
        conn,
        trace_number=trace_number,
        organization_id=organization_id,
        claim_id=claim_id,
        payer_id=payer_id,
        member_id=member_id,
        service_date=service_date,
        at=created_at,
    )
    text = write_270(
        [inquiry],
        sender=Party(settings.eligibility_sender_id),
        receiver=Party(settings.eligibility_receiver_id),
        created_at=created_at,
        numbers=_numbers(trace_number),
        reference=trace_number,  # BHT03: a rejection of the whole 270 names it
        usage=settings.eligibility_usage,
    )
    name = file_name_for(trace_number)
    tables.set_file(conn, inquiry_id, name)
    # Sent last: anything that fails before leaves no file behind and rolls the rows back.
    adapter.send(name, text.encode("ascii"))
    return CheckStarted("sent", trace_number, inquiry_id, name)


@dataclass(frozen=True)
class Recorded:
    """What one answer of a 271 did."""

    trace_number: str | None
    status: str  # active, inactive, failed, duplicate, unknown, error
    claim_id: str | None = None
    held: bool = False
    detail: str | None = None  # why an answer could not be recorded (codes, never values)


def record_answer(uow: UnitOfWork, answer: Answer, at: datetime) -> Recorded:
    """Record one answer of a 271 inside `uow`'s open transaction.

    The inquiry is found by TRN02 (or BHT03 for a rejection of the whole 270, which intake
    writes equal to the trace number). A second copy of the same 271 changes nothing.
    """
    conn = uow.transaction
    key = answer.trace_number or answer.reference
    inquiry = tables.by_trace(conn, key) if key else None
    if inquiry is None:
        return Recorded(key, "unknown")
    if not tables.mark_answered(conn, inquiry.id, answer.to_json(), at):
        return Recorded(key, "duplicate", inquiry.claim_id)
    usable = not answer.rejected and answer.active is not None
    if usable:
        tables.remember(
            conn,
            organization_id=inquiry.organization_id,
            payer_id=inquiry.payer_id,
            member_id=inquiry.member_id,
            service_date=inquiry.service_date,
            answer=answer.to_json(),
            trace_number=inquiry.trace_number,
            at=at,
        )
    status = "failed" if not usable else "active" if answer.active else "inactive"
    if inquiry.claim_id is None:
        return Recorded(key, status)
    command = command_for(
        answer,
        payer_id=inquiry.payer_id,
        service_date=inquiry.service_date,
        trace_number=inquiry.trace_number,
    )
    result = uow.run(
        CLAIM_ELIGIBILITY, inquiry.claim_id, command, organization_id=inquiry.organization_id
    )
    held = any(e.event_type == "claim.scrub_failed" for e in result.events)
    return Recorded(key, status, inquiry.claim_id, held)
