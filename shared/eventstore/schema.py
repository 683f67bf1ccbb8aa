"""Tables of the event store and the relay checkpoint (SQLAlchemy Core, SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine


class AwareDateTime(TypeDecorator[datetime]):
    """timestamptz on PostgreSQL; on SQLite an ISO 8601 UTC string, since SQLite drops offsets."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: event times must be timezone-aware")
        if dialect.name == "sqlite":
            # Fixed-width UTC text sorts in time order and parses back exactly (microseconds).
            return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value


metadata = MetaData()

# BIGINT identity on PostgreSQL; on SQLite an INTEGER PRIMARY KEY AUTOINCREMENT, which never
# reuses a position after a rollback or delete.
PositionType = BigInteger().with_variant(Integer(), "sqlite")
DataType = JSON().with_variant(JSONB(), "postgresql")

events = Table(
    "events",
    metadata,
    Column("position", PositionType, Identity(always=False), primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("stream_id", String(200), nullable=False),
    Column("stream_version", Integer, nullable=False),
    Column("type", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("occurred_at", AwareDateTime(), nullable=False),
    Column("recorded_at", AwareDateTime(), nullable=False),
    Column("correlation_id", String(36)),
    Column("causation_id", String(36)),
    Column("producer", String(100), nullable=False),
    Column("organization_id", String(100), nullable=False),
    Column("data", DataType, nullable=False),
    # Migration 0003: the token subject whose request appended the event (NULL before).
    Column("submitted_by", String(200)),
    UniqueConstraint("stream_id", "stream_version", name="uq_events_stream_version"),
    UniqueConstraint("event_id", name="uq_events_event_id"),
    Index("ix_events_type", "type"),
    sqlite_autoincrement=True,
)

relay_checkpoints = Table(
    "relay_checkpoints",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("position", BigInteger().with_variant(Integer(), "sqlite"), nullable=False),
    Column("updated_at", AwareDateTime(), nullable=False),
    Column("note", Text),
)

# --- the relay's dead letters and parked streams (migration 0002) ---------------------------

relay_dead_letters = Table(
    # Events the relay could not publish (too large, not serialisable), with the reason.
    "relay_dead_letters",
    metadata,
    Column("id", PositionType, Identity(always=False), primary_key=True),
    Column("relay", String(100), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("stream_id", String(200), nullable=False),
    Column("event_id", String(36)),
    Column("type", String(100)),
    Column("reason", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("dead_lettered_at", AwareDateTime(), nullable=False),
    # Set when an operator released the stream (the event stays unpublished) or a retry
    # published it: "released" or "published".
    Column("resolution", String(20)),
    Column("resolved_at", AwareDateTime()),
    UniqueConstraint("relay", "position", name="uq_relay_dead_letters_position"),
    sqlite_autoincrement=True,
)

relay_parked_streams = Table(
    # Streams whose later events the relay holds back after a dead letter, to keep each
    # stream's order on Kafka; an operator asks for "release" or "retry" (revcycle relay).
    "relay_parked_streams",
    metadata,
    Column("relay", String(100), primary_key=True),
    Column("stream_id", String(200), primary_key=True),
    Column("since_position", BigInteger, nullable=False),
    Column("parked_at", AwareDateTime(), nullable=False),
    Column("requested", String(20)),
    Column("requested_at", AwareDateTime()),
)
