"""Relay dead letters and parked streams.

Revision ID: 0002_relay_dead_letters
Revises: 0001_event_store
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shared.eventstore.schema import AwareDateTime, PositionType

revision = "0002_relay_dead_letters"
down_revision = "0001_event_store"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "relay_dead_letters",
        sa.Column("id", PositionType, sa.Identity(always=False), primary_key=True),
        sa.Column("relay", sa.String(100), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("stream_id", sa.String(200), nullable=False),
        sa.Column("event_id", sa.String(36)),
        sa.Column("type", sa.String(100)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("dead_lettered_at", AwareDateTime(), nullable=False),
        sa.Column("resolution", sa.String(20)),
        sa.Column("resolved_at", AwareDateTime()),
        sa.UniqueConstraint("relay", "position", name="uq_relay_dead_letters_position"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "relay_parked_streams",
        sa.Column("relay", sa.String(100), primary_key=True),
        sa.Column("stream_id", sa.String(200), primary_key=True),
        sa.Column("since_position", sa.BigInteger, nullable=False),
        sa.Column("parked_at", AwareDateTime(), nullable=False),
        sa.Column("requested", sa.String(20)),
        sa.Column("requested_at", AwareDateTime()),
    )


def downgrade() -> None:
    op.drop_table("relay_parked_streams")
    op.drop_table("relay_dead_letters")
