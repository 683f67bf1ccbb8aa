"""`revcycle serve`: the HTTP API in embedded mode (one process, SQLite, in-process runner)."""

from __future__ import annotations

from datetime import timedelta

import typer

app = typer.Typer(no_args_is_help=True, help="serve commands")


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Run the HTTP API (intake and follow-up) on SQLite under var/, or on DATABASE_URL.

    Without KAFKA_BOOTSTRAP_SERVERS an in-process runner follows the event table; with it,
    projections and processes are the Kafka workers' job (`revcycle relay run`,
    `revcycle projections run`). With DATABASE_URL set, the built-in development secret is
    refused (set AUTH_JWT_SECRET).
    """
    # Imported here, not at module top: `revcycle --help` must not load the web stack.
    import uvicorn

    from revcycle.embedded import build_embedded_app
    from services.followup.api import ROLE_FOLLOWUP_SUPERVISE, ROLE_FOLLOWUP_WORK
    from shared.auth import ROLE_ACCOUNTS_READ, ROLE_CLAIMS_READ, ROLE_CLAIMS_WRITE, issue_token
    from shared.config import BaseServiceSettings, InsecureSettingsError, get_settings
    from shared.ids import ORGANIZATION_ID_MAX, is_organization_id

    settings = get_settings()
    if not is_organization_id(settings.organization_id):
        raise typer.BadParameter(
            f"ORGANIZATION_ID must be 1-{ORGANIZATION_ID_MAX} ASCII letters, digits, '.', '_', "
            "':' or '-', beginning with a letter or digit (docs/api-limits.md)"
        )
    run_subscriptions = not settings.kafka_bootstrap_servers
    try:
        embedded = build_embedded_app(settings, run_subscriptions=run_subscriptions)
    except InsecureSettingsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"revcycle API on http://{host}:{port}/docs (database {embedded.engine.url!r}; "
        + ("in-process runner)" if run_subscriptions else "projections by Kafka workers)")
    )
    if settings.auth_jwt_secret == BaseServiceSettings.model_fields["auth_jwt_secret"].default:
        # Convenience for a laptop demo only: with the built-in secret anyone can mint tokens.
        token = issue_token(
            subject="local-demo-user",
            organization_id=settings.organization_id,
            roles=[
                ROLE_CLAIMS_WRITE,
                ROLE_CLAIMS_READ,
                ROLE_ACCOUNTS_READ,
                ROLE_FOLLOWUP_WORK,  # the follow-up page at /app/
                ROLE_FOLLOWUP_SUPERVISE,
            ],
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
