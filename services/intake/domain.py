"""The claim as intake sees it, pure: state, transitions, apply and decide (no I/O, clock or ids).

Intake writes the start of every claim's stream: `claim.created` (a new claim), and
`claim.amended` (new content before submission), each judged in the same decision by
the organization's scrubber and payer settings (a `Judge`, pure, passed in the command):
an error finding appends `claim.scrub_failed` with every finding, and a payer that
requires it appends `claim.eligibility_requested`. Of the other services' events it
follows those that decide whether a claim may still be amended: ready, submitted, voided.

    created -> [eligibility_requested] -> [scrub_failed]        one decision, one append
    amended -> [eligibility_requested] -> [scrub_failed]        while created, held or ready

`eligibility_requested` comes before `scrub_failed`, so the last thing a held claim's
stream says is that it is held.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from services.intake.scrubbing import Judge, Verdict
from shared.claim_model import Claim
from shared.events.base import Event
from shared.events.claim_snapshot_v2 import snapshot_v2
from shared.events.claims import (
    ClaimAmended,
    ClaimChannel,
    ClaimCreated,
    ClaimEligibilityRequested,
    ClaimReady,
    ClaimScrubFailed,
    ClaimSubmitted,
    ClaimVoided,
)
from shared.events.patient_account import patient_account_id
from shared.kernel import Aggregate, DomainError, IllegalTransition


class IntakeStatus(StrEnum):
    NOT_CREATED = "not_created"
    CREATED = "created"
    """Accepted and scrubbed clean; the claims service marks it ready next."""
    HELD = "held"
    """The scrubber found errors: waits for an amendment."""
    READY = "ready"
    """Queued by the claims service for its payer's next 837: still amendable."""
    SUBMITTED = "submitted"
    """Sent to the payer: a change now is the claims service's corrected claim."""
    VOIDED = "voided"


S = IntakeStatus
STATUS_AFTER: dict[str, IntakeStatus] = {
    ClaimCreated.event_type: S.CREATED,
    ClaimAmended.event_type: S.CREATED,
    ClaimScrubFailed.event_type: S.HELD,
    ClaimReady.event_type: S.READY,
    ClaimSubmitted.event_type: S.SUBMITTED,
    ClaimVoided.event_type: S.VOIDED,
}
"""Event type -> intake's status after it; other types (payments, acks...) leave it as it is."""

AMENDABLE = frozenset({S.CREATED, S.HELD, S.READY})
"""A claim no payer has seen: its content may still be replaced (`claim.amended`)."""


@dataclass(frozen=True)
class IntakeClaim:
    claim_id: str
    status: IntakeStatus = IntakeStatus.NOT_CREATED
    account_id: str | None = None

    @classmethod
    def empty(cls, claim_id: str) -> IntakeClaim:
        return cls(claim_id)


# -- commands (as decide receives them: the handler has added the organization's judge) ----


@dataclass(frozen=True)
class Accept:
    """A new claim for `organization_id`, under the id intake chose for it."""

    claim: Claim
    organization_id: str
    judge: Judge
    source: ClaimChannel = ClaimChannel.JSON
    source_reference: str | None = None


@dataclass(frozen=True)
class Amend:
    """New content for an existing claim that no payer has seen yet."""

    claim: Claim
    organization_id: str
    judge: Judge
    reason: str | None = None


Command = Accept | Amend


# -- refusals -----------------------------------------------------------------------------


