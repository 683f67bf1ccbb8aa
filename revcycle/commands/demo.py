"""`revcycle demo`: the embedded default end to end, with no servers: intake, log, projections."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(no_args_is_help=True, help="demo commands")

DEMO_SUBMITTER = "revcycle-demo"


@app.command("demo")
def demo(
    fresh: Annotated[bool, typer.Option("--fresh", help="Delete the demo database first.")] = False,
    data_dir: Annotated[
        Path | None, typer.Option(help="Folder of the SQLite file (default: DATA_DIR or var/).")
    ] = None,
    serve: Annotated[
        bool, typer.Option("--serve", help="Then serve the API and the follow-up page on it.")
    ] = False,
) -> None:
    """Submit six sample claims through intake, project them, print claims and balances.

    Embedded mode: one SQLite file, the event table read as the log. Re-running is
    idempotent (each sample has a fixed Idempotency-Key); --fresh starts over.
    """
    from services.followup import bootstrap as followup_bootstrap
    from services.followup import queries
    from services.intake import bootstrap as intake_bootstrap
    from services.intake.commands import CreateClaim
    from services.intake.handlers import create_claim
    from services.intake.idempotency import Answer, fingerprint
    from services.intake.samples import sample_claims
    from shared.auth import Principal, record_access
    from shared.config import get_settings
    from shared.db import create_db_engine

    # Wide enough for both tables even when piped (rich assumes 80 columns then).
    console = Console(width=max(Console().width, 132))
    settings = get_settings()
    folder = data_dir or settings.data_dir
    folder.mkdir(parents=True, exist_ok=True)
    # The same file `revcycle serve` uses by default, so the API shows the demo claims.
    database = folder / "revcycle.sqlite"
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        from revcycle.commands.demo_claims import forget_demo_files

        forget_demo_files(folder)
    engine = create_db_engine(f"sqlite:///{database}")
    try:
        intake = intake_bootstrap.bootstrap(engine=engine)
        followup_bootstrap.bootstrap(engine=engine)
        organization = settings.organization_id
        created = replayed = 0
        for number, claim in enumerate(sample_claims(), start=1):
            command = CreateClaim(
                claim=claim, organization_id=organization, submitted_by=DEMO_SUBMITTER
            )
            answer = intake.idempotency.answer(
                intake.unit_of_work(),
                organization_id=organization,
                key=f"demo-sample-{number}",
                request_fingerprint=fingerprint(claim.model_dump_json()),
                act=lambda uow, command=command: Answer(  # type: ignore[misc]
                    201, {"claim_id": create_claim(uow, command, intake.policy).claim_id}
                ),
            )
            replayed += answer.replayed
            created += not answer.replayed
        totals = followup_bootstrap.embedded_runner(intake.store, engine).run_until_caught_up()
    finally:
        engine.dispose()

    console.print(
        f"[bold]revcycle demo[/bold] (embedded, {database}): {created} claims created, "
        f"{replayed} already there (Idempotency-Key replay); projected "
        f"{sum(t.applied for t in totals.values())} new events."
    )
    from revcycle.commands.demo_claims import run_claims_round

    # Submitted, acknowledged, paid, denied, underpaid; statements and an appeal.
    run_claims_round(folder, settings, console)

    engine = create_db_engine(f"sqlite:///{database}")
    try:
        with engine.begin() as conn:
            claims = queries.list_claims(conn, organization)
            accounts = queries.list_accounts(conn, organization)
            # Printing claims is a read of patient data like any other: audit it.
            demo_user = Principal(DEMO_SUBMITTER, organization, frozenset())
            for resource_type, ids in (
                ("claim", [c.claim_id for c in claims]),
                ("account", [a.account_id for a in accounts]),
            ):
                for resource_id in ids:
                    record_access(
                        conn,
                        demo_user,
                        action="list",
                        resource_type=resource_type,
                        resource_id=resource_id,
                        outcome="ok",
                    )
    finally:
        engine.dispose()
    claim_table = Table(title="Claims (followup.claims read model)")
    for column, justify in (
        ("claim id", "left"),
        ("account", "left"),
        ("kind", "left"),
        ("payer", "left"),
        ("status", "left"),
        ("lines", "right"),
        ("first DOS", "left"),
        ("total charge", "right"),
    ):
        claim_table.add_column(column, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for c in claims:
        claim_table.add_row(
            c.claim_id[:16] + "…",
            c.patient_control_number,
            c.kind,
            c.payer.name,
            c.status,
            str(len(c.lines)),
            str(c.first_service_date or ""),
            f"{c.total_charge:,.2f}",
        )
    console.print(claim_table)

    balance_table = Table(title="Patient account balances (followup.account_balances)")
    for column in (
        "account",
        "claims",
        "charges",
        "insurance A/R",
        "patient A/R",
        "payments",
        "adjustments",
        "balance",
    ):
        balance_table.add_column(
            column, justify="left" if column == "account" else "right", no_wrap=True
        )
    for a in accounts:
        balance_table.add_row(
            a.account_id,
            str(a.claim_count),
            f"{a.charges:,.2f}",
            f"{a.insurance_ar:,.2f}",
            f"{a.patient_ar:,.2f}",
            f"{a.payments:,.2f}",
            f"{a.adjustments:,.2f}",
            f"{a.balance:,.2f}",
        )
    if accounts:
        balance_table.add_section()
        balance_table.add_row(
            "total",
            str(sum(a.claim_count for a in accounts)),
            *(
                f"{sum((getattr(a, f) for a in accounts), start=a.charges * 0):,.2f}"
                for f in (
                    "charges",
                    "insurance_ar",
                    "patient_ar",
                    "payments",
                    "adjustments",
                    "balance",
                )
            ),
        )
    console.print(balance_table)

    # Follow-up: queues, aging and KPIs of the same database.
    from datetime import UTC, datetime

    from services.followup.summary import office_tables

    engine = create_db_engine(f"sqlite:///{database}")
    try:
        for table in office_tables(engine, organization, datetime.now(UTC)):
            console.print(table)
    finally:
        engine.dispose()
    if serve:
        from revcycle.commands.serve import serve as serve_command

        console.print("Serving the result: the follow-up page is at http://127.0.0.1:8000/app/")
        serve_command(host="127.0.0.1", port=8000)
        return
    console.print(
        "Next: [bold]revcycle serve[/bold] serves these through the API "
        "(GET /v1/claims/{id}, /v1/accounts/{id}; docs at /docs; the follow-up page at /app/)."
    )
