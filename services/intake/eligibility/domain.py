"""The claim as eligibility sees it, pure: its content, where it stands, what an answer appends.

Intake appends a check's outcome to the claim's own stream: `claim.eligibility_verified`
(v2) for an answer, `claim.eligibility_failed` for a refusal or a question that could not
be asked. Inactive coverage also holds the claim (`claim.scrub_failed` with the finding
`ELIGIBILITY_INACTIVE`), but only while the claim is still waiting to be made ready: a
claim already ready, held or sent is not moved back by a check someone asked for later.

No I/O, no clock, no random here: `now` is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shared.claim_model import Claim
from shared.events.base import Event
from shared.events.claim_snapshot import claim_from_snapshot
from shared.events.claims import ClaimScrubFailed, ScrubFinding
from shared.events.eligibility import (
    ClaimEligibilityFailed,
    ClaimEligibilityVerifiedV2,
    EligibilityProblem,
)
from shared.kernel import Aggregate, DomainError

CONTENT_TYPES = frozenset({"claim.created", "claim.amended"})
"""Events carrying the claim's content: after one, the claim waits to be made ready again."""

INACTIVE_FINDING = "ELIGIBILITY_INACTIVE"


@dataclass(frozen=True)
class ClaimForEligibility:
    claim_id: str
    claim: Claim | None = None
    waiting: bool = False
    """True while the last content is neither held, ready nor sent: a check may still hold it."""


def apply(state: ClaimForEligibility, event: Event) -> ClaimForEligibility:
    kind = event.event_type
    if kind in CONTENT_TYPES:
        content: Any = getattr(event, "claim")  # noqa: B009 (every content event has one)
        return replace(state, claim=claim_from_snapshot(content), waiting=True)
    if kind.startswith("claim.eligibility_"):
        return state
    # scrub_failed, ready, submitted, ...: the claim is held or on its way.
    return replace(state, waiting=False)


@dataclass(frozen=True)
class CheckAnswered:
    """The payer answered (or intake's cache did): record it, hold the claim if inactive."""

    payer_id: str
    active: bool
    service_date: date | None
    trace_number: str | None
    from_cache: bool = False
    plan_name: str | None = None
    plan_begin: date | None = None
    plan_end: date | None = None
    copay: Decimal | None = None
    coinsurance: Decimal | None = None
    deductible: Decimal | None = None
    deductible_remaining: Decimal | None = None
    out_of_pocket_remaining: Decimal | None = None
    inactive_reason: str | None = None


@dataclass(frozen=True)
class CheckFailed:
    """No usable answer: the payer refused the 270 (AAA), or no 270 could be written."""

    payer_id: str
    problems: tuple[EligibilityProblem, ...]
    trace_number: str | None


Command = CheckAnswered | CheckFailed


class UnknownClaim(DomainError):
    def __init__(self, claim_id: str) -> None:
        super().__init__("claim", f"claim {claim_id!r} has no content: nothing to check")


def decide(state: ClaimForEligibility, command: Command, now: datetime) -> list[Event]:
    if state.claim is None:
        raise UnknownClaim(state.claim_id)
    match command:
        case CheckFailed():
            return [
                ClaimEligibilityFailed(
                    claim_id=state.claim_id,
                    payer_id=command.payer_id,
                    problems=command.problems,
                    trace_number=command.trace_number,
                )
            ]
        case CheckAnswered():
            events: list[Event] = [
                ClaimEligibilityVerifiedV2(
                    claim_id=state.claim_id,
                    payer_id=command.payer_id,
                    coverage_active=command.active,
                    plan_name=command.plan_name,
                    copay=command.copay,
                    deductible_remaining=command.deductible_remaining,
                    trace_number=command.trace_number,
                    service_date=command.service_date,
                    plan_begin=command.plan_begin,
                    plan_end=command.plan_end,
                    coinsurance=command.coinsurance,
                    deductible=command.deductible,
                    out_of_pocket_remaining=command.out_of_pocket_remaining,
                    inactive_reason=command.inactive_reason,
                    from_cache=command.from_cache,
                )
            ]
            if not command.active and state.waiting:
                reason = command.inactive_reason or "coverage not active"
                events.append(
                    ClaimScrubFailed(
                        claim_id=state.claim_id,
                        findings=(
                            ScrubFinding(
                                code=INACTIVE_FINDING,
                                message=f"payer {command.payer_id} answered the 270: {reason}",
                                field="subscriber.member_id",
                            ),
                        ),
                    )
                )
            return events


CLAIM_ELIGIBILITY: Aggregate[ClaimForEligibility, Command] = Aggregate(
    name="claim", initial=ClaimForEligibility, apply=apply, decide=decide
)
