"""The apply path shared by the Kafka consumer and the embedded runner, on SQLite.

A toy projection counts events per stream; a handler raises for events flagged `poison`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from shared.db import create_db_engine
from shared.events.envelope import EventEnvelope
from shared.eventstore.memory import InMemoryEventStore
from shared.messaging import tracking
from shared.messaging.embedded import EmbeddedRunner
from shared.messaging.projection import Projection
from shared.messaging.subscription import Delivery, apply_deliveries

toy_metadata = sa.MetaData()
counts = sa.Table(
    "toy_counts",
    toy_metadata,
    sa.Column("stream_id", sa.String(50), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)


def count_event(conn: Connection, payload: dict[str, Any], envelope: EventEnvelope) -> None:
    if payload.get("poison"):
        raise ValueError("poison event: handler refuses it")
    if payload.get("db_down"):
        raise sa.exc.OperationalError("UPDATE", {}, Exception("server closed the connection"))
    updated = conn.execute(
        counts.update().where(counts.c.stream_id == envelope.stream_id).values(n=counts.c.n + 1)
    )
    if updated.rowcount == 0:
        conn.execute(counts.insert().values(stream_id=envelope.stream_id, n=1))


# Any registered type, appended by its owner: the store refuses other producers.
TOY_TYPE, TOY_OWNER = "claim.closed", "followup"
TOY = Projection("toy", toy_metadata, {TOY_TYPE: count_event})


def decode(envelope: EventEnvelope) -> dict[str, Any]:
    return envelope.data


def envelope(stream: str, version: int, **data: Any) -> EventEnvelope:
    return EventEnvelope(
        event_id=uuid4(),
        type=TOY_TYPE,
        version=1,
        stream_id=stream,
        stream_version=version,
        occurred_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        producer=TOY_OWNER,
        organization_id="org",
        data=data,
    )


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'p.sqlite'}")
    TOY.create_tables(engine)
    yield engine
    engine.dispose()


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {s: n for s, n in conn.execute(sa.select(counts.c.stream_id, counts.c.n))}


def _apply(engine: Engine, deliveries: list[Delivery], dead: list[str]) -> Any:
    return apply_deliveries(
        engine,
        TOY,
        decode,
        deliveries,
        finish=lambda conn, done: None,
        on_failure=lambda conn, d, exc: dead.append(str(exc)),
    )


def test_a_redelivered_batch_changes_nothing(engine: Engine) -> None:
    batch = [Delivery(envelope(s, 1)) for s in ("a", "b")] + [Delivery(envelope("a", 2))]
    dead: list[str] = []
    first = _apply(engine, batch, dead)
    again = _apply(engine, batch, dead)
    assert (first.applied, again.applied, again.skipped) == (3, 0, 3)
    assert _counts(engine) == {"a": 2, "b": 1}
    with engine.connect() as conn:
        assert tracking.count_applied(conn, "toy") == 3


def test_a_poison_event_is_dead_lettered_and_the_rest_of_the_batch_applied(
    engine: Engine,
) -> None:
    batch = [
        Delivery(envelope("a", 1)),
        Delivery(envelope("b", 1, poison=True)),
        Delivery(envelope("c", 1)),
    ]
    dead: list[str] = []
    result = _apply(engine, batch, dead)
    assert (result.applied, result.dead_lettered) == (2, 1)
    assert _counts(engine) == {"a": 1, "c": 1}
    assert dead == ["poison event: handler refuses it"]
    # Redelivery of the whole batch does not dead-letter the poison again.
    _apply(engine, batch, dead)
    assert len(dead) == 1
    with engine.connect() as conn:
        assert tracking.count_applied(conn, "toy", tracking.Outcome.DEAD_LETTERED) == 1


def test_an_undecodable_message_is_dead_lettered(engine: Engine) -> None:
    dead: list[str] = []
    bad = Delivery(None, decode_error=ValueError("not JSON"), topic="t", partition=0, offset=7)
    result = _apply(engine, [bad, Delivery(envelope("a", 1))], dead)
    assert (result.applied, result.dead_lettered) == (1, 1)
    assert dead == ["not JSON"]


def test_a_database_outage_is_not_the_events_fault_nothing_commits(engine: Engine) -> None:
    dead: list[str] = []
    batch = [Delivery(envelope("a", 1)), Delivery(envelope("b", 1, db_down=True))]
    with pytest.raises(sa.exc.OperationalError):
        _apply(engine, batch, dead)
    assert dead == []
    assert _counts(engine) == {}


def test_the_embedded_runner_follows_the_store_with_a_checkpoint(engine: Engine) -> None:
    store = InMemoryEventStore()
    store.append("a", 0, [envelope("a", 1), envelope("a", 2)])
    store.append("b", 0, [envelope("b", 1, poison=True)])
    runner = EmbeddedRunner(store, engine, [TOY], decode, batch_size=2)
    totals = runner.run_until_caught_up()["toy"]
    assert (totals.applied, totals.dead_lettered) == (2, 1)
    assert runner.checkpoint(TOY) == 3
    assert runner.run_until_caught_up()["toy"].applied == 0

    store.append("b", 1, [envelope("b", 2)])
    assert runner.run_until_caught_up()["toy"].applied == 1
    assert _counts(engine) == {"a": 2, "b": 1}
    with engine.connect() as conn:
        letters = conn.execute(
            sa.select(tracking.dead_letters.c.position, tracking.dead_letters.c.error)
        ).all()
    assert [tuple(r) for r in letters] == [(3, "ValueError: poison event: handler refuses it")]


def test_a_lost_checkpoint_replays_without_double_counting(engine: Engine) -> None:
    store = InMemoryEventStore()
    store.append("a", 0, [envelope("a", 1), envelope("a", 2)])
    EmbeddedRunner(store, engine, [TOY], decode).run_until_caught_up()
    with engine.begin() as conn:
        conn.execute(tracking.checkpoints.delete())
    again = EmbeddedRunner(store, engine, [TOY], decode).run_until_caught_up()["toy"]
    assert (again.applied, again.skipped) == (0, 2)
    assert _counts(engine) == {"a": 2}
