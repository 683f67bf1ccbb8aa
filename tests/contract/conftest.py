"""Stores for the contract suites: a fresh SQLite file, and a PostgreSQL database emptied."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.db import create_db_engine
from shared.eventstore.migrations import upgrade
from shared.eventstore.sql import SqlEventStore

# Tables a contract test creates beside the event store; dropped before each PostgreSQL test
# (the database lives for the whole module).
TEST_TABLES = ("contract_claims", "contract_own_rows")


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqlEventStore]:
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    upgrade(url)
    store = SqlEventStore(create_db_engine(url))
    yield store
    store.engine.dispose()


@pytest.fixture
def postgres_store(postgres_url: str) -> Iterator[SqlEventStore]:
    upgrade(postgres_url)
    store = SqlEventStore(create_db_engine(postgres_url))
    with store.engine.begin() as conn:
        for table in TEST_TABLES:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
        conn.exec_driver_sql("TRUNCATE events, relay_checkpoints RESTART IDENTITY")
    yield store
    store.engine.dispose()
