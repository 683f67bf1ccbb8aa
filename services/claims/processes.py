"""Claims processes: reactions to other services' events, each run as a command in a unit of work.

Run by the subscription runtime with a unit of work bound to the transaction that also
records the process's tracking row, so a redelivered event appends nothing twice.
"""

from __future__ import annotations

from services.claims.domain import ClaimState, ClaimStatus
from services.claims.handlers import mark_ready
from shared.events.claims import ClaimAmended, ClaimCreated
from shared.events.envelope import EventEnvelope
from shared.kernel import CommandResult, IllegalTransition, UnitOfWork

READY_TRIGGERS = frozenset({ClaimCreated.event_type, ClaimAmended.event_type})
"""New or amended content: once the stream shows it clean, the claim is ready."""


def mark_clean_claim_ready(
    uow: UnitOfWork, envelope: EventEnvelope
) -> CommandResult[ClaimState] | None:
    """On claim.created / claim.amended: mark the claim ready unless the scrubber held it.

    Intake appends `claim.scrub_failed` in the same transaction as the content, so the
    stream loaded here already shows a held claim as held. A held claim waits for its
    amendment and a claim already ready has nothing left to do: both return None.
    """
    if envelope.type not in READY_TRIGGERS:
        return None
    try:
        return mark_ready(uow, envelope.stream_id, cause=envelope)
    except IllegalTransition as refused:
        if refused.state in (ClaimStatus.HELD, ClaimStatus.READY):
            return None
        raise
