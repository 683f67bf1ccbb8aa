"""In-memory event store: the contract's reference behaviour, for unit tests and fakes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from shared.events.envelope import EventEnvelope
from shared.eventstore.interface import ConcurrencyError, DuplicateEventError, EventStore
from shared.eventstore.validation import check_batch


class InMemoryEventStore(EventStore):
    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._log: list[EventEnvelope] = []
        self._streams: dict[str, list[EventEnvelope]] = {}
        self._ids: set[str] = set()

    def append(
        self, stream_id: str, expected_version: int, events: Sequence[EventEnvelope]
    ) -> list[EventEnvelope]:
        check_batch(stream_id, expected_version, events)
        with self._lock:
            stream = self._streams.get(stream_id, [])
            if len(stream) != expected_version:
                raise ConcurrencyError(stream_id, expected_version, len(stream))
            ids = [str(e.event_id) for e in events]
            duplicate = next((i for i in ids if i in self._ids), None)
            if duplicate is not None:
                raise DuplicateEventError(duplicate)
            now = self._clock()
            recorded = [e.recorded(now, len(self._log) + i) for i, e in enumerate(events, start=1)]
            self._log.extend(recorded)
            self._streams[stream_id] = stream + recorded
            self._ids.update(ids)
            return recorded

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
