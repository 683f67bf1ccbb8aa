"""Two services append to one claim's stream at the same moment, on real PostgreSQL.

The claims service marks a new claim ready while intake records its eligibility check.
Both load the claim at version 1 and decide before either appends (a barrier inside their
decisions makes the race certain): one wins version 2; the other's append finds the
stream moved, and its unit of work reloads, decides again on the new state, and lands at
version 3. Nothing is lost, nothing is doubled, both events are in order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from services.claims.commands import MarkReady
from services.claims.domain import CLAIM, ClaimState, ClaimStatus
from shared.db import create_db_engine
from shared.events import to_envelopes
from shared.events.base import Event
from shared.events.claims import ClaimEligibilityVerified
from shared.eventstore.migrations import upgrade
from shared.eventstore.sql import SqlEventStore
from shared.kernel import Aggregate, CommandResult, UnitOfWork
from testsupport.claim_events import ORG, claim_created

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def stores(postgres_url: str) -> Iterator[tuple[SqlEventStore, SqlEventStore]]:
    """Each service has its own engine (its own connection pool), as separate processes do."""
    upgrade(postgres_url)
    claims, intake = (SqlEventStore(create_db_engine(postgres_url)) for _ in range(2))
    with claims.engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE events, relay_checkpoints RESTART IDENTITY")
    yield claims, intake
    claims.engine.dispose()
    intake.engine.dispose()


# Intake's side of the race: a verified coverage, decided from the claim's folded state.
def record_eligibility(state: ClaimState, command: object, now: datetime) -> list[Event]:
    assert state.status is not ClaimStatus.NOT_CREATED and state.payer_id is not None
    return [
        ClaimEligibilityVerified(
            claim_id=state.claim_id, payer_id=state.payer_id, coverage_active=True
        )
    ]


ELIGIBILITY: Aggregate[ClaimState, object] = Aggregate(
    "claim", ClaimState.empty, CLAIM.apply, record_eligibility
)


def racing(aggregate: Aggregate[Any, Any], both_loaded: threading.Barrier) -> Aggregate[Any, Any]:
    """The same aggregate, whose first decision waits until the other service has decided too."""
    first = threading.Event()

    def decide(state: Any, command: Any, now: datetime) -> Any:
        events = aggregate.decide(state, command, now)
        if not first.is_set():
            first.set()
            both_loaded.wait(timeout=30)
        return events

    return Aggregate(aggregate.name, aggregate.initial, aggregate.apply, decide)


def race_once(
    claims_store: SqlEventStore, intake_store: SqlEventStore, claim_id: str
) -> dict[str, CommandResult[ClaimState]]:
    """Claims marks `claim_id` ready while intake records its eligibility, at the same moment."""
    barrier = threading.Barrier(2)
    results: dict[str, CommandResult[ClaimState]] = {}
    errors: list[BaseException] = []

    def service(
        name: str, store: SqlEventStore, run: Callable[[UnitOfWork], CommandResult[ClaimState]]
    ) -> None:
        uow = UnitOfWork(store, producer=name, clock=lambda: NOW)
        try:
            with uow:
                results[name] = run(uow)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assert below
            errors.append(exc)

    def claims(uow: UnitOfWork) -> CommandResult[ClaimState]:
        return uow.run(racing(CLAIM, barrier), claim_id, MarkReady())

    def intake(uow: UnitOfWork) -> CommandResult[ClaimState]:
        return uow.run(racing(ELIGIBILITY, barrier), claim_id, object())

    threads = [
        threading.Thread(target=service, args=("claims", claims_store, claims)),
        threading.Thread(target=service, args=("intake", intake_store, intake)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    return results


def test_two_services_appending_to_one_claim_both_land_in_order(
    stores: tuple[SqlEventStore, SqlEventStore],
) -> None:
    claims_store, intake_store = stores
    rounds = 8
    for n in range(rounds):
        claim_id = f"clm-race-{n}"
        intake_store.append(
            claim_id,
            0,
            to_envelopes(
                [claim_created(claim_id)],
                expected_version=0,
                occurred_at=NOW,
                organization_id=ORG,
                producer="intake",
            ),
        )
        results = race_once(claims_store, intake_store, claim_id)
        assert sorted(r.attempts for r in results.values()) == [1, 2], "one won, one retried"
        winner = next(name for name, r in results.items() if r.attempts == 1)
        loser = next(name for name, r in results.items() if r.attempts == 2)
        stream = claims_store.load(claim_id)
        assert [(e.stream_version, e.producer) for e in stream] == [
            (1, "intake"),
            (2, winner),
            (3, loser),
        ]
        assert sorted(e.type for e in stream[1:]) == ["claim.eligibility_verified", "claim.ready"]
        assert results[loser].recorded[0].event_id == stream[2].event_id
        assert results["claims"].state.status is ClaimStatus.READY
        # Global positions follow the versions: the relay publishes them in this order.
        positions = [e.position or 0 for e in stream]
        assert positions == sorted(positions)
    assert len(claims_store.read_all(limit=10_000)) == 3 * rounds
