"""Alembic migrations create the event store tables on PostgreSQL and SQLite, matching the code."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from shared.db import create_db_engine
from shared.events import to_envelope
from shared.eventstore.migrations import VERSION_TABLE, downgrade, upgrade
from shared.eventstore.schema import events as events_table
from shared.eventstore.schema import metadata
from shared.eventstore.sql import SqlEventStore
from testsupport.claim_events import claim_scrub_failed


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
            assert context.get_current_revision() == "0003_events_submitted_by"
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


def events_recorded_before_0003_read_back(url: str) -> None:
    """A store at 0002 (no submitted_by) upgraded in place: its events read back unchanged,
    with submitted_by None, and new appends record who asked."""
    upgrade(url, "0002_relay_dead_letters")
    engine = create_db_engine(url)
    try:
        old = to_envelope(
            claim_scrub_failed("clm-old"),
            stream_version=1,
            occurred_at=datetime(2026, 3, 2, tzinfo=UTC),
            organization_id="org-a",
            producer="intake",
        )
        with engine.begin() as conn:
            row = SqlEventStore._row(old, datetime(2026, 3, 2, tzinfo=UTC))
            del row["submitted_by"]  # the 0002 table has no such column
            conn.execute(events_table.insert().values(**row))
        upgrade(url)
        store = SqlEventStore(engine)
        [read] = store.load("clm-old")
        assert read.submitted_by is None
        assert read.data == old.data and read.event_id == old.event_id
        new = to_envelope(
            claim_scrub_failed("clm-new"),
            stream_version=1,
            occurred_at=datetime(2026, 3, 3, tzinfo=UTC),
            organization_id="org-a",
            producer="intake",
            submitted_by="biller-7",
        )
        store.append("clm-new", 0, [new])
        assert store.load("clm-new")[0].submitted_by == "biller-7"
    finally:
        engine.dispose()


def test_events_recorded_before_0003_read_back_on_sqlite(tmp_path: Path) -> None:
    events_recorded_before_0003_read_back(f"sqlite:///{tmp_path / 'old.sqlite'}")


def test_events_recorded_before_0003_read_back_on_postgresql(postgres_url: str) -> None:
    events_recorded_before_0003_read_back(postgres_url)


def test_an_unsupported_url_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unsupported database URL scheme 'mysql'"):
        upgrade("mysql://root@localhost/db")
