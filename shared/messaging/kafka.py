"""Kafka client factories and topic creation for the declared topics (kafka-python 3).

Message size: one number, KAFKA_MAX_MESSAGE_BYTES (1 MiB by default), is the relay's limit,
the producer's `max_request_size`, the broker's `message.max.bytes`
(deploy/local/kafka/server.properties.in) and every event topic's `max.message.bytes`; the
dead-letter topic takes twice that plus 64 KiB, since a dead letter carries the original
value re-escaped inside JSON. Event topics keep their records forever (`retention.ms=-1`):
projections are rebuilt by replaying them from the start, and a consumer checking stream
continuity needs every version of a stream.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from kafka import KafkaAdminClient, KafkaProducer  # type: ignore[import-untyped]
from kafka.errors import TopicAlreadyExistsError  # type: ignore[import-untyped]

from shared.config import DEFAULT_MAX_MESSAGE_BYTES
from shared.events.topics import ALL_TOPICS, DEAD_LETTER, REPORTING_EVENTS, Topic
from shared.messaging.consumer import dead_letter_max_bytes

log = logging.getLogger(__name__)


def topic_configs(
    topic: Topic, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
) -> dict[str, str]:
    """The broker-side settings a declared topic is created with."""
    if topic == DEAD_LETTER:
        return {"max.message.bytes": str(dead_letter_max_bytes(max_message_bytes))}
    configs = {"max.message.bytes": str(max_message_bytes)}
    if topic != REPORTING_EVENTS:
        configs["retention.ms"] = "-1"  # the log is replayed to rebuild read models
    return configs


def topic_name(topic: Topic, prefix: str = "") -> str:
    """The topic's name on the broker: a prefix lets tests and tenants share one cluster."""
    return f"{prefix}{topic.name}"


def make_producer(
    bootstrap_servers: str,
    *,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    **overrides: Any,
) -> KafkaProducer:
    """An idempotent producer waiting for all in-sync replicas.

    Idempotence makes the producer's own retries write each record once and in order per
    partition; it does not dedupe records the application sends twice (a relay restarted
    from its checkpoint), which is why consumers dedupe by event_id.
    """
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap_servers.split(","),
        "client_id": "revcycle-relay",
        "enable_idempotence": True,
        "acks": "all",
        "linger_ms": 5,
        "compression_type": None,
        "max_request_size": max_message_bytes,
    }
    config.update(overrides)
    return KafkaProducer(**config)


def make_admin(bootstrap_servers: str, **overrides: Any) -> KafkaAdminClient:
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap_servers.split(","),
        "client_id": "revcycle-admin",
    }
    config.update(overrides)
    return KafkaAdminClient(**config)


def ensure_topics(
    bootstrap_servers: str,
    *,
    partitions: int = 3,
    replication_factor: int = 1,
    prefix: str = "",
    topics: Iterable[Topic] = ALL_TOPICS,
    configs: Mapping[str, str] | None = None,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
) -> list[str]:
    """Create the declared topics that do not exist yet; returns the names created.

    Each gets `topic_configs` (size limit, retention) plus `configs`. Idempotent: existing
    topics are left alone (their partition count is not changed, since adding partitions
    would move keys and break per-claim ordering).
    """
    if partitions < 1:
        raise ValueError(f"partitions must be at least 1, got {partitions}")
    declared = {topic_name(t, prefix): t for t in topics}
    wanted = list(declared)
    admin = make_admin(bootstrap_servers)
    try:
        existing = set(admin.list_topics())
        missing = [name for name in wanted if name not in existing]
        if missing:
            spec = {
                name: {
                    "num_partitions": partitions,
                    "replication_factor": replication_factor,
                    "configs": {
                        **topic_configs(declared[name], max_message_bytes),
                        **dict(configs or {}),
                    },
                }
                for name in missing
            }
            try:
                admin.create_topics(spec, wait_for_metadata=True)
            except TopicAlreadyExistsError:
                # Another process created one in between: fine, they are the same topics.
                admin.wait_for_topics(missing)
            log.info("created topics %s", ", ".join(missing))
        return missing
    finally:
        admin.close()


def delete_topics(bootstrap_servers: str, names: Iterable[str]) -> None:
    admin = make_admin(bootstrap_servers)
    try:
        admin.delete_topics(list(names))
    finally:
        admin.close()
