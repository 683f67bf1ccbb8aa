"""Subscriptions (projections and processes) and the one way events are applied to them.

A subscription is a name, plain handler functions per event type and, optionally, tables of
its own. A **projection** builds a read model; a **process** reacts to an event by running
commands that append events (through `SqlEventStore.append_in(conn, ...)`, or a unit of work
bound to `conn`). Both are applied by the same code, whether the events come from Kafka
(`shared.messaging.consumer.SubscriptionConsumer`) or from the event table
(`shared.messaging.embedded.EmbeddedRunner`):

- A handler runs inside the transaction that also writes the tracking row of the event,
  the stream version seen and the caller's position (Kafka offsets or checkpoint), so a
  redelivered event changes nothing: for a process, what it appended committed together
  with its tracking row, so a redelivery appends nothing twice.
- Per-stream continuity: an event must carry the stream version after the last one seen.
  One that skips a version is held (kept in `subscription_held_events`, same transaction)
  and applied as soon as the missing version has been seen; if it does not come within
  the gap timeout, the held event is dead-lettered with a `GapError` ("gap ..."). Events are
  never applied out of order.
- Projections apply a whole batch in one transaction; if a handler fails, the batch is
  redone one event per transaction so only the failing event is dead-lettered. Processes
  take each event they handle in a transaction of its own (their appends hold the store's
  append lock until commit); each run of consecutive events between those that the
  process has no handler for goes in one transaction, as a projection's batch would:
  such an event only moves its stream's version and the caller's position, so a process
  pays for the events it ignores per run, not per event (most of a claim's events are
  nobody's business but one or two processes').
- A conflict (another transaction appended to the same stream, or moved the same tracking
  row first) is retried a few times before the event is dead-lettered; a database outage
  is nobody's fault and propagates, with nothing committed, so the caller retries later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from shared.events.envelope import EventEnvelope
from shared.eventstore.interface import ConcurrencyError
from shared.logsafe import describe_error
from shared.messaging import tracking
from shared.messaging.tracking import Outcome, StaleStreamVersion

log = logging.getLogger(__name__)

Handler = Callable[[Connection, Any, EventEnvelope], None]
"""handler(conn, event, envelope): the typed event and its envelope, in the caller's transaction."""

PayloadDecoder = Callable[[EventEnvelope], Any]
"""Turns an envelope's `data` into the typed event model (upcasting old versions)."""

CONFLICT_ATTEMPTS = 5
"""How often one event is retried after a conflict before it is dead-lettered."""

DEFAULT_GAP_TIMEOUT = timedelta(minutes=2)


class Subscription:
    """What the runtime needs of a projection or a process (see the module docstring)."""

    name: str
    handlers: Mapping[str, Handler]
    metadata: sa.MetaData | None
    kind: ClassVar[str] = "subscription"
    one_event_per_transaction: ClassVar[bool] = False

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(self.handlers)

    def create_tables(self, engine: Engine) -> None:
        if self.metadata is not None:
            self.metadata.create_all(engine, checkfirst=True)
        tracking.create_tracking_tables(engine)


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
    from_hold: bool = False  # taken back out of subscription_held_events

    def describe(self) -> str:
        """Where it came from, for logs (never the payload: it may hold patient data)."""
        if self.topic is not None:
            where = f"{self.topic}[{self.partition}]@{self.offset}"
        else:
            where = f"position {self.position}"
        if self.envelope is not None:
            return f"{self.envelope.type} {self.envelope.event_id} at {where}"
        return f"undecodable message at {where}"

    @property
    def tracked_position(self) -> int | None:
        if self.position is not None:
            return self.position
        return self.envelope.position if self.envelope is not None else None


class Undecodable(Exception):
    """The message is not an event envelope at all (raised inside apply to dead-letter it)."""


class GapError(Exception):
    """A stream version never arrived before the event after it: held, then dead-lettered."""

    def __init__(self, stream_id: str, expected: int, got: int, held_for: timedelta) -> None:
        super().__init__(
            f"gap in stream {stream_id}: version {got} arrived but version {expected} was "
            f"never seen (held {held_for.total_seconds():.0f} s)"
        )
        self.stream_id = stream_id
        self.expected = expected
        self.got = got


