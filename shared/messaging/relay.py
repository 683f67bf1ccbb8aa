"""Outbox relay: publish the event store to Kafka in global order, checkpoint after the acks.

Loop: read committed events after the checkpoint (global position order, never skipping:
see shared.eventstore.sql), send each to its topic with key = stream id (plus a
de-identified copy to the reporting topic), wait until Kafka acknowledged every record
(idempotent producer, acks=all), and only then move the checkpoint to the last position.
A crash anywhere loses nothing: the next run starts from the last checkpoint and sends
again what was sent but not checkpointed. Delivery is therefore at least once; consumers
dedupe by event_id. One stream's events go to one partition in stream_version order.

On PostgreSQL only one relay per checkpoint name publishes at a time: it holds a session
advisory lock (released by the server when its connection dies, e.g. after kill -9), and
a second relay started with the same name waits as a standby.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, func, insert, select, update

from shared.db import reader
from shared.events.deidentify import deidentify
from shared.events.envelope import EventEnvelope
from shared.events.topics import REPORTING_EVENTS, topic_for
from shared.eventstore.schema import relay_checkpoints
from shared.eventstore.sql import SqlEventStore

log = logging.getLogger(__name__)


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
    # canonical topic name -> name on the broker (prefixes, test topics)
    topic_names: Mapping[str, str] = field(default_factory=dict)
    publish_reporting: bool = True
    pseudonym_key: bytes = b"dev-only-reporting-key-change-me"

    def resolve(self, canonical: str) -> str:
        return self.topic_names.get(canonical, canonical)


class CheckpointStore:
    """Relay progress in `relay_checkpoints`, next to the events (same database)."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.engine = engine
        self._clock = clock

    def get(self, name: str) -> int:
        with reader(self.engine).connect() as conn:
            value = conn.execute(
                select(relay_checkpoints.c.position).where(relay_checkpoints.c.name == name)
            ).scalar()
        return int(value or 0)

    def save(self, name: str, position: int) -> None:
        t = relay_checkpoints
        with self.engine.begin() as conn:
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
                conn.execute(
                    insert(t).values(name=name, position=position, updated_at=self._clock())
                )


def _lock_key(name: str) -> int:
    digest = hashlib.sha256(f"revcycle-relay:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Relay:
    """Publishes committed events from a SQL event store to Kafka; see the module docstring."""

    def __init__(
        self,
        store: SqlEventStore,
        publisher: Publisher,
        config: RelayConfig | None = None,
        checkpoints: CheckpointStore | None = None,
    ) -> None:
        self.store = store
        self.publisher = publisher
        self.config = config or RelayConfig()
        self.checkpoints = checkpoints or CheckpointStore(store.engine)
        self.published = 0
        self._leader: Connection | None = None

    # -- leadership (PostgreSQL) ----------------------------------------------------------

    def acquire_leadership(self, stop: threading.Event, wait_s: float = 1.0) -> bool:
        """Hold the relay's advisory lock; False when stopped while waiting as a standby."""
        if self.store.dialect != "postgresql" or self._leader is not None:
            return True
        conn = self.store.engine.connect()
        key = _lock_key(self.config.name)
        while not stop.is_set():
            got = conn.execute(select(func.pg_try_advisory_lock(key))).scalar()
            conn.commit()
            if got:
                self._leader = conn
                log.info("relay %r: leader", self.config.name)
                return True
            log.info("relay %r: another relay holds the lock; standing by", self.config.name)
            stop.wait(wait_s)
        conn.close()
        return False

    def release_leadership(self) -> None:
        if self._leader is not None:
            try:
                # Returning it to the pool would keep the session, and so the lock, alive:
                # invalidate closes the database session itself, which releases the lock.
                self._leader.invalidate()
                self._leader.close()
            finally:
                self._leader = None

    # -- publishing ------------------------------------------------------------------------

    def records(
        self, envelope: EventEnvelope
    ) -> list[tuple[str, bytes, bytes, list[tuple[str, bytes]]]]:
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
            public = deidentify(envelope, pseudonym_key=self.config.pseudonym_key)
            out.append(
                (
                    self.config.resolve(REPORTING_EVENTS.name),
                    public.stream_id.encode(),
                    public.model_dump_json().encode(),
                    headers,
                )
            )
        return out

    def publish_batch(self) -> int:
        """Publish one page after the checkpoint; returns how many events were published."""
        checkpoint = self.checkpoints.get(self.config.name)
        page = self.store.read_all(after=checkpoint, limit=self.config.batch_size)
        if not page:
            return 0
        futures = []
        for envelope in page:
            for topic, key, value, headers in self.records(envelope):
                futures.append(self.publisher.send(topic, value=value, key=key, headers=headers))
        self.publisher.flush(timeout=self.config.ack_timeout_s)
        for future in futures:
            # Raises if Kafka did not acknowledge: the checkpoint stays, the page is re-sent.
            future.get(timeout=self.config.ack_timeout_s)
        last = page[-1].position
        assert last is not None
        self.checkpoints.save(self.config.name, last)
        self.published += len(page)
        return len(page)

    def run_once(self) -> int:
        """Publish everything committed so far, then return the number of events published."""
        total = 0
        while n := self.publish_batch():
            total += n
        return total

    def run(self, stop: threading.Event) -> None:
        """Publish until `stop` is set; the batch in hand is finished (acked, checkpointed)."""
        if not self.acquire_leadership(stop):
            return
        try:
            while not stop.is_set():
                if self.publish_batch() == 0:
                    stop.wait(self.config.poll_interval_s)
        finally:
            self.release_leadership()


def wait_until_published(relay: Relay, position: int, timeout_s: float = 30.0) -> None:
    """Test/bench helper: block until the relay's checkpoint reaches `position`."""
    deadline = time.monotonic() + timeout_s
    while relay.checkpoints.get(relay.config.name) < position:
        if time.monotonic() > deadline:
            raise TimeoutError(f"relay did not reach position {position} in {timeout_s}s")
        time.sleep(0.05)
