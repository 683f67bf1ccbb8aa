"""Claims command handlers: one per command, each a unit of work (load, decide, append, retried)."""

from __future__ import annotations

from services.claims.commands import MarkReady
from services.claims.domain import CLAIM, ClaimState
from shared.events.envelope import EventEnvelope
from shared.kernel import CommandResult, UnitOfWork


def mark_ready(
    uow: UnitOfWork, claim_id: str, *, cause: EventEnvelope | None = None
) -> CommandResult[ClaimState]:
    """Mark a clean claim ready for submission (`claim.ready`); refuses a held or ready one."""
    with uow:
        return uow.run(CLAIM, claim_id, MarkReady(), cause=cause)
