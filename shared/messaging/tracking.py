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


# Statements built once: building a SQLAlchemy statement (and its cache key) per call cost
# more than running it, several times per event (bench/README.md, ingest).
_CHUNK = 500
_APPLIED_AMONG = sa.select(applied_events.c.event_id).where(
    applied_events.c.projection == sa.bindparam("p_projection"),
    applied_events.c.event_id.in_(sa.bindparam("p_ids", expanding=True)),
)


def applied_among(conn: Connection, projection: str, event_ids: list[UUID]) -> set[UUID]:
    """Which of these events this projection has already applied (one query per 500 ids)."""
    ids = [str(e) for e in event_ids]
    found: set[UUID] = set()
    for start in range(0, len(ids), _CHUNK):
        rows = conn.execute(
            _APPLIED_AMONG, {"p_projection": projection, "p_ids": ids[start : start + _CHUNK]}
        ).scalars()
        found.update(UUID(e) for e in rows)
    return found


_OFFSET_KEY = (
    (partition_offsets.c.projection == sa.bindparam("p_projection"))
    & (partition_offsets.c.topic == sa.bindparam("p_topic"))
    & (partition_offsets.c.partition == sa.bindparam("p_partition"))
)
_ADVANCE_OFFSET = (
    partition_offsets.update()
    .where(_OFFSET_KEY, partition_offsets.c.next_offset < sa.bindparam("p_next"))
    .values(next_offset=sa.bindparam("p_next"))
)
_OFFSET_EXISTS = sa.select(partition_offsets.c.next_offset).where(_OFFSET_KEY)
_LOAD_OFFSETS = sa.select(partition_offsets.c.partition, partition_offsets.c.next_offset).where(
    partition_offsets.c.projection == sa.bindparam("p_projection"),
    partition_offsets.c.topic == sa.bindparam("p_topic"),
)


def save_offset(
    conn: Connection, projection: str, topic: str, partition: int, next_offset: int
) -> None:
    """Move the partition's next offset forward (never back); one statement once it exists."""
    key = {"p_projection": projection, "p_topic": topic, "p_partition": partition}
    updated = conn.execute(_ADVANCE_OFFSET, {**key, "p_next": next_offset})
    if updated.rowcount == 0:
        exists = conn.execute(_OFFSET_EXISTS, key).first()
        if exists is None:
            conn.execute(
                partition_offsets.insert().values(
                    projection=projection, topic=topic, partition=partition, next_offset=next_offset
                )
            )


def load_offsets(conn: Connection, projection: str, topic: str) -> dict[int, int]:
    rows = conn.execute(_LOAD_OFFSETS, {"p_projection": projection, "p_topic": topic})
    return {int(p): int(o) for p, o in rows}


_LOAD_CHECKPOINT = sa.select(checkpoints.c.position).where(
    checkpoints.c.projection == sa.bindparam("p_projection")
)
_SAVE_CHECKPOINT = (
    checkpoints.update()
    .where(checkpoints.c.projection == sa.bindparam("p_projection"))
    .values(position=sa.bindparam("p_position"))
)
_ADVANCE_CHECKPOINT = (
    checkpoints.update()
    .where(
        checkpoints.c.projection == sa.bindparam("p_projection"),
        checkpoints.c.position < sa.bindparam("p_position"),
    )
    .values(position=sa.bindparam("p_position"))
)


def load_checkpoint(conn: Connection, projection: str) -> int:
    value = conn.execute(_LOAD_CHECKPOINT, {"p_projection": projection}).scalar_one_or_none()
    return int(value) if value is not None else 0


def save_checkpoint(conn: Connection, projection: str, position: int) -> None:
    params = {"p_projection": projection, "p_position": position}
    if conn.execute(_SAVE_CHECKPOINT, params).rowcount == 0:
        conn.execute(checkpoints.insert().values(projection=projection, position=position))


def advance_checkpoint(conn: Connection, projection: str, position: int) -> None:
    """Move the checkpoint forward to `position` (never back); one statement once it exists."""
    params = {"p_projection": projection, "p_position": position}
    if conn.execute(_ADVANCE_CHECKPOINT, params).rowcount == 0:
        exists = conn.execute(_LOAD_CHECKPOINT, {"p_projection": projection}).first()
        if exists is None:
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


_LOAD_STREAM_VERSIONS = sa.select(stream_versions.c.stream_id, stream_versions.c.version).where(
    stream_versions.c.subscription == sa.bindparam("p_subscription"),
    stream_versions.c.stream_id.in_(sa.bindparam("p_streams", expanding=True)),
)


def load_stream_versions(
    conn: Connection, subscription: str, stream_ids: Iterable[str]
) -> dict[str, int]:
    """Last version seen per stream (absent: never seen), in chunks of 500 ids."""
    ids = sorted(set(stream_ids))
    found: dict[str, int] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = conn.execute(
            _LOAD_STREAM_VERSIONS,
            {"p_subscription": subscription, "p_streams": ids[start : start + _CHUNK]},
        )
        found.update({str(s): int(v) for s, v in rows})
    return found


_INSERT_VERSION = stream_versions.insert()
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
    updates = [
        {"p_subscription": subscription, "p_stream": s, "p_old": old, "p_new": new}
        for s, (old, new) in changed.items()
        if old != 0
    ]
    if updates and conn.dialect.supports_sane_multi_rowcount:
        # One executemany; its row count is the sum over the rows (both supported drivers).
        if conn.execute(_UPDATE_VERSION, updates).rowcount != len(updates):
            raise StaleStreamVersion("a stream's version was moved by another transaction")
    else:
        for params in updates:
            if conn.execute(_UPDATE_VERSION, params).rowcount != 1:
                raise StaleStreamVersion(
                    f"stream {params['p_stream']}: version moved by another transaction"
                )
    if inserts:
        # A concurrent first insert violates the primary key: the IntegrityError rolls the
        # whole transaction back and the runtime runs the event again (a conflict).
        conn.execute(_INSERT_VERSION, inserts)


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
