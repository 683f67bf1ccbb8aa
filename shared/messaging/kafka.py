"""Kafka client factories and topic creation for the declared topics (kafka-python 3)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from kafka import KafkaAdminClient, KafkaProducer  # type: ignore[import-untyped]
from kafka.errors import TopicAlreadyExistsError  # type: ignore[import-untyped]

from shared.config import BaseServiceSettings
from shared.events.topics import ALL_TOPICS, Topic

log = logging.getLogger(__name__)


class KafkaSettings(BaseServiceSettings):
    """Kafka-side settings (environment: KAFKA_TOPIC_PREFIX, KAFKA_TOPIC_PARTITIONS, ...)."""

    kafka_topic_prefix: str = ""
    kafka_topic_partitions: int = 3
    kafka_replication_factor: int = 1


def topic_name(topic: Topic, prefix: str = "") -> str:
    """The topic's name on the broker: a prefix lets tests and tenants share one cluster."""
    return f"{prefix}{topic.name}"


def make_producer(bootstrap_servers: str, **overrides: Any) -> KafkaProducer:
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
) -> list[str]:
    """Create the declared topics that do not exist yet; returns the names created.

    Idempotent: existing topics are left alone (their partition count is not changed,
    since adding partitions would move keys and break per-claim ordering).
    """
    if partitions < 1:
        raise ValueError(f"partitions must be at least 1, got {partitions}")
    wanted = [topic_name(t, prefix) for t in topics]
    admin = make_admin(bootstrap_servers)
    try:
        existing = set(admin.list_topics())
        missing = [name for name in wanted if name not in existing]
        if missing:
            spec = {
                name: {
                    "num_partitions": partitions,
                    "replication_factor": replication_factor,
                    "configs": dict(configs or {}),
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
