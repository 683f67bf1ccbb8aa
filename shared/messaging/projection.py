"""Projections and the one way they are applied, by the Kafka consumer and the embedded runner.

A projection is a name, the tables of its read model and one plain handler function per
event type. `apply_deliveries` applies a batch in ONE database transaction together with the
tracking rows and the caller's position bookkeeping (offsets or checkpoint); if any handler
fails, the batch is rolled back and redone one event per transaction so only the failing
event is dead-lettered and every other one is applied exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from shared.events.envelope import EventEnvelope
from shared.logsafe import describe_error
from shared.messaging import tracking
from shared.messaging.tracking import Outcome

log = logging.getLogger(__name__)

EventHandler = Callable[[Connection, Any, EventEnvelope], None]
"""handler(conn, payload, envelope): update the read model inside the caller's transaction."""

PayloadDecoder = Callable[[EventEnvelope], Any]
"""Turns an envelope's `data` into the typed event model (upcasting old versions)."""


@dataclass(frozen=True)
class Projection:
    name: str
    metadata: sa.MetaData
    handlers: Mapping[str, EventHandler]

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(self.handlers)

    def create_tables(self, engine: Engine) -> None:
        self.metadata.create_all(engine, checkfirst=True)
        tracking.create_tracking_tables(engine)

    def drop_read_model(self, conn: Connection) -> None:
        """Empty the read model and forget what was applied (the start of a rebuild)."""
        for table in reversed(self.metadata.sorted_tables):
            conn.execute(table.delete())
        tracking.forget(conn, self.name)


@dataclass
class Delivery:
    """One message to apply: a decoded envelope, or the reason it could not be decoded."""

    envelope: EventEnvelope | None
    decode_error: BaseException | None = None
    position: int | None = None
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    raw: bytes | None = None
    key: bytes | None = None
    headers: list[tuple[str, bytes]] = field(default_factory=list)

    def describe(self) -> str:
        """Where it came from, for logs (never the payload: it may hold patient data)."""
        if self.topic is not None:
            where = f"{self.topic}[{self.partition}]@{self.offset}"
        else:
            where = f"position {self.position}"
        if self.envelope is not None:
            return f"{self.envelope.type} {self.envelope.event_id} at {where}"
        return f"undecodable message at {where}"


class Undecodable(Exception):
    """The message is not an event envelope at all (raised inside apply to dead-letter it)."""


FailureSink = Callable[[Connection, Delivery, BaseException], None]
"""on_failure(conn, delivery, exc): record/send the dead letter in the caller's transaction."""

Finisher = Callable[[Connection, Sequence[Delivery]], None]
"""finish(conn, deliveries): save offsets/checkpoint for these deliveries, same transaction."""

# Infrastructure trouble is not the event's fault: let it propagate, nothing is committed,
# and the message is redelivered after restart instead of being dead-lettered.
_INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
)


def apply_one(
    conn: Connection, projection: Projection, decode: PayloadDecoder, delivery: Delivery
) -> Outcome | None:
    """Apply one delivery in `conn`'s transaction; None when it was already applied."""
    if delivery.envelope is None:
        raise delivery.decode_error or Undecodable("undecodable message")
    envelope = delivery.envelope
    if tracking.is_applied(conn, projection.name, envelope.event_id):
        return None
    handler = projection.handlers.get(envelope.type)
    if handler is None:
        # Not this projection's business; nothing to change, nothing worth tracking.
        return Outcome.IGNORED
    payload = decode(envelope)
    handler(conn, payload, envelope)
    tracking.record(
        conn,
        projection.name,
        envelope.event_id,
        Outcome.APPLIED,
        position=delivery.position if delivery.position is not None else envelope.position,
        topic=delivery.topic,
        partition=delivery.partition,
        offset=delivery.offset,
    )
    return Outcome.APPLIED


