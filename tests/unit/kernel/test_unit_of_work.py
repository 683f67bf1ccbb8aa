"""The unit of work's own rules, on the in-memory store (no I/O): how it is entered and misused."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shared.events.base import Event
from shared.events.claims import ClaimWrittenOff
from shared.eventstore import InMemoryEventStore
from shared.kernel import Aggregate, KernelError, UnitOfWork

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def write_off(claim_id: str) -> ClaimWrittenOff:
    return ClaimWrittenOff(claim_id=claim_id, amount=Decimal("1.00"), reason_code="X", reason="y")


def keep(state: str, event: Event) -> str:
    return state


def other_stream(state: str, command: object, now: datetime) -> list[Event]:
    return [write_off(state), write_off("clm-elsewhere")]


STRAY: Aggregate[str, object] = Aggregate("stray", str, keep, other_stream)


def test_at_least_one_attempt_is_needed() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        UnitOfWork(InMemoryEventStore(), producer="followup", max_attempts=0)


def test_the_transaction_exists_only_inside_with() -> None:
    uow = UnitOfWork(InMemoryEventStore(), producer="followup", clock=lambda: NOW)
    with pytest.raises(KernelError, match="use `with uow:`"):
        _ = uow.transaction
    with uow:
        assert uow.transaction is not None
        with pytest.raises(KernelError, match="one per request or thread"):
            with uow:
                pass
    with uow:  # reusable, one transaction after another
        pass


def test_one_command_appends_to_one_stream() -> None:
    store = InMemoryEventStore()
    uow = UnitOfWork(store, producer="followup", clock=lambda: NOW)
    with pytest.raises(KernelError, match="returned events for 'clm-elsewhere'"):
        with uow:
            uow.run(STRAY, "clm-1", object(), organization_id="org-a")
    assert store.read_all() == []


def test_leaving_a_bound_unit_of_work_neither_commits_nor_rolls_back() -> None:
    store = InMemoryEventStore()
    uow = UnitOfWork(store, producer="followup", clock=lambda: NOW)
    with store.transaction() as tx:
        with pytest.raises(KernelError):
            with uow.bound(tx) as bound:
                bound.run(STRAY, "clm-1", object(), organization_id="org-a")
        assert uow.bound(tx).transaction is tx
        # The caller's transaction is still open and usable after the bound one failed.
        with uow.bound(tx) as bound:
            bound.run(
                Aggregate("one", str, keep, lambda s, c, n: [write_off(s)]),
                "clm-2",
                object(),
                organization_id="org-a",
            )
        assert store.read_all() == []
    assert [e.stream_id for e in store.read_all()] == ["clm-2"]
