"""Alembic migrations create the event store tables on PostgreSQL and SQLite, matching the code."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from shared.db import create_db_engine
from shared.eventstore.migrations import VERSION_TABLE, downgrade, upgrade
from shared.eventstore.schema import metadata


def check_migrations(url: str) -> None:
    upgrade(url)
    upgrade(url)  # a second run is a no-op, not an error
    engine = create_db_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {"events", "relay_checkpoints", VERSION_TABLE} <= tables
        assert {"relay_dead_letters", "relay_parked_streams"} <= tables
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
            assert context.get_current_revision() == "0002_relay_dead_letters"
            # The migration and the SQLAlchemy tables the code uses describe the same schema.
            diff = [
                d
                for d in compare_metadata(context, metadata)
                if not (isinstance(d, tuple) and d[0] == "remove_table")
            ]
        assert diff == []
        downgrade(url)
        assert not {"events", "relay_checkpoints"} & set(inspect(engine).get_table_names())
        upgrade(url)
        assert "events" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_migrations_on_sqlite(tmp_path: Path) -> None:
    check_migrations(f"sqlite:///{tmp_path / 'm.sqlite'}")


def test_migrations_on_postgresql(postgres_url: str) -> None:
    check_migrations(postgres_url)


def test_an_unsupported_url_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unsupported database URL scheme 'mysql'"):
        upgrade("mysql://root@localhost/db")
