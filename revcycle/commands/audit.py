"""`revcycle audit ledger`: replay every event and check that every dollar adds up.

Exits 0 when the ledger balances, 1 naming the first difference (all of them with
`--json`). See `services.remit.audit` for what is checked.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="Audit the books: replay events, check the money.")


@app.command("ledger")
def ledger(
    as_json: Annotated[bool, typer.Option("--json", help="The whole audit as JSON")] = False,
    views: Annotated[
        bool,
        typer.Option(
            "--views/--no-views",
            help="Also compare follow-up's claim views (leave out while consumers catch up)",
        ),
    ] = True,
) -> None:
    """For every claim: charge = paid + adjustments + patient responsibility + open balance;
    posted payments = 835 payments less reversals. Exit 1 naming the first difference."""
    from services.remit.audit import audit_events, stored_views
    from shared.config import get_settings
    from shared.db import create_db_engine
    from shared.eventstore.sql import SqlEventStore

    settings = get_settings()
    engine = create_db_engine(settings.effective_database_url)
    try:
        store = SqlEventStore(engine)
        result = audit_events(store.iter_all(), stored_views(engine) if views else None)
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        typer.echo(
            f"{result.events} events, {result.claims} claims, {result.remittances} remittances; "
            f"posted payments {result.posted_payments}, 835 payments {result.remittance_payments}"
        )
        if result.ok:
            typer.echo("ledger balances")
        else:
            typer.echo(
                f"{len(result.differences)} difference(s); first: {result.first_difference}",
                err=True,
            )
    raise typer.Exit(0 if result.ok else 1)
