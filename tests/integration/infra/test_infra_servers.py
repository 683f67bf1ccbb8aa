"""The local servers are real: Kafka round trips with acks=all, PostgreSQL transactions."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from devtools.resolve import admin_conninfo


def test_kafka_round_trip_keeps_per_key_order(
    kafka_bootstrap_servers: str, new_topic: Callable[..., str]
) -> None:
    topic = new_topic(partitions=3)
    producer = KafkaProducer(
        bootstrap_servers=kafka_bootstrap_servers, acks="all", enable_idempotence=True
    )
    sent = [(f"claim-{i % 4}".encode(), f"event-{i}".encode()) for i in range(40)]
    try:
        for key, value in sent:
            producer.send(topic, key=key, value=value)
        producer.flush(timeout=30)
    finally:
        producer.close()

    consumer = KafkaConsumer(
        bootstrap_servers=kafka_bootstrap_servers, enable_auto_commit=False, group_id=None
    )
    try:
        partitions = [TopicPartition(topic, p) for p in range(3)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        received: list[tuple[bytes, bytes, int]] = []
        for _ in range(100):
            for records in consumer.poll(timeout_ms=500).values():
                received.extend((r.key, r.value, r.partition) for r in records)
            if len(received) >= len(sent):
                break
    finally:
        consumer.close()

    assert sorted((k, v) for k, v, _ in received) == sorted(sent)
    for key in {k for k, _ in sent}:
        # Same key -> one partition, in the order produced.
        assert len({p for k, _, p in received if k == key}) == 1
        assert [v for k, v, _ in received if k == key] == [v for k, v in sent if k == key]


def test_postgres_is_a_real_server_with_transactions(postgres_url: str) -> None:
    conninfo = admin_conninfo(postgres_url)
    with psycopg.connect(conninfo) as conn:
        version = conn.execute("SELECT version()").fetchone()
        assert version is not None and str(version[0]).startswith("PostgreSQL ")
        conn.execute("CREATE TABLE ledger (id int PRIMARY KEY, amount numeric(12, 2))")
        conn.commit()

        conn.execute("INSERT INTO ledger VALUES (1, 125.50)")
        conn.rollback()
        with conn.transaction():
            conn.execute("INSERT INTO ledger VALUES (2, 80.25)")

    # A second connection sees only the committed row, with exact decimal money.
    with psycopg.connect(conninfo) as other:
        rows = other.execute("SELECT id, amount::text FROM ledger ORDER BY id").fetchall()
    assert rows == [(2, "80.25")]


def test_postgres_url_is_a_fresh_database_per_module(
    postgres_url: str, postgres_server_url: str
) -> None:
    database = postgres_url.rsplit("/", 1)[1]
    assert database.startswith("t_") and database != "postgres"
    with psycopg.connect(admin_conninfo(postgres_server_url)) as admin:
        found = admin.execute(
            "SELECT count(*) FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
    assert found == (1,)
