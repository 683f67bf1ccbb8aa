"""Kafka consumer runtime on a real broker and PostgreSQL: apply once, dead letters, shutdown."""

from __future__ import annotations

import signal
import time
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from consumer_helpers import (  # type: ignore[import-not-found]
    ORG,
    WorkerFactory,
    balances,
    claim_created,
    committed_total,
    dead_letter_value,
    end_offsets,
    parse_stats,
    produce,
    read_topic,
)
from sqlalchemy.engine import Engine

from services.followup.bootstrap import consumer_for
from services.followup.config import FollowupSettings
from services.followup.projections import BALANCES_PROJECTION, CLAIMS_PROJECTION
from services.followup.tables import claims
from shared.events.claims import ClaimSubmitted
from shared.events.registry import to_envelope
from shared.messaging import tracking
from shared.messaging.consumer import H_ERROR, H_OFFSET, H_PARTITION, H_TOPIC, MissingTopicError


def _settings(postgres_url: str, bootstrap: str) -> FollowupSettings:
    return FollowupSettings(database_url=postgres_url, kafka_bootstrap_servers=bootstrap)


def _group() -> str:
    return f"test-group-{uuid.uuid4().hex[:8]}"


def test_claims_from_the_topic_are_applied_and_offsets_committed_after_the_db(
    engine: Engine, postgres_url: str, kafka_bootstrap_servers: str, new_topic
) -> None:
    topic, dlq = new_topic(partitions=3), new_topic(partitions=1)
    events = [claim_created(i, f"PCN-{i % 2}", "100.05") for i in range(1, 8)]
    produce(kafka_bootstrap_servers, topic, events)
    group = _group()
    consumer = consumer_for(
        BALANCES_PROJECTION,
        engine,
        _settings(postgres_url, kafka_bootstrap_servers),
        topics=[topic],
        group_id=group,
        dead_letter_topic=dlq,
    )
    stats = consumer.run(idle_polls_before_exit=4)
    assert stats.applied == 7
    assert balances(engine) == {
        f"{ORG}:PCN-0": Decimal("300.15"),
        f"{ORG}:PCN-1": Decimal("400.20"),
    }
    assert committed_total(kafka_bootstrap_servers, group) == 7
    with engine.connect() as conn:
        assert tracking.load_offsets(conn, BALANCES_PROJECTION, topic) != {}
        assert sum(tracking.load_offsets(conn, BALANCES_PROJECTION, topic).values()) == 7


def test_a_consumer_killed_between_db_commit_and_offset_commit_applies_each_claim_once(
    engine: Engine, kafka_bootstrap_servers: str, new_topic, start_worker: WorkerFactory
) -> None:
    topic, dlq = new_topic(partitions=3), new_topic(partitions=1)
    events = [claim_created(i, f"PCN-{i % 3}", "10.00") for i in range(1, 31)]
    produce(kafka_bootstrap_servers, topic, events)
    group = _group()
    args = [
        "--projection",
        BALANCES_PROJECTION,
        "--topic",
        topic,
        "--group",
        group,
        "--dead-letter-topic",
        dlq,
        "--idle-polls-before-exit",
        "6",
    ]

    crashed = start_worker(*args, fault="kill:1")
    assert crashed.wait(timeout=120) == -signal.SIGKILL, crashed.stdout.read()
    with engine.connect() as conn:
        applied_before_crash = tracking.count_applied(conn, BALANCES_PROJECTION)
    committed_at_crash = committed_total(kafka_bootstrap_servers, group)
    # The crash left work committed in the database but not in Kafka: redelivery will come.
    assert applied_before_crash > 0
    assert committed_at_crash < applied_before_crash

    restarted = start_worker(*args)
    output, _ = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, output
    stats = parse_stats(output)
    # The restarted consumer seeks to the offsets stored with the writes (the database is the
    # source of truth), not Kafka's older committed ones: nothing is even read twice.
    assert stats["skipped"] == 0
    assert stats["applied"] + applied_before_crash == 30
    assert balances(engine) == {f"{ORG}:PCN-{k}": Decimal("100.00") for k in range(3)}
    with engine.connect() as conn:
        assert tracking.count_applied(conn, BALANCES_PROJECTION) == 30
    assert committed_total(kafka_bootstrap_servers, group) == 30


def test_poison_messages_go_to_the_dead_letter_topic_and_later_ones_still_apply(
    engine: Engine, postgres_url: str, kafka_bootstrap_servers: str, new_topic
) -> None:
    topic, dlq = new_topic(partitions=1), new_topic(partitions=1)
    orphan = ClaimSubmitted(
        claim_id="clm_never_created",
        payer_id="87726",
        batch_id="b-1",
        interchange_control_number="000000101",
        total_charge=Decimal("1.00"),
    )
    orphan_envelope = to_envelope(
        orphan,
        stream_version=1,  # in sequence (no gap), so the handler itself finds no claim
        occurred_at=claim_created(1, "x", "1.00").occurred_at,
        organization_id=ORG,
        producer="test",
    )
    produce(
        kafka_bootstrap_servers,
        topic,
        [
            claim_created(1, "PCN-A", "50.00"),
            b"\x00\x01 this is not an event",
            orphan_envelope,
            claim_created(2, "PCN-B", "75.00"),
        ],
    )
    group = _group()
    consumer = consumer_for(
        CLAIMS_PROJECTION,
        engine,
        _settings(postgres_url, kafka_bootstrap_servers),
        topics=[topic],
        group_id=group,
        dead_letter_topic=dlq,
    )
    stats = consumer.run(idle_polls_before_exit=4)
    assert (stats.applied, stats.dead_lettered) == (2, 2)
    with engine.connect() as conn:
        ids = set(conn.execute(sa.select(claims.c.claim_id)).scalars())
    assert ids == {"clm_00001", "clm_00002"}
    assert committed_total(kafka_bootstrap_servers, group) == 4

    letters = read_topic(kafka_bootstrap_servers, dlq, expected=2)
    assert len(letters) == 2
    headers = [dict(m.headers) for m in letters]
    assert [(h[H_TOPIC].decode(), h[H_PARTITION], h[H_OFFSET]) for h in headers] == [
        (topic, b"0", b"1"),
        (topic, b"0", b"2"),
    ]
    assert b"not an event envelope" in headers[0][H_ERROR]
    assert b"clm_never_created" in headers[1][H_ERROR]
    values = [dead_letter_value(m) for m in letters]
    assert values[0]["error_type"] == "UndecodableMessage"
    assert values[1]["error_type"] == "ProjectionInconsistency"
    assert values[1]["offset"] == 2 and values[1]["source_topic"] == topic


