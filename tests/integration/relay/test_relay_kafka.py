"""The relay on real PostgreSQL and Kafka: kill -9 at any point loses nothing, order per stream.

Every test reads the topic back with an independent consumer (no group, all partitions
from the beginning to the end offsets) and checks: every committed event is there, each
stream's first occurrences are in stream_version order on a single partition, and any
duplicate is a redelivery of an event already seen (consumers dedupe by event_id).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition

from shared.config import REPO_ROOT
from shared.db import create_db_engine
from shared.events import EventEnvelope, to_envelopes
from shared.events.claim_snapshot import snapshot_v1
from shared.events.claims import ClaimCreated, ClaimWrittenOff
from shared.events.examples import ORG
from shared.events.patient_account import patient_account_id
from shared.events.topics import ALL_TOPICS, CLAIM_EVENTS, REPORTING_EVENTS
from shared.eventstore.migrations import upgrade
from shared.eventstore.sql import SqlEventStore
from shared.messaging.kafka import delete_topics, ensure_topics, make_producer, topic_name
from shared.messaging.relay import CheckpointStore, Relay, RelayConfig
from testsupport.claims import professional_claim

REVCYCLE = [sys.executable, "-c", "from revcycle.cli import main; main()"]
CRASHING_RELAY = Path(__file__).with_name("crashing_relay.py")
PSEUDONYM_KEY = "relay-tests-pseudonym-key-0123456789abcdef"


@pytest.fixture
def store(postgres_url: str) -> Iterator[SqlEventStore]:
    upgrade(postgres_url)
    store = SqlEventStore(create_db_engine(postgres_url))
    with store.engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE events, relay_checkpoints RESTART IDENTITY")
    yield store
    store.engine.dispose()


@pytest.fixture
def prefix(kafka_bootstrap_servers: str) -> Iterator[str]:
    """A private set of the declared topics (3 partitions each), deleted afterwards."""
    p = f"test.relay.{uuid.uuid4().hex[:8]}."
    ensure_topics(kafka_bootstrap_servers, partitions=3, prefix=p)
    yield p
    delete_topics(kafka_bootstrap_servers, [topic_name(t, p) for t in ALL_TOPICS])


def append_write_offs(store: SqlEventStore, claim_id: str, n: int) -> list[EventEnvelope]:
    version = store.stream_version(claim_id)
    events = [
        ClaimWrittenOff(
            claim_id=claim_id, amount=Decimal("1.00") * (i + 1), reason_code="X", reason="test"
        )
        for i in range(n)
    ]
    return store.append(
        claim_id,
        version,
        to_envelopes(
            events,
            expected_version=version,
            occurred_at=datetime.now(UTC),
            organization_id=ORG,
            producer="followup",
        ),
    )


def read_topic(bootstrap: str, topic: str) -> list[tuple[int, str, EventEnvelope]]:
    """(partition, key, envelope) of every record on the topic, in partition-offset order."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=2000,
    )
    try:
        partitions = [
            TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])
        ]
        assert partitions, f"topic {topic} has no partitions"
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        out: list[tuple[int, str, EventEnvelope]] = []
        deadline = time.monotonic() + 60
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            assert time.monotonic() < deadline, "could not read the topic to its end"
            for tp, records in consumer.poll(timeout_ms=500).items():
                for r in records:
                    out.append(
                        (tp.partition, r.key.decode(), EventEnvelope.model_validate_json(r.value))
                    )
        return out
    finally:
        consumer.close()


