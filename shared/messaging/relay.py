"""Outbox relay: publish the event store to Kafka in global order, checkpoint after the acks.

Loop: read committed events after the checkpoint (global position order, never skipping:
see shared.eventstore.sql), send each to its topic with key = stream id (plus a
de-identified copy to the reporting topic), wait until Kafka acknowledged every record
(idempotent producer, acks=all), and only then move the checkpoint to the last position.
A crash anywhere loses nothing: the next run starts from the last checkpoint and sends
again what was sent but not checkpointed. Delivery is therefore at least once; consumers
dedupe by event_id. One stream's events go to one partition in stream_version order.

One event never stops the pipeline. An event that cannot be published (its record is
larger than `max_message_bytes`, the limit the producer, the broker and the topics share;
or it cannot be read or serialised) is written to `relay_dead_letters` with the reason,
logged at ERROR and counted, and its stream is **parked**: the stream's later events are
held back (not skipped: they stay in the store) so that no claim's events reach Kafka out
of order, while every other stream goes on. An operator asks for a parked stream to be
released (its later events are published, the dead-lettered one stays unpublished) or
retried (the dead-lettered one first, e.g. after the limit was raised):
`revcycle relay release|retry STREAM`; the running relay acts on it before its next batch.

Outages are waited out: a database or broker error ends the batch in hand without moving
the checkpoint, the relay backs off (capped), reconnects and goes on by itself.

On PostgreSQL only one relay per checkpoint name publishes at a time: it holds a session
advisory lock (released by the server when its connection dies, e.g. after kill -9), and
a second relay started with the same name waits as a standby.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from shared.config import DEFAULT_MAX_MESSAGE_BYTES, DEV_PSEUDONYM_KEY
from shared.db import reader
from shared.events.deidentify import deidentify
from shared.events.envelope import EventEnvelope
from shared.events.topics import REPORTING_EVENTS, topic_for
from shared.eventstore.schema import events as events_table
from shared.eventstore.schema import relay_checkpoints, relay_dead_letters, relay_parked_streams
from shared.eventstore.sql import SqlEventStore
from shared.logsafe import describe_error
from shared.messaging.retry import Backoff, is_transient

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


class SendFuture(Protocol):
    def get(self, timeout: float | None = None) -> Any: ...


class Publisher(Protocol):
    """What the relay needs of a producer (kafka-python's KafkaProducer fits)."""

    def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> SendFuture: ...

    def flush(self, timeout: float | None = None) -> None: ...

    def close(self, timeout: float | None = None) -> None: ...


@dataclass
class RelayConfig:
    name: str = "kafka"
    batch_size: int = 500
    poll_interval_s: float = 0.2
    ack_timeout_s: float = 120.0
    # canonical topic name -> name on the broker (deployment prefixes, test topics)
    topic_names: Mapping[str, str] = field(default_factory=dict)
    publish_reporting: bool = True
    pseudonym_key: bytes = DEV_PSEUDONYM_KEY.encode()
    reporting_mode: str = "safe_harbor"  # or "limited" (shared.events.deidentify)
    # The largest record published (KAFKA_MAX_MESSAGE_BYTES): the producer's
    # max_request_size and the broker's and topics' limits are the same number.
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    retry_cap_s: float = 10.0

    def resolve(self, canonical: str) -> str:
        return self.topic_names.get(canonical, canonical)


@dataclass
class RelayStats:
    """Counters of this relay process (alerting reads `dead_lettered`; the table has all)."""

    published: int = 0
    dead_lettered: int = 0
    held_back: int = 0  # events of parked streams left for later
    released: int = 0  # held-back events published after a release or retry
    outages: int = 0


Record = tuple[str, bytes, bytes, list[tuple[str, bytes]]]
"""(topic, key, value, headers)"""


class Unpublishable(Exception):
    """This event can never be published as it is; the message says why (no values)."""


@dataclass(frozen=True)
class BrokenRow:
    """A row of the events table that does not even read back as an event envelope."""

    position: int
    stream_id: str
    event_id: str | None
    type: str | None
    reason: str


Item = EventEnvelope | BrokenRow


def _position(item: Item) -> int:
    position = item.position
    assert position is not None
    return position


class CheckpointStore:
    """Relay progress in `relay_checkpoints`, next to the events (same database)."""

    def __init__(self, engine: Engine, clock: Clock = _now):
        self.engine = engine
        self._clock = clock

    def get(self, name: str) -> int:
        with reader(self.engine).connect() as conn:
            value = conn.execute(
                select(relay_checkpoints.c.position).where(relay_checkpoints.c.name == name)
            ).scalar()
        return int(value or 0)

    def save(self, name: str, position: int, conn: Connection | None = None) -> None:
        if conn is None:
            with self.engine.begin() as own:
                self.save(name, position, own)
            return
        t = relay_checkpoints
        # Never move backwards: a stale relay (lost its lock) must not rewind progress.
        updated = conn.execute(
            update(t)
            .where(t.c.name == name)
            .values(
                position=func.greatest(t.c.position, position)
                if conn.dialect.name == "postgresql"
                else func.max(t.c.position, position),
                updated_at=self._clock(),
            )
        ).rowcount
        if not updated:
            conn.execute(insert(t).values(name=name, position=position, updated_at=self._clock()))


@dataclass(frozen=True)
class ParkedStream:
    stream_id: str
    since_position: int
    requested: str | None
    event_type: str | None
    reason: str
    attempts: int
    held_back: int


RELEASE = "release"
RETRY = "retry"


class NotParked(LookupError):
    def __init__(self, stream_id: str, relay: str) -> None:
        super().__init__(f"stream {stream_id!r} is not parked by relay {relay!r}")


class DeadLetters:
    """The relay's dead letters and parked streams (tables from migration 0002)."""

    def __init__(self, engine: Engine, clock: Clock = _now) -> None:
        self.engine = engine
        self._clock = clock

    def parked(self, relay: str) -> dict[str, int]:
        """stream id -> position of its dead-lettered event."""
        t = relay_parked_streams
        with reader(self.engine).connect() as conn:
            rows = conn.execute(select(t.c.stream_id, t.c.since_position).where(t.c.relay == relay))
            return {str(s): int(p) for s, p in rows}

    def record(self, conn: Connection, relay: str, item: Item, reason: str) -> None:
        """Dead-letter `item` (or count another failed attempt) and park its stream there."""
        d, p = relay_dead_letters, relay_parked_streams
        now = self._clock()
        position = _position(item)
        event_id = str(item.event_id) if item.event_id is not None else None
        again = conn.execute(
            update(d)
            .where(d.c.relay == relay, d.c.position == position)
            .values(
                reason=reason,
                attempts=d.c.attempts + 1,
                dead_lettered_at=now,
                resolution=None,
                resolved_at=None,
            )
        ).rowcount
        if not again:
            conn.execute(
                insert(d).values(
                    relay=relay,
                    position=position,
                    stream_id=item.stream_id,
                    event_id=event_id,
                    type=item.type,
                    reason=reason,
                    attempts=1,
                    dead_lettered_at=now,
                )
            )
        since = conn.execute(
            select(p.c.since_position).where(p.c.relay == relay, p.c.stream_id == item.stream_id)
        ).scalar()
        if since is None:
            conn.execute(
                insert(p).values(
                    relay=relay, stream_id=item.stream_id, since_position=position, parked_at=now
                )
            )
        else:
            # Parked at its earliest dead letter; a request that failed again is cleared.
            conn.execute(
                update(p)
                .where(p.c.relay == relay, p.c.stream_id == item.stream_id)
                .values(since_position=min(int(since), position), requested=None, requested_at=None)
            )

    def request(self, relay: str, stream_id: str, action: str) -> int:
        """Ask the running relay to release or retry a parked stream; returns events held."""
        if action not in (RELEASE, RETRY):
            raise ValueError(f"action must be {RELEASE!r} or {RETRY!r}, not {action!r}")
        p = relay_parked_streams
        with self.engine.begin() as conn:
            since = conn.execute(
                select(p.c.since_position).where(p.c.relay == relay, p.c.stream_id == stream_id)
            ).scalar()
            if since is None:
                raise NotParked(stream_id, relay)
            conn.execute(
                update(p)
                .where(p.c.relay == relay, p.c.stream_id == stream_id)
                .values(requested=action, requested_at=self._clock())
            )
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(events_table)
                    .where(
                        events_table.c.stream_id == stream_id,
                        events_table.c.position > since,
                    )
                ).scalar_one()
            )

    def requests(self, relay: str) -> list[tuple[str, int, str]]:
        """(stream id, dead-lettered position, action) for every pending operator request."""
        p = relay_parked_streams
        with reader(self.engine).connect() as conn:
            rows = conn.execute(
                select(p.c.stream_id, p.c.since_position, p.c.requested)
                .where(p.c.relay == relay, p.c.requested.is_not(None))
                .order_by(p.c.since_position)
            )
            return [(str(s), int(pos), str(a)) for s, pos, a in rows]

    def settle(self, conn: Connection, relay: str, position: int, resolution: str) -> None:
        """Mark the dead letter at `position` `released` or `published`."""
        d = relay_dead_letters
        conn.execute(
            update(d)
            .where(d.c.relay == relay, d.c.position == position)
            .values(resolution=resolution, resolved_at=self._clock())
        )

    def unpark(self, conn: Connection, relay: str, stream_id: str) -> None:
        p = relay_parked_streams
        conn.execute(delete(p).where(p.c.relay == relay, p.c.stream_id == stream_id))

    def counts(self, relay: str) -> tuple[int, int]:
        """(open dead letters, all dead letters) of this relay."""
        d = relay_dead_letters
        with reader(self.engine).connect() as conn:
            total = conn.execute(
                select(func.count()).select_from(d).where(d.c.relay == relay)
            ).scalar_one()
            open_ = conn.execute(
                select(func.count())
                .select_from(d)
                .where(d.c.relay == relay, d.c.resolution.is_(None))
            ).scalar_one()
        return int(open_), int(total)

    def parked_streams(self, relay: str, checkpoint: int) -> list[ParkedStream]:
        """Every parked stream with its dead letter and the events held back so far."""
        d, p, e = relay_dead_letters, relay_parked_streams, events_table
        held = (
            select(func.count())
            .select_from(e)
            .where(
                e.c.stream_id == p.c.stream_id,
                e.c.position > p.c.since_position,
                e.c.position <= checkpoint,
            )
            .scalar_subquery()
        )
        query = (
            select(
                p.c.stream_id,
                p.c.since_position,
                p.c.requested,
                d.c.type,
                d.c.reason,
                d.c.attempts,
                held,
            )
            .join(d, (d.c.relay == p.c.relay) & (d.c.position == p.c.since_position))
            .where(p.c.relay == relay)
            .order_by(p.c.since_position)
        )
        with reader(self.engine).connect() as conn:
            return [
                ParkedStream(str(s), int(pos), r, t, str(reason), int(n), int(h))
                for s, pos, r, t, reason, n, h in conn.execute(query)
            ]


