"""Per-stream continuity on the shared apply path (SQLite): a skipped version is waited for.

A toy projection logs the stream versions it applies, in order. Delivering versions 1, 3, 2
must apply 1, 2, 3; a version that never comes dead-letters the one after it with "gap".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from shared.db import create_db_engine
from shared.events.envelope import EventEnvelope
from shared.eventstore.interface import EventStore
from shared.messaging import tracking
from shared.messaging.embedded import EmbeddedRunner
from shared.messaging.projection import Projection
from shared.messaging.subscription import (
    Delivery,
    GapError,
    apply_deliveries,
    expire_held,
    release_held,
)

log_metadata = sa.MetaData()
applied_log = sa.Table(
    "toy_applied_log",
    log_metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("stream_id", sa.String(50), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)


def log_version(conn: Connection, payload: dict[str, Any], envelope: EventEnvelope) -> None:
    conn.execute(
        applied_log.insert().values(stream_id=envelope.stream_id, version=envelope.stream_version)
    )


TOY = Projection("toy.log", log_metadata, {"toy.happened": log_version})


def envelope(stream: str, version: int, type_: str = "toy.happened") -> EventEnvelope:
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


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'continuity.sqlite'}")
    TOY.create_tables(engine)
    yield engine
    engine.dispose()


def applied(engine: Engine) -> list[tuple[str, int]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(applied_log.c.stream_id, applied_log.c.version).order_by(applied_log.c.seq)
        )
        return [(s, v) for s, v in rows]


class Letters:
    def __init__(self) -> None:
        self.errors: list[tuple[int, str]] = []

    def __call__(self, conn: Connection, delivery: Delivery, exc: BaseException) -> None:
        assert delivery.envelope is not None
        self.errors.append((delivery.envelope.stream_version, f"{type(exc).__name__}: {exc}"))


def deliver(engine: Engine, deliveries: Sequence[Delivery], letters: Letters) -> None:
    apply_deliveries(
        engine, TOY, lambda e: e.data, deliveries, finish=lambda c, d: None, on_failure=letters
    )
    release_held(engine, TOY, lambda e: e.data, on_failure=letters)


def test_versions_1_3_2_in_separate_polls_are_applied_1_2_3(engine: Engine) -> None:
    v1, v2, v3 = (envelope("clm-a", v) for v in (1, 2, 3))
    letters = Letters()
    deliver(engine, [Delivery(v1)], letters)
    deliver(engine, [Delivery(v3)], letters)
    assert applied(engine) == [("clm-a", 1)]  # 3 waits for 2
    with engine.connect() as conn:
        assert tracking.count_held(conn, TOY.name) == 1
    deliver(engine, [Delivery(v2)], letters)
    assert applied(engine) == [("clm-a", 1), ("clm-a", 2), ("clm-a", 3)]
    assert letters.errors == []
    with engine.connect() as conn:
        assert tracking.count_held(conn, TOY.name) == 0
        assert tracking.count_applied(conn, TOY.name) == 3


def test_versions_1_3_2_in_one_batch_and_redelivered_apply_each_once_in_order(
    engine: Engine,
) -> None:
    batch = [Delivery(envelope("clm-a", 1))]
    v2, v3 = envelope("clm-a", 2), envelope("clm-a", 3)
    batch += [Delivery(v3), Delivery(v2), Delivery(envelope("clm-b", 1))]
    letters = Letters()
    deliver(engine, batch, letters)
    deliver(engine, batch, letters)  # Kafka redelivers the whole poll: nothing changes
    assert applied(engine) == [("clm-a", 1), ("clm-a", 2), ("clm-b", 1), ("clm-a", 3)]
    assert letters.errors == []


def test_a_version_that_never_comes_dead_letters_the_next_with_gap(engine: Engine) -> None:
    letters = Letters()
    deliver(engine, [Delivery(envelope("clm-a", 1)), Delivery(envelope("clm-a", 3))], letters)
    expired = expire_held(engine, TOY, timeout=timedelta(0), on_failure=letters)
    assert expired == 1
    assert applied(engine) == [("clm-a", 1)]
    [(version, error)] = letters.errors
    assert version == 3
    assert error.startswith("GapError: gap in stream clm-a: version 3 arrived but version 2")
    with engine.connect() as conn:
        assert tracking.count_held(conn, TOY.name) == 0
    # Once version 2 arrives, the dead-lettered 3 can be re-driven and applies in order.
    deliver(engine, [Delivery(envelope("clm-a", 2))], letters)
    assert applied(engine) == [("clm-a", 1), ("clm-a", 2)]


def test_a_stream_that_starts_after_version_1_is_held(engine: Engine) -> None:
    letters = Letters()
    deliver(engine, [Delivery(envelope("clm-a", 2))], letters)
    assert applied(engine) == []
    deliver(engine, [Delivery(envelope("clm-a", 1))], letters)
    assert [v for _, v in applied(engine)] == [1, 2]


def test_events_the_subscription_ignores_still_count_as_seen(engine: Engine) -> None:
    letters = Letters()
    deliver(
        engine,
        [
            Delivery(envelope("clm-a", 1)),
            Delivery(envelope("clm-a", 2, type_="toy.other")),  # no handler: ignored
            Delivery(envelope("clm-a", 3)),
        ],
        letters,
    )
    assert applied(engine) == [("clm-a", 1), ("clm-a", 3)]


def test_a_poison_event_is_seen_so_the_stream_goes_on_after_it(engine: Engine) -> None:
    def refuse_v2(conn: Connection, payload: dict[str, Any], env: EventEnvelope) -> None:
        if env.stream_version == 2:
            raise ValueError("version 2 refused")
        log_version(conn, payload, env)

    picky = Projection("toy.picky", log_metadata, {"toy.happened": refuse_v2})
    letters = Letters()
    deliveries = [Delivery(envelope("clm-a", v)) for v in (1, 2, 3)]
    apply_deliveries(
        engine, picky, lambda e: e.data, deliveries, finish=lambda c, d: None, on_failure=letters
    )
    assert applied(engine) == [("clm-a", 1), ("clm-a", 3)]
    assert letters.errors == [(2, "ValueError: version 2 refused")]


class OutOfOrderStore(EventStore):
    """A log whose positions carry one stream's versions 1, 3, 2 (the store never does this
    itself; the embedded runner must still hold 3 until 2 has been seen)."""

    def __init__(self, versions: Sequence[int]) -> None:
        self._log = [
            envelope("clm-a", v).model_copy(update={"position": p})
            for p, v in enumerate(versions, start=1)
        ]

    def append(
        self, stream_id: str, expected_version: int, events: Sequence[EventEnvelope]
    ) -> list[EventEnvelope]:
        raise NotImplementedError

    def load(self, stream_id: str, after_version: int = 0) -> list[EventEnvelope]:
        return [e for e in self._log if e.stream_version > after_version]

    def read_all(self, after: int = 0, limit: int = 1000) -> list[EventEnvelope]:
        return [e for e in self._log if (e.position or 0) > after][:limit]

    def stream_version(self, stream_id: str) -> int:
        return len(self._log)

    # Read-only log: the transactional half of the interface is never used by the runner.
    def transaction(self) -> Any:
        raise NotImplementedError

    def append_in(
        self,
        transaction: Any,
        stream_id: str,
        expected_version: int,
        events: Sequence[EventEnvelope],
    ) -> list[EventEnvelope]:
        raise NotImplementedError

    def load_in(
        self, transaction: Any, stream_id: str, after_version: int = 0
    ) -> list[EventEnvelope]:
        raise NotImplementedError


def test_the_embedded_runner_applies_1_3_2_as_1_2_3(engine: Engine) -> None:
    runner = EmbeddedRunner(
        OutOfOrderStore([1, 3, 2]), engine, [TOY], lambda e: e.data, batch_size=1
    )
    totals = runner.run_until_caught_up()[TOY.name]
    assert (totals.applied, totals.held, totals.dead_lettered) == (3, 1, 0)
    assert applied(engine) == [("clm-a", 1), ("clm-a", 2), ("clm-a", 3)]


def test_the_embedded_runner_dead_letters_a_gap_that_stays_open(engine: Engine) -> None:
    store = OutOfOrderStore([1, 3])
    runner = EmbeddedRunner(store, engine, [TOY], lambda e: e.data, gap_timeout=timedelta(0))
    totals = runner.run_until_caught_up()[TOY.name]
    assert (totals.applied, totals.dead_lettered) == (1, 1)
    with engine.connect() as conn:
        [error] = conn.execute(sa.select(tracking.dead_letters.c.error)).scalars()
    assert error.startswith("GapError: gap in stream clm-a: version 3 arrived but version 2")


def test_a_gap_error_names_the_stream_and_versions() -> None:
    error = GapError("clm-9", expected=4, got=6, held_for=timedelta(seconds=90))
    assert str(error) == (
        "gap in stream clm-9: version 6 arrived but version 4 was never seen (held 90 s)"
    )
