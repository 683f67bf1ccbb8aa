"""Embedded runner: the event table read as the log, in global order, for every subscription.

The no-Kafka default (one process, SQLite). Projections and processes are applied by the
same code as on Kafka (`shared.messaging.subscription`). Each subscription keeps a checkpoint
(the last global position it processed) committed in the same transaction as its writes,
its tracking rows and, for a process, the events it appended, so a crash between batches
re-reads at most one batch and applies or appends none of it twice. A failing event is
written to `projection_dead_letters` and the runner moves on; an event held for a missing
stream version (which the store itself never produces) is dead-lettered with "gap" after
the gap timeout.

Events a process appends are read back in the same catch-up: `run_until_caught_up` goes
round every subscription until a whole round finds nothing new.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.engine import Connection, Engine

from shared.events.envelope import EventEnvelope
from shared.eventstore.interface import EventStore
from shared.logsafe import describe_error
from shared.messaging import tracking
from shared.messaging.subscription import (
    DEFAULT_GAP_TIMEOUT,
    BatchResult,
    Delivery,
    PayloadDecoder,
    Subscription,
    apply_deliveries,
    error_text,
    expire_held,
    release_held,
)

log = logging.getLogger(__name__)

MAX_ROUNDS = 100
"""Processes appending in reaction to each other converge long before this; a loop does not."""


class EmbeddedRunner:
    """Catches subscriptions up with an event store; `run_until_caught_up` or `run_forever`."""

    def __init__(
        self,
        store: EventStore,
        engine: Engine,
        subscriptions: Sequence[Subscription],
        decode: PayloadDecoder,
        *,
        batch_size: int = 500,
        gap_timeout: timedelta = DEFAULT_GAP_TIMEOUT,
    ) -> None:
        self._store = store
        self._engine = engine
        self._subscriptions = list(subscriptions)
        self._decode = decode
        self._batch_size = batch_size
        self._gap_timeout = gap_timeout
        self._stop = threading.Event()
        self._tables_ready = False
        # One catch-up at a time: the background thread of `revcycle serve` and a command
        # settling its own writes (embedded mode) must not apply the same events at once.
        self._catching_up = threading.Lock()

    @property
    def subscriptions(self) -> list[Subscription]:
        return list(self._subscriptions)

    def create_tables(self) -> None:
        """Each subscription's own tables and the tracking tables (done by the first run)."""
        for subscription in self._subscriptions:
            subscription.create_tables(self._engine)
        self._tables_ready = True

    def checkpoint(self, subscription: Subscription) -> int:
        with self._engine.connect() as conn:
            return tracking.load_checkpoint(conn, subscription.name)

    def run_until_caught_up(self) -> dict[str, BatchResult]:
        """Apply every committed event not yet applied; returns totals per subscription."""
        with self._catching_up:
            return self._catch_up()

    def _catch_up(self) -> dict[str, BatchResult]:
        if not self._tables_ready:
            self.create_tables()
        totals = {s.name: BatchResult() for s in self._subscriptions}
        for _ in range(MAX_ROUNDS):
            progressed = False
            for subscription in self._subscriptions:
                total = totals[subscription.name]
                while True:
                    after = self.checkpoint(subscription)
                    events = self._store.read_all(after=after, limit=self._batch_size)
                    if not events:
                        break
                    total.add(self._apply(subscription, events_to_deliveries(events)))
                    progressed = True
                self._maintain_held(subscription, total)
            if not progressed:
                return totals
        raise RuntimeError(
            f"subscriptions still appending after {MAX_ROUNDS} rounds: processes that react "
            "to each other's events without end"
        )

    def run_forever(self, poll_interval: float = 0.5) -> None:
        """Follow the store until `stop()`; used by `revcycle serve` in a background thread."""
        while not self._stop.is_set():
            try:
                self.run_until_caught_up()
            except Exception as exc:  # noqa: BLE001 - keep the server's runner alive; retry later
                # No traceback: a database error's text can quote a row (patient data).
                log.error("embedded runner pass failed; retrying: %s", describe_error(exc))
            self._stop.wait(poll_interval)

    def stop(self) -> None:
        self._stop.set()

    def _on_failure(self, subscription: Subscription) -> _DeadLetterTable:
        return _DeadLetterTable(subscription.name)

    def _apply(self, subscription: Subscription, deliveries: list[Delivery]) -> BatchResult:
        def finish(conn: Connection, done: Sequence[Delivery]) -> None:
            last = max(d.position for d in done if d.position is not None)
            tracking.advance_checkpoint(conn, subscription.name, last)

        return apply_deliveries(
            self._engine,
            subscription,
            self._decode,
            deliveries,
            finish=finish,
            on_failure=self._on_failure(subscription),
        )

    def _maintain_held(self, subscription: Subscription, total: BatchResult) -> None:
        on_failure = self._on_failure(subscription)
        total.add(release_held(self._engine, subscription, self._decode, on_failure=on_failure))
        total.dead_lettered += expire_held(
            self._engine, subscription, timeout=self._gap_timeout, on_failure=on_failure
        )


class _DeadLetterTable:
    """The embedded runner's dead-letter store: `projection_dead_letters`, same transaction."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __call__(self, conn: Connection, delivery: Delivery, exc: BaseException) -> None:
        envelope = delivery.envelope
        tracking.record_dead_letter(
            conn,
            self._name,
            error=error_text(exc),
            event_id=envelope.event_id if envelope else None,
            position=delivery.position,
            event_type=envelope.type if envelope else None,
        )


def events_to_deliveries(events: Sequence[EventEnvelope]) -> list[Delivery]:
    deliveries = []
    for event in events:
        if event.position is None:
            raise ValueError(f"event {event.event_id} read from a store has no position")
        deliveries.append(Delivery(envelope=event, position=event.position))
    return deliveries
