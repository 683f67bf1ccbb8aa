"""What a process pays for the events it has no handler for (SQLite, both callers' paths).

A process applies each event it handles in a transaction of its own. The events between
them that it ignores only move their stream's version and the caller's position, so each
run of them is one transaction of a few statements, not one transaction (about eight
statements) per event: after an ingest, most events in the log are nobody's business but
one or two processes'. Continuity must not suffer: an ignored version still counts as
seen, a gap before an ignored event still holds it, a redelivery still changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from shared.db import create_db_engine
from shared.events.claims import ClaimWrittenOff
from shared.events.envelope import EventEnvelope
from shared.events.registry import decode, to_envelopes
from shared.eventstore.migrations import upgrade
from shared.eventstore.sql import SqlEventStore
from shared.messaging import tracking
from shared.messaging.embedded import EmbeddedRunner
from shared.messaging.process import Process
from shared.messaging.subscription import BatchResult, Delivery, apply_deliveries, release_held

log_metadata = sa.MetaData()
handled_log = sa.Table(
    "toy_handled_log",
    log_metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("stream_id", sa.String(50), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)


def log_version(conn: Connection, payload: Any, envelope: EventEnvelope) -> None:
    conn.execute(
        handled_log.insert().values(stream_id=envelope.stream_id, version=envelope.stream_version)
    )


PICKY = Process("toy.picky_process", {"toy.handled": log_version}, log_metadata)


def envelope(stream: str, version: int, type_: str = "toy.ignored") -> EventEnvelope:
    return EventEnvelope(
        event_id=uuid4(),
        type=type_,
        version=1,
        stream_id=stream,
        stream_version=version,
        occurred_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        producer="test",
        organization_id="org",
        data={},
    )


@dataclass
class Counts:
    """Transactions committed and statements run on an engine (cursor executions)."""

    commits: int = 0
    statements: int = 0


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'ignored.sqlite'}")
    PICKY.create_tables(engine)
    yield engine
    engine.dispose()


def counted(engine: Engine) -> Counts:
    counts = Counts()

    def on_commit(conn: Any) -> None:
        counts.commits += 1

    def on_execute(*args: Any) -> None:
        counts.statements += 1

    sa.event.listen(engine, "commit", on_commit)
    sa.event.listen(engine, "before_cursor_execute", on_execute)
    return counts


def no_dead_letters(conn: Connection, delivery: Delivery, exc: BaseException) -> None:
    raise AssertionError(f"unexpected dead letter: {exc!r}")


def deliver(engine: Engine, deliveries: Sequence[Delivery]) -> tuple[BatchResult, list[int]]:
    """Apply as a Kafka poll would; returns the result and the size of each finished group."""
    finished: list[int] = []
    result = apply_deliveries(
        engine,
        PICKY,
        lambda e: e.data,
        deliveries,
        finish=lambda conn, done: finished.append(len(done)),
        on_failure=no_dead_letters,
    )
    return result, finished


def handled(engine: Engine) -> list[tuple[str, int]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(handled_log.c.stream_id, handled_log.c.version).order_by(handled_log.c.seq)
        )
        return [(s, v) for s, v in rows]


def test_a_run_of_ignored_events_is_one_transaction_of_a_few_statements(engine: Engine) -> None:
    # 300 events over 100 streams, none of which the process handles.
    run = [Delivery(envelope(f"clm-{n:03d}", v)) for v in (1, 2, 3) for n in range(100)]
    counts = counted(engine)
    result, finished = deliver(engine, run)
    assert (result.ignored, result.applied, result.held) == (300, 0, 0)
    # Before: 300 transactions and about 2,400 statements (one transaction per event).
    assert counts.commits == 1
    assert finished == [300]
    assert counts.statements <= 10
    # Every stream's version 3 counts as seen: each stream's version 4 is applied at once.
    nexts = [Delivery(envelope(f"clm-{n:03d}", 4, "toy.handled")) for n in range(100)]
    result, _ = deliver(engine, nexts)
    assert (result.applied, result.held) == (100, 0)
    assert handled(engine) == [(f"clm-{n:03d}", 4) for n in range(100)]


def test_handled_events_keep_a_transaction_each_between_runs_of_ignored_ones(
    engine: Engine,
) -> None:
    deliveries = [
        *(Delivery(envelope(f"a-{n}", 1)) for n in range(50)),
        Delivery(envelope("a-0", 2, "toy.handled")),
        Delivery(envelope("a-1", 2, "toy.handled")),
        *(Delivery(envelope(f"a-{n}", 2)) for n in range(2, 50)),
        Delivery(envelope("a-0", 3)),
    ]
    counts = counted(engine)
    result, finished = deliver(engine, deliveries)
    assert (result.applied, result.ignored, result.held) == (2, 99, 0)
    assert finished == [50, 1, 1, 49]
    assert counts.commits == 4
    assert handled(engine) == [("a-0", 2), ("a-1", 2)]


def test_a_gap_before_an_ignored_event_still_holds_it_and_redelivery_changes_nothing(
    engine: Engine,
) -> None:
    v1, v3 = envelope("clm-a", 1, "toy.handled"), envelope("clm-a", 3)
    others = [envelope(f"clm-{n}", 1) for n in range(5)]
    poll = [Delivery(v1), Delivery(v3), *(Delivery(e) for e in others)]
    result, _ = deliver(engine, poll)
    assert (result.applied, result.ignored, result.held) == (1, 5, 1)
    result, _ = deliver(engine, poll)  # redelivered whole: nothing moves, nothing twice
    assert (result.applied, result.ignored, result.skipped) == (0, 0, 6)
    with engine.connect() as conn:
        assert tracking.count_held(conn, PICKY.name) == 1
        versions = tracking.load_stream_versions(conn, PICKY.name, ["clm-a", "clm-0"])
    assert versions == {"clm-a": 1, "clm-0": 1}
    # Version 2 (handled) arrives; the held, ignored version 3 follows it.
    deliver(engine, [Delivery(envelope("clm-a", 2, "toy.handled"))])
    released = release_held(engine, PICKY, lambda e: e.data, on_failure=no_dead_letters)
    assert released.ignored == 1
    with engine.connect() as conn:
        assert tracking.count_held(conn, PICKY.name) == 0
        assert tracking.load_stream_versions(conn, PICKY.name, ["clm-a"]) == {"clm-a": 3}
    assert handled(engine) == [("clm-a", 1), ("clm-a", 2)]


def test_the_embedded_runner_catches_a_process_up_on_ignored_events_in_few_transactions(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    upgrade(url)
    store = SqlEventStore(create_db_engine(url))
    with store.transaction() as tx:  # claims written off: a process closing claims ignores them
        for n in range(600):
            written_off = ClaimWrittenOff(
                claim_id=f"clm-{n}", amount=Decimal("1.00"), reason_code="SB", reason="s"
            )
            store.append_in(
                tx,
                f"clm-{n}",
                0,
                to_envelopes(
                    [written_off],
                    expected_version=0,
                    occurred_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
                    organization_id="org",
                    producer="followup",
                ),
            )
    closer = Process("toy.closer", {"claim.closed": log_version}, log_metadata)
    runner = EmbeddedRunner(store, store.engine, [closer], decode, batch_size=500)
    runner.create_tables()
    counts = counted(store.engine)
    totals = runner.run_until_caught_up()[closer.name]
    assert (totals.ignored, totals.applied) == (600, 0)
    assert runner.checkpoint(closer) == store.head_position()
    # Two batches read, one transaction each (before: 600 transactions, ~5,000 statements).
    assert counts.commits <= 3
    assert counts.statements <= 40
    store.engine.dispose()


def test_a_moved_stream_version_is_caught_by_the_executemany_row_count(engine: Engine) -> None:
    with engine.begin() as conn:
        tracking.save_stream_versions(conn, PICKY.name, {"a": (0, 1), "b": (0, 1), "c": (0, 1)})
    with pytest.raises(tracking.StaleStreamVersion), engine.begin() as conn:
        # b is at 1; this transaction believes it moves b from 2: the whole update is refused.
        tracking.save_stream_versions(conn, PICKY.name, {"a": (1, 2), "b": (2, 3), "c": (1, 2)})
    with engine.connect() as conn:
        assert tracking.load_stream_versions(conn, PICKY.name, "abc") == {"a": 1, "b": 1, "c": 1}
