"""revcycle infra: start, stop and check the local Kafka broker and PostgreSQL cluster."""

from __future__ import annotations

import importlib
import sys
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

import typer

app = typer.Typer(no_args_is_help=True, help="Start, stop and check local Kafka and PostgreSQL.")


class Server(StrEnum):
    kafka = "kafka"
    postgres = "postgres"


ServersArg = Annotated[
    list[Server] | None,
    typer.Argument(help="Which servers (default: both).", show_default=False),
]


def _devtools() -> ModuleType:
    """The development package `devtools/`, which lives in the checkout and is not installed.

    Imported here, not at module top, so `revcycle --help` does not load kafka-python and
    psycopg, and so an installed revcycle without a checkout says what is missing.
    """
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "devtools" / "__init__.py").is_file() and str(checkout) not in sys.path:
        sys.path.append(str(checkout))
    try:
        return importlib.import_module("devtools")
    except ImportError as exc:
        typer.echo(
            "error: `revcycle infra` runs from a source checkout (it needs devtools/, "
            f"not part of the installed package): {exc}",
            err=True,
        )
        raise typer.Exit(2) from exc


def _servers(selected: list[Server] | None) -> list[Any]:
    tools = _devtools()
    LocalKafka, LocalPostgres = tools.LocalKafka, tools.LocalPostgres  # noqa: N806

    chosen = selected or [Server.kafka, Server.postgres]
    built: list[Any] = []
    if Server.kafka in chosen:
        built.append(LocalKafka())
    if Server.postgres in chosen:
        built.append(LocalPostgres())
    return built


@app.command()
def up(servers: ServersArg = None) -> None:
    """Start the servers (a healthy running one is reused) and wait until they answer."""
    try:
        for server in _servers(servers):
            server.up()
    except _devtools().InfraError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo("# point the services and tests at them with:")
    _print_env()


@app.command()
def down(servers: ServersArg = None) -> None:
    """Stop the servers started from this checkout (data and logs are kept)."""
    try:
        for server in _servers(servers):
            server.down()
    except _devtools().InfraError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc


@app.command()
def status(servers: ServersArg = None) -> None:
    """Report each server; exit code 0 only when all of them are running and healthy."""
    statuses = [server.status() for server in _servers(servers)]
    for found in statuses:
        typer.echo(found.line())
    if not all(found.running for found in statuses):
        raise typer.Exit(3)


def _print_env() -> None:
    tools = _devtools()
    typer.echo(f"export KAFKA_BOOTSTRAP_SERVERS={tools.LocalKafka().address}")
    typer.echo(f"export DATABASE_URL={tools.LocalPostgres().admin_url}")


@app.command()
def env() -> None:
    """Print `export` lines for the local servers: eval "$(revcycle infra env)"."""
    _print_env()