FailureSink = Callable[[Connection, Delivery, BaseException], None]
"""on_failure(conn, delivery, exc): record/send the dead letter in the caller's transaction."""

Finisher = Callable[[Connection, Sequence[Delivery]], None]
"""finish(conn, deliveries): save offsets/checkpoint for these deliveries, same transaction."""

# Infrastructure trouble is not the event's fault: let it propagate, nothing is committed,
# and the message is delivered again once the database is back instead of being dead-lettered.
INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.DisconnectionError,
)

# Someone else got there first: run the event again (it is then usually a no-op).
CONFLICT_ERRORS: tuple[type[BaseException], ...] = (
    ConcurrencyError,
    StaleStreamVersion,
    sa.exc.IntegrityError,
)


@dataclass
class BatchResult:
    applied: int = 0
    skipped: int = 0
    ignored: int = 0
    dead_lettered: int = 0
    held: int = 0

    def add(self, other: BatchResult) -> None:
        self.applied += other.applied
        self.skipped += other.skipped
        self.ignored += other.ignored
        self.dead_lettered += other.dead_lettered
        self.held += other.held


def error_text(exc: BaseException) -> str:
    """Why a message failed, for dead letters and logs: codes and field paths, never values."""
    return describe_error(exc)


class _Transaction:
    """One transaction of one subscription: what it read first and what it writes last."""

    def __init__(
        self,
        conn: Connection,
        subscription: Subscription,
        decode: PayloadDecoder,
        deliveries: Sequence[Delivery],
    ) -> None:
        self.conn = conn
        self.subscription = subscription
        self.decode = decode
        envelopes = [d.envelope for d in deliveries if d.envelope is not None]
        name = subscription.name
        self.seen_ids = tracking.applied_among(conn, name, [e.event_id for e in envelopes])
        self.start = tracking.load_stream_versions(conn, name, {e.stream_id for e in envelopes})
        self.versions = dict(self.start)
        self.rows: list[dict[str, object]] = []
        self.released: list[str] = []
        self.result = BatchResult()

    def process(self, delivery: Delivery) -> None:
        """Apply, ignore, skip or hold one delivery; a handler's error propagates."""
        if delivery.envelope is None:
            raise delivery.decode_error or Undecodable("undecodable message")
        envelope = delivery.envelope
        if envelope.event_id in self.seen_ids:
            self._done(delivery)
            self.result.skipped += 1  # applied before (redelivery), or twice in this batch
            return
        last = self.versions.get(envelope.stream_id, 0)
        if envelope.stream_version <= last:
            self._done(delivery)
            self.result.skipped += 1  # seen before (an event this subscription ignores)
            return
        if envelope.stream_version > last + 1:
            self._hold(delivery)
            return
        handler = self.subscription.handlers.get(envelope.type)
        if handler is None:
            self.result.ignored += 1  # not its business, but its version counts as seen
        else:
            handler(self.conn, self.decode(envelope), envelope)
            self.rows.append(_tracking_row(self.subscription, delivery, Outcome.APPLIED))
            self.result.applied += 1
        self.seen_ids.add(envelope.event_id)
        self.versions[envelope.stream_id] = envelope.stream_version
        self._done(delivery)

    def _done(self, delivery: Delivery) -> None:
        if delivery.from_hold and delivery.envelope is not None:
            self.released.append(str(delivery.envelope.event_id))

    def _hold(self, delivery: Delivery) -> None:
        envelope = delivery.envelope
        assert envelope is not None
        if delivery.from_hold:
            return  # still waiting for the same missing version: stays where it is
        tracking.hold(
            self.conn,
            self.subscription.name,
            {
                "event_id": str(envelope.event_id),
                "stream_id": envelope.stream_id,
                "stream_version": envelope.stream_version,
                "envelope": envelope.model_dump_json(),
                "key": delivery.key,
                "position": delivery.tracked_position,
                "topic": delivery.topic,
                "partition": delivery.partition,
                "offset": delivery.offset,
                "held_at": datetime.now(UTC),
            },
        )
        self.result.held += 1
        log.info(
            "%s: holding %s: stream version %d follows %d, which has not been seen",
            self.subscription.name,
            delivery.describe(),
            envelope.stream_version,
            self.versions.get(envelope.stream_id, 0),
        )

    def finish(self) -> None:
        name = self.subscription.name
        tracking.record_many(self.conn, self.rows)
        changed = {
            stream: (self.start.get(stream, 0), version)
            for stream, version in self.versions.items()
            if version != self.start.get(stream, 0)
        }
        tracking.save_stream_versions(self.conn, name, changed)
        tracking.unhold(self.conn, name, self.released)


