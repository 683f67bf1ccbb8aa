"""SQL event store (SQLAlchemy Core) for PostgreSQL and SQLite, usable in a caller's transaction.

Ordering (the PostgreSQL insert-order vs commit-order gap): an identity value is taken when
a row is inserted, but rows become visible when their transaction commits. Without care,
writer A takes position 5, writer B takes 6 and commits first, a reader that follows
"position > last seen" reads 6, moves its checkpoint past 5, and never sees A's event.
Fix used here: every append first takes one transaction-scoped advisory lock
(`pg_advisory_xact_lock`), held until its transaction ends. Positions are therefore taken
and committed in the same order, and a reader's snapshot is always a prefix of the log
(gaps from rolled-back appends are permanent, never filled later). The price is that
appends to the whole store are serialised for the rest of the appending transaction; keep
transactions that append short. SQLite serialises every writer anyway (BEGIN IMMEDIATE,
see shared/db.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError

from shared.db import create_db_engine, reader
from shared.events.envelope import EventEnvelope
from shared.eventstore.interface import (
    ConcurrencyError,
    DuplicateEventError,
    EventStore,
    InvalidAppendError,
)
from shared.eventstore.schema import events as events_table
from shared.eventstore.validation import check_batch

# Key of the advisory lock serialising appends ("revcyc" in ASCII); any constant works as
# long as nothing else in the database uses it.
APPEND_LOCK_KEY = 0x726576637963

# Statements of every command, built once (building them per call cost about a tenth of a
# command's CPU time); values are bound at execution.
_t = events_table
_LOCK = select(func.pg_advisory_xact_lock(APPEND_LOCK_KEY))
_VERSION = select(func.max(_t.c.stream_version)).where(_t.c.stream_id == bindparam("stream_id"))
# The stream's version and any already stored event id, in one round trip.
_CHECKS = select(
    _VERSION.scalar_subquery(),
    select(_t.c.event_id)
    .where(_t.c.event_id.in_(bindparam("ids", expanding=True)))
    .limit(1)
    .scalar_subquery(),
)
_INSERT = insert(_t).returning(_t.c.position, sort_by_parameter_order=True)
_LOAD = (
    select(_t)
    .where(_t.c.stream_id == bindparam("stream_id"), _t.c.stream_version > bindparam("after"))
    .order_by(_t.c.stream_version)
)


class _UniqueViolation(Exception):
    def __init__(self, duplicate_event_id: str | None) -> None:
        self.duplicate_event_id = duplicate_event_id


class SqlEventStore(EventStore[Connection]):
    """The event store on PostgreSQL (psycopg 3) or SQLite; tables from the Alembic migrations.

    `append` runs in its own transaction. `append_in(connection, ...)` appends inside the
    caller's open transaction, so a service's state change and its events commit together
    (the transactional outbox); with an ORM session, pass `session.connection()`.
    `transaction()` is `engine.begin()`: the transaction handle is the `Connection`.

    Reading in a transaction (`load_in`) on PostgreSQL relies on READ COMMITTED, the
    default: after a conflict, the next statement sees what the winner committed, so a
    command can reload and decide again inside the same transaction. On SQLite a writing
    transaction holds the database's write lock from BEGIN IMMEDIATE, so nothing changes
    under it in the first place.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        serialize_appends: bool = True,
    ) -> None:
        # serialize_appends=False exists only so a test can show the ordering harness
        # detects the skip the lock prevents; never turn it off in production.
        self.engine = engine
        self._reader = reader(engine)
        self._clock = clock
        self._serialize = serialize_appends
        self._table = events_table

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> SqlEventStore:
        return cls(create_db_engine(url), **kwargs)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # -- writing -----------------------------------------------------------------------

    def transaction(self) -> AbstractContextManager[Connection]:
        return self.engine.begin()

    def append(
        self, stream_id: str, expected_version: int, events: Sequence[EventEnvelope]
    ) -> list[EventEnvelope]:
        check_batch(stream_id, expected_version, events)
        try:
            with self.engine.begin() as conn:
                return self._insert(conn, stream_id, expected_version, events)
        except _UniqueViolation as exc:
            # The transaction rolled back; report the stream as it is now.
            raise self._conflict(exc, stream_id, expected_version) from None

    def append_in(
        self,
        transaction: Connection,
        stream_id: str,
        expected_version: int,
        events: Sequence[EventEnvelope],
    ) -> list[EventEnvelope]:
        """Append inside the caller's transaction; committed (or not) with it.

        On a conflict nothing of this batch is written and the caller's transaction stays
        usable (a unit of work reloads and decides again in it). While appends are
        serialised (the advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite) the version
        and event-id checks are exact, so a conflict is found before anything is written;
        only an unserialised store needs a savepoint to survive the constraint violation
        that is then its last line (two round trips per append saved otherwise).
        """
        check_batch(stream_id, expected_version, events)
        exact = self._serialize or transaction.dialect.name == "sqlite"
        try:
            if exact:
                return self._insert(transaction, stream_id, expected_version, events)
            with transaction.begin_nested():
                return self._insert(transaction, stream_id, expected_version, events)
        except _UniqueViolation as exc:
            raise self._conflict(exc, stream_id, expected_version, transaction) from None

    def append_streams_in(
        self,
        transaction: Connection,
        appends: Sequence[tuple[str, int, Sequence[EventEnvelope]]],
    ) -> list[EventEnvelope]:
        """Append to several streams inside the caller's transaction, all or nothing.

        `appends`: (stream id, expected version, events), one entry per stream. The same
        checks as `append_in`, made for every stream at once: one lock, one query of the
        streams' versions and of any stored event id, one insert. ConcurrencyError (naming
        the first stream not at its expected version) or DuplicateEventError writes
        nothing. For a command handler that decides many streams in one transaction (remit
        posts a chunk of an 835): a few round trips instead of three per stream.
        """
        if not appends:
            return []
        streams = [stream_id for stream_id, _, _ in appends]
        if len(set(streams)) != len(streams):
            raise InvalidAppendError("append_streams_in: one entry per stream")
        for stream_id, expected_version, events in appends:
            check_batch(stream_id, expected_version, events)
        exact = self._serialize or transaction.dialect.name == "sqlite"
        try:
            if exact:
                return self._insert_streams(transaction, appends)
            with transaction.begin_nested():
                return self._insert_streams(transaction, appends)
        except _UniqueViolation as exc:
            if exc.duplicate_event_id is not None:
                raise DuplicateEventError(exc.duplicate_event_id) from None
            for stream_id, expected_version, _ in appends:
                actual = self._version(transaction, stream_id)
                if actual != expected_version:
                    raise ConcurrencyError(stream_id, expected_version, actual) from None
            raise ConcurrencyError(streams[0], appends[0][1], -1) from None

    def _insert_streams(
        self,
        conn: Connection,
        appends: Sequence[tuple[str, int, Sequence[EventEnvelope]]],
    ) -> list[EventEnvelope]:
        if self._serialize and conn.dialect.name == "postgresql":
            conn.execute(_LOCK)
        events = [e for _, _, batch in appends for e in batch]
        current: dict[str, int] = {}
        ids = [str(e.event_id) for e in events]
        streams = [stream_id for stream_id, _, _ in appends]
        for start in range(0, len(streams), 500):
            part = streams[start : start + 500]
            rows = conn.execute(
                select(_t.c.stream_id, func.max(_t.c.stream_version))
                .where(_t.c.stream_id.in_(part))
                .group_by(_t.c.stream_id)
            )
            current.update({str(stream): int(version or 0) for stream, version in rows})
        for stream_id, expected_version, _ in appends:
            if current.get(stream_id, 0) != expected_version:
                raise ConcurrencyError(stream_id, expected_version, current.get(stream_id, 0))
        for start in range(0, len(ids), 500):
            stored = conn.execute(
                select(_t.c.event_id).where(_t.c.event_id.in_(ids[start : start + 500])).limit(1)
            ).scalar()
            if stored is not None:
                raise _UniqueViolation(str(stored))
        now = self._clock()
        try:
            positions = conn.execute(_INSERT, [self._row(e, now) for e in events]).scalars().all()
        except IntegrityError as exc:
            message = str(exc.orig)
            duplicate = _event_id_from(message, events) if "event_id" in message else None
            raise _UniqueViolation(duplicate) from exc
        return [e.recorded(now, int(p)) for e, p in zip(events, positions, strict=True)]

    def _insert(
        self,
        conn: Connection,
        stream_id: str,
        expected_version: int,
        events: Sequence[EventEnvelope],
    ) -> list[EventEnvelope]:
        if self._serialize and conn.dialect.name == "postgresql":
            conn.execute(_LOCK)
        # After the lock: a READ COMMITTED statement's snapshot starts with the statement.
        ids = [str(e.event_id) for e in events]
        current, existing = conn.execute(_CHECKS, {"stream_id": stream_id, "ids": ids}).one()
        if int(current or 0) != expected_version:
            raise ConcurrencyError(stream_id, expected_version, int(current or 0))
        if existing is not None:
            raise _UniqueViolation(existing)
        now = self._clock()
        rows = [self._row(e, now) for e in events]
        try:
            positions = conn.execute(_INSERT, rows).scalars().all()
        except IntegrityError as exc:
            # Without the lock (a racing writer) the unique constraints are the last line:
            # (stream_id, stream_version) means a concurrent append won; event_id a duplicate.
            message = str(exc.orig)
            duplicate = _event_id_from(message, events) if "event_id" in message else None
            raise _UniqueViolation(duplicate) from exc
        return [e.recorded(now, int(p)) for e, p in zip(events, positions, strict=True)]

    def _conflict(
        self,
        exc: _UniqueViolation,
        stream_id: str,
        expected_version: int,
        connection: Connection | None = None,
    ) -> Exception:
        if exc.duplicate_event_id is not None:
            return DuplicateEventError(exc.duplicate_event_id)
        actual = (
            self._version(connection, stream_id)
            if connection is not None
            else self.stream_version(stream_id)
        )
        return ConcurrencyError(stream_id, expected_version, actual)

    @staticmethod
    def _row(e: EventEnvelope, recorded_at: datetime) -> dict[str, Any]:
        return {
            "event_id": str(e.event_id),
            "stream_id": e.stream_id,
            "stream_version": e.stream_version,
            "type": e.type,
            "version": e.version,
            "occurred_at": e.occurred_at,
            "recorded_at": recorded_at,
            "correlation_id": str(e.correlation_id) if e.correlation_id else None,
            "causation_id": str(e.causation_id) if e.causation_id else None,
            "producer": e.producer,
            "organization_id": e.organization_id,
            "submitted_by": e.submitted_by,
            # JSON form: Decimals become strings, dates ISO text, so any JSON column takes it.
            "data": e.model_dump(mode="json", include={"data"})["data"],
        }

    # -- reading -----------------------------------------------------------------------

    def _version(self, conn: Connection, stream_id: str) -> int:
        value = conn.execute(_VERSION, {"stream_id": stream_id}).scalar()
        return int(value or 0)

    def stream_version(self, stream_id: str) -> int:
        with self._reader.connect() as conn:
            return self._version(conn, stream_id)

    def load(self, stream_id: str, after_version: int = 0) -> list[EventEnvelope]:
        with self._reader.connect() as conn:
            return self.load_in(conn, stream_id, after_version)

    def load_in(
        self, transaction: Connection, stream_id: str, after_version: int = 0
    ) -> list[EventEnvelope]:
        rows = transaction.execute(_LOAD, {"stream_id": stream_id, "after": after_version})
        return [_envelope(row._mapping) for row in rows]

    def load_streams_in(
        self, transaction: Connection, stream_ids: Sequence[str]
    ) -> dict[str, list[EventEnvelope]]:
        """Several whole streams in one round trip (a stream with no events maps to []).

        For a command handler that decides many streams in one transaction (remit posts a
        chunk of an 835): one query instead of one per stream."""
        out: dict[str, list[EventEnvelope]] = {stream_id: [] for stream_id in stream_ids}
        wanted = list(out)
        for start in range(0, len(wanted), 500):
            query = (
                select(_t)
                .where(_t.c.stream_id.in_(wanted[start : start + 500]))
                .order_by(_t.c.stream_id, _t.c.stream_version)
            )
            for row in transaction.execute(query):
                out[row.stream_id].append(_envelope(row._mapping))
        return out

    def read_all(self, after: int = 0, limit: int = 1000) -> list[EventEnvelope]:
        with self._reader.connect() as conn:
            return self.read_all_in(conn, after=after, limit=limit)

    def read_all_in(
        self, connection: Connection, after: int = 0, limit: int = 1000
    ) -> list[EventEnvelope]:
        """read_all on the caller's connection (e.g. the relay's, next to its checkpoint)."""
        t = self._table
        query = select(t).where(t.c.position > after).order_by(t.c.position).limit(limit)
        return [_envelope(row._mapping) for row in connection.execute(query)]

    def head_position(self) -> int:
        """The highest committed position (0 when empty)."""
        with self._reader.connect() as conn:
            return int(conn.execute(select(func.max(self._table.c.position))).scalar() or 0)


def _event_id_from(message: str, events: Sequence[EventEnvelope]) -> str:
    # PostgreSQL names the duplicate value: Key (event_id)=(…) already exists.
    for e in events:
        if str(e.event_id) in message:
            return str(e.event_id)
    return "?"


def _envelope(row: Any) -> EventEnvelope:
    return EventEnvelope(
        event_id=UUID(row["event_id"]),
        type=row["type"],
        version=row["version"],
        stream_id=row["stream_id"],
        stream_version=row["stream_version"],
        occurred_at=row["occurred_at"],
        recorded_at=row["recorded_at"],
        correlation_id=UUID(row["correlation_id"]) if row["correlation_id"] else None,
        causation_id=UUID(row["causation_id"]) if row["causation_id"] else None,
        producer=row["producer"],
        organization_id=row["organization_id"],
        submitted_by=row["submitted_by"],
        data=row["data"],
        position=int(row["position"]),
    )
