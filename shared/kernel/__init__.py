"""The command side every service shares: aggregates (pure decide/apply) and the unit of work.

Every write goes the same way: load the stream, fold it with `apply`, `decide` the
command, append the new events with the expected version, together with the service's
own table writes, in one transaction; on a concurrency conflict, reload and decide again.

A service's domain module (pure: no I/O, no clock, no random)::

    # services/claims/domain.py
    from shared.kernel import Aggregate, IllegalTransition

    def apply(state: ClaimState, event: Event) -> ClaimState: ...       # one event folded
    def decide(state: ClaimState, command: Command, now: datetime) -> list[Event]:
        match command:
            case MarkReady() if state.status is ClaimStatus.CREATED:
                return [ClaimReady(claim_id=state.claim_id, ...)]
            case MarkReady():
                raise IllegalTransition(state.status, "mark_ready", subject="the claim")

    CLAIM = Aggregate(name="claim", initial=ClaimState.empty, apply=apply, decide=decide)

Its handlers (one per command; `uow` is made per request, or bound to a process's
transaction)::

    # services/claims/handlers.py
    from shared.kernel import UnitOfWork

    def mark_ready(uow: UnitOfWork, claim_id: str, *, cause: EventEnvelope | None = None):
        with uow:   # commits at the end; a DomainError or any exception rolls back
            return uow.run(CLAIM, claim_id, MarkReady(), cause=cause)

Wiring (bootstrap)::

    store = SqlEventStore(engine)                    # or InMemoryEventStore() in tests
    uow = UnitOfWork(store, producer="claims", clock=clock)
    mark_ready(uow, "clm_1")                         # its own transaction
    with engine.begin() as conn:                     # a process: tracking row + events, one commit
        mark_ready(uow.bound(conn), "clm_1", cause=envelope)
        record_tracking(conn, envelope)

The store refuses an event type the producer does not own (`NotOwnerError`), so a unit of
work's `producer` must be the service's name (`shared.events.ownership.Service`). Tests of
`decide` need nothing but the aggregate: `CLAIM.given(claim_id, *events)` builds the
state, `CLAIM.decide(state, command, now)` answers. Handler tests use
`InMemoryEventStore`, which keeps the SQL stores' transaction semantics.
"""

from shared.kernel.aggregate import Aggregate, DomainError, IllegalTransition
from shared.kernel.unit_of_work import (
    DEFAULT_MAX_ATTEMPTS,
    CommandResult,
    ConflictRetriesExhausted,
    KernelError,
    Loaded,
    OrganizationMismatch,
    UnitOfWork,
)

__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "Aggregate",
    "CommandResult",
    "ConflictRetriesExhausted",
    "DomainError",
    "IllegalTransition",
    "KernelError",
    "Loaded",
    "OrganizationMismatch",
    "UnitOfWork",
]
