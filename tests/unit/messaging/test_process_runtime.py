"""The process runtime on SQLite: a process's appends commit with its tracking row.

The test process (testsupport.processes) closes a claim that was written off in full, by
appending `claim.closed` through `SqlEventStore.append_in(conn, ...)` in the runtime's
transaction. Redelivered, it appends nothing twice; a failing command appends nothing and is
dead-lettered; a concurrent append to the same claim is retried.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared.db import create_db_engine
from shared.events.claims import ClaimWrittenOff
from shared.events.envelope import EventEnvelope
from shared.events.registry import decode, to_envelopes
from shared.eventstore.interface import ConcurrencyError
from shared.eventstore.migrations import upgrade
from shared.eventstore.sql import SqlEventStore
from shared.messaging import tracking
from shared.messaging.embedded import EmbeddedRunner
from shared.messaging.process import Process
from shared.messaging.projection import Projection
from shared.messaging.subscription import (
    BatchResult,
    Delivery,
    FailureSink,
    Finisher,
    apply_deliveries,
)
from testsupport.processes import CLOSE_WRITTEN_OFF, close_written_off_claims

ORG = "st-elsewhere"
AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

seen_metadata = sa.MetaData()
seen_log = sa.Table(
    "toy_seen_log",
    seen_metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("stream_id", sa.String(50), nullable=False),
    sa.Column("type", sa.String(50), nullable=False),
)


def log_type(conn: Connection, event: Any, envelope: EventEnvelope) -> None:
    conn.execute(seen_log.insert().values(stream_id=envelope.stream_id, type=envelope.type))


SEEN = Projection(
    "toy.seen", seen_metadata, {"claim.written_off": log_type, "claim.closed": log_type}
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlEventStore]:
    url = f"sqlite:///{tmp_path / 'process.sqlite'}"
    upgrade(url)
    store = SqlEventStore(create_db_engine(url))
    tracking.create_tracking_tables(store.engine)
    yield store
    store.engine.dispose()


def write_off(store: SqlEventStore, claim_id: str, amount: str = "40.00") -> EventEnvelope:
    version = store.stream_version(claim_id)
    [recorded] = store.append(
        claim_id,
        version,
        to_envelopes(
            [
                ClaimWrittenOff(
                    claim_id=claim_id, amount=Decimal(amount), reason_code="SB", reason="small"
                )
            ],
            expected_version=version,
            occurred_at=AT,
            organization_id=ORG,
            producer="followup",
        ),
    )
    return recorded


def types(store: SqlEventStore, claim_id: str) -> list[str]:
    return [e.type for e in store.load(claim_id)]


def no_dead_letters(conn: Connection, delivery: Delivery, exc: BaseException) -> None:
    raise AssertionError(f"unexpected dead letter: {exc!r}")


def deliver(
    store: SqlEventStore,
    process: Process,
    *triggers: EventEnvelope,
    on_failure: FailureSink = no_dead_letters,
    finish: Finisher = lambda conn, done: None,
) -> BatchResult:
    """Hand events to a process as the runtime does (one call = one poll)."""
    return apply_deliveries(
        store.engine,
        process,
        decode,
        [Delivery(t, position=t.position) for t in triggers],
        finish=finish,
        on_failure=on_failure,
    )


def test_the_embedded_runner_runs_a_process_and_projections_see_what_it_appended(
    store: SqlEventStore,
) -> None:
    trigger = write_off(store, "clm-1")
    process = close_written_off_claims(store)
    runner = EmbeddedRunner(store, store.engine, [SEEN, process], decode)
    totals = runner.run_until_caught_up()
    assert totals[CLOSE_WRITTEN_OFF].applied == 1
    assert types(store, "clm-1") == ["claim.written_off", "claim.closed"]
    closed = store.load("clm-1")[-1]
    assert (closed.stream_version, closed.causation_id, closed.producer) == (
        2,
        trigger.event_id,
        "followup",
    )
    # The projection listed first saw the process's event in the same catch-up.
    with store.engine.connect() as conn:
        logged = conn.execute(sa.select(seen_log.c.type).order_by(seen_log.c.seq)).scalars().all()
    assert logged == ["claim.written_off", "claim.closed"]
    assert runner.run_until_caught_up()[CLOSE_WRITTEN_OFF].applied == 0


def test_a_redelivered_event_appends_nothing_twice(store: SqlEventStore) -> None:
    trigger = write_off(store, "clm-1")
    process = close_written_off_claims(store)
    for _ in range(3):  # Kafka delivering the same message again after a crash
        deliver(store, process, trigger)
    assert types(store, "clm-1") == ["claim.written_off", "claim.closed"]
    with store.engine.connect() as conn:
        assert tracking.count_applied(conn, CLOSE_WRITTEN_OFF) == 1


def test_a_failing_command_appends_nothing_and_is_dead_lettered(store: SqlEventStore) -> None:
    trigger = write_off(store, "clm-1")
    inner = close_written_off_claims(store).handlers["claim.written_off"]

    def close_then_fail(conn: Connection, event: Any, envelope: EventEnvelope) -> None:
        inner(conn, event, envelope)  # appended in the transaction ...
        raise ValueError("payer rule: closing refused")  # ... and rolled back with it

    failing = Process("followup.failing", {"claim.written_off": close_then_fail})
    letters: list[str] = []
    result = deliver(
        store, failing, trigger, on_failure=lambda conn, d, exc: letters.append(str(exc))
    )
    assert (result.applied, result.dead_lettered) == (0, 1)
    assert letters == ["payer rule: closing refused"]
    assert types(store, "clm-1") == ["claim.written_off"]


def test_a_concurrent_append_to_the_claim_is_retried_and_lands_after_it(
    store: SqlEventStore,
) -> None:
    trigger = write_off(store, "clm-1")
    inner = close_written_off_claims(store).handlers["claim.written_off"]
    calls = []

    def close_racing(conn: Connection, event: Any, envelope: EventEnvelope) -> None:
        calls.append(envelope.event_id)
        if len(calls) == 1:
            # Another service appends to the same claim between our load and our append.
            raise ConcurrencyError("clm-1", expected=1, actual=2)
        inner(conn, event, envelope)

    racing = Process("followup.racing", {"claim.written_off": close_racing})
    result = deliver(store, racing, trigger)
    assert result.applied == 1 and len(calls) == 2
    assert types(store, "clm-1") == ["claim.written_off", "claim.closed"]


def test_each_event_of_a_process_is_its_own_transaction(store: SqlEventStore) -> None:
    first, second = write_off(store, "clm-1"), write_off(store, "clm-2")
    inner = close_written_off_claims(store).handlers["claim.written_off"]

    def refuse_clm_2(conn: Connection, event: Any, envelope: EventEnvelope) -> None:
        if envelope.stream_id == "clm-2":
            raise ValueError("refused")
        inner(conn, event, envelope)

    picky = Process("followup.picky", {"claim.written_off": refuse_clm_2})
    transactions: list[int] = []
    result = deliver(
        store,
        picky,
        first,
        second,
        finish=lambda conn, done: transactions.append(len(done)),
        on_failure=lambda conn, d, exc: None,
    )
    assert (result.applied, result.dead_lettered) == (1, 1)
    assert transactions == [1, 1]
    assert types(store, "clm-1") == ["claim.written_off", "claim.closed"]
    assert types(store, "clm-2") == ["claim.written_off"]


def test_a_unit_of_work_step_runs_bound_to_the_runtime_transaction(store: SqlEventStore) -> None:
    """The kernel's process steps take (uow, envelope); the runtime binds the uow to its
    transaction, so the step's appends commit with the tracking row (here a stand-in uow)."""
    from dataclasses import dataclass

    from shared.messaging.process import with_unit_of_work

    @dataclass
    class BoundUnitOfWork:
        conn: Connection

    close = close_written_off_claims(store).handlers["claim.written_off"]

    def close_step(uow: BoundUnitOfWork, envelope: EventEnvelope) -> None:
        close(uow.conn, decode(envelope), envelope)

    trigger = write_off(store, "clm-1")
    process = Process(
        "followup.uow", {"claim.written_off": with_unit_of_work(BoundUnitOfWork, close_step)}
    )
    for _ in range(2):
        deliver(store, process, trigger)
    assert types(store, "clm-1") == ["claim.written_off", "claim.closed"]
