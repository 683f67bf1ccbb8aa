"""One event never stops the pipeline (real Kafka and PostgreSQL).

An oversized claim.created (about 3 MB, over the 1 MiB limit that the producer, the broker
and the topics share) and an unreadable row are written straight into the event store,
followed by a normal claim. The relay (`revcycle relay run --once`) dead-letters the two,
parks their streams, publishes the normal claim, which the follow-up consumer projects;
`revcycle relay status` shows the dead letters; `revcycle relay release` publishes what was
held back behind one of them, and the consumer reports the gap it leaves.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from test_relay_kafka import REVCYCLE, read_topic, relay_env  # type: ignore[import-not-found]

from services.followup.bootstrap import consumer_for, prepare_database
from services.followup.config import FollowupSettings
from services.followup.projections import CLAIMS_PROJECTION
from services.followup.tables import claims
from shared.config import DEFAULT_MAX_MESSAGE_BYTES, REPO_ROOT
from shared.db import create_db_engine
from shared.events.claims import ClaimWrittenOff
from shared.events.registry import to_envelopes
from shared.events.topics import ALL_TOPICS, CLAIM_EVENTS, DEAD_LETTER
from shared.eventstore.migrations import upgrade
from shared.eventstore.sql import SqlEventStore
from shared.messaging.consumer import H_ERROR, ConsumerStats
from shared.messaging.kafka import delete_topics, ensure_topics, topic_name
from testsupport.events import claim_created, insert_raw_event

ORG = "st-elsewhere"


@pytest.fixture
def store(postgres_url: str) -> Iterator[SqlEventStore]:
    upgrade(postgres_url)
    store = SqlEventStore(create_db_engine(postgres_url))
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            "TRUNCATE events, relay_checkpoints, relay_dead_letters, relay_parked_streams "
            "RESTART IDENTITY"
        )
    prepare_database(store.engine)
    yield store
    store.engine.dispose()


@pytest.fixture
def prefix(kafka_bootstrap_servers: str) -> Iterator[str]:
    p = f"test.deadletter.{uuid.uuid4().hex[:8]}."
    ensure_topics(kafka_bootstrap_servers, partitions=3, prefix=p)
    yield p
    delete_topics(kafka_bootstrap_servers, [topic_name(t, p) for t in ALL_TOPICS])


def insert_row(store: SqlEventStore, stream_id: str, version: int, type_: str, data: Any) -> None:
    """Straight into the events table, past every check an append would make."""
    insert_raw_event(
        store.engine,
        stream_id=stream_id,
        stream_version=version,
        event_type=type_,
        data=data,
        event_version=2,
        producer="intake",
        organization_id=ORG,
    )


def oversized_claim_data() -> dict[str, Any]:
    """claim.created data whose claim carries 12,000 service lines (about 3 MB of JSON)."""
    data = claim_created(
        "clm-big", organization_id=ORG, patient_control_number="PCN-BIG", charge="10.00"
    ).data
    line = data["claim"]["lines"][0]
    data["claim"]["lines"] = [{**line, "line_number": n} for n in range(1, 12_001)]
    assert len(json.dumps(data)) > 2 * DEFAULT_MAX_MESSAGE_BYTES
    return data


def write_off(store: SqlEventStore, claim_id: str) -> None:
    version = store.stream_version(claim_id)
    event = ClaimWrittenOff(
        claim_id=claim_id, amount=Decimal("10.00"), reason_code="SB", reason="x"
    )
    store.append(
        claim_id,
        version,
        to_envelopes(
            [event],
            expected_version=version,
            occurred_at=datetime.now(UTC),
            organization_id=ORG,
            producer="followup",
        ),
    )


def revcycle(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*REVCYCLE, *args], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=180
    )


def projected(engine: sa.Engine) -> dict[str, tuple[str, int]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(claims.c.claim_id, claims.c.status, claims.c.stream_version))
        return {c: (s, v) for c, s, v in rows}


def test_an_oversized_and_an_unreadable_event_do_not_stop_a_normal_claim(
    store: SqlEventStore, prefix: str, kafka_bootstrap_servers: str, postgres_url: str
) -> None:
    insert_row(store, "clm-big", 1, "claim.created", oversized_claim_data())
    insert_row(store, "clm-bad", 1, "claim.created", ["not", "an", "object"])
    write_off(store, "clm-big")  # version 2, held back behind the dead letter
    ok = claim_created("clm-ok", organization_id=ORG, patient_control_number="PCN-OK", charge="99")
    store.append("clm-ok", 0, [ok])
    env = relay_env(postgres_url, kafka_bootstrap_servers)

    once = revcycle(env, "relay", "run", "--once", "--topic-prefix", prefix)
    assert once.returncode == 0, once.stderr[-3000:]
    assert "published 1 events, dead-lettered 2" in once.stdout
    assert "ERROR" not in once.stdout  # logs go to stderr ...
    assert once.stderr.count("dead-lettered event at position") == 2  # ... at ERROR
    topic = topic_name(CLAIM_EVENTS, prefix)
    assert [(k, e.stream_version) for _, k, e in read_topic(kafka_bootstrap_servers, topic)] == [
        ("clm-ok", 1)
    ]

    status = revcycle(env, "relay", "status")
    assert status.returncode == 0, status.stderr
    assert "checkpoint 4  head 4  lag 0" in status.stdout
    assert "dead letters 2 open (2 in all)" in status.stdout
    assert "parked streams 2" in status.stdout
    assert (
        "clm-big: dead letter at position 1 (claim.created, 1 attempt(s)), 1 later" in status.stdout
    )
    assert "MessageSizeTooLarge: the record for" in status.stdout
    assert f"over KAFKA_MAX_MESSAGE_BYTES={DEFAULT_MAX_MESSAGE_BYTES}" in status.stdout
    assert "clm-bad: dead letter at position 2" in status.stdout
    assert "unreadable event row: ValidationError: data:" in status.stdout

    # The follow-up consumer projects the normal claim; it never saw the other two.
    settings = FollowupSettings(
        database_url=postgres_url,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        subscription_gap_timeout_s=1,
    )
    group = f"deadletter-{uuid.uuid4().hex[:8]}"
    dlq = topic_name(DEAD_LETTER, prefix)

    def project(idle_polls: int) -> ConsumerStats:
        consumer = consumer_for(
            CLAIMS_PROJECTION,
            store.engine,
            settings,
            topics=[topic],
            group_id=group,
            dead_letter_topic=dlq,
        )
        return consumer.run(idle_polls_before_exit=idle_polls)

    project(3)
    assert projected(store.engine) == {"clm-ok": ("created", 1)}

    # Release clm-big: its write-off (version 2) is published without version 1 ...
    release = revcycle(env, "relay", "release", "clm-big")
    assert release.returncode == 0, release.stderr
    assert "stream clm-big: release requested (1 event(s) after its dead letter)" in release.stdout
    assert revcycle(env, "relay", "run", "--once", "--topic-prefix", prefix).returncode == 0
    published = [(k, e.stream_version) for _, k, e in read_topic(kafka_bootstrap_servers, topic)]
    assert sorted(published) == [("clm-big", 2), ("clm-ok", 1)]
    after = revcycle(env, "relay", "status").stdout
    assert "dead letters 1 open (2 in all)" in after and "parked streams 1" in after
    # ... and the consumer, which never saw version 1, holds it, then reports the gap.
    stats = project(8)
    assert (stats.held, stats.dead_lettered) == (1, 1)
    [letter] = read_topic_raw(kafka_bootstrap_servers, dlq)
    assert (
        dict(letter.headers)[H_ERROR]
        .decode()
        .startswith("GapError: gap in stream clm-big: version 2 arrived but version 1")
    )
    assert projected(store.engine) == {"clm-ok": ("created", 1)}

    # Normal claims keep flowing all along.
    write_off(store, "clm-ok")
    assert revcycle(env, "relay", "run", "--once", "--topic-prefix", prefix).returncode == 0
    assert project(3).ignored == 1  # the write-off moves no status, but it is seen


def read_topic_raw(bootstrap: str, topic: str) -> list[Any]:
    """Every message of a topic with headers (from the beginning, until 5 s of silence)."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=5000,
    )
    try:
        return list(consumer)
    finally:
        consumer.close()


