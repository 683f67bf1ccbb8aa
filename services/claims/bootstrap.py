"""Composition root of the claims service: its unit of work and its subscriptions (processes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from services.claims.processes import READY_TRIGGERS, mark_clean_claim_ready
from shared.eventstore.interface import EventStore
from shared.kernel import UnitOfWork
from shared.messaging.process import Process, with_unit_of_work
from shared.messaging.subscription import Subscription

PRODUCER = "claims"
READINESS_PROCESS = "claims.readiness"


def unit_of_work(
    store: EventStore, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> UnitOfWork:
    """The claims service's unit of work (it appends as `claims`, the owner of its types)."""
    return UnitOfWork(store, producer=PRODUCER, clock=clock)


def readiness_process(uow: UnitOfWork) -> Process:
    """claim.created / claim.amended -> claim.ready for a clean claim (issue 8's first process)."""
    handler = with_unit_of_work(uow.bound, mark_clean_claim_ready)
    return Process(READINESS_PROCESS, {event_type: handler for event_type in READY_TRIGGERS})


def subscriptions(
    store: EventStore, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> list[Subscription]:
    """Every claims subscription, for the Kafka worker and the embedded runner alike."""
    return [readiness_process(unit_of_work(store, clock))]
