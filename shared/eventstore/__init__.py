"""Event store: the interface, memory and SQL (SQLite/PostgreSQL) backends, migrations."""

from shared.eventstore.interface import (
    ConcurrencyError,
    DuplicateEventError,
    EventStore,
    EventStoreError,
    InvalidAppendError,
    NotOwnerError,
)
from shared.eventstore.memory import InMemoryEventStore, MemoryTransaction

__all__ = [
    "ConcurrencyError",
    "DuplicateEventError",
    "EventStore",
    "EventStoreError",
    "InMemoryEventStore",
    "InvalidAppendError",
    "MemoryTransaction",
    "NotOwnerError",
]
