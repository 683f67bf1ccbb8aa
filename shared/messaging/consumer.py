"""Kafka runtime of a subscription (projection or process): group membership, offsets, outages.

For each poll, the subscription's writes, its tracking rows and the next offset per
partition commit in ONE database transaction (`shared.messaging.subscription`); only then
are the Kafka offsets committed. A crash between the two makes Kafka redeliver, and the
tracking rows make the redelivery a no-op: effectively exactly-once.

- The database is the source of truth for positions: when a partition is assigned, the
  consumer seeks to the next offset stored with the subscription's writes (Kafka's own
  committed offset is only the fallback for a partition the database has never seen).
- A message that cannot be decoded, or whose handler fails, is sent to the dead-letter topic
  with the error and its original topic/partition/offset in headers (before the offset
  moves past it) and the consumer goes on. An event that skips a stream version is held
  (see subscription) and dead-lettered with "gap" if the missing one does not come.
- Outages are waited out: a database or broker error rewinds the partitions to the first
  message not committed, backs off (capped) and tries again; nothing is skipped or doubled.
  Any other error ends `run()` with that exception, so the worker exits non-zero and its
  supervisor restarts it.
- Membership: with a `group_instance_id` (static membership) a worker restarted after a
  kill -9 takes its partitions straight back instead of waiting for the session timeout;
  the session timeout itself is short (10 s by default) so a dead member's partitions move
  on quickly either way.
- SIGTERM (via `stop()`) finishes the messages in hand (one transaction), commits, closes.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # type: ignore[import-untyped,unused-ignore]
from kafka.consumer.subscription_state import (  # type: ignore[import-untyped,unused-ignore]
    ConsumerRebalanceListener,
)
from kafka.errors import KafkaError  # type: ignore[import-untyped,unused-ignore]
from kafka.structs import OffsetAndMetadata  # type: ignore[import-untyped,unused-ignore]
from pydantic import ValidationError
from sqlalchemy.engine import Connection, Engine

from shared.config import DEFAULT_MAX_MESSAGE_BYTES
from shared.events.envelope import EventEnvelope
from shared.events.topics import DeadLetter as DeadLetterMessage
from shared.logsafe import describe_error
from shared.messaging import tracking
from shared.messaging.retry import Backoff, is_transient
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

MessageDecoder = Callable[[bytes], EventEnvelope]

# Dead-letter headers: what failed, where the original lives, and who gave up on it.
H_ERROR = "dlq.error"
H_TOPIC = "dlq.original.topic"
H_PARTITION = "dlq.original.partition"
H_OFFSET = "dlq.original.offset"
H_CONSUMER = "dlq.consumer"
DEAD_LETTER_HEADERS = (H_ERROR, H_TOPIC, H_PARTITION, H_OFFSET, H_CONSUMER)
"""Every header a dead letter gets; the contract: `shared.events.topics.DEAD_LETTER_HEADERS`."""


def dead_letter_max_bytes(max_message_bytes: int) -> int:
    """Largest dead letter: the original value re-escaped inside JSON (at most 2x) + metadata."""
    return 2 * max_message_bytes + 65_536


class MissingTopicError(RuntimeError):
    def __init__(self, topic: str) -> None:
        super().__init__(
            f"Kafka topic {topic!r} does not exist; create the declared topics with "
            "`revcycle relay topics` (tests: the new_topic fixture)"
        )
        self.topic = topic


class UndecodableMessage(ValueError):
    """The bytes are not an event envelope; the message names fields, never their values."""


def default_message_decoder(value: bytes) -> EventEnvelope:
    try:
        return EventEnvelope.model_validate_json(value)
    except ValidationError as exc:
        # pydantic's own message quotes the input, which may be patient data: paths only.
        detail = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in exc.errors()
        )
        raise UndecodableMessage(f"not an event envelope: {detail}"[:1000]) from None


@dataclass
class ConsumerConfig:
    bootstrap_servers: str
    topics: Sequence[str]
    group_id: str
    dead_letter_topic: str
    client_id: str = "revcycle-subscription"
    max_poll_records: int = 500
    poll_timeout_ms: int = 500
    auto_offset_reset: str = "earliest"
    # Static membership (KIP-345): a stable id per worker instance (WORKER_INSTANCE), unique
    # within the group. None: dynamic membership.
    group_instance_id: str | None = None
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    gap_timeout: timedelta = DEFAULT_GAP_TIMEOUT
    retry_cap_s: float = 10.0
    # Rebuild mode: take every partition directly (no group membership), start at offset 0,
    # stop once caught up with the end offsets seen at start; offsets still go to group_id.
    replay_from_beginning: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ConsumerStats:
    polls: int = 0
    applied: int = 0
    skipped: int = 0
    ignored: int = 0
    dead_lettered: int = 0
    held: int = 0
    db_commits: int = 0
    outages: int = 0

    def add(self, result: BatchResult) -> None:
        self.applied += result.applied
        self.skipped += result.skipped
        self.ignored += result.ignored
        self.dead_lettered += result.dead_lettered
        self.held += result.held


AfterCommit = Callable[["SubscriptionConsumer"], None]
"""Called after each database commit, before the Kafka offset commit (tests inject crashes)."""


class _SeekToDatabase(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, owner: SubscriptionConsumer) -> None:
        self._owner = owner

    def on_partitions_revoked(self, revoked: Any) -> None:
        self._owner._unpositioned.difference_update(revoked)

    def on_partitions_assigned(self, assigned: Any) -> None:
        self._owner._on_assigned(set(assigned))


class SubscriptionConsumer:
    """Runs one subscription (projection or process) from Kafka topics in a consumer group."""

    def __init__(
        self,
        config: ConsumerConfig,
        engine: Engine,
        subscription: Subscription,
        decode_payload: PayloadDecoder,
        *,
        decode_message: MessageDecoder = default_message_decoder,
        after_db_commit: AfterCommit | None = None,
    ) -> None:
        self.config = config
        self._engine = engine
        self._subscription = subscription
        self._decode_payload = decode_payload
        self._decode_message = decode_message
        self._after_db_commit = after_db_commit
        self._stopping = threading.Event()
        self.stats = ConsumerStats()
        self._consumer: KafkaConsumer | None = None
        self._producer: KafkaProducer | None = None
        self._replay_end: dict[TopicPartition, int] | None = None
        self._unpositioned: set[TopicPartition] = set()
        self._may_hold = True  # unknown until the first sweep
        self._next_expiry = 0.0

    @property
    def subscription(self) -> Subscription:
        return self._subscription

    # --- lifecycle ------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask the loop to stop after the message at hand (safe from a signal handler)."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def install_signal_handlers(self) -> None:
        def _handle(signum: int, frame: FrameType | None) -> None:
            log.info("signal %d: finishing the current message, then stopping", signum)
            self.stop()

        signal.signal(signal.SIGTERM, _handle)
        signal.signal(signal.SIGINT, _handle)

    def open(self) -> None:
        cfg = self.config
        self._subscription.create_tables(self._engine)
        membership: dict[str, Any] = {
            "session_timeout_ms": cfg.session_timeout_ms,
            "heartbeat_interval_ms": cfg.heartbeat_interval_ms,
        }
        if cfg.group_instance_id:
            membership["group_instance_id"] = cfg.group_instance_id
        consumer = KafkaConsumer(
            bootstrap_servers=cfg.bootstrap_servers,
            group_id=cfg.group_id,
            client_id=cfg.client_id,
            enable_auto_commit=False,  # offsets move only after the database commit
            auto_offset_reset=cfg.auto_offset_reset,
            max_poll_records=cfg.max_poll_records,
            key_deserializer=None,
            value_deserializer=None,
            **membership,
            **cfg.extra,
        )
        try:
            # Fail at start, not at the first poison message: with auto topic creation off, a
            # missing dead-letter topic would otherwise stall the consumer on that message.
            for topic in (*cfg.topics, cfg.dead_letter_topic):
                if not consumer.partitions_for_topic(topic):
                    raise MissingTopicError(topic)
            producer = KafkaProducer(
                bootstrap_servers=cfg.bootstrap_servers,
                client_id=f"{cfg.client_id}-dlq",
                acks="all",
                enable_idempotence=True,
                max_request_size=dead_letter_max_bytes(cfg.max_message_bytes),
            )
        except BaseException:
            consumer.close(autocommit=False, timeout_ms=5_000)
            raise
        self._consumer, self._producer = consumer, producer
        try:
            if cfg.replay_from_beginning:
                self._assign_from_beginning(consumer)
            else:
                consumer.subscribe(topics=list(cfg.topics), listener=_SeekToDatabase(self))
        except BaseException:
            self.close()
            raise

    def _has_partitions(self) -> bool:
        return bool(self._consumer is not None and self._consumer.assignment())

    def _assign_from_beginning(self, consumer: KafkaConsumer) -> None:
        partitions = []
        for topic in self.config.topics:
            ids = consumer.partitions_for_topic(topic)
            if not ids:
                raise RuntimeError(f"topic {topic!r} does not exist or has no partitions")
            partitions += [TopicPartition(topic, p) for p in sorted(ids)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        self._replay_end = {tp: int(o) for tp, o in consumer.end_offsets(partitions).items()}

    def caught_up(self) -> bool:
        """Rebuild mode: every partition has been read up to its end offset at start."""
        consumer = self._consumer
        assert consumer is not None and self._replay_end is not None
        return all(consumer.position(tp) >= end for tp, end in self._replay_end.items())

    def close(self) -> None:
        consumer, producer = self._consumer, self._producer
        self._consumer = self._producer = None
        if consumer is not None:
            try:
                consumer.close(autocommit=False, timeout_ms=5_000)
            except Exception as exc:  # noqa: BLE001 - closing during an outage is best effort
                log.warning("closing the consumer: %s", describe_error(exc))
        if producer is not None:
            try:
                producer.flush(timeout=5)
                producer.close(timeout=5)
            except Exception as exc:  # noqa: BLE001
                log.warning("closing the dead-letter producer: %s", describe_error(exc))

    def run(self, *, idle_polls_before_exit: int | None = None) -> ConsumerStats:
        """Consume until stop() or SIGTERM; optionally exit after N empty polls (tests, rebuild).

        Outages of the database or the broker are retried with capped backoff; any other
        error is raised (the worker then exits non-zero).
        """
        backoff = Backoff(cap_s=self.config.retry_cap_s)
        idle = 0
        try:
            while not self.stopping:
                try:
                    if self._consumer is None:
                        self.open()
                    if self._replay_end is not None and self.caught_up():
                        break
                    processed = self.poll_once()
                except Exception as exc:
                    if not is_transient(exc):
                        raise
                    self._wait_out(exc, backoff)
                    continue
                backoff.reset()
                if processed == 0 and self._has_partitions():
                    # Idle only counts once partitions are assigned: joining a group can
                    # wait out a crashed member's session timeout with empty polls.
                    idle += 1
                    if idle_polls_before_exit is not None and idle >= idle_polls_before_exit:
                        break
                else:
                    idle = 0
        finally:
            self.close()
        return self.stats

    def _wait_out(self, exc: BaseException, backoff: Backoff) -> None:
        self.stats.outages += 1
        self._stopping.wait(backoff.report(log, self._subscription.name, exc))

    # --- partition positions ----------------------------------------------------------------

    def _on_assigned(self, assigned: set[TopicPartition]) -> None:
        """Pause new partitions until poll_once positions them at the database's offsets.

        Called inside kafka-python's event loop: no database work here (it would hold up
        heartbeats, and the database may be the thing that is down).
        """
        consumer = self._consumer
        if consumer is None or not assigned:
            return
        consumer.pause(*assigned)
        self._unpositioned |= assigned

    def _position_from_database(self) -> None:
        consumer = self._consumer
        if consumer is None or not self._unpositioned:
            return
        pending = set(self._unpositioned)
        with self._engine.connect() as conn:
            stored = {
                topic: tracking.load_offsets(conn, self._subscription.name, topic)
                for topic in {tp.topic for tp in pending}
            }
        positions: dict[TopicPartition, OffsetAndMetadata] = {}
        for tp in pending:
            offset = stored[tp.topic].get(tp.partition)
            if offset is not None:
                consumer.seek(tp, offset)
                positions[tp] = OffsetAndMetadata(offset, "", -1)
        consumer.resume(*pending)
        self._unpositioned -= pending
        if positions:
            # Kafka's committed offsets may lag the database's (a crash between the two
            # commits): bring them level, so lag monitors read the truth.
            self._commit(positions)
        log.info(
            "%s: assigned %s; positioned at the offsets stored with its writes",
            self._subscription.name,
            ", ".join(f"{tp.topic}[{tp.partition}]" for tp in sorted(pending)),
        )

    # --- one poll ---------------------------------------------------------------------------

    def poll_once(self) -> int:
        """Poll, apply, commit the database, then commit offsets. Returns messages handled."""
        consumer = self._consumer
        assert consumer is not None, "open() first"
        self._position_from_database()
        self._maintain_held()
        records = consumer.poll(
            timeout_ms=self.config.poll_timeout_ms, max_records=self.config.max_poll_records
        )
        self.stats.polls += 1
        deliveries: list[Delivery] = []
        for tp, messages in records.items():
            for message in messages:
                deliveries.append(self._to_delivery(tp, message))
        if not deliveries:
            return 0
        # Kafka's order is kept within each partition (all events of one claim share one).
        # A poll's messages are applied in one transaction, so a SIGTERM arriving meanwhile
        # waits for that commit; if it arrived during the poll, only the first message is
        # handled and the rest are rewound for the group's next member.
        if self.stopping:
            self._rewind(deliveries[1:])
            deliveries = deliveries[:1]
        try:
            result = apply_deliveries(
                self._engine,
                self._subscription,
                self._decode_payload,
                deliveries,
                finish=self._finish,
                on_failure=self._send_dead_letter,
            )
        except BaseException:
            # Nothing of this poll committed: read it again once the outage is over.
            self._rewind(deliveries)
            raise
        self.stats.add(result)
        self.stats.db_commits += 1
        if result.held:
            self._may_hold = True
        if self._after_db_commit is not None:
            self._after_db_commit(self)
        self._commit_offsets(deliveries)
        if self._may_hold:
            self._maintain_held(expire=False)
        return len(deliveries)

    def _rewind(self, deliveries: Sequence[Delivery]) -> None:
        consumer = self._consumer
        if consumer is None:
            return
        first: dict[TopicPartition, int] = {}
        for d in deliveries:
            assert d.topic is not None and d.partition is not None and d.offset is not None
            tp = TopicPartition(d.topic, d.partition)
            first[tp] = min(first.get(tp, d.offset), d.offset)
        assigned = consumer.assignment()
        for tp, offset in first.items():
            if tp in assigned:
                consumer.seek(tp, offset)

    def _owns(self, delivery: Delivery) -> bool:
        consumer = self._consumer
        if consumer is None or delivery.topic is None or delivery.partition is None:
            return False
        return TopicPartition(delivery.topic, delivery.partition) in consumer.assignment()

    def _maintain_held(self, *, expire: bool = True) -> None:
        """Apply held events whose turn has come; dead-letter those held too long ("gap")."""
        if self._may_hold:
            self.stats.add(
                release_held(
                    self._engine,
                    self._subscription,
                    self._decode_payload,
                    on_failure=self._send_dead_letter,
                    owned=self._owns,
                )
            )
        now = time.monotonic()
        if not expire or now < self._next_expiry:
            return
        sweep = min(self.config.gap_timeout.total_seconds() / 4, 5.0)
        self._next_expiry = now + max(sweep, 0.2)
        self.stats.dead_lettered += expire_held(
            self._engine,
            self._subscription,
            timeout=self.config.gap_timeout,
            on_failure=self._send_dead_letter,
            owned=self._owns,
        )
        with self._engine.connect() as conn:
            self._may_hold = tracking.count_held(conn, self._subscription.name) > 0

    def _to_delivery(self, tp: TopicPartition, message: Any) -> Delivery:
        delivery = Delivery(
            envelope=None,
            topic=tp.topic,
            partition=tp.partition,
            offset=message.offset,
            raw=message.value,
            key=message.key,
            headers=list(message.headers or []),
        )
        try:
            if message.value is None:
                raise ValueError("empty message value (tombstone)")
            delivery.envelope = self._decode_message(message.value)
        except Exception as exc:  # noqa: BLE001 - any decode failure is a dead letter
            delivery.decode_error = exc
        return delivery

    def _finish(self, conn: Connection, done: Sequence[Delivery]) -> None:
        """Record the next offset per partition in the subscription's transaction."""
        latest: dict[tuple[str, int], int] = {}
        for d in done:
            assert d.topic is not None and d.partition is not None and d.offset is not None
            key = (d.topic, d.partition)
            latest[key] = max(latest.get(key, -1), d.offset)
        for (topic, partition), offset in latest.items():
            tracking.save_offset(conn, self._subscription.name, topic, partition, offset + 1)

    def _send_dead_letter(self, conn: Connection, delivery: Delivery, exc: BaseException) -> None:
        """Publish the dead letter synchronously, before the offset can move past the original.

        The value follows the topic's contract (`shared.events.topics.DeadLetter`: original
        key and value, error); headers repeat the error and origin for tools that only look
        at headers, and the original message's own headers are kept.
        """
        producer = self._producer
        assert producer is not None
        assert delivery.topic is not None and delivery.partition is not None
        assert delivery.offset is not None
        envelope = delivery.envelope
        name = self._subscription.name
        letter = DeadLetterMessage.of(
            source_topic=delivery.topic,
            partition=delivery.partition,
            offset=delivery.offset,
            key=delivery.key,
            value=delivery.raw,
            consumer_group=self.config.group_id,
            error=exc,
            failed_at=datetime.now(UTC),
            handler=f"{name}:{envelope.type}" if envelope else name,
        )
        values = {
            H_ERROR: error_text(exc),
            H_TOPIC: delivery.topic,
            H_PARTITION: str(delivery.partition),
            H_OFFSET: str(delivery.offset),
            H_CONSUMER: f"{self.config.group_id}/{name}",
        }
        # The original's own dlq.* headers (a re-driven dead letter) are replaced, not doubled.
        headers = [h for h in delivery.headers if not h[0].startswith("dlq.")] + [
            (header, values[header].encode()) for header in DEAD_LETTER_HEADERS
        ]
        future = producer.send(
            self.config.dead_letter_topic,
            key=delivery.key,
            value=letter.model_dump_json().encode(),
            headers=headers,
        )
        future.get(timeout=30)

    def _commit_offsets(self, handled: Sequence[Delivery]) -> None:
        consumer = self._consumer
        assert consumer is not None
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for d in handled:
            assert d.topic is not None and d.partition is not None and d.offset is not None
            tp = TopicPartition(d.topic, d.partition)
            current = offsets.get(tp)
            if current is None or current.offset < d.offset + 1:
                offsets[tp] = OffsetAndMetadata(d.offset + 1, "", -1)
        self._commit(offsets)

    def _commit(self, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        consumer = self._consumer
        assert consumer is not None
        try:
            consumer.commit(offsets, timeout_ms=10_000)
        except KafkaError as exc:
            # A rebalance took the partitions away, or the broker is unreachable: harmless.
            # The database holds these offsets; whoever reads the partition next seeks there,
            # and tracking turns anything delivered again into a no-op.
            log.warning(
                "%s: offset commit failed (%s); the database has the offsets",
                self._subscription.name,
                describe_error(exc),
            )
