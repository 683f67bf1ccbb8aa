"""`revcycle intake ...`: intake's own commands (the HL7 channel's bill hold)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="Intake commands")


@app.command("release-held")
def release_held(
    days: Annotated[
        int | None,
        typer.Option(
            help="Bill-hold days after the last service date (default HL7_BILL_HOLD_DAYS)"
        ),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Today, as an ISO date (default: today, UTC)")
    ] = None,
    organization: Annotated[str | None, typer.Option(help="Default: ORGANIZATION_ID")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON report")] = False,
) -> None:
    """Bill the HL7 visits whose bill hold is over: each becomes a claim (837I or 837P)."""
    from datetime import UTC, datetime

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from revcycle.embedded import open_embedded
    from services.intake.hl7.config import billing_provider, get_hl7_settings
    from services.intake.hl7.service import Hl7Channel

    err = Console(stderr=True)
    settings = get_hl7_settings()
    hold = settings.hl7_bill_hold_days if days is None else days
    if hold < 0:
        err.print("--days must be 0 or more", markup=False)
        raise typer.Exit(2)
    try:
        today = date.fromisoformat(as_of) if as_of else datetime.now(UTC).date()
    except ValueError:
        err.print("--as-of must be an ISO date (YYYY-MM-DD)", markup=False)
        raise typer.Exit(2) from None
    embedded = open_embedded(settings)
    try:
        channel = Hl7Channel(
            embedded.intake,
            organization or settings.organization_id,
            billing=billing_provider(settings),
        )
        with Progress(
            TextColumn("releasing held visits"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        ) as bar:
            task = bar.add_task("release", total=None)
            released = channel.release_held(
                today, hold, lambda done, total: bar.update(task, completed=done, total=total)
            )
        embedded.settle()
    finally:
        embedded.close()
    billed = [r for r in released if r.claim_id]
    failed = [r for r in released if not r.claim_id]
    if as_json:
        report = {
            "as_of": today.isoformat(),
            "bill_hold_days": hold,
            "released": [{"visit_id": r.visit_id, "claim_id": r.claim_id} for r in billed],
            "not_billed": [{"visit_id": r.visit_id, "problem": r.problem} for r in failed],
        }
        print(json.dumps(report, indent=2))
    else:
        print(f"{len(billed)} visits billed, {len(failed)} not billable")
        for r in failed:
            print(f"{r.visit_id}: {r.problem}")
    raise typer.Exit(1 if failed else 0)
