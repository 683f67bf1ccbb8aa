"""The unit of work: load, decide and append in one transaction, retrying on a concurrency conflict.

`run` loads the stream inside the transaction, folds it, asks the aggregate to decide,
and appends the new events with the version it loaded as the expected version. If another
writer appended to the stream in between (`ConcurrencyError`), it reloads and decides
again, in the same transaction (the failed append wrote nothing), up to `max_attempts`
times, then raises `ConflictRetriesExhausted`. Everything else the service writes through
`uow.transaction` commits or rolls back with the events.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Generic, Self, TypeVar
from uuid import UUID

from shared.events.base import Event
from shared.events.envelope import EventEnvelope
from shared.events.registry import to_envelopes
from shared.eventstore.interface import ConcurrencyError, EventStore, TxT
from shared.kernel.aggregate import Aggregate

S = TypeVar("S")
C = TypeVar("C")

DEFAULT_MAX_ATTEMPTS = 5


def utc_now() -> datetime:
    return datetime.now(UTC)


class KernelError(Exception):
    """A command could not be run for a reason outside the domain's rules."""


class ConflictRetriesExhausted(KernelError):
    """Every attempt found the stream changed by another writer; nothing was appended."""

    def __init__(self, stream_id: str, attempts: int, last: ConcurrencyError) -> None:
        super().__init__(
            f"stream {stream_id!r}: {attempts} attempts, and each time another writer appended "
            f"first (last: expected version {last.expected}, stream at {last.actual}); "
            "nothing was appended, try the command again"
        )
        self.stream_id = stream_id
        self.attempts = attempts
        self.last = last


class OrganizationMismatch(KernelError):
    """A command for one organization addressed a stream of another; nothing was appended."""

    def __init__(self, stream_id: str, requested: str) -> None:
        super().__init__(
            f"stream {stream_id!r} belongs to another organization than {requested!r}; "
            "nothing was appended"
        )
        self.stream_id = stream_id
        self.requested = requested


@dataclass(frozen=True)
class Loaded(Generic[S]):
    """A stream folded into state, with the version it was read at."""

    stream_id: str
    state: S
    version: int
    organization_id: str | None
    """The organization of the stream's events; None while the stream has none."""


@dataclass(frozen=True)
class CommandResult(Generic[S]):
    """What a command did: the new events as recorded, and the state after them."""

    stream_id: str
    state: S
    events: tuple[Event, ...]
    recorded: tuple[EventEnvelope, ...]
    version: int
    """The stream's version after the command (unchanged when it decided nothing)."""
    attempts: int
    """1, or more when a concurrent writer made the command reload and decide again."""


