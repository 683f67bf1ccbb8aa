"""The event store contract: append with expected version, load a stream, read all in order."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence

from shared.events.envelope import EventEnvelope


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


class EventStore(ABC):
    """Backends: memory, SQLite and PostgreSQL (SQLAlchemy), one shared contract test suite.

    Global positions are strictly increasing integers. `read_all(after=p)` returns only
    events whose transactions have committed, never skipping one that commits later with a
    lower position (PostgreSQL's insert-order vs commit-order gap is closed by the backend).
    """

    @abstractmethod
    def append(
        self, stream_id: str, expected_version: int, events: Sequence[EventEnvelope]
    ) -> list[EventEnvelope]:
        """Append events after `expected_version` (0 for a new stream), atomically.

        Returns the events as recorded (recorded_at and position set). Raises
        ConcurrencyError, writing nothing, when the stream is not at expected_version.
        """

    @abstractmethod
    def load(self, stream_id: str, after_version: int = 0) -> list[EventEnvelope]:
        """The stream's events in stream_version order."""

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
        """Current version of a stream; 0 when it does not exist."""
