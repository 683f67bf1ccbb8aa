"""Composition root of the claims service: dependencies, subscriptions, HTTP routes, consumers."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from services.claims.config import ClaimsSettings, get_claims_settings
from services.claims.deps import PRODUCER, ClaimsDeps, CrashHook
from services.claims.partners import TradingPartners
from services.claims.processes import (
    ADJUDICATION_TRIGGERS,
    READY_TRIGGERS,
    bill_next_payer,
    mark_clean_claim_ready,
)
from services.claims.projections import INDEX_PROJECTION, index_projection
from services.claims.tables import claims_metadata
from shared.db import create_db_engine
from shared.eventstore.interface import EventStore
from shared.eventstore.sql import SqlEventStore
from shared.kernel import UnitOfWork
from shared.messaging.consumer import AfterCommit, SubscriptionConsumer
from shared.messaging.process import Process, with_unit_of_work
from shared.messaging.subscription import Subscription
from shared.messaging.worker import subscription_consumer
from shared.x12.control_numbers import DatabaseControlNumbers

if TYPE_CHECKING:
    from fastapi import FastAPI

READINESS_PROCESS = "claims.readiness"
NEXT_PAYER_PROCESS = "claims.next_payer"

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def unit_of_work(store: EventStore, clock: Clock = _utc_now) -> UnitOfWork:
    """The claims service's unit of work (it appends as `claims`, the owner of its types)."""
    return UnitOfWork(store, producer=PRODUCER, clock=clock)


def readiness_process(uow: UnitOfWork) -> Process:
    """New or changed content, eligibility answers -> claim.ready for a clean claim."""
    handler = with_unit_of_work(uow.bound, mark_clean_claim_ready)
    return Process(READINESS_PROCESS, {event_type: handler for event_type in READY_TRIGGERS})


def next_payer_process(uow: UnitOfWork) -> Process:
    """An adjudication leaving a share for another payer -> the secondary claim (or crossover)."""
    handler = with_unit_of_work(uow.bound, bill_next_payer)
    return Process(NEXT_PAYER_PROCESS, {t: handler for t in ADJUDICATION_TRIGGERS})


def subscriptions(store: EventStore, clock: Clock = _utc_now) -> list[Subscription]:
    """Every claims subscription, for the Kafka worker and the embedded runner alike."""
    uow = unit_of_work(store, clock)
    return [readiness_process(uow), next_payer_process(uow), index_projection]


SUBSCRIPTION_NAMES = (READINESS_PROCESS, NEXT_PAYER_PROCESS, INDEX_PROJECTION)


def prepare_database(engine: Engine, attempts: int = 3) -> None:
    """The event store (migrations) and the claims service's own tables, created if missing.

    Several workers starting at once may race to create the same table; PostgreSQL then
    refuses the loser's CREATE, and the retry finds the tables there.
    """
    from shared.eventstore.migrations import upgrade as upgrade_event_store

    for attempt in range(1, attempts + 1):
        try:
            upgrade_event_store(engine)
            claims_metadata.create_all(engine, checkfirst=True)
            index_projection.create_tables(engine)
            return
        except (sa.exc.ProgrammingError, sa.exc.IntegrityError):
            if attempt == attempts:
                raise
            time.sleep(0.2 * attempt)


def bootstrap(
    settings: ClaimsSettings | None = None,
    *,
    engine: Engine | None = None,
    store: EventStore[Connection] | None = None,
    clock: Clock | None = None,
    prepare: bool = True,
    crash_hook: CrashHook | None = None,
) -> ClaimsDeps:
    settings = settings or get_claims_settings()
    engine = engine or create_db_engine(settings.effective_database_url)
    if prepare:
        prepare_database(engine)
    return ClaimsDeps(
        settings=settings,
        engine=engine,
        store=store or SqlEventStore(engine),
        clock=clock or _utc_now,
        partners=TradingPartners.from_settings(settings),
        numbers=DatabaseControlNumbers(engine=engine),
        crash_hook=crash_hook,
    )


def subscription_named(name: str, deps: ClaimsDeps) -> Subscription:
    found = {s.name: s for s in subscriptions(deps.store, deps.clock)}
    try:
        return found[name]
    except KeyError:
        raise KeyError(
            f"unknown claims subscription {name!r}; known: {', '.join(sorted(found))}"
        ) from None


def consumer_for(
    name: str,
    deps: ClaimsDeps,
    *,
    group_id: str | None = None,
    topics: Sequence[str] | None = None,
    dead_letter_topic: str | None = None,
    after_db_commit: AfterCommit | None = None,
) -> SubscriptionConsumer:
    """A Kafka consumer applying the claims subscription `name` (its own consumer group).

    Without explicit names, topics and the group carry the deployment prefix
    (REVCYCLE_DEPLOYMENT); explicit ones are taken as they are (tests, one-off runs).
    """
    from shared.events.registry import decode

    settings = deps.settings
    subscription = subscription_named(name, deps)
    return subscription_consumer(
        subscription,
        deps.engine,
        settings,
        decode,
        topics=topics or [settings.kafka_name(settings.claims_topic)],
        group_id=group_id or settings.group_id(subscription.name),
        dead_letter_topic=dead_letter_topic or settings.kafka_name(settings.dead_letter_topic),
        client_id=f"claims-{subscription.name}",
        after_db_commit=after_db_commit,
    )


def install(app: FastAPI, deps: ClaimsDeps) -> None:
    """Mount the claims routes and state on an app (its own, or the embedded all-in-one)."""
    from services.claims.api import router

    app.state.claims = deps
    app.include_router(router)


def create_app(
    settings: ClaimsSettings | None = None, *, deps: ClaimsDeps | None = None
) -> FastAPI:
    """The claims service's own HTTP app (distributed mode)."""
    from fastapi import FastAPI

    from shared.auth import TokenVerifier
    from shared.http import harden

    settings = settings or get_claims_settings()
    settings.check_secrets()  # outside the embedded default: no built-in development secret
    app = FastAPI(title="revcycle claims", version="1")
    app.state.token_verifier = TokenVerifier.from_settings(settings)
    harden(app, settings)
    install(app, deps or bootstrap(settings))
    return app
