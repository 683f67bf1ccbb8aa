"""Alembic environment: runs against the engine handed over by shared.eventstore.migrations."""

from __future__ import annotations

from alembic import context

from shared.eventstore.migrations import VERSION_TABLE
from shared.eventstore.schema import metadata

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