def _tracking_row(
    subscription: Subscription, delivery: Delivery, outcome: Outcome
) -> dict[str, object]:
    assert delivery.envelope is not None
    return tracking.row(
        subscription.name,
        delivery.envelope.event_id,
        outcome,
        position=delivery.tracked_position,
        topic=delivery.topic,
        partition=delivery.partition,
        offset=delivery.offset,
    )


def apply_deliveries(
    engine: Engine,
    subscription: Subscription,
    decode: PayloadDecoder,
    deliveries: Sequence[Delivery],
    *,
    finish: Finisher,
    on_failure: FailureSink,
) -> BatchResult:
    """Apply deliveries with their tracking; isolate failures one by one (module docstring)."""
    if not deliveries:
        return BatchResult()
    if not subscription.one_event_per_transaction:
        return _apply_batch(engine, subscription, decode, deliveries, finish, on_failure)
    # A process: each event it handles in a transaction of its own; each run of events
    # between them that it has no handler for in one (see the module docstring).
    result = BatchResult()
    for passing, run in groupby(deliveries, key=lambda d: _passes_by(subscription, d)):
        if passing:
            result.add(_apply_batch(engine, subscription, decode, list(run), finish, on_failure))
        else:
            for delivery in run:
                result.add(
                    _apply_single(engine, subscription, decode, delivery, finish, on_failure)
                )
    return result


def _passes_by(subscription: Subscription, delivery: Delivery) -> bool:
    """A decoded event the subscription has no handler for: it only moves the stream version."""
    envelope = delivery.envelope
    return envelope is not None and envelope.type not in subscription.handlers


def _apply_batch(
    engine: Engine,
    subscription: Subscription,
    decode: PayloadDecoder,
    deliveries: Sequence[Delivery],
    finish: Finisher,
    on_failure: FailureSink,
) -> BatchResult:
    """All in one transaction; if anything fails, one transaction per delivery instead."""
    if len(deliveries) > 1:
        try:
            with engine.begin() as conn:
                batch = _Transaction(conn, subscription, decode, deliveries)
                for delivery in deliveries:
                    batch.process(delivery)
                batch.finish()
                finish(conn, deliveries)
            return batch.result
        except INFRASTRUCTURE_ERRORS:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure: fall back to one at a time
            log.info(
                "%s: batch of %d failed (%s); applying one by one",
                subscription.name,
                len(deliveries),
                type(exc).__name__,
            )
    result = BatchResult()
    for delivery in deliveries:
        result.add(_apply_single(engine, subscription, decode, delivery, finish, on_failure))
    return result


def _apply_single(
    engine: Engine,
    subscription: Subscription,
    decode: PayloadDecoder,
    delivery: Delivery,
    finish: Finisher,
    on_failure: FailureSink,
) -> BatchResult:
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            with engine.begin() as conn:
                one = _Transaction(conn, subscription, decode, [delivery])
                one.process(delivery)
                one.finish()
                finish(conn, [delivery])
            return one.result
        except INFRASTRUCTURE_ERRORS:
            raise
        except CONFLICT_ERRORS as exc:
            if attempt == CONFLICT_ATTEMPTS:
                return _dead_letter(engine, subscription, delivery, exc, finish, on_failure)
            log.info(
                "%s: conflict on %s (%s); attempt %d of %d",
                subscription.name,
                delivery.describe(),
                type(exc).__name__,
                attempt,
                CONFLICT_ATTEMPTS,
            )
        except Exception as exc:  # noqa: BLE001 - the event's own failure: dead letter
            return _dead_letter(engine, subscription, delivery, exc, finish, on_failure)
    raise AssertionError("unreachable")  # pragma: no cover


