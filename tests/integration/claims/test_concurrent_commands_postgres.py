"""Two commands on one claim at the same moment, on real PostgreSQL: one wins, the other
reloads, decides again on the claim as it now stands, and is refused clearly.

Two billers void the same accepted claim. Both load it at the same version and decide
before either appends (a barrier inside their decisions makes the race certain): one
appends `claim.voided`; the other's append finds the stream moved, its unit of work
reloads and decides again, and the claim (now waiting for its void to go out) refuses a
second void with an IllegalTransition naming the state and the command. One void only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from services.claims.commands import Void
from services.claims.domain import CLAIM, ClaimStatus
from shared.db import create_db_engine
from shared.events import to_envelopes
from shared.events.claims import ClaimAccepted, ClaimReady, ClaimSubmitted
from shared.eventstore.migrations import upgrade
from shared.eventstore.sql import SqlEventStore
from shared.kernel import Aggregate, IllegalTransition, UnitOfWork
from testsupport.claim_events import ORG, claim_created

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
ID = "clm-void-race"


@pytest.fixture
def store(postgres_url: str) -> Iterator[SqlEventStore]:
    upgrade(postgres_url)
    store = SqlEventStore(create_db_engine(postgres_url))
    intake = to_envelopes(
        [claim_created(ID)],
        expected_version=0,
        occurred_at=NOW,
        organization_id=ORG,
        producer="intake",
    )
    store.append(ID, 0, intake)
    claims = to_envelopes(
        [
            ClaimReady(claim_id=ID, payer_id="87726", total_charge=Decimal("145.00")),
            ClaimSubmitted(
                claim_id=ID,
                payer_id="87726",
                batch_id="bat-1",
                interchange_control_number="000000001",
                total_charge=Decimal("145.00"),
            ),
            ClaimAccepted(claim_id=ID, payer_claim_number="PCN-ICN-1", batch_id="bat-1"),
        ],
        expected_version=1,
        occurred_at=NOW,
        organization_id=ORG,
        producer="claims",
    )
    store.append(ID, 1, claims)
    yield store
    store.engine.dispose()


def racing(both_decided: threading.Barrier) -> Aggregate[Any, Any]:
    """The claim aggregate whose first decision waits until the other writer decided too."""
    first = threading.Event()

    def decide(state: Any, command: Any, now: datetime) -> Any:
        events = CLAIM.decide(state, command, now)
        if not first.is_set():
            first.set()
            both_decided.wait(timeout=30)
        return events

    return Aggregate(CLAIM.name, CLAIM.initial, CLAIM.apply, decide)


def test_two_voids_of_one_claim_one_wins_the_other_is_refused_clearly(
    store: SqlEventStore, postgres_url: str
) -> None:
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []
    engines = []

    def biller(reason: str) -> None:
        own = SqlEventStore(create_db_engine(postgres_url))  # each its own pool, like two APIs
        engines.append(own.engine)
        aggregate = racing(barrier)
        uow = UnitOfWork(own, producer="claims", clock=lambda: NOW)
        try:
            with uow:
                outcomes.append(uow.run(aggregate, ID, Void(reason)))
        except BaseException as exc:  # noqa: BLE001 - judged below
            outcomes.append(exc)

    threads = [threading.Thread(target=biller, args=(r,)) for r in ("duplicate", "wrong payer")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for engine in engines:
        engine.dispose()

    refused = [o for o in outcomes if isinstance(o, BaseException)]
    won = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(won) == 1 and len(refused) == 1, outcomes
    [error] = refused
    assert isinstance(error, IllegalTransition), repr(error)
    assert error.state == ClaimStatus.VOID_PENDING and "void" in str(error)
    assert "void_pending" in str(error)
    types = [e.type for e in store.load(ID)]
    assert types.count("claim.voided") == 1
    assert types[-1] == "claim.voided"