class UnitOfWork(Generic[TxT]):
    """One transaction of a service: its commands' events and its own table writes commit together.

    ```python
    uow = UnitOfWork(store, producer="claims", clock=clock)   # one per request or thread
    with uow:                                                 # begins; commits at the end
        result = uow.run(CLAIM, claim_id, MarkReady())        # load, decide, append (retried)
        write_own_tables(uow.transaction, result.state)       # same transaction (SQL: Connection)
    ```

    A domain error, or any exception, inside `with uow:` rolls everything back.
    `uow.bound(tx)` runs inside a transaction the caller already opened (a process's,
    which commits its tracking row with the events): entering and leaving it then neither
    commits nor rolls back; the caller does.
    """

    def __init__(
        self,
        store: EventStore[TxT],
        *,
        producer: str,
        clock: Callable[[], datetime] = utc_now,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
        self.store = store
        self.producer = producer
        self.clock = clock
        self.max_attempts = max_attempts
        self._transaction: TxT | None = None
        self._context: AbstractContextManager[TxT] | None = None
        self._bound = False

    def bound(self, transaction: TxT) -> UnitOfWork[TxT]:
        """A unit of work with the same settings, inside the caller's open `transaction`."""
        uow = UnitOfWork(
            self.store, producer=self.producer, clock=self.clock, max_attempts=self.max_attempts
        )
        uow._transaction = transaction
        uow._bound = True
        return uow

    # -- the transaction ---------------------------------------------------------------

    def __enter__(self) -> Self:
        if self._bound:
            return self
        if self._context is not None:
            raise KernelError(
                "this unit of work is already in a transaction; make one per request or thread"
            )
        context = self.store.transaction()
        self._transaction = context.__enter__()
        self._context = context
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bound:
            return
        context, self._context, self._transaction = self._context, None, None
        if context is not None:
            context.__exit__(exc_type, exc, tb)

    @property
    def transaction(self) -> TxT:
        """The open transaction (with the SQL store, a SQLAlchemy `Connection`)."""
        if self._transaction is None:
            raise KernelError("no transaction: use `with uow:` (or `uow.bound(tx)`) first")
        return self._transaction

    # -- commands ----------------------------------------------------------------------

    def load(self, aggregate: Aggregate[S, C], stream_id: str) -> Loaded[S]:
        """The stream as this transaction sees it, folded by `aggregate`."""
        envelopes = self.store.load_in(self.transaction, stream_id)
        return Loaded(
            stream_id=stream_id,
            state=aggregate.fold_envelopes(stream_id, envelopes),
            version=envelopes[-1].stream_version if envelopes else 0,
            organization_id=envelopes[0].organization_id if envelopes else None,
        )

    def run(
        self,
        aggregate: Aggregate[S, C],
        stream_id: str,
        command: C,
        *,
        organization_id: str | None = None,
        cause: EventEnvelope | None = None,
        correlation_id: UUID | None = None,
        submitted_by: str | None = None,
    ) -> CommandResult[S]:
        """Load `stream_id`, decide `command`, append the events; reload and retry on conflict.

        The envelopes get this unit of work's producer, the organization of the stream
        (a new stream needs `organization_id`, or a `cause` to take it from), and for a
        command run in reaction to an event (`cause`), its event id as causation id and
        its correlation id. `submitted_by` is who asked (a request's token subject); a
        reaction to an event asked by nobody leaves it None. A `DomainError` from decide
        propagates; nothing is appended.
        """
        last_conflict: ConcurrencyError | None = None
        for attempt in range(1, self.max_attempts + 1):
            loaded = self.load(aggregate, stream_id)
            organization = self._organization(loaded, organization_id, cause)
            now = self.clock()
            events = tuple(aggregate.decide(loaded.state, command, now))
            if not events:
                return CommandResult(stream_id, loaded.state, (), (), loaded.version, attempt)
            _check_stream(stream_id, events)
            envelopes = to_envelopes(
                events,
                expected_version=loaded.version,
                occurred_at=now,
                organization_id=organization,
                producer=self.producer,
                correlation_id=correlation_id or _correlation(cause),
                causation_id=cause.event_id if cause is not None else None,
                submitted_by=submitted_by,
            )
            try:
                recorded = self.store.append_in(
                    self.transaction, stream_id, loaded.version, envelopes
                )
            except ConcurrencyError as conflict:
                last_conflict = conflict
                continue
            return CommandResult(
                stream_id=stream_id,
                state=aggregate.fold(stream_id, events, loaded.state),
                events=events,
                recorded=tuple(recorded),
                version=recorded[-1].stream_version,
                attempts=attempt,
            )
        assert last_conflict is not None
        raise ConflictRetriesExhausted(stream_id, self.max_attempts, last_conflict)

    def _organization(
        self, loaded: Loaded[S], requested: str | None, cause: EventEnvelope | None
    ) -> str:
        wanted = requested or (cause.organization_id if cause is not None else None)
        if loaded.organization_id is None:
            if wanted is None:
                raise KernelError(
                    f"stream {loaded.stream_id!r} is new: say which organization it belongs "
                    "to (organization_id=...)"
                )
            return wanted
        if wanted is not None and wanted != loaded.organization_id:
            raise OrganizationMismatch(loaded.stream_id, wanted)
        return loaded.organization_id


def _correlation(cause: EventEnvelope | None) -> UUID | None:
    if cause is None:
        return None
    return cause.correlation_id or cause.event_id


def _check_stream(stream_id: str, events: Sequence[Event]) -> None:
    strays = sorted({e.stream_id for e in events if e.stream_id != stream_id})
    if strays:
        raise KernelError(
            f"decide for stream {stream_id!r} returned events for {', '.join(map(repr, strays))}: "
            "one command appends to one stream"
        )
