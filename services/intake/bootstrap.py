"""Composition root of intake: engine, event store, clock, id generator, and the HTTP app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import uuid4

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from services.intake import channels
from services.intake.api import router
from services.intake.config import IntakeSettings, get_intake_settings
from services.intake.handlers import IntakeDeps
from services.intake.idempotency import intake_metadata
from shared.auth import TokenVerifier
from shared.db import create_db_engine
from shared.eventstore.migrations import upgrade as upgrade_event_store
from shared.eventstore.sql import SqlEventStore
from shared.http import harden


def new_claim_id() -> str:
    # Random, not sequential: ids reveal nothing about volumes and never collide across nodes.
    return f"clm_{uuid4().hex}"


def prepare_database(engine: Engine) -> None:
    """Event store tables (Alembic) and intake's own idempotency table."""
    upgrade_event_store(engine)
    intake_metadata.create_all(engine, checkfirst=True)
    channels.prepare_channel_tables(engine)


def bootstrap(
    settings: IntakeSettings | None = None,
    *,
    engine: Engine | None = None,
    clock: Callable[[], datetime] | None = None,
    claim_ids: Callable[[], str] = new_claim_id,
    prepare: bool = True,
) -> IntakeDeps:
    settings = settings or get_intake_settings()
    engine = engine or create_db_engine(settings.effective_database_url)
    if prepare:
        prepare_database(engine)
    return IntakeDeps(
        engine=engine,
        store=SqlEventStore(engine),
        clock=clock or (lambda: datetime.now(UTC)),
        new_claim_id=claim_ids,
        producer=settings.producer_name,
    )


def install(app: FastAPI, deps: IntakeDeps) -> None:
    """Mount intake's routes and state on an app (its own, or the embedded all-in-one)."""
    app.state.intake = deps
    app.include_router(router)
    channels.install(app, deps)


def create_app(
    settings: IntakeSettings | None = None, *, deps: IntakeDeps | None = None
) -> FastAPI:
    settings = settings or get_intake_settings()
    settings.check_secrets()  # outside the embedded default: no built-in development secret
    app = FastAPI(title="revcycle intake", version="1")
    app.state.token_verifier = TokenVerifier.from_settings(settings)
    harden(app, settings)
    install(app, deps or bootstrap(settings))
    return app
