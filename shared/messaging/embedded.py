"""Embedded runner: the event store table read as the log, in global order, with the same handlers.

The no-Kafka default (one process, SQLite). Each projection keeps a checkpoint (the last
global position it processed) committed in the same transaction as its writes and tracking
rows, so a crash between batches re-reads at most one batch and applies none of it twice.
A failing event is written to `projection_dead_letters` and the runner moves on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from sqlalchemy.engine import Connection, Engine

from shared.events.envelope import EventEnvelope
from shared.eventstore.interface import EventStore
from shared.messaging import tracking
from shared.messaging.projection import (
    BatchResult,
    Delivery,
    PayloadDecoder,
    Projection,
    apply_deliveries,
    error_text,
)

log = logging.getLogger(__name__)


class EmbeddedProjector:
    """Catches projections up with an event store; `run_until_caught_up` or `run_forever`."""

    def __init__(
        self,
        store: EventStore,
        engine: Engine,
        projections: Sequence[Projection],
        decode: PayloadDecoder,
        *,
        batch_size: int = 500,
    ) -> None:
        self._store = store
        self._engine = engine
        self._projections = list(projections)
        self._decode = decode
        self._batch_size = batch_size
        self._stop = threading.Event()

    def create_tables(self) -> None:
        for projection in self._projections:
            projection.create_tables(self._engine)

    def checkpoint(self, projection: Projection) -> int:
        with self._engine.connect() as conn:
            return tracking.load_checkpoint(conn, projection.name)

    def run_until_caught_up(self) -> dict[str, BatchResult]:
        """Apply every committed event not yet applied; returns totals per projection."""
        totals: dict[str, BatchResult] = {}
        for projection in self._projections:
            total = BatchResult()
            while True:
                after = self.checkpoint(projection)
                events = self._store.read_all(after=after, limit=self._batch_size)
                if not events:
                    break
                result = self._apply(projection, events_to_deliveries(events))
                total.applied += result.applied
                total.skipped += result.skipped
                total.ignored += result.ignored
                total.dead_lettered += result.dead_lettered
            totals[projection.name] = total
        return totals

    def run_forever(self, poll_interval: float = 0.5) -> None:
        """Follow the store until `stop()`; used by `revcycle serve` in a background thread."""
        while not self._stop.is_set():
            try:
                self.run_until_caught_up()
            except Exception:  # noqa: BLE001 - keep the server's projector alive; retry later
                log.exception("embedded projector pass failed; retrying")
            self._stop.wait(poll_interval)

    def stop(self) -> None:
        self._stop.set()

    def _apply(self, projection: Projection, deliveries: list[Delivery]) -> BatchResult:
        def finish(conn: Connection, done: Sequence[Delivery]) -> None:
            last = max(d.position for d in done if d.position is not None)
            if last > tracking.load_checkpoint(conn, projection.name):
                tracking.save_checkpoint(conn, projection.name, last)

        def on_failure(conn: Connection, delivery: Delivery, exc: BaseException) -> None:
            envelope = delivery.envelope
            tracking.record_dead_letter(
                conn,
                projection.name,
                error=error_text(exc),
                event_id=envelope.event_id if envelope else None,
                position=delivery.position,
                event_type=envelope.type if envelope else None,
            )

        return apply_deliveries(
            self._engine, projection, self._decode, deliveries, finish=finish, on_failure=on_failure
        )


def events_to_deliveries(events: Sequence[EventEnvelope]) -> list[Delivery]:
    deliveries = []
    for event in events:
        if event.position is None:
            raise ValueError(f"event {event.event_id} read from a store has no position")
        deliveries.append(Delivery(envelope=event, position=event.position))
    return deliveries
