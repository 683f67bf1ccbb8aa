"""`revcycle serve`: the HTTP API in embedded mode (one process, SQLite, in-process projector)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

import typer
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from services.followup import bootstrap as followup_bootstrap
from services.followup.config import FollowupSettings
from services.intake import bootstrap as intake_bootstrap
from services.intake.config import IntakeSettings
from shared.auth import (
    ROLE_ACCOUNTS_READ,
    ROLE_CLAIMS_READ,
    ROLE_CLAIMS_WRITE,
    TokenVerifier,
    issue_token,
)
from shared.config import BaseServiceSettings, get_settings
from shared.db import create_db_engine
from shared.eventstore.sql import SqlEventStore
from shared.messaging.embedded import EmbeddedProjector

app = typer.Typer(no_args_is_help=True, help="serve commands")


@dataclass
class EmbeddedApp:
    """The all-in-one app and the pieces tests and the CLI reach for."""

    app: FastAPI
    engine: Engine
    store: SqlEventStore
    projector: EmbeddedProjector

    def project(self) -> None:
        """Bring every projection up to date with the event table (synchronously)."""
        self.projector.run_until_caught_up()


def build_embedded_app(
    settings: BaseServiceSettings | None = None, *, run_projector: bool = True
) -> EmbeddedApp:
    """Intake and follow-up on one database; the event table is the log the projector follows."""
    settings = settings or get_settings()
    raw = settings.model_dump()
    intake_settings = IntakeSettings.model_validate(raw)
    followup_settings = FollowupSettings.model_validate(raw)
    engine = create_db_engine(settings.effective_database_url)
    intake_deps = intake_bootstrap.bootstrap(intake_settings, engine=engine)
    followup_deps = followup_bootstrap.bootstrap(followup_settings, engine=engine)
    store = intake_deps.store
    projector = followup_bootstrap.embedded_projector(store, engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        thread = None
        if run_projector:
            thread = threading.Thread(
                target=projector.run_forever, name="embedded-projector", daemon=True
            )
            thread.start()
        try:
            yield
        finally:
            if thread is not None:
                projector.stop()
                thread.join(timeout=10)

    api = FastAPI(
        title="revcycle",
        version="1",
        description="Revenue cycle API (embedded mode): intake and follow-up.",
        lifespan=lifespan,
    )
    api.state.token_verifier = TokenVerifier.from_settings(settings)
    intake_bootstrap.install(api, intake_deps)
    followup_bootstrap.install(api, followup_deps)
    return EmbeddedApp(app=api, engine=engine, store=store, projector=projector)


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Run the HTTP API (intake and follow-up) on SQLite under var/, or on DATABASE_URL.

    Without KAFKA_BOOTSTRAP_SERVERS an in-process projector follows the event table; with it,
    projections are the Kafka workers' job (`revcycle relay run`, `revcycle projections run`).
    """
    import uvicorn

    settings = get_settings()
    run_projector = not settings.kafka_bootstrap_servers
    embedded = build_embedded_app(settings, run_projector=run_projector)
    typer.echo(
        f"revcycle API on http://{host}:{port}/docs (database {embedded.engine.url!r}; "
        + ("in-process projector)" if run_projector else "projections by Kafka workers)")
    )
    if settings.auth_jwt_secret == BaseServiceSettings.model_fields["auth_jwt_secret"].default:
        # Convenience for a laptop demo only: with the built-in secret anyone can mint tokens.
        token = issue_token(
            subject="local-demo-user",
            organization_id=settings.organization_id,
            roles=[ROLE_CLAIMS_WRITE, ROLE_CLAIMS_READ, ROLE_ACCOUNTS_READ],
            secret=settings.auth_jwt_secret,
            audience=settings.auth_jwt_audience,
            lifetime=timedelta(hours=8),
        )
        typer.echo(
            "WARNING: AUTH_JWT_SECRET is the built-in development secret; set your own "
            "(or AUTH_JWT_PUBLIC_KEY with AUTH_JWT_ALGORITHM=RS256) before real use.\n"
            f"Development token (8 h, all roles, org {settings.organization_id}):\n{token}"
        )
    # No access log: request paths carry claim and patient-account numbers (identifiers).
    uvicorn.run(embedded.app, host=host, port=port, log_level="info", access_log=False)