def _lock_key(name: str) -> int:
    digest = hashlib.sha256(f"revcycle-relay:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _record_size(key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> int:
    """The size kafka-python's producer checks against max_request_size (one-record batch)."""
    from kafka.record.default_records import (  # type: ignore[import-untyped,unused-ignore]
        DefaultRecordBatchBuilder,
    )

    return int(DefaultRecordBatchBuilder.estimate_size_in_bytes(key, value, headers))


# The broker refused this record itself (e.g. a topic whose max.message.bytes is smaller
# than the relay's limit): it will refuse it again, so it is dead-lettered, not retried.
_REFUSED_BY_BROKER = (
    "MessageSizeTooLargeError",
    "RecordListTooLargeError",
    "InvalidRecordError",
    "CorruptRecordError",
    "InvalidTopicError",
)


class Relay:
    """Publishes committed events from a SQL event store to Kafka; see the module docstring."""

    def __init__(
        self,
        store: SqlEventStore,
        publisher: Publisher,
        config: RelayConfig | None = None,
        checkpoints: CheckpointStore | None = None,
        *,
        reconnect: Callable[[], Publisher] | None = None,
    ) -> None:
        self.store = store
        self.publisher = publisher
        self.config = config or RelayConfig()
        self.checkpoints = checkpoints or CheckpointStore(store.engine)
        self.dead_letters = DeadLetters(store.engine)
        self.stats = RelayStats()
        self._reconnect = reconnect
        self._leader: Connection | None = None

    @property
    def published(self) -> int:
        return self.stats.published

    # -- leadership (PostgreSQL) ----------------------------------------------------------

    def acquire_leadership(self, stop: threading.Event, wait_s: float = 1.0) -> bool:
        """Hold the relay's advisory lock; False when stopped while waiting as a standby."""
        if self.store.dialect != "postgresql":
            return True
        if self._leader is not None:
            try:
                # Still ours? After a database restart the session, and so the lock, is gone.
                self._leader.execute(select(1))
                self._leader.commit()
                return True
            except Exception:
                self.release_leadership()
                raise
        conn = self.store.engine.connect()
        key = _lock_key(self.config.name)
        try:
            while not stop.is_set():
                got = conn.execute(select(func.pg_try_advisory_lock(key))).scalar()
                conn.commit()
                if got:
                    self._leader = conn
                    log.info("relay %r: leader", self.config.name)
                    return True
                log.info("relay %r: another relay holds the lock; standing by", self.config.name)
                stop.wait(wait_s)
        except BaseException:
            conn.invalidate()
            conn.close()
            raise
        conn.close()
        return False

    def release_leadership(self) -> None:
        if self._leader is not None:
            try:
                # Returning it to the pool would keep the session, and so the lock, alive:
                # invalidate closes the database session itself, which releases the lock.
                self._leader.invalidate()
                self._leader.close()
            except Exception as exc:  # noqa: BLE001 - the session is gone either way
                log.debug("closing the leader session: %s", describe_error(exc))
            finally:
                self._leader = None

    # -- records -----------------------------------------------------------------------------

    def records(self, envelope: EventEnvelope) -> list[Record]:
        """(topic, key, value, headers) for one event: its own topic, then the reporting copy."""
        headers = [
            ("event_type", envelope.type.encode()),
            ("event_version", str(envelope.version).encode()),
            ("event_id", str(envelope.event_id).encode()),
        ]
        out = [
            (
                self.config.resolve(topic_for(envelope.type).name),
                envelope.stream_id.encode(),
                envelope.model_dump_json().encode(),
                headers,
            )
        ]
        if self.config.publish_reporting:
            public = deidentify(
                envelope, pseudonym_key=self.config.pseudonym_key, mode=self.config.reporting_mode
            )
            out.append(
                (
                    self.config.resolve(REPORTING_EVENTS.name),
                    public.stream_id.encode(),
                    public.model_dump_json().encode(),
                    headers,
                )
            )
        return out

    def _prepare(self, item: Item) -> list[Record]:
        """Every record of one event, checked against the limit before any is sent."""
        if isinstance(item, BrokenRow):
            raise Unpublishable(item.reason)
        try:
            records = self.records(item)
        except Exception as exc:  # noqa: BLE001 - whatever it is, this event cannot go out
            raise Unpublishable(f"not serialisable: {describe_error(exc)}") from exc
        limit = self.config.max_message_bytes
        for topic, key, value, headers in records:
            size = _record_size(key, value, headers)
            if size > limit:
                raise Unpublishable(
                    f"MessageSizeTooLarge: the record for {topic} is {size} bytes, over "
                    f"KAFKA_MAX_MESSAGE_BYTES={limit} (the producer's, broker's and topics' "
                    "limit)"
                )
        return records

    def _read_page(self, after: int, limit: int) -> list[Item]:
        """The next committed events; rows that do not read back come as BrokenRow."""
        try:
            return list(self.store.read_all(after=after, limit=limit))
        except Exception as exc:
            if is_transient(exc):
                raise
            page_error = exc
        # Some row of this page is broken: read them one by one to find which.
        e = events_table
        with reader(self.store.engine).connect() as conn:
            rows = conn.execute(
                select(e.c.position, e.c.stream_id, e.c.event_id, e.c.type)
                .where(e.c.position > after)
                .order_by(e.c.position)
                .limit(limit)
            ).all()
        items: list[Item] = []
        for position, stream_id, event_id, type_ in rows:
            try:
                [envelope] = self.store.read_all(after=int(position) - 1, limit=1)
                items.append(envelope)
            except Exception as exc:
                if is_transient(exc):
                    raise
                items.append(
                    BrokenRow(
                        int(position),
                        str(stream_id),
                        event_id,
                        type_,
                        f"unreadable event row: {describe_error(exc)}",
                    )
                )
        if not any(isinstance(i, BrokenRow) for i in items):
            raise page_error
        return items

    # -- publishing ------------------------------------------------------------------------

    def _publish(self, items: Sequence[Item]) -> tuple[list[Item], list[tuple[Item, str]]]:
        """Send items in order, skipping parked streams; (sent items, dead letters).

        Raises on a transient failure (nothing is recorded; the caller sends them again).
        """
        parked = set(self.dead_letters.parked(self.config.name))
        failures: list[tuple[Item, str]] = []
        in_flight: list[tuple[Item, list[SendFuture]]] = []
        for item in items:
            if item.stream_id in parked:
                self.stats.held_back += 1
                continue
            try:
                in_flight.append(self._send(item, self._prepare(item)))
            except Unpublishable as exc:
                failures.append((item, str(exc)))
                parked.add(item.stream_id)
        sent, refused = self._await_acks(in_flight)
        return sent, failures + refused

    def _publish_stream(self, items: Sequence[Item]) -> tuple[list[Item], list[tuple[Item, str]]]:
        """Publish one stream's items in order, up to the first that cannot be published."""
        failures: list[tuple[Item, str]] = []
        in_flight: list[tuple[Item, list[SendFuture]]] = []
        for item in items:
            try:
                in_flight.append(self._send(item, self._prepare(item)))
            except Unpublishable as exc:
                failures.append((item, str(exc)))
                break
        sent, refused = self._await_acks(in_flight)
        if refused:
            first = refused[0]
            return [i for i in sent if _position(i) < _position(first[0])], [first]
        return sent, failures

    def _send(self, item: Item, records: list[Record]) -> tuple[Item, list[SendFuture]]:
        futures = [
            self.publisher.send(topic, value=value, key=key, headers=headers)
            for topic, key, value, headers in records
        ]
        return item, futures

    def _await_acks(
        self, in_flight: Sequence[tuple[Item, list[SendFuture]]]
    ) -> tuple[list[Item], list[tuple[Item, str]]]:
        """Flush, then (acknowledged items, items the broker refused: first one per stream).

        Any other failure (a timeout, the broker down) raises: nothing is recorded, the
        checkpoint stays, and the whole page is sent again.
        """
        self.publisher.flush(timeout=self.config.ack_timeout_s)
        sent: list[Item] = []
        refused: list[tuple[Item, str]] = []
        streams: set[str] = set()
        for item, futures in in_flight:
            try:
                for future in futures:
                    future.get(timeout=self.config.ack_timeout_s)
            except Exception as exc:
                if type(exc).__name__ not in _REFUSED_BY_BROKER:
                    raise
                if item.stream_id not in streams:
                    streams.add(item.stream_id)
                    refused.append((item, f"refused by the broker: {describe_error(exc)}"))
                continue
            sent.append(item)
        return sent, refused

    def _alert(self, failures: Sequence[tuple[Item, str]]) -> None:
        for item, reason in failures:
            self.stats.dead_lettered += 1
            log.error(
                "relay %r: dead-lettered event at position %s (%s, stream %s); its stream is "
                "parked until `revcycle relay release|retry`: %s",
                self.config.name,
                item.position,
                item.type,
                item.stream_id,
                reason,
            )

    def publish_batch(self) -> int:
        """Publish one page after the checkpoint; returns how many events it covered."""
        self.handle_requests()
        name = self.config.name
        checkpoint = self.checkpoints.get(name)
        page = self._read_page(checkpoint, self.config.batch_size)
        if not page:
            return 0
        sent, failures = self._publish(page)
        with self.store.engine.begin() as conn:
            for item, reason in failures:
                self.dead_letters.record(conn, name, item, reason)
            self.checkpoints.save(name, _position(page[-1]), conn)
        self._alert(failures)
        self.stats.published += len(sent)
        return len(page)

    def handle_requests(self) -> int:
        """Act on operators' release/retry requests; returns the events published.

        Release: the stream's held-back events after its dead letter are published (the
        dead-lettered event stays unpublished: consumers checking continuity will report
        the gap). Retry: the dead-lettered event first, then the rest. Either stops at the
        next event that cannot be published, which parks the stream again there.
        """
        name = self.config.name
        total = 0
        for stream_id, since, action in self.dead_letters.requests(name):
            checkpoint = self.checkpoints.get(name)
            first = since if action == RETRY else since + 1
            sent, failures = self._publish_stream(self._stream_items(stream_id, first, checkpoint))
            failed_again = bool(failures) and _position(failures[0][0]) == since
            with self.store.engine.begin() as conn:
                if not failed_again:
                    resolution = "published" if action == RETRY else "released"
                    self.dead_letters.settle(conn, name, since, resolution)
                    self.dead_letters.unpark(conn, name, stream_id)
                for item, reason in failures:
                    self.dead_letters.record(conn, name, item, reason)
            self._alert(failures)
            self.stats.released += len(sent)
            self.stats.published += len(sent)
            total += len(sent)
            log.warning(
                "relay %r: %s of stream %s: %d held-back event(s) published%s",
                name,
                action,
                stream_id,
                len(sent),
                "; parked again" if failures else "",
            )
        return total

    def _stream_items(self, stream_id: str, first: int, last: int) -> list[Item]:
        """The stream's events with first <= position <= last, in order (broken ones too)."""
        e = events_table
        with reader(self.store.engine).connect() as conn:
            positions = (
                conn.execute(
                    select(e.c.position)
                    .where(e.c.stream_id == stream_id, e.c.position >= first, e.c.position <= last)
                    .order_by(e.c.position)
                )
                .scalars()
                .all()
            )
        items: list[Item] = []
        for position in positions:
            items += [i for i in self._read_page(int(position) - 1, 1) if i.position == position]
        return items

    def run_once(self) -> int:
        """Publish everything committed so far, then return the number of events covered."""
        total = 0
        while n := self.publish_batch():
            total += n
        return total

    def run(self, stop: threading.Event) -> None:
        """Publish until `stop` is set; the batch in hand is finished (acked, checkpointed).

        Database and broker outages are retried with capped backoff (the leader lock is
        taken again, the producer rebuilt); any other error propagates.
        """
        backoff = Backoff(cap_s=self.config.retry_cap_s)
        try:
            while not stop.is_set():
                try:
                    if not self.acquire_leadership(stop):
                        return
                    published = self.publish_batch()
                except Exception as exc:
                    if not is_transient(exc):
                        raise
                    self._wait_out(exc, backoff, stop)
                    continue
                backoff.reset()
                if published == 0:
                    stop.wait(self.config.poll_interval_s)
        finally:
            self.release_leadership()

    def _wait_out(self, exc: BaseException, backoff: Backoff, stop: threading.Event) -> None:
        self.stats.outages += 1
        delay = backoff.report(log, f"relay {self.config.name!r}", exc)
        self.release_leadership()
        if self._reconnect is not None and not _is_database_error(exc):
            # A broker outage may leave the idempotent producer in a state it cannot leave:
            # replace it (records not acknowledged are sent again from the checkpoint). The
            # new one connects on first use, so a broker still down is just the next outage.
            try:
                self.publisher.close(timeout=0)
            except Exception as close_exc:  # noqa: BLE001 - it is being replaced anyway
                log.debug("closing the old producer: %s", describe_error(close_exc))
            self.publisher = _Unconnected(self._reconnect)
        stop.wait(delay)


def _is_database_error(exc: BaseException) -> bool:
    import psycopg
    import sqlalchemy as sa

    return isinstance(exc, (sa.exc.SQLAlchemyError, psycopg.Error))


class _Unconnected:
    """Stands in for a producer that could not be built yet: connects on first use."""

    def __init__(self, connect: Callable[[], Publisher]) -> None:
        self._connect = connect
        self._inner: Publisher | None = None

    def _get(self) -> Publisher:
        if self._inner is None:
            self._inner = self._connect()
        return self._inner

    def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> SendFuture:
        return self._get().send(topic, value=value, key=key, headers=headers)

    def flush(self, timeout: float | None = None) -> None:
        self._get().flush(timeout=timeout)

    def close(self, timeout: float | None = None) -> None:
        if self._inner is not None:
            self._inner.close(timeout=timeout)


def wait_until_published(relay: Relay, position: int, timeout_s: float = 30.0) -> None:
    """Test/bench helper: block until the relay's checkpoint reaches `position`."""
    deadline = time.monotonic() + timeout_s
    while relay.checkpoints.get(relay.config.name) < position:
        if time.monotonic() > deadline:
            raise TimeoutError(f"relay did not reach position {position} in {timeout_s}s")
        time.sleep(0.05)
