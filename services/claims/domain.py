"""The claim as the claims service sees it, pure: state, transitions as data, apply and decide.

The claim's stream is shared: intake creates, scrubs and amends it, the claims service
marks it ready (and, next, submits it), remit posts payments, follow-up appeals and closes.
`TRANSITIONS` lists every status change the claims service knows, whoever appends the
event; `apply` follows it, `decide` asks it whether a command's event may happen now.
Event types it does not list (eligibility, payments, ... ) leave the status as it is.

No I/O, no clock, no random here: `now` is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from services.claims.commands import Command, MarkReady
from shared.events.base import Event
from shared.events.claims import ClaimAmended, ClaimCreated, ClaimReady, ClaimScrubFailed
from shared.kernel import Aggregate, DomainError, IllegalTransition


class ClaimStatus(StrEnum):
    NOT_CREATED = "not_created"
    CREATED = "created"
    """Accepted and scrubbed clean, not yet checked by the claims service."""
    HELD = "held"
    """The scrubber found errors; waits for an amendment."""
    READY = "ready"
    """Clean and queued for the next 837 to its payer."""


@dataclass(frozen=True)
class Transition:
    """`event_type` moves a claim from `source` to `target` (the row of the table)."""

    source: ClaimStatus
    event_type: str
    target: ClaimStatus


S = ClaimStatus
TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.NOT_CREATED, ClaimCreated.event_type, S.CREATED),
    Transition(S.CREATED, ClaimScrubFailed.event_type, S.HELD),
    Transition(S.CREATED, ClaimReady.event_type, S.READY),
    # An amendment before submission replaces the content; it is checked again from the start.
    Transition(S.CREATED, ClaimAmended.event_type, S.CREATED),
    Transition(S.HELD, ClaimAmended.event_type, S.CREATED),
    Transition(S.READY, ClaimAmended.event_type, S.CREATED),
)
"""Every status change the claims service knows; `docs` and `decide` read it, nothing else."""

_NEXT: dict[tuple[ClaimStatus, str], ClaimStatus] = {
    (t.source, t.event_type): t.target for t in TRANSITIONS
}
TRACKED_EVENT_TYPES = frozenset(t.event_type for t in TRANSITIONS)
"""The types that change the claim's status; any other type leaves it as it is."""


class UnexpectedHistory(DomainError):
    """The stream holds a transition the table does not allow: the table or a producer is wrong."""

    def __init__(self, claim_id: str, status: ClaimStatus, event_type: str) -> None:
        super().__init__(
            "history",
            f"claim {claim_id!r}: {event_type} recorded while the claim was {status}, "
            "which the claim lifecycle does not allow (services/claims/domain.py TRANSITIONS)",
        )
        self.status = status
        self.event_type = event_type


@dataclass(frozen=True)
class ClaimState:
    claim_id: str
    status: ClaimStatus = ClaimStatus.NOT_CREATED
    payer_id: str | None = None
    total_charge: Decimal | None = None

    @classmethod
    def empty(cls, claim_id: str) -> ClaimState:
        return cls(claim_id)


def allows(status: ClaimStatus, event_type: str) -> bool:
    return (status, event_type) in _NEXT


def apply(state: ClaimState, event: Event) -> ClaimState:
    """Fold one event of the claim's stream into the state."""
    if event.event_type not in TRACKED_EVENT_TYPES:
        return state
    target = _NEXT.get((state.status, event.event_type))
    if target is None:
        raise UnexpectedHistory(state.claim_id, state.status, event.event_type)
    match event:
        case ClaimCreated(claim=claim) | ClaimAmended(claim=claim):
            return replace(
                state, status=target, payer_id=claim.payer.payer_id, total_charge=claim.total_charge
            )
        case _:
            return replace(state, status=target)


def decide(state: ClaimState, command: Command, now: datetime) -> list[Event]:
    """The events a command produces on this claim, or a DomainError naming the rule."""
    match command:
        case MarkReady() if allows(state.status, ClaimReady.event_type):
            assert state.payer_id is not None and state.total_charge is not None
            return [
                ClaimReady(
                    claim_id=state.claim_id,
                    payer_id=state.payer_id,
                    total_charge=state.total_charge,
                )
            ]
        case MarkReady():
            raise IllegalTransition(state.status, command.name, subject="the claim")
    raise TypeError(f"not a claims command: {command!r}")


CLAIM: Aggregate[ClaimState, Command] = Aggregate(
    name="claim", initial=ClaimState.empty, apply=apply, decide=decide
)
