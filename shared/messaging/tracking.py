"""Tracking records: what each projection has applied, written in the projection's own transaction.

A projection's writes and its tracking row commit together, so an event redelivered by Kafka
(or re-read by the embedded runner) is recognised by `(projection, event_id)` and changes
nothing. Kafka consumers also keep the last offset per partition here and the embedded
runner its global position, both in that same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from shared.eventstore.schema import AwareDateTime

tracking_metadata = sa.MetaData()

applied_events = sa.Table(
    "projection_applied_events",
    tracking_metadata,
    sa.Column("projection", sa.String(100), primary_key=True),
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("position", sa.BigInteger, nullable=True),
    sa.Column("topic", sa.String(250), nullable=True),
    sa.Column("partition", sa.Integer, nullable=True),
    sa.Column("offset", sa.BigInteger, nullable=True),
    sa.Column("applied_at", AwareDateTime(), nullable=False),
)

partition_offsets = sa.Table(
    "projection_partition_offsets",
    tracking_metadata,
    sa.Column("projection", sa.String(100), primary_key=True),
    sa.Column("topic", sa.String(250), primary_key=True),
    sa.Column("partition", sa.Integer, primary_key=True),
    sa.Column("next_offset", sa.BigInteger, nullable=False),
)

checkpoints = sa.Table(
    "projection_checkpoints",
    tracking_metadata,
    sa.Column("projection", sa.String(100), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)

dead_letters = sa.Table(
    # The embedded runner's dead-letter store (Kafka consumers use a dead-letter topic).
    "projection_dead_letters",
    tracking_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("projection", sa.String(100), nullable=False),
    sa.Column("event_id", sa.String(36), nullable=True),
    sa.Column("position", sa.BigInteger, nullable=True),
    sa.Column("event_type", sa.String(100), nullable=True),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("at", AwareDateTime(), nullable=False),
)


class Outcome(StrEnum):
    APPLIED = "applied"
    IGNORED = "ignored"  # no handler for this type: tracked so replays stay cheap and exact
    DEAD_LETTERED = "dead_lettered"


def create_tracking_tables(engine: Engine) -> None:
    tracking_metadata.create_all(engine, checkfirst=True)


def is_applied(conn: Connection, projection: str, event_id: UUID) -> bool:
    row = conn.execute(
        sa.select(applied_events.c.outcome).where(
            applied_events.c.projection == projection,
            applied_events.c.event_id == str(event_id),
        )
    ).first()
    return row is not None


def row(
    projection: str,
    event_id: UUID,
    outcome: Outcome,
    *,
    position: int | None = None,
    topic: str | None = None,
    partition: int | None = None,
    offset: int | None = None,
) -> dict[str, object]:
    return {
        "projection": projection,
        "event_id": str(event_id),
        "outcome": outcome.value,
        "position": position,
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "applied_at": datetime.now(UTC),
    }


_INSERT_APPLIED = applied_events.insert()


def record(
    conn: Connection,
    projection: str,
    event_id: UUID,
    outcome: Outcome,
    *,
    position: int | None = None,
    topic: str | None = None,
    partition: int | None = None,
    offset: int | None = None,
) -> None:
    """Insert the tracking row; a concurrent duplicate violates the primary key and rolls back."""
    record_many(
        conn,
        [
            row(
                projection,
                event_id,
                outcome,
                position=position,
                topic=topic,
                partition=partition,
                offset=offset,
            )
        ],
    )


def record_many(conn: Connection, rows: list[dict[str, object]]) -> None:
    if rows:
        conn.execute(_INSERT_APPLIED, rows)


def applied_among(conn: Connection, projection: str, event_ids: list[UUID]) -> set[UUID]:
    """Which of these events this projection has already applied (one query per batch)."""
    if not event_ids:
        return set()
    found = conn.execute(
        sa.select(applied_events.c.event_id).where(
            applied_events.c.projection == projection,
            applied_events.c.event_id.in_([str(e) for e in event_ids]),
        )
    ).scalars()
    return {UUID(e) for e in found}


def save_offset(
    conn: Connection, projection: str, topic: str, partition: int, next_offset: int
) -> None:
    key = (
        (partition_offsets.c.projection == projection)
        & (partition_offsets.c.topic == topic)
        & (partition_offsets.c.partition == partition)
    )
    updated = conn.execute(
        partition_offsets.update()
        .where(key, partition_offsets.c.next_offset < next_offset)
        .values(next_offset=next_offset)
    )
    if updated.rowcount == 0:
        exists = conn.execute(sa.select(partition_offsets.c.next_offset).where(key)).first()
        if exists is None:
            conn.execute(
                partition_offsets.insert().values(
                    projection=projection, topic=topic, partition=partition, next_offset=next_offset
                )
            )


def load_offsets(conn: Connection, projection: str, topic: str) -> dict[int, int]:
    rows = conn.execute(
        sa.select(partition_offsets.c.partition, partition_offsets.c.next_offset).where(
            partition_offsets.c.projection == projection, partition_offsets.c.topic == topic
        )
    )
    return {int(p): int(o) for p, o in rows}


def load_checkpoint(conn: Connection, projection: str) -> int:
    value = conn.execute(
        sa.select(checkpoints.c.position).where(checkpoints.c.projection == projection)
    ).scalar_one_or_none()
    return int(value) if value is not None else 0


def save_checkpoint(conn: Connection, projection: str, position: int) -> None:
    updated = conn.execute(
        checkpoints.update().where(checkpoints.c.projection == projection).values(position=position)
    )
    if updated.rowcount == 0:
        conn.execute(checkpoints.insert().values(projection=projection, position=position))


def record_dead_letter(
    conn: Connection,
    projection: str,
    *,
    error: str,
    event_id: UUID | None,
    position: int | None,
    event_type: str | None,
) -> None:
    conn.execute(
        dead_letters.insert().values(
            projection=projection,
            event_id=str(event_id) if event_id else None,
            position=position,
            event_type=event_type,
            error=error,
            at=datetime.now(UTC),
        )
    )


def count_applied(conn: Connection, projection: str, outcome: Outcome | None = None) -> int:
    query = (
        sa.select(sa.func.count())
        .select_from(applied_events)
        .where(applied_events.c.projection == projection)
    )
    if outcome is not None:
        query = query.where(applied_events.c.outcome == outcome.value)
    return int(conn.execute(query).scalar_one())


def forget(conn: Connection, projection: str) -> None:
    """Drop every tracking record of `projection` (rebuild starts from nothing)."""
    for table in (applied_events, partition_offsets, checkpoints, dead_letters):
        conn.execute(table.delete().where(table.c.projection == projection))
