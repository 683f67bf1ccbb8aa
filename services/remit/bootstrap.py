"""Composition root of the remit service: its tables, handlers' deps, subscriptions and routes."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.remit.config import RemitSettings, get_remit_settings
from services.remit.denials import DenialTableSource
from services.remit.handlers import RemitDeps
from services.remit.projections import PROJECTIONS, decode_payload
from services.remit.tables import remit_metadata
from shared.db import create_db_engine
from shared.eventstore.migrations import upgrade as upgrade_event_store
from shared.eventstore.sql import SqlEventStore
from shared.messaging.consumer import AfterCommit, SubscriptionConsumer
from shared.messaging.projection import Projection
from shared.messaging.subscription import Subscription
from shared.messaging.worker import subscription_consumer

if TYPE_CHECKING:
    from fastapi import FastAPI


class UnknownSubscription(KeyError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"unknown remit subscription {name!r}; known: {', '.join(sorted(PROJECTIONS))}"
        )


def prepare_database(engine: Engine, attempts: int = 3) -> None:
    """Event store (migrations), remit's own tables and its read model's, created if missing.

    Several processes starting at once may race to create a table; the loser's CREATE is
    refused and the retry finds it there.
    """
    for attempt in range(1, attempts + 1):
        try:
            upgrade_event_store(engine)
            remit_metadata.create_all(engine, checkfirst=True)
            for projection in PROJECTIONS.values():
                projection.create_tables(engine)
            return
        except (sa.exc.ProgrammingError, sa.exc.IntegrityError):
            if attempt == attempts:
                raise
            time.sleep(0.2 * attempt)


def bootstrap(
    settings: RemitSettings | None = None,
    *,
    engine: Engine | None = None,
    store: SqlEventStore | None = None,
    clock: Callable[[], datetime] | None = None,
    prepare: bool = True,
) -> RemitDeps:
    settings = settings or get_remit_settings()
    engine = engine or create_db_engine(settings.effective_database_url)
    if prepare:
        prepare_database(engine)
    return RemitDeps(
        engine=engine,
        store=store or SqlEventStore(engine),
        clock=clock or (lambda: datetime.now(UTC)),
        settings=settings,
        denials=DenialTableSource(settings.remit_denial_categories),
    )


def subscription_named(name: str) -> Projection:
    try:
        return PROJECTIONS[name]
    except KeyError:
        raise UnknownSubscription(name) from None


def subscriptions(names: Sequence[str] | None = None) -> list[Subscription]:
    """The remit service's subscriptions (its claim index), for Kafka workers and embedded."""
    return [subscription_named(n) for n in names] if names else list(PROJECTIONS.values())


def consumer_for(
    name: str,
    engine: Engine,
    settings: RemitSettings | None = None,
    *,
    group_id: str | None = None,
    topics: Sequence[str] | None = None,
    dead_letter_topic: str | None = None,
    replay_from_beginning: bool = False,
    after_db_commit: AfterCommit | None = None,
) -> SubscriptionConsumer:
    """A Kafka consumer for one remit subscription (its own consumer group by default)."""
    settings = settings or get_remit_settings()
    subscription = subscription_named(name)
    return subscription_consumer(
        subscription,
        engine,
        settings,
        decode_payload,
        topics=topics or [settings.kafka_name(settings.remit_claims_topic)],
        group_id=group_id or settings.group_id(subscription.name),
        dead_letter_topic=dead_letter_topic
        or settings.kafka_name(settings.remit_dead_letter_topic),
        client_id=f"remit-{subscription.name}",
        replay_from_beginning=replay_from_beginning,
        after_db_commit=after_db_commit,
    )


def install(app: FastAPI, deps: RemitDeps) -> None:
    """Mount remit's routes and state on an app (its own, or the embedded all-in-one)."""
    from services.remit.api import router

    app.state.remit = deps
    app.include_router(router)


def create_app(settings: RemitSettings | None = None, *, deps: RemitDeps | None = None) -> FastAPI:
    """The remit service's own HTTP app (distributed mode)."""
    from fastapi import FastAPI

    from shared.auth import TokenVerifier, audit_metadata
    from shared.http import harden

    settings = settings or get_remit_settings()
    settings.check_secrets()
    deps = deps or bootstrap(settings)
    audit_metadata.create_all(deps.engine, checkfirst=True)
    app = FastAPI(title="revcycle remit", version="1")
    app.state.token_verifier = TokenVerifier.from_settings(settings)
    harden(app, settings)
    install(app, deps)
    return app
