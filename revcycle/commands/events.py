"""revcycle events: export the event contracts (JSON Schema, AsyncAPI, producers and consumers)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shared.config import REPO_ROOT

app = typer.Typer(no_args_is_help=True, help="Event contracts: JSON Schema and AsyncAPI export.")

DEFAULT_DIR = REPO_ROOT / "docs" / "events"


@app.command("schemas")
def schemas(
    out: Annotated[Path, typer.Option(help="Folder to write into")] = DEFAULT_DIR,
    check: Annotated[
        bool, typer.Option("--check", help="Only compare; exit 1 when the files are stale")
    ] = False,
) -> None:
    """Write JSON Schema for every event type and version, AsyncAPI, and owners.md."""
    from shared.events import schemas as generator

    if check:
        problems = generator.stale(out)
        if problems:
            typer.echo(f"stale event schemas in {out} (run `revcycle events schemas`):", err=True)
            for rel in problems:
                typer.echo(f"  {rel}", err=True)
            raise typer.Exit(1)
        typer.echo(f"event schemas in {out} are up to date")
        return
    written = generator.write(out)
    typer.echo(f"wrote {len(written)} files to {out}")


@app.command("list")
def list_events() -> None:
    """List every event type and version with its producing service and topic."""
    from shared.events.registry import registry
    from shared.events.topics import topic_for

    for model in registry.models():
        latest = registry.latest(model.event_type).event_version
        note = "" if model.event_version == latest else f"  (upcast to v{latest})"
        topic = topic_for(model.event_type).name
        typer.echo(
            f"{model.event_type:36} v{model.event_version}  {model.owner.value:9} {topic}{note}"
        )
