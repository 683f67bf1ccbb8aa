"""Claims handlers and the ready process on the in-memory store: no database, real semantics."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.claims.handlers import mark_ready
from services.claims.processes import mark_clean_claim_ready
from shared.events import EventEnvelope, to_envelopes
from shared.events.base import Event
from shared.eventstore import InMemoryEventStore
from shared.kernel import IllegalTransition, UnitOfWork
from testsupport.claim_events import ORG, claim_created, claim_scrub_failed

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ID = "clm-1"


@pytest.fixture
def store() -> InMemoryEventStore:
    return InMemoryEventStore()


@pytest.fixture
def uow(store: InMemoryEventStore) -> UnitOfWork:
    return UnitOfWork(store, producer="claims", clock=lambda: NOW)


def intake_appends(store: InMemoryEventStore, *events: Event) -> list[EventEnvelope]:
    """Intake's transaction: the claim and, when dirty, its scrub failure, one commit."""
    version = store.stream_version(ID)
    batch = to_envelopes(
        events,
        expected_version=version,
        occurred_at=NOW,
        organization_id=ORG,
        producer="intake",
    )
    return store.append(ID, version, batch)


def test_marking_a_clean_claim_ready_appends_claim_ready_as_the_claims_service(
    store: InMemoryEventStore, uow: UnitOfWork
) -> None:
    [creation] = intake_appends(store, claim_created(ID))
    result = mark_ready(uow, ID, cause=creation)
    [ready] = store.load(ID)[1:]
    assert (ready.type, ready.producer, ready.stream_version) == ("claim.ready", "claims", 2)
    assert ready.causation_id == creation.event_id and ready.organization_id == ORG
    assert result.state.status == "ready"
    with pytest.raises(IllegalTransition, match="ready"):
        mark_ready(uow, ID)
    assert store.stream_version(ID) == 2


def test_the_process_marks_a_clean_claim_ready_once_even_when_redelivered(
    store: InMemoryEventStore, uow: UnitOfWork
) -> None:
    [creation] = intake_appends(store, claim_created(ID))
    assert mark_clean_claim_ready(uow, creation) is not None
    assert mark_clean_claim_ready(uow, creation) is None  # redelivered: already ready
    assert [e.type for e in store.load(ID)] == ["claim.created", "claim.ready"]


def test_the_process_leaves_a_claim_intake_held_in_the_same_transaction(
    store: InMemoryEventStore, uow: UnitOfWork
) -> None:
    creation, _ = intake_appends(store, claim_created(ID), claim_scrub_failed(ID))
    assert mark_clean_claim_ready(uow, creation) is None
    assert [e.type for e in store.load(ID)] == ["claim.created", "claim.scrub_failed"]


def test_the_process_runs_in_the_runtimes_transaction_with_its_tracking_row(
    store: InMemoryEventStore, uow: UnitOfWork
) -> None:
    [creation] = intake_appends(store, claim_created(ID))
    tracked: list[str] = []
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            mark_clean_claim_ready(uow.bound(tx), creation)
            tx.on_commit(lambda: tracked.append(str(creation.event_id)))
            raise RuntimeError("killed before the commit")
    assert store.stream_version(ID) == 1 and tracked == []
    with store.transaction() as tx:
        mark_clean_claim_ready(uow.bound(tx), creation)
        tx.on_commit(lambda: tracked.append(str(creation.event_id)))
    assert store.stream_version(ID) == 2 and tracked == [str(creation.event_id)]


def test_the_process_ignores_events_it_does_not_react_to(
    store: InMemoryEventStore, uow: UnitOfWork
) -> None:
    [creation] = intake_appends(store, claim_created(ID))
    other = creation.model_copy(update={"type": "claim.scrub_failed"})
    assert mark_clean_claim_ready(uow, other) is None
    assert store.stream_version(ID) == 1
