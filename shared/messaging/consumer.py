"""Kafka consumer runtime: consumer groups, manual offsets after the database commit, dead letters.

For each poll, the projection's writes, its tracking rows (projection + event id) and the
next offset per partition commit in ONE database transaction; only then are the Kafka
offsets committed. A crash between the two makes Kafka redeliver, and the tracking rows
make the redelivery a no-op: effectively exactly-once. A message that cannot be decoded, or
whose handler raises, is sent to the dead-letter topic with the error and its original
topic/partition/offset in headers (before the offset moves past it) and the consumer goes on.
SIGTERM finishes the messages in hand (one atomic transaction), commits, and closes.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # type: ignore[import-untyped,unused-ignore]
from kafka.errors import CommitFailedError  # type: ignore[import-untyped,unused-ignore]
from kafka.structs import OffsetAndMetadata  # type: ignore[import-untyped,unused-ignore]
from pydantic import ValidationError
from sqlalchemy.engine import Connection, Engine

from shared.events.envelope import EventEnvelope
from shared.events.topics import DeadLetter as DeadLetterMessage
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

CRASH_ENV = "REVCYCLE_TEST_CRASH_AFTER_DB_COMMITS"
"""Test-only: kill -9 this process after N database commits, before the Kafka offset commit."""

MessageDecoder = Callable[[bytes], EventEnvelope]

# Dead-letter headers: what failed, where the original lives, and who gave up on it.
H_ERROR = "dlq.error"
H_TOPIC = "dlq.original.topic"
H_PARTITION = "dlq.original.partition"
H_OFFSET = "dlq.original.offset"
H_CONSUMER = "dlq.consumer"
DEAD_LETTER_HEADERS = (H_ERROR, H_TOPIC, H_PARTITION, H_OFFSET, H_CONSUMER)
"""Every header a dead letter gets; the contract: `shared.events.topics.DEAD_LETTER_HEADERS`."""


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
    client_id: str = "revcycle-projector"
    max_poll_records: int = 500
    poll_timeout_ms: int = 500
    auto_offset_reset: str = "earliest"
    crash_after_db_commits: int | None = None
    # Rebuild mode: take every partition directly (no group membership), start at offset 0,
    # stop once caught up with the end offsets seen at start; offsets still go to group_id.
    replay_from_beginning: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def crash_hook_from_env(cls) -> int | None:
        value = os.environ.get(CRASH_ENV)
        return int(value) if value else None


@dataclass
class ConsumerStats:
    polls: int = 0
    applied: int = 0
    skipped: int = 0
    ignored: int = 0
    dead_lettered: int = 0
    db_commits: int = 0

    def add(self, result: BatchResult) -> None:
        self.applied += result.applied
        self.skipped += result.skipped
        self.ignored += result.ignored
        self.dead_lettered += result.dead_lettered


class ProjectionConsumer:
    """Runs one projection from Kafka topics in a consumer group."""

    def __init__(
        self,
        config: ConsumerConfig,
        engine: Engine,
        projection: Projection,
        decode_payload: PayloadDecoder,
        *,
        decode_message: MessageDecoder = default_message_decoder,
    ) -> None:
        self.config = config
        self._engine = engine
        self._projection = projection
        self._decode_payload = decode_payload
        self._decode_message = decode_message
        self._stopping = threading.Event()
        self.stats = ConsumerStats()
        self._consumer: KafkaConsumer | None = None
        self._producer: KafkaProducer | None = None
        self._replay_end: dict[TopicPartition, int] | None = None

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
        self._projection.create_tables(self._engine)
        self._consumer = KafkaConsumer(
            *([] if cfg.replay_from_beginning else cfg.topics),
            bootstrap_servers=cfg.bootstrap_servers,
            group_id=cfg.group_id,
            client_id=cfg.client_id,
            enable_auto_commit=False,  # offsets move only after the database commit
            auto_offset_reset=cfg.auto_offset_reset,
            max_poll_records=cfg.max_poll_records,
            key_deserializer=None,
            value_deserializer=None,
            **cfg.extra,
        )
        # Fail at start, not at the first poison message: with auto topic creation off, a
        # missing dead-letter topic would otherwise stall the consumer on that message.
        for topic in (*cfg.topics, cfg.dead_letter_topic):
            if not self._consumer.partitions_for_topic(topic):
                self._consumer.close(autocommit=False)
                self._consumer = None
                raise MissingTopicError(topic)
        if cfg.replay_from_beginning:
            self._assign_from_beginning(self._consumer)
        self._producer = KafkaProducer(
            bootstrap_servers=cfg.bootstrap_servers,
            client_id=f"{cfg.client_id}-dlq",
            acks="all",
            enable_idempotence=True,
        )

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
        if self._consumer is not None:
            self._consumer.close(autocommit=False)
            self._consumer = None
        if self._producer is not None:
            self._producer.flush()
            self._producer.close()
            self._producer = None

    def run(self, *, idle_polls_before_exit: int | None = None) -> ConsumerStats:
        """Consume until stop() or SIGTERM; optionally exit after N empty polls (tests, rebuild)."""
        if self._consumer is None:
            self.open()
        idle = 0
        try:
            while not self.stopping:
                if self._replay_end is not None and self.caught_up():
                    break
                processed = self.poll_once()
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

    # --- one poll ---------------------------------------------------------------------------

    def poll_once(self) -> int:
        """Poll, apply, commit the database, then commit offsets. Returns messages handled."""
        consumer = self._consumer
        assert consumer is not None, "open() first"
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
        # handled and the rest stay uncommitted for the group's next member.
        if self.stopping:
            deliveries = deliveries[:1]
        result = apply_deliveries(
            self._engine,
            self._projection,
            self._decode_payload,
            deliveries,
            finish=self._finish,
            on_failure=self._send_dead_letter,
        )
        self.stats.add(result)
        self.stats.db_commits += 1
        self._maybe_crash()
        self._commit_offsets(deliveries)
        return len(deliveries)

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
        """Record the next offset per partition in the projection's transaction."""
        latest: dict[tuple[str, int], int] = {}
        for d in done:
            assert d.topic is not None and d.partition is not None and d.offset is not None
            key = (d.topic, d.partition)
            latest[key] = max(latest.get(key, -1), d.offset)
        for (topic, partition), offset in latest.items():
            tracking.save_offset(conn, self._projection.name, topic, partition, offset + 1)

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
        letter = DeadLetterMessage.of(
            source_topic=delivery.topic,
            partition=delivery.partition,
            offset=delivery.offset,
            key=delivery.key,
            value=delivery.raw,
            consumer_group=self.config.group_id,
            error=exc,
            failed_at=datetime.now(UTC),
            handler=(
                f"{self._projection.name}:{envelope.type}" if envelope else self._projection.name
            ),
        )
        values = {
            H_ERROR: error_text(exc),
            H_TOPIC: delivery.topic,
            H_PARTITION: str(delivery.partition),
            H_OFFSET: str(delivery.offset),
            H_CONSUMER: f"{self.config.group_id}/{self._projection.name}",
        }
        # The original's own dlq.* headers (a re-driven dead letter) are replaced, not doubled.
        headers = [h for h in delivery.headers if not h[0].startswith("dlq.")] + [
            (name, values[name].encode()) for name in DEAD_LETTER_HEADERS
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
        try:
            consumer.commit(offsets)
        except CommitFailedError:
            # A rebalance took the partitions away: the new owner re-reads these messages
            # and the tracking rows turn them into no-ops.
            log.warning("offset commit failed after a rebalance; redelivery will be skipped")

    def _maybe_crash(self) -> None:
        limit = self.config.crash_after_db_commits
        if limit is not None and self.stats.db_commits >= limit:
            log.warning("crash hook: killing the process between DB commit and offset commit")
            os.kill(os.getpid(), signal.SIGKILL)
