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
from typing import Any

from services.intake.eligibility.answers import Answer
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
    """The payer answered (or intake's cache did): record it, hold the claim if inactive.

    `answer.active` is True or False here: an answer without a status is a `CheckFailed`.
    """

    payer_id: str
    service_date: date | None
    trace_number: str | None
    answer: Answer
    from_cache: bool = False


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
        case CheckAnswered(answer=answer):
            events: list[Event] = [
                ClaimEligibilityVerifiedV2(
                    claim_id=state.claim_id,
                    payer_id=command.payer_id,
                    coverage_active=bool(answer.active),
                    plan_name=answer.plan_name,
                    copay=answer.copay,
                    deductible_remaining=answer.deductible_remaining,
                    trace_number=command.trace_number,
                    service_date=command.service_date,
                    plan_begin=answer.plan_begin,
                    plan_end=answer.plan_end,
                    coinsurance=answer.coinsurance,
                    deductible=answer.deductible,
                    out_of_pocket_remaining=answer.out_of_pocket_remaining,
                    inactive_reason=answer.inactive_reason,
                    from_cache=command.from_cache,
                )
            ]
            if not answer.active and state.waiting:
                reason = answer.inactive_reason or "coverage not active"
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
