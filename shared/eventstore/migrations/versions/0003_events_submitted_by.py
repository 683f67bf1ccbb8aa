"""Events: who asked for it (`submitted_by`, the token subject of the request or file).

A nullable column, so every event recorded before it reads back with `submitted_by` None;
nothing is rewritten. On PostgreSQL adding a nullable column without a default is a
catalogue change only (no table rewrite), so it is safe on a large events table.

Revision ID: 0003_events_submitted_by
Revises: 0002_relay_dead_letters
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_events_submitted_by"
down_revision = "0002_relay_dead_letters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ALTER TABLE ADD COLUMN on both dialects (SQLite supports it): the events
    # table, its AUTOINCREMENT positions and its constraints are left exactly as they are.
    op.add_column("events", sa.Column("submitted_by", sa.String(200), nullable=True))


def downgrade() -> None:
    # SQLite drops a column by copying the table (batch mode).
    with op.batch_alter_table("events") as batch:
        batch.drop_column("submitted_by")
