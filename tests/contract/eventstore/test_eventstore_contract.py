"""One contract, three backends: memory, SQLite and PostgreSQL behave the same for every caller."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from uuid import uuid4

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select

from shared.events import EventEnvelope, decode, to_envelopes
from shared.events.claims import ClaimWrittenOff
from shared.events.remittance import ClaimUnderpaid
from shared.eventstore import (
    ConcurrencyError,
    DuplicateEventError,
    EventStore,
    InMemoryEventStore,
    InvalidAppendError,
    NotOwnerError,
)
from shared.eventstore.sql import SqlEventStore

# An office in UTC+05:30 with microseconds: offsets and sub-second precision must survive.
IST = timezone(timedelta(hours=5, minutes=30))
OCCURRED = datetime(2026, 3, 1, 14, 5, 9, 654321, tzinfo=IST)


def write_offs(claim_id: str, amounts: list[str], expected_version: int = 0) -> list[EventEnvelope]:
    return to_envelopes(
        [
            ClaimWrittenOff(
                claim_id=claim_id,
                amount=Decimal(a),
                reason_code="SMALL_BALANCE",
                reason="small balance",
            )
            for a in amounts
        ],
        expected_version=expected_version,
        occurred_at=OCCURRED,
        organization_id="org-a",
        producer="followup",  # the owner of claim.written_off
        correlation_id=uuid4(),
    )


class EventStoreContract:
    """Subclassed once per backend; `store` is a fresh, empty store."""

    @pytest.fixture
    def store(self) -> Iterator[EventStore]:
        raise NotImplementedError

    def test_appending_to_a_new_stream_then_loading_it(self, store: EventStore) -> None:
        recorded = store.append("clm-1", 0, write_offs("clm-1", ["1.00", "2.00"]))
        assert [e.stream_version for e in recorded] == [1, 2]
        assert all(e.position is not None and e.recorded_at is not None for e in recorded)
        loaded = store.load("clm-1")
        assert [e.event_id for e in loaded] == [e.event_id for e in recorded]
        assert store.stream_version("clm-1") == 2
        assert store.load("clm-1", after_version=1) == loaded[1:]
        assert store.load("nobody") == [] and store.stream_version("nobody") == 0

    def test_a_stale_expected_version_raises_and_writes_nothing(self, store: EventStore) -> None:
        store.append("clm-1", 0, write_offs("clm-1", ["1.00"]))
        batch = write_offs("clm-1", ["2.00", "3.00", "4.00"], expected_version=0)
        with pytest.raises(ConcurrencyError) as info:
            store.append("clm-1", 0, batch)
        assert (info.value.expected, info.value.actual) == (0, 1)
        assert store.stream_version("clm-1") == 1
        assert len(store.read_all()) == 1
        # The winner's next append still works: the failed batch left no trace.
        store.append("clm-1", 1, write_offs("clm-1", ["2.00"], expected_version=1))
        assert store.stream_version("clm-1") == 2

    def test_expected_version_ahead_of_the_stream_is_a_conflict_too(
        self, store: EventStore
    ) -> None:
        with pytest.raises(ConcurrencyError):
            store.append("clm-1", 3, write_offs("clm-1", ["1.00"], expected_version=3))
        assert store.read_all() == []

    def test_a_duplicate_event_id_is_refused_and_its_batch_not_written(
        self, store: EventStore
    ) -> None:
        first = store.append("clm-1", 0, write_offs("clm-1", ["1.00"]))[0]
        fresh, _ = write_offs("clm-2", ["5.00", "6.00"])
        replayed = first.model_copy(
            update={"stream_id": "clm-2", "stream_version": 2, "position": None}
        )
        with pytest.raises(DuplicateEventError, match=str(first.event_id)):
            store.append("clm-2", 0, [fresh, replayed])
        assert store.stream_version("clm-2") == 0
        assert len(store.read_all()) == 1

    def test_malformed_batches_are_refused_before_anything_is_written(
        self, store: EventStore
    ) -> None:
        with pytest.raises(InvalidAppendError, match="stream_version"):
            store.append("clm-1", 0, write_offs("clm-1", ["1.00"], expected_version=4))
        with pytest.raises(InvalidAppendError, match="belongs to stream"):
            store.append("clm-9", 0, write_offs("clm-1", ["1.00"]))
        with pytest.raises(InvalidAppendError, match="at least one"):
            store.append("clm-1", 0, [])
        assert store.read_all() == []

    def test_read_all_returns_every_stream_in_global_order(self, store: EventStore) -> None:
        store.append("clm-a", 0, write_offs("clm-a", ["1.00"]))
        store.append("clm-b", 0, write_offs("clm-b", ["2.00", "3.00"]))
        store.append("clm-a", 1, write_offs("clm-a", ["4.00"], expected_version=1))
        everything = store.read_all()
        positions = [e.position for e in everything]
        assert positions == sorted(positions) and len(set(positions)) == 4
        assert [(e.stream_id, e.stream_version) for e in everything] == [
            ("clm-a", 1),
            ("clm-b", 1),
            ("clm-b", 2),
            ("clm-a", 2),
        ]
        assert store.read_all(after=everything[1].position or 0, limit=1) == [everything[2]]
        assert list(store.iter_all(batch=3)) == everything

    def test_money_and_aware_datetimes_round_trip_exactly(self, store: EventStore) -> None:
        event = ClaimUnderpaid(
            claim_id="clm-1",
            remittance_id="r-1",
            expected_amount=Decimal("1234567.89"),
            actual_amount=Decimal("0.10"),
            difference=Decimal("1234567.79"),
            paid_amount=Decimal("0.10"),
        )
        [envelope] = to_envelopes(
            [event],
            expected_version=0,
            occurred_at=OCCURRED,
            organization_id="org-a",
            producer="remit",
        )
        store.append("clm-1", 0, [envelope])
        [loaded] = store.load("clm-1")
        assert decode(loaded) == event
        assert decode(loaded).paid_amount.as_tuple() == Decimal("0.10").as_tuple()
        assert loaded.occurred_at == OCCURRED and loaded.occurred_at.utcoffset() is not None
        assert loaded.occurred_at.microsecond == OCCURRED.microsecond
        assert loaded.recorded_at is not None and loaded.recorded_at.tzinfo is not None
        assert loaded.model_dump(exclude={"recorded_at", "position"}) == envelope.model_dump(
            exclude={"recorded_at", "position"}
        )

    def test_a_service_cannot_append_an_event_type_another_service_owns(
        self, store: EventStore
    ) -> None:
        [foreign] = write_offs("clm-1", ["1.00"])
        as_claims = foreign.model_copy(update={"producer": "claims"})
        with pytest.raises(
            NotOwnerError, match="'claim.written_off' is owned by 'followup'"
        ) as info:
            store.append("clm-1", 0, [as_claims])
        assert (info.value.producer, info.value.owner) == ("claims", "followup")
        unknown = foreign.model_copy(update={"type": "claim.teleported"})
        with pytest.raises(NotOwnerError, match="no service owns event type 'claim.teleported'"):
            store.append("clm-1", 0, [unknown])
        # One foreign event in a batch refuses the whole batch.
        first, second = write_offs("clm-1", ["1.00", "2.00"])
        with pytest.raises(NotOwnerError):
            store.append("clm-1", 0, [first, second.model_copy(update={"producer": "remit"})])
        with store.transaction() as tx:
            with pytest.raises(NotOwnerError):
                store.append_in(tx, "clm-1", 0, [as_claims])
        assert store.read_all() == [] and store.stream_version("clm-1") == 0
        store.append("clm-1", 0, [foreign])  # its owner may
        assert store.stream_version("clm-1") == 1

    def test_a_transaction_sees_its_own_appends_and_others_see_them_once_committed(
        self, store: EventStore
    ) -> None:
        store.append("clm-1", 0, write_offs("clm-1", ["1.00"]))
        with store.transaction() as tx:
            recorded = store.append_in(tx, "clm-1", 1, write_offs("clm-1", ["2.00"], 1))
            store.append_in(tx, "clm-2", 0, write_offs("clm-2", ["3.00"]))
            assert [e.stream_version for e in store.load_in(tx, "clm-1")] == [1, 2]
            assert store.load_in(tx, "clm-1", after_version=1) == recorded
            assert store.stream_version("clm-1") == 1 and len(store.load("clm-1")) == 1
            assert len(store.read_all()) == 1
        assert [e.event_id for e in store.load("clm-1")][1:] == [recorded[0].event_id]
        assert [(e.stream_id, e.stream_version) for e in store.read_all()] == [
            ("clm-1", 1),
            ("clm-1", 2),
            ("clm-2", 1),
        ]

    def test_a_transaction_that_raises_leaves_no_event(self, store: EventStore) -> None:
        with pytest.raises(RuntimeError, match="business rule"):
            with store.transaction() as tx:
                store.append_in(tx, "clm-1", 0, write_offs("clm-1", ["1.00"]))
                raise RuntimeError("business rule failed after the append")
        assert store.read_all() == [] and store.stream_version("clm-1") == 0
        # The store goes on: the next transaction appends at the same versions.
        store.append("clm-1", 0, write_offs("clm-1", ["1.00"]))
        assert [e.position for e in store.read_all()] == [e.position for e in store.load("clm-1")]

    def test_a_conflict_inside_a_transaction_writes_nothing_of_the_batch_and_it_goes_on(
        self, store: EventStore
    ) -> None:
        store.append("clm-1", 0, write_offs("clm-1", ["1.00"]))
        with store.transaction() as tx:
            with pytest.raises(ConcurrencyError):
                store.append_in(tx, "clm-1", 0, write_offs("clm-1", ["2.00", "3.00"]))
            assert len(store.load_in(tx, "clm-1")) == 1
            # Reload and retry in the same transaction, as the unit of work does.
            store.append_in(tx, "clm-1", 1, write_offs("clm-1", ["2.00"], 1))
            store.append_in(tx, "clm-2", 0, write_offs("clm-2", ["4.00"]))
        assert store.stream_version("clm-1") == 2 and store.stream_version("clm-2") == 1

    def test_a_second_appending_transaction_waits_for_the_first_to_end(
        self, store: EventStore
    ) -> None:
        """Appends are serialised per store until the transaction ends (positions commit in
        order); the waiting writer then sees the stream as the first one left it."""
        first_committed = threading.Event()
        outcome: list[object] = []

        def second_writer() -> None:
            try:
                with store.transaction() as tx:
                    store.append_in(tx, "clm-1", 0, write_offs("clm-1", ["9.00"]))
                outcome.append("appended")
            except ConcurrencyError as exc:
                outcome.append((first_committed.is_set(), exc.actual))

        with store.transaction() as tx:
            store.append_in(tx, "clm-1", 0, write_offs("clm-1", ["1.00"]))
            writer = threading.Thread(target=second_writer)
            writer.start()
            writer.join(timeout=0.5)
            assert writer.is_alive(), "the second writer did not wait for the first"
            first_committed.set()
        writer.join(timeout=30)
        assert outcome == [(True, 1)]
        assert [e.data["amount"] for e in store.load("clm-1")] == ["1.00"]

    def test_concurrent_appenders_to_one_stream_exactly_one_wins_each_version(
        self, store: EventStore
    ) -> None:
        writers, rounds = 6, 5
        for version in range(rounds):
            wins, conflicts, errors = race_one_version(store, "clm-hot", version, writers)
            assert errors == []
            assert len(wins) == 1 and len(conflicts) == writers - 1
            assert store.stream_version("clm-hot") == version + 1
        assert [e.stream_version for e in store.load("clm-hot")] == list(range(1, rounds + 1))


def race_one_version(
    store: EventStore, stream_id: str, version: int, writers: int
) -> tuple[list[int], list[int], list[BaseException]]:
    """`writers` threads append at the same expected version at the same moment."""
    barrier = threading.Barrier(writers)
    wins: list[int] = []
    conflicts: list[int] = []
    errors: list[BaseException] = []

    def attempt(i: int) -> None:
        batch = write_offs(stream_id, [f"{i + 1}.00"], expected_version=version)
        barrier.wait()
        try:
            store.append(stream_id, version, batch)
            wins.append(i)
        except ConcurrencyError:
            conflicts.append(i)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the caller's assert
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return wins, conflicts, errors


class TestInMemoryEventStore(EventStoreContract):
    @pytest.fixture
    def store(self) -> Iterator[EventStore]:
        yield InMemoryEventStore()


class SqlContract(EventStoreContract):
    """Extra contract of the SQL backend: appending inside the caller's transaction."""

    def test_state_change_and_events_commit_together(self, store: SqlEventStore) -> None:
        claims = _claims_table(store)
        with store.engine.begin() as conn:
            conn.execute(claims.insert().values(id="clm-1", status="written_off"))
            store.append_in(conn, "clm-1", 0, write_offs("clm-1", ["1.00"]))
        assert store.stream_version("clm-1") == 1
        with store.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(claims)).scalar() == 1

    def test_reads_during_an_open_append_see_only_committed_events_without_waiting(
        self, store: SqlEventStore
    ) -> None:
        # On SQLite a reader must not queue behind the writer's lock (it would deadlock
        # when the read happens inside the writer's own request).
        with store.engine.begin() as conn:
            store.append_in(conn, "clm-1", 0, write_offs("clm-1", ["1.00"]))
            assert store.stream_version("clm-1") == 0
            assert store.read_all() == [] and store.load("clm-1") == []
        assert store.stream_version("clm-1") == 1

    def test_a_rolled_back_caller_leaves_no_event(self, store: SqlEventStore) -> None:
        claims = _claims_table(store)
        with pytest.raises(RuntimeError, match="business rule"):
            with store.engine.begin() as conn:
                conn.execute(claims.insert().values(id="clm-1", status="written_off"))
                store.append_in(conn, "clm-1", 0, write_offs("clm-1", ["1.00"]))
                raise RuntimeError("business rule failed after the append")
        assert store.read_all() == [] and store.stream_version("clm-1") == 0
        with store.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(claims)).scalar() == 0

    def test_a_conflict_inside_the_caller_transaction_writes_nothing_of_the_batch(
        self, store: SqlEventStore
    ) -> None:
        store.append("clm-1", 0, write_offs("clm-1", ["1.00"]))
        with store.engine.begin() as conn:
            with pytest.raises(ConcurrencyError):
                store.append_in(conn, "clm-1", 0, write_offs("clm-1", ["2.00", "3.00"]))
            # The caller's transaction is still usable (savepoint rolled back, not the whole).
            store.append_in(conn, "clm-2", 0, write_offs("clm-2", ["4.00"]))
        assert store.stream_version("clm-1") == 1 and store.stream_version("clm-2") == 1


def _claims_table(store: SqlEventStore) -> Table:
    claims = Table(
        "contract_claims",
        MetaData(),
        Column("id", String(20), primary_key=True),
        Column("status", String(20)),
        Column("n", Integer),
    )
    claims.create(store.engine, checkfirst=True)
    return claims


class TestSqliteEventStore(SqlContract):
    @pytest.fixture
    def store(self, sqlite_store: SqlEventStore) -> EventStore:
        return sqlite_store


class TestPostgresEventStore(SqlContract):
    @pytest.fixture
    def store(self, postgres_store: SqlEventStore) -> EventStore:
        return postgres_store
