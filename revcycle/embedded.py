"""The all-in-one composition of the embedded default: every service on one database.

One process, one SQLite file (or DATABASE_URL), the event table read as the log. The API
mounts every service's routes; the in-process runner applies every service's subscriptions
(projections and processes) as it follows the event table. `revcycle serve`, `revcycle
demo` and the tests build the same thing here, so there is one wiring.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from services.followup import bootstrap as followup_bootstrap
from services.followup.config import FollowupSettings
from services.followup.projections import decode_payload
from services.intake import bootstrap as intake_bootstrap
from services.intake.config import IntakeSettings
from shared.auth import TokenVerifier
from shared.config import BaseServiceSettings, get_settings
from shared.db import create_db_engine
from shared.eventstore.sql import SqlEventStore
from shared.http import harden
from shared.messaging.embedded import EmbeddedRunner


@dataclass
class EmbeddedApp:
    """The all-in-one app and the pieces tests and the CLI reach for."""

    app: FastAPI
    engine: Engine
    store: SqlEventStore
    runner: EmbeddedRunner

    def project(self) -> None:
        """Bring every subscription up to date with the event table (synchronously)."""
        self.runner.run_until_caught_up()


def build_embedded_app(
    settings: BaseServiceSettings | None = None, *, run_subscriptions: bool = True
) -> EmbeddedApp:
    """Intake and follow-up on one database; the event table is the log the runner follows."""
    settings = settings or get_settings()
    settings.check_secrets()  # with a DATABASE_URL: no built-in development secret
    raw = settings.model_dump()
    intake_settings = IntakeSettings.model_validate(raw)
    followup_settings = FollowupSettings.model_validate(raw)
    engine = create_db_engine(settings.effective_database_url)
    intake_deps = intake_bootstrap.bootstrap(intake_settings, engine=engine)
    followup_deps = followup_bootstrap.bootstrap(followup_settings, engine=engine)
    store = intake_deps.store
    # Every service's subscriptions, one runner: later services add theirs to this list.
    runner = EmbeddedRunner(store, engine, [*followup_bootstrap.subscriptions()], decode_payload)

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
        description="Revenue cycle API (embedded mode): intake and follow-up.",
        lifespan=lifespan,
    )
    api.state.token_verifier = TokenVerifier.from_settings(settings)
    harden(api, settings)
    intake_bootstrap.install(api, intake_deps)
    followup_bootstrap.install(api, followup_deps)
    return EmbeddedApp(app=api, engine=engine, store=store, runner=runner)
