"""A process on real Kafka and PostgreSQL pays per run, not per event, for what it ignores.

The toy process handles `toy.handled` and ignores `toy.ignored`. 100 streams, each
versions 1-2 ignored then 3 handled, go through a `SubscriptionConsumer`: each handled event
commits in a transaction of its own, the ignored events between them in one transaction
per run (one offset save per run, not per event), every version counts as seen (nothing
is held) and a redelivery of the whole topic changes nothing. The stream-version update
is one executemany on PostgreSQL; its row count must still catch a moved version.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from consumer_helpers import produce  # type: ignore[import-not-found]
from sqlalchemy.engine import Connection, Engine

from shared.db import create_db_engine
from shared.events.envelope import EventEnvelope
from shared.messaging import tracking
from shared.messaging.consumer import ConsumerConfig, SubscriptionConsumer
from shared.messaging.process import Process

log_metadata = sa.MetaData()
handled_log = sa.Table(
    "toy_kafka_handled_log",
    log_metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("stream_id", sa.String(50), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)


def log_version(conn: Connection, payload: Any, envelope: EventEnvelope) -> None:
    conn.execute(
        handled_log.insert().values(stream_id=envelope.stream_id, version=envelope.stream_version)
    )


PICKY = Process("toy.kafka_picky_process", {"toy.handled": log_version}, log_metadata)
STREAMS = 100


def envelope(stream: str, version: int, type_: str) -> EventEnvelope:
    return EventEnvelope(
        event_id=uuid.uuid4(),
        type=type_,
        version=1,
        stream_id=stream,
        stream_version=version,
        occurred_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        producer="test",
        organization_id="org",
        data={},
    )


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Engine]:
    engine = create_db_engine(postgres_url)
    PICKY.create_tables(engine)
    with engine.begin() as conn:
        tracking.forget(conn, PICKY.name)
        conn.execute(handled_log.delete())
    yield engine
    engine.dispose()


def test_ignored_runs_commit_once_per_run_on_kafka_and_postgres(
    pg: Engine, kafka_bootstrap_servers: str, new_topic: Any
) -> None:
    topic, dlq = new_topic(partitions=1), new_topic(partitions=1)
    # All ignored versions first, then the handled ones: two runs of 100 ignored events.
    messages = [
        *(envelope(f"s-{n:03d}", 1, "toy.ignored") for n in range(STREAMS)),
        *(envelope(f"s-{n:03d}", 2, "toy.ignored") for n in range(STREAMS)),
        *(envelope(f"s-{n:03d}", 3, "toy.handled") for n in range(STREAMS)),
    ]
    produce(kafka_bootstrap_servers, topic, messages)
    offset_saves = 0

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        nonlocal offset_saves
        if statement.lstrip().upper().startswith("UPDATE PROJECTION_PARTITION_OFFSETS"):
            offset_saves += 1

    sa.event.listen(pg, "before_cursor_execute", count)
    group = f"ignored-{uuid.uuid4().hex[:8]}"

    def consume() -> SubscriptionConsumer:
        config = ConsumerConfig(
            bootstrap_servers=kafka_bootstrap_servers,
            topics=[topic],
            group_id=group,
            dead_letter_topic=dlq,
            max_poll_records=1000,
        )
        consumer = SubscriptionConsumer(config, pg, PICKY, lambda e: e.data)
        consumer.run(idle_polls_before_exit=3)
        return consumer

    first = consume()
    assert (first.stats.applied, first.stats.ignored, first.stats.held) == (STREAMS, 200, 0)
    assert first.stats.dead_lettered == 0
    # One offset save per transaction: 100 handled events and at most one per poll for the
    # ignored ones (before: one per ignored event too, 300 in all).
    assert STREAMS < offset_saves <= STREAMS + first.stats.polls
    with pg.connect() as conn:
        logged = conn.execute(sa.select(sa.func.count()).select_from(handled_log)).scalar_one()
        versions = tracking.load_stream_versions(conn, PICKY.name, ["s-000", "s-099"])
        assert tracking.load_offsets(conn, PICKY.name, topic) == {0: 3 * STREAMS}
    assert logged == STREAMS
    assert versions == {"s-000": 3, "s-099": 3}

    # The database's offsets are the truth: forget Kafka's and deliver everything again.
    with pg.begin() as conn:
        conn.execute(
            tracking.partition_offsets.delete().where(
                tracking.partition_offsets.c.projection == PICKY.name
            )
        )
    group = f"ignored-again-{uuid.uuid4().hex[:8]}"
    again = consume()
    assert (again.stats.applied, again.stats.ignored) == (0, 0)
    assert again.stats.skipped == 3 * STREAMS
    with pg.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(handled_log)).scalar_one() == (
            STREAMS
        )


def test_a_moved_stream_version_is_caught_by_the_executemany_row_count(pg: Engine) -> None:
    with pg.begin() as conn:
        tracking.save_stream_versions(conn, PICKY.name, {"a": (0, 1), "b": (0, 1), "c": (0, 1)})
    with pytest.raises(tracking.StaleStreamVersion), pg.begin() as conn:
        # b was moved to 1 already; this transaction believes it is still unseen at 2 -> 3.
        tracking.save_stream_versions(conn, PICKY.name, {"a": (1, 2), "b": (2, 3), "c": (1, 2)})
    with pg.connect() as conn:  # rolled back whole
        assert tracking.load_stream_versions(conn, PICKY.name, "abc") == {"a": 1, "b": 1, "c": 1}
    with pg.begin() as conn:
        tracking.save_stream_versions(conn, PICKY.name, {"a": (1, 2), "b": (1, 2), "c": (1, 2)})
    with pg.connect() as conn:
        assert tracking.load_stream_versions(conn, PICKY.name, "abc") == {"a": 2, "b": 2, "c": 2}
