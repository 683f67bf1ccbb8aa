"""Event store: events table (the outbox) and relay checkpoints.

Revision ID: 0001_event_store
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shared.eventstore.schema import AwareDateTime, DataType, PositionType

revision = "0001_event_store"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("position", PositionType, sa.Identity(always=False), primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("stream_id", sa.String(200), nullable=False),
        sa.Column("stream_version", sa.Integer, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("occurred_at", AwareDateTime(), nullable=False),
        sa.Column("recorded_at", AwareDateTime(), nullable=False),
        sa.Column("correlation_id", sa.String(36)),
        sa.Column("causation_id", sa.String(36)),
        sa.Column("producer", sa.String(100), nullable=False),
        sa.Column("organization_id", sa.String(100), nullable=False),
        sa.Column("data", DataType, nullable=False),
        sa.UniqueConstraint("stream_id", "stream_version", name="uq_events_stream_version"),
        sa.UniqueConstraint("event_id", name="uq_events_event_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_events_type", "events", ["type"])
    op.create_table(
        "relay_checkpoints",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("position", PositionType, nullable=False),
        sa.Column("updated_at", AwareDateTime(), nullable=False),
        sa.Column("note", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("relay_checkpoints")
    op.drop_index("ix_events_type", table_name="events")
    op.drop_table("events")
