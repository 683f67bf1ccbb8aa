"""Composition root of follow-up: projections, their runners (Kafka or embedded), the HTTP app."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.followup.config import FollowupSettings, get_followup_settings
from services.followup.payer_rules import PayerRules, load_payer_rules
from services.followup.projections import PROJECTIONS, decode_payload
from services.followup.queue_process import QUEUE_PROCESS, queue_metadata, queue_process
from services.followup.tables import OutdatedReadModel, outdated_tables
from shared.db import create_db_engine
from shared.eventstore.interface import EventStore
from shared.messaging.consumer import AfterCommit, SubscriptionConsumer
from shared.messaging.embedded import EmbeddedRunner
from shared.messaging.projection import Projection
from shared.messaging.subscription import Subscription
from shared.messaging.worker import subscription_consumer

if TYPE_CHECKING:
    # The HTTP side is imported by the functions that build it: a worker restarted after a
    # crash should not spend its first seconds importing a web framework it never uses.
    from fastapi import FastAPI

    from services.followup.api import FollowupDeps


class UnknownProjection(KeyError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown projection {name!r}; known: {', '.join(sorted(PROJECTIONS))}")


def projection_named(name: str) -> Projection:
    try:
        return PROJECTIONS[name]
    except KeyError:
        raise UnknownProjection(name) from None


def prepare_database(engine: Engine, attempts: int = 3, *, audit: bool = True) -> None:
    """Read-model, tracking and (for the API) audit tables, created if missing.

    Several workers starting at once may race to create the same table; PostgreSQL then
    refuses the loser's CREATE, and the retry finds the tables there. Workers pass
    audit=False: they read no patient data for anyone, and skip importing the HTTP side.
    """
    for attempt in range(1, attempts + 1):
        try:
            for projection in PROJECTIONS.values():
                projection.create_tables(engine)
            queue_metadata.create_all(engine, checkfirst=True)
            if audit:
                from shared.auth import audit_metadata

                audit_metadata.create_all(engine, checkfirst=True)
            if outdated := outdated_tables(engine):
                raise OutdatedReadModel(outdated)
            return
        except (sa.exc.ProgrammingError, sa.exc.IntegrityError):
            if attempt == attempts:
                raise
            time.sleep(0.2 * attempt)


def bootstrap(
    settings: FollowupSettings | None = None,
    *,
    engine: Engine | None = None,
    prepare: bool = True,
    clock: Callable[[], datetime] | None = None,
) -> FollowupDeps:
    from services.followup.api import FollowupDeps
    from services.followup.handlers import CommandContext
    from shared.eventstore.migrations import upgrade as upgrade_event_store
    from shared.eventstore.sql import SqlEventStore

    settings = settings or get_followup_settings()
    engine = engine or create_db_engine(settings.effective_database_url)
    if prepare:
        upgrade_event_store(engine)  # follow-up appends: work items, appeals, payments
        prepare_database(engine)
    commands = CommandContext(
        engine=engine,
        store=SqlEventStore(engine),
        clock=clock or (lambda: datetime.now(UTC)),
        settings=settings,
        payer_rules=payer_rules_loader(settings),
    )
    return FollowupDeps(engine=engine, commands=commands)


def payer_rules_loader(settings: FollowupSettings | None = None) -> Callable[[], PayerRules]:
    path = (settings or get_followup_settings()).followup_payer_rules or None
    return lambda: load_payer_rules(path)


def subscriptions(
    names: Sequence[str] | None = None,
    *,
    store: EventStore | None = None,
    settings: FollowupSettings | None = None,
) -> list[Subscription]:
    """Follow-up's subscriptions: the queue process (given a store to append work items to)
    first, then its projections; all, or the ones named."""
    everything: dict[str, Subscription] = {}
    if store is not None:
        everything[QUEUE_PROCESS] = queue_process(store, payer_rules_loader(settings))
    everything.update(PROJECTIONS)
    if names:
        return [everything[n] if n in everything else projection_named(n) for n in names]
    return list(everything.values())


def embedded_runner(
    store: EventStore, engine: Engine, names: Sequence[str] | None = None
) -> EmbeddedRunner:
    """Follow-up's projections (and queue process) on the event table (embedded, rebuilds)."""
    return EmbeddedRunner(store, engine, subscriptions(names, store=store), decode_payload)


def consumer_for(
    name: str,
    engine: Engine,
    settings: FollowupSettings | None = None,
    *,
    group_id: str | None = None,
    topics: Sequence[str] | None = None,
    dead_letter_topic: str | None = None,
    replay_from_beginning: bool = False,
    after_db_commit: AfterCommit | None = None,
) -> SubscriptionConsumer:
    """A Kafka consumer applying projection `name` (its own consumer group by default).

    Without explicit names, topics and the group carry the deployment prefix
    (REVCYCLE_DEPLOYMENT); explicit `topics`, `group_id`, `dead_letter_topic` are taken as
    they are (tests, one-off runs).
    """
    settings = settings or get_followup_settings()
    projection: Subscription
    if name == QUEUE_PROCESS:
        from shared.eventstore.sql import SqlEventStore

        projection = queue_process(SqlEventStore(engine), payer_rules_loader(settings))
    else:
        projection = projection_named(name)
    return subscription_consumer(
        projection,
        engine,
        settings,
        decode_payload,
        topics=topics or settings.followup_topics,
        group_id=group_id or settings.group_id(projection.name),
        dead_letter_topic=dead_letter_topic or settings.kafka_name(settings.dead_letter_topic),
        client_id=f"followup-{projection.name}",
        replay_from_beginning=replay_from_beginning,
        after_db_commit=after_db_commit,
    )


def install(app: FastAPI, deps: FollowupDeps) -> None:
    from services.followup.api import fhir_router, payments_router, router
    from services.followup.web import install_page

    app.state.followup = deps
    # Payments first: the account route's path parameter would otherwise take '/payments'.
    app.include_router(payments_router)
    app.include_router(router)
    app.include_router(fhir_router)
    install_page(app)


def create_app(
    settings: FollowupSettings | None = None, *, deps: FollowupDeps | None = None
) -> FastAPI:
    settings = settings or get_followup_settings()
    from fastapi import FastAPI

    from shared.auth import TokenVerifier
    from shared.http import harden

    settings.check_secrets()  # outside the embedded default: no built-in development secret
    app = FastAPI(title="revcycle follow-up", version="1")
    app.state.token_verifier = TokenVerifier.from_settings(settings)
    harden(app, settings)
    install(app, deps or bootstrap(settings))
    return app
