"""Engine and session factories for the two supported databases: SQLite and PostgreSQL."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from shared.config import get_settings

READ_ONLY_OPTION = "revcycle_read_only"
"""Execution option: `engine.execution_options(revcycle_read_only=True)` for SQLite readers."""


def reader(engine: Engine) -> Engine:
    """The same engine (same pool) for read-only work: no SQLite write lock is taken."""
    return engine.execution_options(**{READ_ONLY_OPTION: True})


class UnsupportedDatabaseError(ValueError):
    def __init__(self, url: str) -> None:
        super().__init__(
            f"unsupported database URL scheme {url.split(':', 1)[0]!r}: "
            "use sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB"
        )


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` (and `postgres://`) and use psycopg 3, the driver we ship."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    backend = url.split(":", 1)[0]
    if backend not in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
        raise UnsupportedDatabaseError(url)
    return url


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite opens transactions lazily and on its own terms, which breaks SAVEPOINTs and
    # lets two writers both read a stream version before either writes. Take over: the
    # driver stays in autocommit and SQLAlchemy's "begin" issues BEGIN IMMEDIATE, so a
    # transaction holds SQLite's single write lock from its first statement and appends are
    # serialised (positions commit in order, expected-version checks are exact).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Readers marked READ_ONLY start a deferred transaction: in WAL mode they neither
        # wait for nor block writers, so a read nested inside a write cannot deadlock.
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for SQLite or PostgreSQL (psycopg 3), configured for the event store's needs.

    SQL parameters are never put into error messages (`hide_parameters`): they are patient
    data (names, control numbers, dates of service) and errors end up in logs and headers.
    """
    url = normalise_url(url)
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            # One shared connection, or every checkout would see a different empty database.
            kwargs.setdefault("poolclass", StaticPool)
            kwargs.setdefault("connect_args", {"check_same_thread": False})
        else:
            kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    # An unreachable server (a dropped route, not a refused port) must fail a request in
    # seconds, so the API can answer 503 with Retry-After instead of hanging.
    kwargs.setdefault("connect_args", {"connect_timeout": 10})
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured DATABASE_URL (embedded SQLite when unset)."""
    return create_db_engine(get_settings().effective_database_url)
