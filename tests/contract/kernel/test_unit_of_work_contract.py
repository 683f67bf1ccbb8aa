"""One unit-of-work contract, three stores: memory, SQLite and PostgreSQL behave the same.

The commands here are a small write-off ledger on a claim (follow-up's `claim.written_off`):
each write-off is refused past a limit, and records how many it found before it, so a test
can tell that every decision saw the whole stream.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import Column, MetaData, String, Table, select

from shared.events import EventEnvelope, to_envelopes
from shared.events.base import Event
from shared.events.claims import ClaimWrittenOff
from shared.eventstore import EventStore, InMemoryEventStore, MemoryTransaction, NotOwnerError
from shared.eventstore.sql import SqlEventStore
from shared.kernel import (
    Aggregate,
    ConflictRetriesExhausted,
    DomainError,
    KernelError,
    OrganizationMismatch,
    UnitOfWork,
)

ORG = "org-riverbend"
NOW = datetime(2026, 3, 2, 16, 45, 0, 250000, tzinfo=timezone(timedelta(hours=-5)))


# --- a small aggregate ------------------------------------------------------------------


@dataclass(frozen=True)
class Ledger:
    claim_id: str
    count: int = 0
    total: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class WriteOff:
    amount: Decimal
    limit: Decimal = Decimal("100.00")
    also: Callable[[], None] | None = None
    """Runs inside decide: lets a test play a concurrent writer."""


def apply(state: Ledger, event: Event) -> Ledger:
    if isinstance(event, ClaimWrittenOff):
        return replace(state, count=state.count + 1, total=state.total + event.amount)
    return state


def decide(state: Ledger, command: WriteOff, now: datetime) -> list[Event]:
    if command.also is not None:
        command.also()
    if state.total + command.amount > command.limit:
        raise DomainError(
            "write-off-limit", f"writing off {command.amount} would pass {command.limit}"
        )
    if command.amount == 0:
        return []
    return [
        ClaimWrittenOff(
            claim_id=state.claim_id,
            amount=command.amount,
            reason_code="SMALL_BALANCE",
            reason=f"after {state.count}",
        )
    ]


LEDGER: Aggregate[Ledger, WriteOff] = Aggregate("ledger", Ledger, apply, decide)


def write_offs(claim_id: str, amounts: Sequence[str], expected_version: int) -> list[EventEnvelope]:
    return to_envelopes(
        [
            ClaimWrittenOff(claim_id=claim_id, amount=Decimal(a), reason_code="X", reason="other")
            for a in amounts
        ],
        expected_version=expected_version,
        occurred_at=NOW,
        organization_id=ORG,
        producer="followup",
    )


class OwnRows:
    """A service's own table, written in the unit of work's transaction."""

    def add(self, transaction: Any, key: str) -> None:
        raise NotImplementedError

    def keys(self) -> set[str]:
        raise NotImplementedError


class UnitOfWorkContract:
    """Subclassed once per backend: `store` is empty, `own_rows` a table of the service."""

    @pytest.fixture
    def store(self) -> Iterator[EventStore]:
        raise NotImplementedError

    @pytest.fixture
    def own_rows(self, store: EventStore) -> OwnRows:
        raise NotImplementedError

    @pytest.fixture
    def uow(self, store: EventStore) -> UnitOfWork:
        return UnitOfWork(store, producer="followup", clock=lambda: NOW)

    def test_a_command_on_a_new_stream_appends_its_events_with_a_full_envelope(
        self, store: EventStore, uow: UnitOfWork
    ) -> None:
        with uow:
            result = uow.run(LEDGER, "clm-1", WriteOff(Decimal("4.99")), organization_id=ORG)
        assert (result.version, result.attempts, result.state.total) == (1, 1, Decimal("4.99"))
        [stored] = store.load("clm-1")
        assert stored == result.recorded[0]
        assert (stored.type, stored.stream_version, stored.producer) == (
            "claim.written_off",
            1,
            "followup",
        )
        assert stored.organization_id == ORG and stored.occurred_at == NOW
        assert stored.causation_id is None

    def test_a_command_decides_on_every_prior_event_and_a_refusal_appends_nothing(
        self, store: EventStore, uow: UnitOfWork, own_rows: OwnRows
    ) -> None:
        store.append("clm-1", 0, write_offs("clm-1", ["40.00", "40.00"], 0))
        with uow:
            result = uow.run(LEDGER, "clm-1", WriteOff(Decimal("20.00")))
        assert result.recorded[0].data["reason"] == "after 2" and result.version == 3
        with pytest.raises(DomainError, match="would pass 100.00") as refused:
            with uow:
                own_rows.add(uow.transaction, "written before the refusal")
                uow.run(LEDGER, "clm-1", WriteOff(Decimal("0.01")))
        assert refused.value.rule == "write-off-limit"
        assert store.stream_version("clm-1") == 3 and own_rows.keys() == set()

    def test_own_writes_and_events_commit_together_or_not_at_all(
        self, store: EventStore, uow: UnitOfWork, own_rows: OwnRows
    ) -> None:
        with uow:
            uow.run(LEDGER, "clm-1", WriteOff(Decimal("1.00")), organization_id=ORG)
            own_rows.add(uow.transaction, "clm-1")
            assert store.stream_version("clm-1") == 0  # not committed yet
        assert store.stream_version("clm-1") == 1 and own_rows.keys() == {"clm-1"}
        with pytest.raises(RuntimeError, match="after the append"):
            with uow:
                uow.run(LEDGER, "clm-2", WriteOff(Decimal("1.00")), organization_id=ORG)
                own_rows.add(uow.transaction, "clm-2")
                raise RuntimeError("the service failed after the append")
        assert store.stream_version("clm-2") == 0 and own_rows.keys() == {"clm-1"}

    def test_a_stream_changed_under_a_command_is_reloaded_and_decided_again(
        self, store: EventStore, uow: UnitOfWork
    ) -> None:
        store.append("clm-1", 0, write_offs("clm-1", ["10.00"], 0))
        calls = 0

        def another_writer_appends_first() -> None:
            # Plays a writer that appended after this command loaded (inside the same
            # transaction, so it works on every backend, SQLite's single writer included).
            nonlocal calls
            calls += 1
            if calls == 1:
                store.append_in(uow.transaction, "clm-1", 1, write_offs("clm-1", ["85.00"], 1))

        with pytest.raises(DomainError, match="would pass"):
            with uow:  # decided again on the new state, the write-off no longer fits
                uow.run(
                    LEDGER, "clm-1", WriteOff(Decimal("6.00"), also=another_writer_appends_first)
                )
        assert calls == 2
        calls = 0
        with uow:
            result = uow.run(
                LEDGER, "clm-1", WriteOff(Decimal("5.00"), also=another_writer_appends_first)
            )
        assert result.attempts == 2 and calls == 2
        assert [(e.stream_version, e.data["reason"]) for e in store.load("clm-1")] == [
            (1, "other"),
            (2, "other"),
            (3, "after 2"),
        ]

    def test_retries_are_bounded_then_the_command_fails_clearly_and_appends_nothing(
        self, store: EventStore, own_rows: OwnRows
    ) -> None:
        uow = UnitOfWork(store, producer="followup", clock=lambda: NOW, max_attempts=3)
        store.append("clm-1", 0, write_offs("clm-1", ["1.00"], 0))
        calls = 0

        def always_someone_first() -> None:
            nonlocal calls
            calls += 1
            store.append_in(uow.transaction, "clm-1", calls, write_offs("clm-1", ["1.00"], calls))

        with pytest.raises(ConflictRetriesExhausted, match="3 attempts") as info:
            with uow:
                own_rows.add(uow.transaction, "clm-1")
                uow.run(LEDGER, "clm-1", WriteOff(Decimal("1.00"), also=always_someone_first))
        assert calls == 3 and info.value.attempts == 3
        assert "nothing was appended" in str(info.value)
        assert store.stream_version("clm-1") == 1 and own_rows.keys() == set()

    def test_a_bound_unit_of_work_lives_and_dies_with_the_callers_transaction(
        self, store: EventStore, uow: UnitOfWork, own_rows: OwnRows
    ) -> None:
        with store.transaction() as tx:
            with uow.bound(tx) as bound:
                bound.run(LEDGER, "clm-1", WriteOff(Decimal("1.00")), organization_id=ORG)
            with uow.bound(tx) as bound:  # leaving a bound unit of work does not commit
                bound.run(LEDGER, "clm-1", WriteOff(Decimal("2.00")))
            own_rows.add(tx, "tracking: event 1")
            assert store.stream_version("clm-1") == 0
        assert store.stream_version("clm-1") == 2 and own_rows.keys() == {"tracking: event 1"}
        with pytest.raises(RuntimeError):
            with store.transaction() as tx:
                uow.bound(tx).run(LEDGER, "clm-2", WriteOff(Decimal("1.00")), organization_id=ORG)
                own_rows.add(tx, "tracking: event 2")
                raise RuntimeError("the process runtime failed before its commit")
        assert store.stream_version("clm-2") == 0 and own_rows.keys() == {"tracking: event 1"}

    def test_a_command_caused_by_an_event_carries_its_ids_and_organization(
        self, store: EventStore, uow: UnitOfWork
    ) -> None:
        [cause] = store.append("clm-1", 0, write_offs("clm-1", ["1.00"], 0))
        with uow:
            result = uow.run(LEDGER, "clm-1", WriteOff(Decimal("1.00")), cause=cause)
        [recorded] = result.recorded
        assert recorded.causation_id == cause.event_id
        assert recorded.correlation_id == cause.event_id  # the cause had none of its own
        assert recorded.organization_id == cause.organization_id
        correlation = uuid4()
        with uow:
            result = uow.run(
                LEDGER, "clm-1", WriteOff(Decimal("1.00")), cause=cause, correlation_id=correlation
            )
        assert result.recorded[0].correlation_id == correlation

    def test_a_stream_of_one_organization_refuses_a_command_for_another(
        self, store: EventStore, uow: UnitOfWork
    ) -> None:
        store.append("clm-1", 0, write_offs("clm-1", ["1.00"], 0))
        with pytest.raises(OrganizationMismatch, match="another organization"):
            with uow:
                uow.run(LEDGER, "clm-1", WriteOff(Decimal("1.00")), organization_id="org-other")
        with pytest.raises(KernelError, match="is new: say which organization"):
            with uow:
                uow.run(LEDGER, "clm-9", WriteOff(Decimal("1.00")))
        assert store.stream_version("clm-1") == 1 and store.stream_version("clm-9") == 0

    def test_a_producer_that_does_not_own_the_decided_events_is_refused(
        self, store: EventStore
    ) -> None:
        claims = UnitOfWork(store, producer="claims", clock=lambda: NOW)
        with pytest.raises(NotOwnerError, match="owned by 'followup'"):
            with claims:
                claims.run(LEDGER, "clm-1", WriteOff(Decimal("1.00")), organization_id=ORG)
        assert store.read_all() == []

    def test_a_command_that_decides_nothing_appends_nothing(
        self, store: EventStore, uow: UnitOfWork
    ) -> None:
        store.append("clm-1", 0, write_offs("clm-1", ["1.00"], 0))
        with uow:
            result = uow.run(LEDGER, "clm-1", WriteOff(Decimal("0")))
        assert (result.recorded, result.version, result.state.count) == ((), 1, 1)
        assert len(store.read_all()) == 1

    def test_concurrent_commands_on_one_stream_all_land_in_order(self, store: EventStore) -> None:
        writers, each = 4, 5
        store.append("clm-hot", 0, write_offs("clm-hot", ["1.00"], 0))
        errors: list[BaseException] = []
        start = threading.Barrier(writers)

        def writer() -> None:
            uow = UnitOfWork(store, producer="followup", max_attempts=50)
            start.wait()
            try:
                for _ in range(each):
                    with uow:
                        uow.run(LEDGER, "clm-hot", WriteOff(Decimal("1.00")))
            except BaseException as exc:  # noqa: BLE001 - surfaced by the assert below
                errors.append(exc)

        threads = [threading.Thread(target=writer) for _ in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert errors == []
        events = store.load("clm-hot")
        assert [e.stream_version for e in events] == list(range(1, writers * each + 2))
        # No lost update: each decision saw every event before it.
        assert [e.data["reason"] for e in events[1:]] == [
            f"after {n}" for n in range(1, writers * each + 1)
        ]


class TestInMemoryUnitOfWork(UnitOfWorkContract):
    @pytest.fixture
    def store(self) -> Iterator[EventStore]:
        yield InMemoryEventStore(clock=lambda: datetime.now(UTC))

    @pytest.fixture
    def own_rows(self, store: EventStore) -> OwnRows:
        return MemoryRows()


class MemoryRows(OwnRows):
    """A test double of a service's table: rows land when the transaction commits."""

    def __init__(self) -> None:
        self._keys: set[str] = set()

    def add(self, transaction: Any, key: str) -> None:
        assert isinstance(transaction, MemoryTransaction)
        transaction.on_commit(lambda: self._keys.add(key))

    def keys(self) -> set[str]:
        return set(self._keys)


class SqlRows(OwnRows):
    def __init__(self, store: SqlEventStore) -> None:
        self._engine = store.engine
        self._table = Table(
            "contract_own_rows", MetaData(), Column("key", String(100), primary_key=True)
        )
        self._table.create(self._engine, checkfirst=True)

    def add(self, transaction: Any, key: str) -> None:
        transaction.execute(self._table.insert().values(key=key))

    def keys(self) -> set[str]:
        with self._engine.connect() as conn:
            return set(conn.execute(select(self._table.c.key)).scalars())


class TestSqliteUnitOfWork(UnitOfWorkContract):
    @pytest.fixture
    def store(self, sqlite_store: SqlEventStore) -> EventStore:
        return sqlite_store

    @pytest.fixture
    def own_rows(self, store: EventStore) -> OwnRows:
        assert isinstance(store, SqlEventStore)
        return SqlRows(store)


class TestPostgresUnitOfWork(TestSqliteUnitOfWork):
    @pytest.fixture
    def store(self, postgres_store: SqlEventStore) -> EventStore:
        return postgres_store