def _dead_letter(
    engine: Engine,
    subscription: Subscription,
    delivery: Delivery,
    exc: BaseException,
    finish: Finisher,
    on_failure: FailureSink,
) -> BatchResult:
    error = error_text(exc)
    log.warning("dead-lettering %s for %s: %s", delivery.describe(), subscription.name, error)
    name = subscription.name
    with engine.begin() as conn:
        envelope = delivery.envelope
        if envelope is not None and tracking.is_applied(conn, name, envelope.event_id):
            finish(conn, [delivery])
            if delivery.from_hold:
                tracking.unhold(conn, name, [str(envelope.event_id)])
            return BatchResult(skipped=1)
        on_failure(conn, delivery, exc)
        if envelope is not None:
            tracking.record_many(
                conn, [_tracking_row(subscription, delivery, Outcome.DEAD_LETTERED)]
            )
            # A dead-lettered event has been seen: the stream goes on after it.
            last = tracking.load_stream_versions(conn, name, [envelope.stream_id]).get(
                envelope.stream_id, 0
            )
            if envelope.stream_version == last + 1:
                tracking.save_stream_versions(
                    conn, name, {envelope.stream_id: (last, envelope.stream_version)}
                )
            if delivery.from_hold:
                tracking.unhold(conn, name, [str(envelope.event_id)])
        finish(conn, [delivery])
    return BatchResult(dead_lettered=1)


# --- held events --------------------------------------------------------------------------------


def held_delivery(row: sa.Row[Any]) -> Delivery:
    """A held event as a delivery again (its offset/position was recorded when it was held)."""
    m = row._mapping
    return Delivery(
        envelope=EventEnvelope.model_validate_json(m["envelope"]),
        position=m["position"],
        topic=m["topic"],
        partition=m["partition"],
        offset=m["offset"],
        raw=m["envelope"].encode(),
        key=m["key"],
        from_hold=True,
    )


PartitionFilter = Callable[[Delivery], bool]


def release_held(
    engine: Engine,
    subscription: Subscription,
    decode: PayloadDecoder,
    *,
    on_failure: FailureSink,
    owned: PartitionFilter | None = None,
) -> BatchResult:
    """Apply held events whose missing version has now been seen, until none is ready."""
    total = BatchResult()
    while True:
        with engine.connect() as conn:
            rows = tracking.load_ready_held(conn, subscription.name)
        deliveries = [held_delivery(r) for r in rows]
        if owned is not None:
            deliveries = [d for d in deliveries if owned(d)]
        if not deliveries:
            return total
        before = total.applied + total.ignored + total.dead_lettered + total.skipped
        result = apply_deliveries(
            engine,
            subscription,
            decode,
            deliveries,
            finish=lambda conn, done: None,  # their offsets/positions were saved when held
            on_failure=on_failure,
        )
        total.add(result)
        if total.applied + total.ignored + total.dead_lettered + total.skipped == before:
            return total  # nothing moved (still gapped): stop, the next sweep tries again


def expire_held(
    engine: Engine,
    subscription: Subscription,
    *,
    timeout: timedelta,
    on_failure: FailureSink,
    owned: PartitionFilter | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """Dead-letter held events whose missing version did not come within `timeout`.

    No tracking row is written: once the missing version has been applied, the dead-lettered
    event can be re-driven and is applied then. The stream's version stays where it was.
    """
    name = subscription.name
    at = now()
    with engine.connect() as conn:
        rows = tracking.load_expired_held(conn, name, at - timeout)
    expired = 0
    for row in rows:
        delivery = held_delivery(row)
        if owned is not None and not owned(delivery):
            continue
        envelope = delivery.envelope
        assert envelope is not None
        with engine.begin() as conn:
            last = tracking.load_stream_versions(conn, name, [envelope.stream_id]).get(
                envelope.stream_id, 0
            )
            if envelope.stream_version == last + 1:
                continue  # its turn came meanwhile: release_held applies it
            gap = GapError(envelope.stream_id, last + 1, envelope.stream_version, at - row.held_at)
            on_failure(conn, delivery, gap)
            tracking.unhold(conn, name, [str(envelope.event_id)])
        expired += 1
        log.error("%s: dead-lettered %s: %s", name, delivery.describe(), error_text(gap))
    return expired
