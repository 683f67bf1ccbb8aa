"""PostgreSQL's insert-order vs commit-order gap: a tailing reader must never skip an event.

Positions come from an identity taken at INSERT; rows become visible at COMMIT. A reader
that follows "position > last seen" skips a row whose transaction commits after a
higher-numbered one, unless the store closes the gap (here: an advisory lock serialising
appends). Each test runs the same harness with the fix on (nothing skipped) and with the
test-only switch `serialize_appends=False` (the harness must catch the skip), so the
harness is proven able to fail.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from sqlalchemy import Engine

from shared.db import create_db_engine
from shared.events import to_envelopes
from shared.events.claims import ClaimWrittenOff
from shared.eventstore.migrations import upgrade
from shared.eventstore.sql import SqlEventStore


@pytest.fixture(scope="module")
def engine(postgres_url: str) -> Iterator[Engine]:
    upgrade(postgres_url)
    engine = create_db_engine(postgres_url, pool_size=20, max_overflow=10)
    yield engine
    engine.dispose()


@pytest.fixture
def clean(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE events, relay_checkpoints RESTART IDENTITY")


def one_event(stream_id: str, version: int = 0):  # type: ignore[no-untyped-def]
    return to_envelopes(
        [ClaimWrittenOff(claim_id=stream_id, amount=Decimal("1.00"), reason_code="T", reason="t")],
        expected_version=version,
        occurred_at=datetime.now(UTC),
        organization_id="org",
        producer="followup",
    )


class Tailer:
    """Reads like the relay: read_all(after=checkpoint), checkpoint = last position seen."""

    def __init__(self, store: SqlEventStore) -> None:
        self.store = store
        self.checkpoint = 0
        self.seen: list[UUID] = []
        self.positions: list[int] = []

    def poll(self) -> None:
        for event in self.store.read_all(after=self.checkpoint, limit=500):
            assert event.position is not None
            self.seen.append(event.event_id)
            self.positions.append(event.position)
            self.checkpoint = event.position


def held_open_then_later_committed(engine: Engine, serialize: bool) -> tuple[Tailer, set[UUID]]:
    """A appends and holds its transaction; B appends; the tailer polls; A commits."""
    store = SqlEventStore(engine, serialize_appends=serialize)
    tailer = Tailer(store)
    committed: set[UUID] = set()
    conn_a = engine.connect()
    tx_a = conn_a.begin()
    [a] = store.append_in(conn_a, "clm-a", 0, one_event("clm-a"))
    b_done = threading.Event()

    def writer_b() -> None:
        [b] = store.append("clm-b", 0, one_event("clm-b"))
        committed.add(b.event_id)
        b_done.set()

    thread = threading.Thread(target=writer_b)
    thread.start()
    b_waited = not b_done.wait(timeout=0.5)  # with the fix B waits for A's lock
    tailer.poll()  # the moment of danger: B may be visible while A's lower position is not
    tx_a.commit()
    conn_a.close()
    committed.add(a.event_id)
    thread.join(timeout=10)
    assert not thread.is_alive()
    tailer.poll()
    tailer.poll()
    if serialize:
        assert b_waited, "with the lock, B's append must wait for A's transaction"
    return tailer, committed


def test_a_reader_does_not_pass_a_lower_position_still_in_flight(
    engine: Engine, clean: None
) -> None:
    tailer, committed = held_open_then_later_committed(engine, serialize=True)
    assert set(tailer.seen) == committed and len(tailer.seen) == 2


def test_without_the_lock_the_same_harness_catches_the_skip(engine: Engine, clean: None) -> None:
    tailer, committed = held_open_then_later_committed(engine, serialize=False)
    missed = committed - set(tailer.seen)
    assert len(missed) == 1, "the harness must see the skip a naive store produces"


def concurrent_writers_and_a_tailer(
    engine: Engine, serialize: bool, writers: int = 8, appends: int = 30
) -> tuple[Tailer, set[UUID]]:
    store = SqlEventStore(engine, serialize_appends=serialize)
    tailer = Tailer(store)
    committed: set[UUID] = set()
    lock = threading.Lock()
    done = threading.Event()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        rng = random.Random(n)
        try:
            for i in range(appends):
                stream = f"clm-{n}-{i % 3}"
                with engine.connect() as conn:
                    with conn.begin():
                        version = store._version(conn, stream)  # noqa: SLF001 - test helper
                        recorded = store.append_in(
                            conn, stream, version, one_event(stream, version)
                        )
                        # Hold the transaction open a few ms: commits land out of insert order.
                        time.sleep(rng.uniform(0.0, 0.006))
                with lock:
                    committed.update(e.event_id for e in recorded)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    def tail() -> None:
        while not done.is_set():
            tailer.poll()
        tailer.poll()

    reader = threading.Thread(target=tail)
    reader.start()
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    reader.join()
    assert errors == []
    return tailer, committed


def test_concurrent_writers_a_tailer_sees_every_committed_event_exactly_once(
    engine: Engine, clean: None
) -> None:
    tailer, committed = concurrent_writers_and_a_tailer(engine, serialize=True)
    assert len(committed) == 8 * 30
    assert len(tailer.seen) == len(set(tailer.seen)), "an event was read twice"
    assert set(tailer.seen) == committed, f"skipped {len(committed - set(tailer.seen))} events"
    assert tailer.positions == sorted(tailer.positions)


def test_concurrent_writers_without_the_lock_are_caught_skipping(
    engine: Engine, clean: None
) -> None:
    # Races are probabilistic; a few runs make a miss by the harness vanishingly unlikely.
    for _ in range(5):
        tailer, committed = concurrent_writers_and_a_tailer(engine, serialize=False)
        if committed - set(tailer.seen):
            return
        with engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE events RESTART IDENTITY")
    pytest.fail("five runs of unserialised appends and the harness never saw a skip")
