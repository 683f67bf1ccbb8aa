"""Tracking records: what each subscription has applied, written in its own transaction.

A subscription's (projection's or process's) writes and its tracking row commit together,
so an event redelivered by Kafka (or re-read by the embedded runner) is recognised by
`(subscription, event_id)` and changes nothing. In that same transaction a Kafka consumer
keeps the next offset per partition (the database is the source of truth: the consumer
seeks there when it is assigned a partition), the embedded runner its global position, and
both the last stream version seen per stream, with events held back while a version before
them is missing. The tables keep their historical `projection_` names; the `projection`
column holds any subscription's name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
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


stream_versions = sa.Table(
    # The last stream_version each subscription has seen (applied, ignored or dead-lettered)
    # per stream: the next event of the stream must carry this + 1.
    "subscription_stream_versions",
    tracking_metadata,
    sa.Column("subscription", sa.String(100), primary_key=True),
    sa.Column("stream_id", sa.String(200), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)

held_events = sa.Table(
    # Events that arrived before a version of their stream they follow: applied once the
    # missing version arrives, dead-lettered ("gap") when it does not come in time.
    "subscription_held_events",
    tracking_metadata,
    sa.Column("subscription", sa.String(100), primary_key=True),
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("stream_id", sa.String(200), nullable=False),
    sa.Column("stream_version", sa.Integer, nullable=False),
    sa.Column("envelope", sa.Text, nullable=False),
    sa.Column("key", sa.LargeBinary, nullable=True),
    sa.Column("position", sa.BigInteger, nullable=True),
    sa.Column("topic", sa.String(250), nullable=True),
    sa.Column("partition", sa.Integer, nullable=True),
    sa.Column("offset", sa.BigInteger, nullable=True),
    sa.Column("held_at", AwareDateTime(), nullable=False),
    sa.Index("ix_subscription_held_stream", "subscription", "stream_id", "stream_version"),
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
    for table in (stream_versions, held_events):
        conn.execute(table.delete().where(table.c.subscription == projection))


# --- per-stream continuity ---------------------------------------------------------------------


class StaleStreamVersion(Exception):
    """Another transaction moved a stream's version first (two members on one partition)."""


def load_stream_versions(
    conn: Connection, subscription: str, stream_ids: Iterable[str]
) -> dict[str, int]:
    """Last version seen per stream (absent: never seen), in chunks of 500 ids."""
    ids = sorted(set(stream_ids))
    found: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        rows = conn.execute(
            sa.select(stream_versions.c.stream_id, stream_versions.c.version).where(
                stream_versions.c.subscription == subscription,
                stream_versions.c.stream_id.in_(ids[start : start + 500]),
            )
        )
        found.update({str(s): int(v) for s, v in rows})
    return found


_UPDATE_VERSION = (
    stream_versions.update()
    .where(
        stream_versions.c.subscription == sa.bindparam("p_subscription"),
        stream_versions.c.stream_id == sa.bindparam("p_stream"),
        stream_versions.c.version == sa.bindparam("p_old"),
    )
    .values(version=sa.bindparam("p_new"))
)


def save_stream_versions(
    conn: Connection, subscription: str, changed: Mapping[str, tuple[int, int]]
) -> None:
    """Move each stream from its old version (0: new row) to the new one, or raise Stale.

    The update is conditional on the old version, so two transactions that both read the
    same version cannot both move it: the second fails and is retried.
    """
    inserts = [
        {"subscription": subscription, "stream_id": s, "version": new}
        for s, (old, new) in changed.items()
        if old == 0
    ]
    for stream_id, (old, new) in changed.items():
        if old == 0:
            continue
        moved = conn.execute(
            _UPDATE_VERSION,
            {"p_subscription": subscription, "p_stream": stream_id, "p_old": old, "p_new": new},
        ).rowcount
        if moved != 1:
            raise StaleStreamVersion(f"stream {stream_id}: version moved by another transaction")
    if inserts:
        # A concurrent first insert violates the primary key: the IntegrityError rolls the
        # whole transaction back and the runtime runs the event again (a conflict).
        conn.execute(stream_versions.insert(), inserts)


def hold(conn: Connection, subscription: str, row: Mapping[str, object]) -> None:
    """Keep an event back until its stream's missing version arrives (idempotent)."""
    exists = conn.execute(
        sa.select(held_events.c.event_id).where(
            held_events.c.subscription == subscription,
            held_events.c.event_id == row["event_id"],
        )
    ).first()
    if exists is None:
        conn.execute(held_events.insert().values(subscription=subscription, **row))


def unhold(conn: Connection, subscription: str, event_ids: Iterable[str]) -> None:
    ids = list(event_ids)
    if ids:
        conn.execute(
            held_events.delete().where(
                held_events.c.subscription == subscription, held_events.c.event_id.in_(ids)
            )
        )


def held_streams(conn: Connection, subscription: str, stream_ids: Iterable[str]) -> set[str]:
    """Which of these streams have events held back (one query per batch)."""
    ids = sorted(set(stream_ids))
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        found.update(
            conn.execute(
                sa.select(held_events.c.stream_id)
                .where(
                    held_events.c.subscription == subscription,
                    held_events.c.stream_id.in_(ids[start : start + 500]),
                )
                .distinct()
            ).scalars()
        )
    return found


def load_ready_held(conn: Connection, subscription: str, limit: int = 500) -> list[sa.Row[Any]]:
    """Held events of the streams whose next version is now held (so they can be applied).

    Every held event of such a stream is returned, in stream version order: the apply path
    applies as many as follow on without a gap and holds the rest again.
    """
    h = held_events
    seen = (
        sa.select(stream_versions.c.version)
        .where(
            stream_versions.c.subscription == h.c.subscription,
            stream_versions.c.stream_id == h.c.stream_id,
        )
        .scalar_subquery()
    )
    ready = (
        sa.select(h.c.stream_id)
        .where(
            h.c.subscription == subscription, h.c.stream_version == sa.func.coalesce(seen, 0) + 1
        )
        .limit(limit)
    )
    streams = list(conn.execute(ready).scalars())
    if not streams:
        return []
    query = (
        sa.select(h)
        .where(h.c.subscription == subscription, h.c.stream_id.in_(streams))
        .order_by(h.c.stream_id, h.c.stream_version)
    )
    return list(conn.execute(query))


def load_expired_held(
    conn: Connection, subscription: str, held_before: datetime, limit: int = 500
) -> list[sa.Row[Any]]:
    """Events held since before `held_before`: their missing version did not come in time."""
    h = held_events
    query = (
        sa.select(h)
        .where(h.c.subscription == subscription, h.c.held_at < held_before)
        .order_by(h.c.stream_id, h.c.stream_version)
        .limit(limit)
    )
    return list(conn.execute(query))


def count_held(conn: Connection, subscription: str) -> int:
    return int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(held_events)
            .where(held_events.c.subscription == subscription)
        ).scalar_one()
    )