class IntakeRejected(DomainError):
    """The submission contradicts the caller's identity or itself; names the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__("identity", f"{field}: {message}")
        self.field = field
        self.message = message


class ClaimNotFound(DomainError):
    def __init__(self, claim_id: str) -> None:
        super().__init__("not-found", f"claim {claim_id!r} not found")
        self.claim_id = claim_id


class ClaimNotAmendable(IllegalTransition):
    """The claim was submitted (or voided): intake can no longer replace its content."""

    def __init__(self, claim_id: str, status: IntakeStatus) -> None:
        if status is IntakeStatus.VOIDED:
            why = "the claim is voided: nothing replaces its content any more"
        else:
            why = (
                f"the claim is {status.value}: a payer has it, so a change is a corrected claim, "
                f"sent with POST /v1/claims/{claim_id}/corrections"
            )
        DomainError.__init__(self, "transition", f"{why}; nothing was appended")
        self.state = status.value
        self.command = "amend"
        self.status = status


# -- the rules ------------------------------------------------------------------------------


def apply(state: IntakeClaim, event: Event) -> IntakeClaim:
    """Fold one event of the claim's stream into intake's view of it."""
    status = STATUS_AFTER.get(event.event_type)
    if status is None:
        return state
    match event:
        case ClaimCreated(account_id=account) | ClaimAmended(account_id=account):
            return replace(state, status=status, account_id=account)
        case _:
            return replace(state, status=status)


def decide(state: IntakeClaim, command: Command, now: datetime) -> list[Event]:
    """The events a command appends to the claim's stream, or a DomainError naming the rule."""
    match command:
        case Accept():
            if state.status is not IntakeStatus.NOT_CREATED:
                raise IllegalTransition(state.status.value, "create", subject="the claim id")
            claim = _stamped(command.claim, state.claim_id, command.organization_id)
            verdict = command.judge(claim, now.date())
            account = patient_account_id(command.organization_id, claim.patient_control_number)
            content: Event = ClaimCreated(
                claim_id=state.claim_id,
                account_id=account,
                organization_id=command.organization_id,
                claim=snapshot_v2(verdict.claim),
                source=command.source,
                source_reference=command.source_reference,
            )
            return [content, *_judged(state.claim_id, verdict)]
        case Amend():
            if state.status is IntakeStatus.NOT_CREATED:
                raise ClaimNotFound(state.claim_id)
            if state.status not in AMENDABLE:
                raise ClaimNotAmendable(state.claim_id, state.status)
            claim = _stamped(command.claim, state.claim_id, command.organization_id)
            verdict = command.judge(claim, now.date())
            content = ClaimAmended(
                claim_id=state.claim_id,
                account_id=patient_account_id(
                    command.organization_id, claim.patient_control_number
                ),
                claim=snapshot_v2(verdict.claim),
                reason=command.reason,
            )
            return [content, *_judged(state.claim_id, verdict)]
    raise TypeError(f"not an intake command: {command!r}")


def _stamped(claim: Claim, claim_id: str, organization_id: str) -> Claim:
    """The claim under intake's id and the caller's organization (refused if it says otherwise)."""
    if claim.organization_id is not None and claim.organization_id != organization_id:
        raise IntakeRejected(
            "organization_id", "does not match the organization of the caller's credentials"
        )
    if claim.claim_id is not None and claim.claim_id != claim_id:
        raise IntakeRejected("claim_id", "is assigned by intake; leave it out")
    return claim.model_copy(update={"claim_id": claim_id, "organization_id": organization_id})


def _judged(claim_id: str, verdict: Verdict) -> list[Event]:
    events: list[Event] = []
    if verdict.eligibility_required:
        claim = verdict.claim
        events.append(
            ClaimEligibilityRequested(
                claim_id=claim_id,
                payer_id=claim.payer.payer_id,
                member_id=claim.subscriber.member_id,
                service_date=claim.first_service_date,
            )
        )
    if verdict.held:
        events.append(ClaimScrubFailed(claim_id=claim_id, findings=verdict.findings))
    return events


INTAKE_CLAIM: Aggregate[IntakeClaim, Command] = Aggregate(
    name="claim (intake)", initial=IntakeClaim.empty, apply=apply, decide=decide
)
"""The claim stream as intake folds and decides it."""


def created_event(
    claim: Claim,
    *,
    claim_id: str,
    organization_id: str,
    source: ClaimChannel = ClaimChannel.JSON,
) -> ClaimCreated:
    """The `claim.created` of an unscrubbed claim, as test data and benches build one."""
    stamped = _stamped(claim, claim_id, organization_id)
    return ClaimCreated(
        claim_id=claim_id,
        account_id=patient_account_id(organization_id, claim.patient_control_number),
        organization_id=organization_id,
        claim=snapshot_v2(stamped),
        source=source,
    )
