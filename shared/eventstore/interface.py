"""The event store contract: append with expected version, in a transaction or alone; load; read."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Generic

from typing_extensions import TypeVar

from shared.events.envelope import EventEnvelope

TxT = TypeVar("TxT", default=Any)
"""A backend's transaction handle: a SQLAlchemy `Connection` for the SQL store, a
`MemoryTransaction` for the in-memory one."""


class EventStoreError(Exception):
    """Base of the event store's own errors."""


class ConcurrencyError(EventStoreError):
    """An append's expected stream version was not the stream's current version; nothing written."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"stream {stream_id!r}: expected version {expected}, but it is at {actual}; "
            "nothing was written"
        )
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class DuplicateEventError(EventStoreError):
    """An event with this event_id is already stored; nothing was written."""

    def __init__(self, event_id: str) -> None:
        super().__init__(f"event {event_id} is already in the store; nothing was written")
        self.event_id = event_id


class InvalidAppendError(EventStoreError, ValueError):
    """The batch itself is malformed (wrong stream, gaps in stream versions); nothing written."""


class NotOwnerError(InvalidAppendError):
    """The envelope's producer is not the service that owns the event's type; nothing written."""

    def __init__(self, event_type: str, producer: str, owner: str | None) -> None:
        if owner is None:
            reason = f"no service owns event type {event_type!r} (no model is registered for it)"
        else:
            reason = f"event type {event_type!r} is owned by {owner!r}"
        super().__init__(
            f"{reason}; producer {producer!r} may not append it (each type has exactly one "
            "producing service, declared on its model: see shared/events/ownership.py)"
        )
        self.event_type = event_type
        self.producer = producer
        self.owner = owner


class EventStore(ABC, Generic[TxT]):
    """Backends: memory, SQLite and PostgreSQL (SQLAlchemy), one shared contract test suite.

    Global positions are strictly increasing integers. `read_all(after=p)` returns only
    events whose transactions have committed, never skipping one that commits later with a
    lower position (PostgreSQL's insert-order vs commit-order gap is closed by the backend).

    Every append refuses a malformed batch (`InvalidAppendError`) and an event whose
    envelope `producer` does not own its type (`NotOwnerError`) before anything is written.

    Transactions: `transaction()` opens one (committed when the block ends, rolled back
    when it raises); `append_in` and `load_in` work inside it, so a service's own writes
    and its events commit together (the transactional outbox), and a command can read its
    stream, including what the same transaction appended, before deciding.
    """

    @abstractmethod
    def transaction(self) -> AbstractContextManager[TxT]:
        """A new transaction: `with store.transaction() as tx: store.append_in(tx, ...)`."""

    @abstractmethod
    def append_in(
        self,
        transaction: TxT,
        stream_id: str,
        expected_version: int,
        events: Sequence[EventEnvelope],
    ) -> list[EventEnvelope]:
        """Append inside `transaction`; committed (or not) with it.

        Raises ConcurrencyError when the stream is not at expected_version; nothing of this
        batch is then written and the transaction stays usable (reload and try again).
        Appends by concurrent transactions are serialised from their first append until
        they end, so keep appending transactions short.
        """

    @abstractmethod
    def load_in(
        self, transaction: TxT, stream_id: str, after_version: int = 0
    ) -> list[EventEnvelope]:
        """The stream as `transaction` sees it: committed events plus its own appends."""

    def append(
        self, stream_id: str, expected_version: int, events: Sequence[EventEnvelope]
    ) -> list[EventEnvelope]:
        """Append events after `expected_version` (0 for a new stream), atomically.

        Returns the events as recorded (recorded_at and position set). Raises
        ConcurrencyError, writing nothing, when the stream is not at expected_version.
        """
        with self.transaction() as transaction:
            return self.append_in(transaction, stream_id, expected_version, events)

    def append_many_in(
        self,
        transaction: TxT,
        appends: Sequence[tuple[str, int, Sequence[EventEnvelope]]],
    ) -> list[EventEnvelope]:
        """Several streams' appends, `(stream_id, expected_version, events)` each, inside
        `transaction`: the same as `append_in` for each in order, in fewer round trips
        where the backend can (the SQL store: one check and one insert for all).

        A ConcurrencyError (or DuplicateEventError) names the first stream that refuses;
        the caller then rolls the transaction back (an exception leaving `with uow:` does),
        as some of the appends may be in it.
        """
        from shared.eventstore.validation import check_batch

        recorded: list[EventEnvelope] = []
        for stream_id, expected_version, events in appends:
            check_batch(stream_id, expected_version, events)
        for stream_id, expected_version, events in appends:
            recorded += self.append_in(transaction, stream_id, expected_version, events)
        return recorded

    def load_many(self, stream_ids: Sequence[str]) -> dict[str, list[EventEnvelope]]:
        """Several streams' committed events, each in stream_version order (absent: [])."""
        return {stream_id: self.load(stream_id) for stream_id in stream_ids}

    @abstractmethod
    def load(self, stream_id: str, after_version: int = 0) -> list[EventEnvelope]:
        """The stream's committed events in stream_version order."""

    @abstractmethod
    def read_all(self, after: int = 0, limit: int = 1000) -> list[EventEnvelope]:
        """Committed events with position > after, in global position order."""

    def iter_all(self, after: int = 0, batch: int = 1000) -> Iterator[EventEnvelope]:
        while True:
            page = self.read_all(after=after, limit=batch)
            if not page:
                return
            yield from page
            last = page[-1].position
            assert last is not None
            after = last

    @abstractmethod
    def stream_version(self, stream_id: str) -> int:
        """Current (committed) version of a stream; 0 when it does not exist."""