def test_sigterm_finishes_what_is_in_hand_commits_and_exits(
    engine: Engine, kafka_bootstrap_servers: str, new_topic, start_worker: WorkerFactory
) -> None:
    topic, dlq = new_topic(partitions=3), new_topic(partitions=1)
    group = _group()
    total = 3000
    produce(
        kafka_bootstrap_servers,
        topic,
        [claim_created(i, f"PCN-{i % 50}", "1.00") for i in range(1, total + 1)],
    )
    worker = start_worker(
        "--projection",
        BALANCES_PROJECTION,
        "--topic",
        topic,
        "--group",
        group,
        "--dead-letter-topic",
        dlq,
    )
    deadline = time.monotonic() + 90
    applied = 0
    while time.monotonic() < deadline and applied < 1:
        time.sleep(0.05)
        with engine.connect() as conn:
            applied = tracking.count_applied(conn, BALANCES_PROJECTION)
    assert applied > 0, "the worker never applied anything"
    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output

    with engine.connect() as conn:
        applied = tracking.count_applied(conn, BALANCES_PROJECTION)
        charges = sum(balances(engine).values(), Decimal("0.00"))
    # Everything applied in the database was committed to Kafka before exit, and nothing
    # was left half-applied: the money equals the applied claims.
    assert committed_total(kafka_bootstrap_servers, group) == applied
    assert charges == Decimal(applied)
    assert end_offsets(kafka_bootstrap_servers, topic) == total


def test_two_consumers_in_one_group_share_partitions_and_survive_one_being_killed(
    engine: Engine, kafka_bootstrap_servers: str, new_topic, start_worker: WorkerFactory
) -> None:
    topic, dlq = new_topic(partitions=3), new_topic(partitions=1)
    group = _group()
    total = 3000
    produce(
        kafka_bootstrap_servers,
        topic,
        [claim_created(i, f"PCN-{i % 7}", "2.50") for i in range(1, total + 1)],
    )
    args = [
        "--projection",
        BALANCES_PROJECTION,
        "--topic",
        topic,
        "--group",
        group,
        "--dead-letter-topic",
        dlq,
    ]
    first, second = start_worker(*args), start_worker(*args)

    def applied() -> int:
        with engine.connect() as conn:
            return tracking.count_applied(conn, BALANCES_PROJECTION)

    deadline = time.monotonic() + 90
    while applied() < 300 and time.monotonic() < deadline:
        time.sleep(0.05)
    first.kill()  # SIGKILL: no offset commit, no leave-group; the group must rebalance
    first.wait(timeout=10)
    deadline = time.monotonic() + 150
    while applied() < total and time.monotonic() < deadline:
        time.sleep(0.2)
    second.send_signal(signal.SIGTERM)
    output, _ = second.communicate(timeout=60)
    assert second.returncode == 0, output

    assert applied() == total
    per_account = {f"{ORG}:PCN-{k}": Decimal("0.00") for k in range(7)}
    for i in range(1, total + 1):
        per_account[f"{ORG}:PCN-{i % 7}"] += Decimal("2.50")
    assert balances(engine) == per_account
    assert committed_total(kafka_bootstrap_servers, group) == total
    assert read_topic(kafka_bootstrap_servers, dlq, expected=1, timeout_s=3) == []


def test_a_missing_dead_letter_topic_stops_the_consumer_at_start_with_its_name(
    engine: Engine, postgres_url: str, kafka_bootstrap_servers: str, new_topic
) -> None:
    topic = new_topic(partitions=1)
    missing = f"no-such-dlq-{uuid.uuid4().hex[:8]}"
    consumer = consumer_for(
        BALANCES_PROJECTION,
        engine,
        _settings(postgres_url, kafka_bootstrap_servers),
        topics=[topic],
        group_id=_group(),
        dead_letter_topic=missing,
    )
    with pytest.raises(MissingTopicError, match=missing):
        consumer.open()


def test_a_worker_whose_consumer_thread_dies_exits_non_zero_for_its_supervisor(
    engine: Engine, kafka_bootstrap_servers: str, new_topic, start_worker: WorkerFactory
) -> None:
    topic, dlq = new_topic(partitions=3), new_topic(partitions=1)
    produce(
        kafka_bootstrap_servers, topic, [claim_created(i, "PCN-1", "1.00") for i in range(1, 6)]
    )
    group = _group()
    worker = start_worker(
        "--projection",
        BALANCES_PROJECTION,
        "--projection",
        CLAIMS_PROJECTION,  # a second consumer that must be stopped too
        "--topic",
        topic,
        "--group",
        group,
        "--dead-letter-topic",
        dlq,
        fault="raise:1",
    )
    output, _ = worker.communicate(timeout=120)
    assert worker.returncode == 1, output[-3000:]
    assert "worker stopped: consumer(s) stopped with an error" in output
    assert "RuntimeError: injected fault in the consumer thread" in output