def check_delivery(
    records: list[tuple[int, str, EventEnvelope]], committed: list[EventEnvelope]
) -> int:
    """Assert the at-least-once, per-stream-order contract; returns the number of duplicates."""
    committed_ids = {e.event_id for e in committed}
    seen: set[uuid.UUID] = set()
    first_versions: dict[str, list[int]] = defaultdict(list)
    partition_of: dict[str, set[int]] = defaultdict(set)
    duplicates = 0
    for partition, key, envelope in records:
        assert key == envelope.stream_id, "Kafka key must be the stream id"
        partition_of[key].add(partition)
        if envelope.event_id in seen:
            duplicates += 1
            continue
        seen.add(envelope.event_id)
        first_versions[key].append(envelope.stream_version)
    missing = committed_ids - seen
    assert not missing, f"{len(missing)} committed events never reached Kafka"
    assert seen <= committed_ids, "an event that was never committed was published"
    for stream, versions in first_versions.items():
        assert versions == sorted(versions), f"stream {stream} out of order: {versions[:20]}"
        assert versions == list(range(1, len(versions) + 1)), f"stream {stream} has a gap"
    assert all(len(p) == 1 for p in partition_of.values()), "a stream spread over partitions"
    return duplicates


def relay_env(postgres_url: str, bootstrap: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update(
        DATABASE_URL=postgres_url,
        KAFKA_BOOTSTRAP_SERVERS=bootstrap,
        REPORTING_PSEUDONYM_KEY=PSEUDONYM_KEY,
        PYTHONPATH=str(REPO_ROOT),  # the crash wrapper imports testsupport
        **extra,
    )
    return env


def test_published_in_stream_order_with_a_deidentified_reporting_copy(
    store: SqlEventStore, prefix: str, kafka_bootstrap_servers: str
) -> None:
    claim = professional_claim()
    created = ClaimCreated(
        claim_id="clm-phi",
        account_id=patient_account_id(ORG, claim.patient_control_number),
        organization_id=ORG,
        claim=snapshot_v1(claim),
    )
    committed = store.append(
        "clm-phi",
        0,
        to_envelopes(
            [created],
            expected_version=0,
            occurred_at=datetime.now(UTC),
            organization_id=ORG,
            producer="intake",
        ),
    )
    for n in range(20):
        committed += append_write_offs(store, f"clm-{n % 7}", 3)
    producer = make_producer(kafka_bootstrap_servers)
    relay = Relay(
        store,
        producer,
        RelayConfig(batch_size=16, topic_names={t.name: topic_name(t, prefix) for t in ALL_TOPICS}),
    )
    try:
        assert relay.run_once() == len(committed)
    finally:
        producer.close()
    records = read_topic(kafka_bootstrap_servers, topic_name(CLAIM_EVENTS, prefix))
    assert check_delivery(records, committed) == 0
    reporting = read_topic(kafka_bootstrap_servers, topic_name(REPORTING_EVENTS, prefix))
    assert len(reporting) == len(committed)
    public = next(e for _, _, e in reporting if e.type == "claim.created").model_dump_json()
    assert claim.subscriber.member_id not in public and claim.subscriber.last_name not in public
    assert format(claim.total_charge, "f") in public


def wait_for(predicate: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_kill_9_mid_stream_then_restart_every_committed_event_reaches_kafka(
    store: SqlEventStore, prefix: str, kafka_bootstrap_servers: str, postgres_url: str
) -> None:
    committed: list[EventEnvelope] = []
    for n in range(60):  # a backlog: 60 claims x 25 events
        committed += append_write_offs(store, f"clm-{n}", 25)
    head = committed[-1].position or 0
    checkpoints = CheckpointStore(store.engine)
    args = [
        *REVCYCLE,
        "relay",
        "run",
        "--topic-prefix",
        prefix,
        "--batch-size",
        "50",
        "--no-create-topics",
    ]

    # 1. The relay kills itself (SIGKILL) after handing 400 records to the producer, with
    #    sent-but-unacknowledged and acknowledged-but-uncheckpointed records in flight.
    crashed = subprocess.run(
        [
            sys.executable,
            str(CRASHING_RELAY),
            "400",
            "--topic-prefix",
            prefix,
            "--batch-size",
            "50",
        ],
        env=relay_env(postgres_url, kafka_bootstrap_servers),
        cwd=REPO_ROOT,
        capture_output=True,
        timeout=120,
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr.decode()[-2000:]
    first_stop = checkpoints.get("kafka")
    assert first_stop < head

    # 2. Writers keep committing while a relay runs; kill -9 it from outside mid-stream.
    stop_writers = threading.Event()
    lock = threading.Lock()

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        while not stop_writers.is_set():
            claim_id = f"clm-live-{seed}-{rng.randrange(5)}"
            recorded = append_write_offs(store, claim_id, rng.randint(1, 3))
            with lock:
                committed.extend(recorded)
            time.sleep(rng.uniform(0, 0.01))

    writers = [threading.Thread(target=writer, args=(s,)) for s in range(3)]
    for w in writers:
        w.start()
    proc = subprocess.Popen(
        args,
        env=relay_env(postgres_url, kafka_bootstrap_servers),
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: checkpoints.get("kafka") > first_stop + 200, 60, "the relay to progress")
        time.sleep(random.uniform(0, 0.3))
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        stop_writers.set()
        for w in writers:
            w.join()
    assert checkpoints.get("kafka") < store.head_position()

    # 3. Restart; once it caught up, SIGTERM stops it gracefully (exit code 0).
    final = subprocess.Popen(
        args,
        env=relay_env(postgres_url, kafka_bootstrap_servers),
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        last = store.head_position()
        wait_for(lambda: checkpoints.get("kafka") >= last, 90, "the relay to catch up")
        final.send_signal(signal.SIGTERM)
        output = final.communicate(timeout=30)[0].decode()
        assert final.returncode == 0, output[-2000:]
        assert "published" in output
    finally:
        if final.poll() is None:
            final.kill()

    records = read_topic(kafka_bootstrap_servers, topic_name(CLAIM_EVENTS, prefix))
    duplicates = check_delivery(records, committed)
    assert len(committed) > 1500 + 50
    # At-least-once: re-sends after the kills may duplicate, never lose.
    assert len(records) == len(committed) + duplicates


def test_a_second_relay_with_the_same_name_waits_as_standby(
    store: SqlEventStore, prefix: str, kafka_bootstrap_servers: str
) -> None:
    producer = make_producer(kafka_bootstrap_servers)
    leader = Relay(store, producer)
    standby = Relay(store, producer)
    never = threading.Event()
    try:
        assert leader.acquire_leadership(never)
        give_up = threading.Event()
        threading.Timer(0.5, give_up.set).start()
        assert standby.acquire_leadership(give_up, wait_s=0.1) is False
        leader.release_leadership()
        assert standby.acquire_leadership(never)
    finally:
        leader.release_leadership()
        standby.release_leadership()
        producer.close()


def test_relay_run_once_drains_the_backlog_and_status_shows_no_lag(
    store: SqlEventStore, prefix: str, kafka_bootstrap_servers: str, postgres_url: str
) -> None:
    committed: list[EventEnvelope] = []
    for n in range(10):
        committed += append_write_offs(store, f"clm-{n}", 4)
    env = relay_env(postgres_url, kafka_bootstrap_servers)
    status = [*REVCYCLE, "relay", "status"]
    before = subprocess.run(status, env=env, cwd=REPO_ROOT, capture_output=True, timeout=60)
    assert "lag 40" in before.stdout.decode(), before.stderr.decode()[-2000:]
    once = subprocess.run(
        [*REVCYCLE, "relay", "run", "--once", "--topic-prefix", prefix],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        timeout=120,
    )
    assert once.returncode == 0, once.stderr.decode()[-2000:]
    assert "published 40 events" in once.stdout.decode()
    after = subprocess.run(status, env=env, cwd=REPO_ROOT, capture_output=True, timeout=60)
    assert "checkpoint 40  head 40  lag 0" in after.stdout.decode()
    records = read_topic(kafka_bootstrap_servers, topic_name(CLAIM_EVENTS, prefix))
    assert check_delivery(records, committed) == 0


def test_the_relay_refuses_to_start_without_a_database_url(kafka_bootstrap_servers: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["KAFKA_BOOTSTRAP_SERVERS"] = kafka_bootstrap_servers
    result = subprocess.run(
        [*REVCYCLE, "relay", "run", "--once"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "DATABASE_URL is not set" in result.stderr.decode()
