"""In-memory event store: the contract's reference behaviour, for unit tests and fakes.

It keeps the SQL backends' transaction semantics, so a handler tested against it behaves
as it will on PostgreSQL: a transaction's appends are invisible to others until it
commits; the first append takes the store's append lock and holds it until the
transaction ends (as PostgreSQL's advisory lock does), so positions commit in order; a
conflicting `append_in` writes nothing of its batch and leaves the transaction usable.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from shared.events.envelope import EventEnvelope
from shared.eventstore.interface import (
    ConcurrencyError,
    DuplicateEventError,
    EventStore,
    EventStoreError,
)
from shared.eventstore.validation import check_batch


class TransactionClosedError(EventStoreError):
    """The transaction was already committed or rolled back."""


class MemoryTransaction:
    """One transaction of an `InMemoryEventStore` (what `store.transaction()` yields)."""

    def __init__(self, store: InMemoryEventStore) -> None:
        self._store = store
        self._pending: list[EventEnvelope] = []
        self._on_commit: list[Callable[[], None]] = []
        self._holds_append_lock = False
        self._open = True

    def on_commit(self, action: Callable[[], None]) -> None:
        """Run `action` when, and only if, this transaction commits.

        A test double of a service's own tables records its writes here, so they commit
        with the events or vanish with them, as rows in the service's database would.
        """
        self._check_open()
        self._on_commit.append(action)

    @property
    def pending(self) -> tuple[EventEnvelope, ...]:
        """What this transaction appended so far (recorded, not yet committed)."""
        return tuple(self._pending)

    def _check_open(self) -> None:
        if not self._open:
            raise TransactionClosedError("this transaction is already committed or rolled back")

    def _take_append_lock(self) -> None:
        if not self._holds_append_lock:
            if not self._store._append_lock.acquire(timeout=self._store.lock_timeout):
                raise EventStoreError(
                    f"waited {self._store.lock_timeout} s for another transaction's appends "
                    "to commit or roll back"
                )
            self._holds_append_lock = True

    def _end(self) -> None:
        self._open = False
        self._pending = []
        if self._holds_append_lock:
            self._holds_append_lock = False
            self._store._append_lock.release()

    def commit(self) -> None:
        self._check_open()
        actions = self._on_commit
        self._store._publish(self._pending)
        self._end()
        for action in actions:
            action()

    def rollback(self) -> None:
        if self._open:
            self._end()


class InMemoryEventStore(EventStore[MemoryTransaction]):
    def __init__(
        self,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        *,
        lock_timeout: float = 30.0,
    ) -> None:
        self._clock = clock
        self.lock_timeout = lock_timeout
        # _lock guards the committed data for a moment; _append_lock is held by the one
        # transaction that is appending, from its first append until it ends.
        self._lock = threading.Lock()
        self._append_lock = threading.Lock()
        self._log: list[EventEnvelope] = []
        self._streams: dict[str, list[EventEnvelope]] = {}
        self._ids: set[str] = set()

    @contextmanager
    def transaction(self) -> Iterator[MemoryTransaction]:
        tx = MemoryTransaction(self)
        try:
            yield tx
        except BaseException:
            tx.rollback()
            raise
        tx.commit()

    def append_in(
        self,
        transaction: MemoryTransaction,
        stream_id: str,
        expected_version: int,
        events: Sequence[EventEnvelope],
    ) -> list[EventEnvelope]:
        transaction._check_open()
        check_batch(stream_id, expected_version, events)
        transaction._take_append_lock()
        pending = transaction._pending
        with self._lock:
            current = len(self._streams.get(stream_id, [])) + sum(
                1 for e in pending if e.stream_id == stream_id
            )
            if current != expected_version:
                raise ConcurrencyError(stream_id, expected_version, current)
            own = {str(e.event_id) for e in pending}
            duplicate = next(
                (i for i in map(str, (e.event_id for e in events)) if i in self._ids or i in own),
                None,
            )
            if duplicate is not None:
                raise DuplicateEventError(duplicate)
            # Nobody else can append until this transaction ends, so these positions are
            # the next ones the log will have (a rolled-back transaction's are reused).
            first = len(self._log) + len(pending) + 1
        now = self._clock()
        recorded = [e.recorded(now, first + i) for i, e in enumerate(events)]
        pending.extend(recorded)
        return recorded

    def load_in(
        self, transaction: MemoryTransaction, stream_id: str, after_version: int = 0
    ) -> list[EventEnvelope]:
        transaction._check_open()
        own = [e for e in transaction._pending if e.stream_id == stream_id]
        return [e for e in self.load(stream_id) + own if e.stream_version > after_version]

    def _publish(self, recorded: Sequence[EventEnvelope]) -> None:
        with self._lock:
            self._log.extend(recorded)
            for e in recorded:
                self._streams.setdefault(e.stream_id, []).append(e)
                self._ids.add(str(e.event_id))

    def load(self, stream_id: str, after_version: int = 0) -> list[EventEnvelope]:
        with self._lock:
            return [e for e in self._streams.get(stream_id, []) if e.stream_version > after_version]

    def read_all(self, after: int = 0, limit: int = 1000) -> list[EventEnvelope]:
        with self._lock:
            # Positions are 1..n without gaps here, so position p sits at index p - 1.
            return self._log[max(after, 0) : max(after, 0) + limit]

    def stream_version(self, stream_id: str) -> int:
        with self._lock:
            return len(self._streams.get(stream_id, []))
