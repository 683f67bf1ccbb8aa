"""`revcycle projections`: list, run (Kafka worker) and rebuild the follow-up read models.

Follow-up's subscriptions are its projections; processes of other services run in their own
workers on the same runtime (`shared.messaging`).
"""

from __future__ import annotations

from typing import Annotated

import typer

from services.followup.config import get_followup_settings
from services.followup.projections import PROJECTIONS

app = typer.Typer(no_args_is_help=True, help="List, run and rebuild read models.")


@app.command("list")
def list_projections() -> None:
    """The projections and the event types each one handles."""
    for name, projection in sorted(PROJECTIONS.items()):
        typer.echo(f"{name}: {', '.join(sorted(projection.event_types))}")


@app.command("rebuild")
def rebuild(
    name: Annotated[str, typer.Argument(help="Projection name (see `revcycle projections list`).")],
    source: Annotated[
        str,
        typer.Option(
            help="'auto' (Kafka when KAFKA_BOOTSTRAP_SERVERS is set), 'embedded', 'kafka'."
        ),
    ] = "auto",
) -> None:
    """Drop the read model and its tracking, then replay every event (stop its consumers first)."""
    from shared.db import create_db_engine

    if name not in PROJECTIONS:
        raise typer.BadParameter(
            f"unknown projection {name!r}; known: {', '.join(sorted(PROJECTIONS))}"
        )
    settings = get_followup_settings()
    if source == "auto":
        source = "kafka" if settings.kafka_bootstrap_servers else "embedded"
    engine = create_db_engine(settings.effective_database_url)
    try:
        if source == "embedded":
            from services.followup.rebuild import rebuild_embedded
            from services.intake.bootstrap import prepare_database as prepare_event_store
            from shared.eventstore.sql import SqlEventStore

            prepare_event_store(engine)
            result = rebuild_embedded(SqlEventStore(engine), engine, name)
            typer.echo(
                f"rebuilt {name} from the event table: applied={result.applied} "
                f"dead_lettered={result.dead_lettered}"
            )
        elif source == "kafka":
            from services.followup.rebuild import rebuild_from_kafka

            stats = rebuild_from_kafka(engine, name, settings)
            typer.echo(
                f"rebuilt {name} from {settings.kafka_name(settings.claims_topic)}: "
                f"applied={stats.applied} dead_lettered={stats.dead_lettered}"
            )
        else:
            raise typer.BadParameter(f"source must be auto, embedded or kafka, not {source!r}")
    finally:
        engine.dispose()


@app.command("run")
def run(
    name: Annotated[
        list[str] | None, typer.Argument(help="Projections to run (default: all).")
    ] = None,
) -> None:
    """Run the Kafka consumers of the projections until SIGTERM (distributed mode).

    Database and broker outages are waited out; if a consumer stops for any other reason
    the command exits with code 1, for its supervisor to restart it.
    """
    import logging

    from services.followup.worker import run_worker
    from shared.messaging.worker import ConsumerDied

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    names = name or sorted(PROJECTIONS)
    settings = get_followup_settings()
    typer.echo(f"consuming {settings.kafka_name(settings.claims_topic)} for {', '.join(names)}")
    try:
        results = run_worker(names)
    except ConsumerDied as exc:
        typer.echo(f"worker stopped: {exc}", err=True)
        raise typer.Exit(1) from None
    for client, stats in results.items():
        typer.echo(
            f"{client}: applied={stats.applied} skipped={stats.skipped} "
            f"dead_lettered={stats.dead_lettered} held={stats.held}"
        )
