"""Processes: subscriptions that react to events by running commands (appending events).

A process is written like a projection, one plain handler per event type:

    def mark_ready(conn: Connection, event: ClaimCreated, envelope: EventEnvelope) -> None:
        store.append_in(conn, event.claim_id, current_version, [...])   # or a unit of work
                                                                         # bound to conn
    claims_process = Process("claims.readiness", {"claim.created": mark_ready})

The handler gets the connection of the runtime's transaction: whatever it appends there
(`SqlEventStore.append_in(conn, ...)`, or a unit of work bound to `conn`) commits together
with the process's tracking row and the consumer's offsets, so an event delivered again
(a crash between the database commit and the Kafka offset commit, a rebalance) appends
nothing twice. Appended events should carry `causation_id=envelope.event_id` and the
envelope's `correlation_id`. A handler that raises has its event dead-lettered, as for a
projection; a `ConcurrencyError` (another service appended to the stream first) runs the
handler again in a new transaction, a few times, before dead-lettering. Each event it
handles is its own transaction: an append holds the event store's append lock until
commit, and one failing command must not undo the others. Events it has no handler for
only move the stream's version and the position: a run of them is one transaction.

The same process runs from Kafka (`SubscriptionConsumer`) and in the embedded runner
(`EmbeddedRunner`), on the same code path as projections.

A process step written against a unit of work, `step(uow, envelope)`, becomes a handler
with `with_unit_of_work(bind, step)`, where `bind(conn)` returns the unit of work bound to
the runtime's transaction (for the kernel's: `uow.bound`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared.events.envelope import EventEnvelope
from shared.messaging.subscription import Handler, Subscription

U = TypeVar("U")


@dataclass(frozen=True)
class Process(Subscription):
    name: str
    handlers: Mapping[str, Handler]
    metadata: sa.MetaData | None = None  # the process's own tables, if it keeps any

    kind: ClassVar[str] = "process"
    one_event_per_transaction: ClassVar[bool] = True


def with_unit_of_work(
    bind: Callable[[Connection], U], step: Callable[[U, EventEnvelope], object]
) -> Handler:
    """A handler running `step(unit_of_work, envelope)` in the runtime's transaction.

    `bind(conn)` gives the unit of work bound to that open transaction (it neither commits
    nor rolls back: the runtime does, together with the tracking row).
    """

    def handle(conn: Connection, event: Any, envelope: EventEnvelope) -> None:
        step(bind(conn), envelope)

    handle.__name__ = getattr(step, "__name__", "process_step")
    return handle
