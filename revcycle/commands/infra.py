"""revcycle infra: start, stop and check the local Kafka broker and PostgreSQL cluster."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="Start, stop and check local Kafka and PostgreSQL.")


class Server(StrEnum):
    kafka = "kafka"
    postgres = "postgres"


ServersArg = Annotated[
    list[Server] | None,
    typer.Argument(help="Which servers (default: both).", show_default=False),
]


def _servers(selected: list[Server] | None) -> list[object]:
    # Imported here so `revcycle --help` does not load kafka-python and psycopg.
    from shared.infra import LocalKafka, LocalPostgres

    chosen = selected or [Server.kafka, Server.postgres]
    built: list[object] = []
    if Server.kafka in chosen:
        built.append(LocalKafka())
    if Server.postgres in chosen:
        built.append(LocalPostgres())
    return built


@app.command()
def up(servers: ServersArg = None) -> None:
    """Start the servers (a healthy running one is reused) and wait until they answer."""
    from shared.infra import InfraError

    try:
        for server in _servers(servers):
            server.up()  # type: ignore[attr-defined]
    except InfraError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo("# point the services and tests at them with:")
    _print_env()


@app.command()
def down(servers: ServersArg = None) -> None:
    """Stop the servers started from this checkout (data and logs are kept)."""
    from shared.infra import InfraError

    try:
        for server in _servers(servers):
            server.down()  # type: ignore[attr-defined]
    except InfraError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc


@app.command()
def status(servers: ServersArg = None) -> None:
    """Report each server; exit code 0 only when all of them are running and healthy."""
    statuses = [server.status() for server in _servers(servers)]  # type: ignore[attr-defined]
    for found in statuses:
        typer.echo(found.line())
    if not all(found.running for found in statuses):
        raise typer.Exit(3)


def _print_env() -> None:
    from shared.infra import LocalKafka, LocalPostgres

    typer.echo(f"export KAFKA_BOOTSTRAP_SERVERS={LocalKafka().address}")
    typer.echo(f"export DATABASE_URL={LocalPostgres().admin_url}")


@app.command()
def env() -> None:
    """Print `export` lines for the local servers: eval "$(revcycle infra env)"."""
    _print_env()