def test_the_limits_of_producer_broker_and_topics_agree(
    kafka_bootstrap_servers: str, prefix: str
) -> None:
    from kafka.admin import ConfigResource, ConfigResourceType

    from shared.messaging.consumer import dead_letter_max_bytes
    from shared.messaging.kafka import make_admin, make_producer

    template = (REPO_ROOT / "deploy/local/kafka/server.properties.in").read_text()
    broker = dict(
        line.split("=", 1) for line in template.splitlines() if line and not line.startswith("#")
    )
    assert int(broker["message.max.bytes"]) == DEFAULT_MAX_MESSAGE_BYTES
    producer = make_producer(kafka_bootstrap_servers)
    try:
        assert producer.config["max_request_size"] == DEFAULT_MAX_MESSAGE_BYTES
    finally:
        producer.close()
    admin = make_admin(kafka_bootstrap_servers)
    try:
        described = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic_name(t, prefix)) for t in ALL_TOPICS]
        )
    finally:
        admin.close()
    limits = {
        name: int(config["max.message.bytes"]["value"])
        for name, config in described["topic"].items()
    }
    expected = {topic_name(t, prefix): DEFAULT_MAX_MESSAGE_BYTES for t in ALL_TOPICS}
    expected[topic_name(DEAD_LETTER, prefix)] = dead_letter_max_bytes(DEFAULT_MAX_MESSAGE_BYTES)
    assert limits == expected