def _apply_batch(
    conn: Connection, projection: Projection, decode: PayloadDecoder, deliveries: Sequence[Delivery]
) -> BatchResult:
    """apply_one for a whole batch, with one tracking lookup and one tracking insert."""
    result = BatchResult()
    ids = [d.envelope.event_id for d in deliveries if d.envelope is not None]
    seen = tracking.applied_among(conn, projection.name, ids)
    rows: list[dict[str, object]] = []
    for delivery in deliveries:
        if delivery.envelope is None:
            raise delivery.decode_error or Undecodable("undecodable message")
        envelope = delivery.envelope
        if envelope.event_id in seen:
            result.skipped += 1  # applied before (redelivery), or twice in this batch
            continue
        handler = projection.handlers.get(envelope.type)
        if handler is None:
            result.ignored += 1
            continue
        handler(conn, decode(envelope), envelope)
        seen.add(envelope.event_id)
        rows.append(
            tracking.row(
                projection.name,
                envelope.event_id,
                Outcome.APPLIED,
                position=delivery.position if delivery.position is not None else envelope.position,
                topic=delivery.topic,
                partition=delivery.partition,
                offset=delivery.offset,
            )
        )
        result.applied += 1
    tracking.record_many(conn, rows)
    return result


@dataclass
class BatchResult:
    applied: int = 0
    skipped: int = 0
    ignored: int = 0
    dead_lettered: int = 0

    def add(self, outcome: Outcome | None) -> None:
        if outcome is None:
            self.skipped += 1
        elif outcome is Outcome.APPLIED:
            self.applied += 1
        elif outcome is Outcome.IGNORED:
            self.ignored += 1
        else:
            self.dead_lettered += 1


def error_text(exc: BaseException) -> str:
    """Why a message failed, for dead letters and logs: codes and field paths, never values."""
    return describe_error(exc)


def apply_deliveries(
    engine: Engine,
    projection: Projection,
    decode: PayloadDecoder,
    deliveries: Sequence[Delivery],
    *,
    finish: Finisher,
    on_failure: FailureSink,
) -> BatchResult:
    """Apply a batch atomically with its tracking; isolate failures one by one."""
    if not deliveries:
        return BatchResult()
    try:
        with engine.begin() as conn:
            result = _apply_batch(conn, projection, decode, deliveries)
            finish(conn, deliveries)
        return result
    except _INFRASTRUCTURE_ERRORS:
        raise
    except Exception as exc:  # noqa: BLE001 - any handler failure: fall back to one at a time
        if len(deliveries) == 1:
            return _dead_letter(engine, projection, deliveries[0], exc, finish, on_failure)
        log.info(
            "batch of %d failed (%s); applying one by one", len(deliveries), type(exc).__name__
        )
    result = BatchResult()
    for delivery in deliveries:
        try:
            with engine.begin() as conn:
                outcome = apply_one(conn, projection, decode, delivery)
                finish(conn, [delivery])
            result.add(outcome)
        except _INFRASTRUCTURE_ERRORS:
            raise
        except Exception as exc:  # noqa: BLE001
            one = _dead_letter(engine, projection, delivery, exc, finish, on_failure)
            result.dead_lettered += one.dead_lettered
            result.skipped += one.skipped
    return result


def _dead_letter(
    engine: Engine,
    projection: Projection,
    delivery: Delivery,
    exc: BaseException,
    finish: Finisher,
    on_failure: FailureSink,
) -> BatchResult:
    error = error_text(exc)
    log.warning("dead-lettering %s for %s: %s", delivery.describe(), projection.name, error)
    with engine.begin() as conn:
        envelope = delivery.envelope
        if envelope is not None and tracking.is_applied(conn, projection.name, envelope.event_id):
            finish(conn, [delivery])
            return BatchResult(skipped=1)
        on_failure(conn, delivery, exc)
        if envelope is not None:
            tracking.record(
                conn,
                projection.name,
                envelope.event_id,
                Outcome.DEAD_LETTERED,
                position=delivery.position,
                topic=delivery.topic,
                partition=delivery.partition,
                offset=delivery.offset,
            )
        finish(conn, [delivery])
    return BatchResult(dead_lettered=1)
