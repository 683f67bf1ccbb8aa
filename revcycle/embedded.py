"""The all-in-one composition of the embedded default: every service on one database.

One process, one SQLite file (or DATABASE_URL), the event table read as the log. The API
mounts every service's routes; the in-process runner applies every service's subscriptions
(projections and processes) as it follows the event table. `revcycle serve`, `revcycle
demo`, `revcycle ingest` and the tests build the same thing here, so there is one wiring.

One process, one command at a time: on the embedded default a command that appends events
(the CLI's `ingest`, `claims submit`, `exchange poll`, a write through the API) calls
`Embedded.settle()` before it returns, which runs every process and projection to
completion, so the next command (or a `claims show`) sees all of their effects. With
Kafka configured (`KAFKA_BOOTSTRAP_SERVERS`), subscriptions are the workers' job and
`settle()` does nothing.

A service joins by exposing `subscriptions(...)` (and, for HTTP, `install(app, deps)`) in
its bootstrap and adding one line to `_subscriptions` / `build_embedded_app` below.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine

from services.claims import bootstrap as claims_bootstrap
from services.claims.config import ClaimsSettings
from services.claims.deps import ClaimsDeps
from services.followup import bootstrap as followup_bootstrap
from services.followup.api import FollowupDeps
from services.followup.config import FollowupSettings
from services.followup.projections import decode_payload
from services.intake import bootstrap as intake_bootstrap
from services.intake import channels as intake_channels
from services.intake.bootstrap import IntakeDeps
from services.intake.config import IntakeSettings
from services.remit import bootstrap as remit_bootstrap
from services.remit.config import RemitSettings
from services.remit.handlers import RemitDeps
from shared.auth import TokenVerifier
from shared.config import BaseServiceSettings, get_settings
from shared.db import create_db_engine
from shared.eventstore.sql import SqlEventStore
from shared.http import harden
from shared.messaging.embedded import EmbeddedRunner
from shared.messaging.subscription import BatchResult, Subscription

Clock = Callable[[], datetime]

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Embedded:
    """Every service wired on one database, without HTTP (the CLI's commands use this)."""

    settings: BaseServiceSettings
    engine: Engine
    store: SqlEventStore
    runner: EmbeddedRunner
    intake: IntakeDeps
    followup: FollowupDeps
    clock: Clock
    claims: ClaimsDeps
    remit: RemitDeps

    @property
    def settles(self) -> bool:
        """True on the embedded default: no Kafka, so this process runs the subscriptions."""
        return not self.settings.kafka_bootstrap_servers

    def settle(self) -> dict[str, BatchResult]:
        """Run every process and projection to completion (no-op when Kafka workers do it)."""
        if not self.settles:
            return {}
        return self.runner.run_until_caught_up()

    def close(self) -> None:
        self.engine.dispose()


def _subscriptions(
    store: SqlEventStore, clock: Clock, settings: BaseServiceSettings
) -> list[Subscription]:
    """Every service's subscriptions; processes before the projections that read their events."""
    return [
        *claims_bootstrap.subscriptions(store, clock),
        *remit_bootstrap.subscriptions(),
        *intake_channels.subscriptions(store, clock, settings),
        *followup_bootstrap.subscriptions(store=store),
    ]


def open_embedded(
    settings: BaseServiceSettings | None = None,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
) -> Embedded:
    """Every service on one database (tables created), its runner, no HTTP app."""
    settings = settings or get_settings()
    raw = settings.model_dump()
    clock = clock or _utc_now
    engine = engine or create_db_engine(settings.effective_database_url)
    intake_deps = intake_bootstrap.bootstrap(
        # Keyword arguments, not model_validate: intake's own settings (INTAKE_CONFIG_PATH...)
        # still come from the environment.
        IntakeSettings(**raw),
        engine=engine,
        clock=clock,
    )
    followup_deps = followup_bootstrap.bootstrap(
        FollowupSettings.model_validate(raw), engine=engine, clock=clock
    )
    store = intake_deps.store
    claims_deps = claims_bootstrap.bootstrap(
        settings if isinstance(settings, ClaimsSettings) else ClaimsSettings(**raw),
        engine=engine,
        store=store,
        clock=clock,
    )
    remit_deps = remit_bootstrap.bootstrap(
        RemitSettings(**raw), engine=engine, store=store, clock=clock
    )
    runner = EmbeddedRunner(store, engine, _subscriptions(store, clock, settings), decode_payload)
    return Embedded(
        settings=settings,
        engine=engine,
        store=store,
        runner=runner,
        intake=intake_deps,
        followup=followup_deps,
        clock=clock,
        claims=claims_deps,
        remit=remit_deps,
    )


@dataclass
class EmbeddedApp:
    """The all-in-one app and the pieces tests and the CLI reach for."""

    app: FastAPI
    embedded: Embedded

    @property
    def engine(self) -> Engine:
        return self.embedded.engine

    @property
    def store(self) -> SqlEventStore:
        return self.embedded.store

    @property
    def runner(self) -> EmbeddedRunner:
        return self.embedded.runner

    def project(self) -> None:
        """Bring every subscription up to date with the event table (synchronously)."""
        self.embedded.runner.run_until_caught_up()


def build_embedded_app(
    settings: BaseServiceSettings | None = None,
    *,
    run_subscriptions: bool = True,
    clock: Clock | None = None,
) -> EmbeddedApp:
    """Every service's routes on one app; the runner follows the event table.

    With `run_subscriptions` (the default; `revcycle serve` without Kafka) a background
    thread follows the event table and every write request settles its own events before
    it answers, so a client's next request sees their effects. Tests that drive the runner
    themselves pass False. `clock` (tests) replaces the wall clock of every service.
    """
    settings = settings or get_settings()
    settings.check_secrets()  # with a DATABASE_URL: no built-in development secret
    embedded = open_embedded(settings, clock=clock)
    runner = embedded.runner

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        thread = None
        if run_subscriptions:
            thread = threading.Thread(
                target=runner.run_forever, name="embedded-runner", daemon=True
            )
            thread.start()
        try:
            yield
        finally:
            if thread is not None:
                runner.stop()
                thread.join(timeout=10)

    api = FastAPI(
        title="revcycle",
        version="1",
        description="Revenue cycle API (embedded mode): every service on one database.",
        lifespan=lifespan,
    )
    api.state.token_verifier = TokenVerifier.from_settings(settings)
    harden(api, settings)
    intake_bootstrap.install(api, embedded.intake)
    intake_channels.install_eligibility(api, embedded.intake, settings)
    followup_bootstrap.install(api, embedded.followup)
    claims_bootstrap.install(api, embedded.claims)
    remit_bootstrap.install(api, embedded.remit)

    if run_subscriptions and embedded.settles:

        @api.middleware("http")
        async def settle_writes(
            request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            response = await call_next(request)
            if request.method in WRITE_METHODS and response.status_code < 400:
                # One process, one command at a time: the answer leaves once every process
                # and projection has seen what this request appended.
                await run_in_threadpool(embedded.settle)
            return response

    return EmbeddedApp(app=api, embedded=embedded)
