"""Composition root of intake: engine, event store, clock, judges, the edge's gate, the HTTP app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy.engine import Connection, Engine

from services.intake.config import IntakeSettings, get_intake_settings
from services.intake.configuration import load_intake_config
from services.intake.handlers import IntakePolicy, new_claim_id
from services.intake.idempotency import IdempotencyGate, intake_metadata
from services.intake.scrubbing import ClaimJudges
from shared.auth import TokenVerifier
from shared.db import create_db_engine
from shared.eventstore.migrations import upgrade as upgrade_event_store
from shared.eventstore.sql import SqlEventStore
from shared.http import harden
from shared.kernel import UnitOfWork


@dataclass
class IntakeDeps:
    """What intake's routes, CLI and channels need, wired by `bootstrap` (real or test doubles).

    A channel creates a claim with
    `handlers.create_claim(deps.unit_of_work(), CreateClaim(...), deps.policy)`.
    """

    engine: Engine
    store: SqlEventStore
    clock: Callable[[], datetime]
    policy: IntakePolicy
    idempotency: IdempotencyGate
    settings: IntakeSettings
    producer: str = "intake"

    def unit_of_work(self) -> UnitOfWork[Connection]:
        """A fresh unit of work (one per request or thread) appending as intake."""
        return UnitOfWork(self.store, producer=self.producer, clock=self.clock)


def prepare_database(engine: Engine) -> None:
    """Event store tables (Alembic) and intake's own tables (keys, references, batches)."""
    from services.intake import batches, duplicates, references  # noqa: F401  (their tables)
    from shared.auth import audit_metadata  # GET /v1/batches/{id} audits its reads

    upgrade_event_store(engine)
    intake_metadata.create_all(engine, checkfirst=True)
    audit_metadata.create_all(engine, checkfirst=True)
    # The channels (FHIR, HL7 v2, eligibility) import IntakeDeps from here: load them late.
    from services.intake import channels

    channels.prepare_channel_tables(engine)


def bootstrap(
    settings: IntakeSettings | None = None,
    *,
    engine: Engine | None = None,
    clock: Callable[[], datetime] | None = None,
    claim_ids: Callable[[], str] = new_claim_id,
    prepare: bool = True,
    judges: ClaimJudges | None = None,
) -> IntakeDeps:
    settings = settings or get_intake_settings()
    engine = engine or create_db_engine(settings.effective_database_url)
    if prepare:
        prepare_database(engine)
    if judges is None:
        config = load_intake_config(
            settings.intake_config_path,
            default_organization=settings.organization_id,
            more_organizations=settings.more_organizations,
        )
        judges = ClaimJudges(config)
        judges.check()  # every organization's payer rules load, or start-up stops here
    clock = clock or (lambda: datetime.now(UTC))
    return IntakeDeps(
        engine=engine,
        store=SqlEventStore(engine),
        clock=clock,
        policy=IntakePolicy(judges=judges, new_claim_id=claim_ids),
        idempotency=IdempotencyGate(clock),
        settings=settings,
        producer=settings.producer_name,
    )


def install(app: FastAPI, deps: IntakeDeps) -> None:
    """Mount intake's routes and state on an app (its own, or the embedded all-in-one)."""
    from services.intake import channels
    from services.intake.api import install_routes

    app.state.intake = deps
    install_routes(app)
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
