"""`revcycle remit`: the remit service's commands (fee schedules, the clearinghouse poller).

Heavy imports happen inside the commands (`revcycle --help` stays fast).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="Remittances: fee schedules, clearinghouse 835s.")
fee_schedule = typer.Typer(no_args_is_help=True, help="Per-payer fee schedules (contracts).")
app.add_typer(fee_schedule, name="fee-schedule")


@fee_schedule.command("load")
def load_fee_schedule(
    payer_id: Annotated[str, typer.Argument(help="The payer id (the 837's 2010BB NM109)")],
    file: Annotated[Path, typer.Argument(help="YAML or JSON fee schedule", exists=True)],
) -> None:
    """Store (replace) a payer's fee schedule; a bad file is refused naming each line."""
    from services.remit.bootstrap import prepare_database
    from services.remit.fee_schedules import FeeScheduleError, parse_fee_schedule, save_fee_schedule
    from shared.config import get_settings
    from shared.db import create_db_engine

    settings = get_settings()
    try:
        schedule = parse_fee_schedule(file.read_text(encoding="utf-8"), str(file))
    except (FeeScheduleError, UnicodeDecodeError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    engine = create_db_engine(settings.effective_database_url)
    try:
        prepare_database(engine)
        with engine.begin() as conn:
            save_fee_schedule(conn, settings.organization_id, payer_id, schedule, updated_by="cli")
    finally:
        engine.dispose()
    typer.echo(f"fee schedule for payer {payer_id}: {len(schedule.rates)} rate(s) stored")


@app.command("poll")
def poll(
    outbound: Annotated[Path, typer.Option(help="The clearinghouse's outbound folder")],
    inbound: Annotated[Path, typer.Option(help="The clearinghouse's inbound folder (835s)")],
    once: Annotated[bool, typer.Option("--once", help="Poll once and exit")] = False,
    poll_seconds: Annotated[float, typer.Option(min=0.1)] = 5.0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON report per file")] = False,
) -> None:
    """Post the 835s arriving in a clearinghouse's inbound folder (exit 1 if one was not
    wholly posted, with --once)."""
    from revcycle.embedded import open_embedded
    from services.remit.inbound import poll_remittances
    from shared.config import get_settings
    from shared.exchange.folder import FolderClearinghouse

    settings = get_settings()
    adapter = FolderClearinghouse(outbound, inbound)
    embedded = open_embedded(settings)
    worst = 0
    try:
        while True:
            for result in poll_remittances(
                embedded.remit, adapter, organization_id=settings.organization_id
            ):
                embedded.settle()
                worst = max(worst, 0 if result.report.ok else 1)
                if as_json:
                    typer.echo(json.dumps({"name": result.name, **result.report.to_dict()}))
                else:
                    typer.echo(f"{result.name}: {result.report.summary()}")
            if once:
                break
            time.sleep(poll_seconds)
    finally:
        embedded.close()
    raise typer.Exit(worst)
