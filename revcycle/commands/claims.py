"""`revcycle claims`: submit ready claims, show a claim, run the claims worker and its jobs.

On the embedded default every command that appends events settles the embedded processes
and projections before it returns (`Embedded.settle()`), so the next command, or a
`claims show`, sees everything they did. With KAFKA_BOOTSTRAP_SERVERS set the claims worker
applies them (`revcycle claims worker`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from services.claims.deps import ClaimsDeps

app = typer.Typer(no_args_is_help=True, help="Claims: submission, acknowledgements, status.")

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON")]
OutboundOption = Annotated[
    Path | None,
    typer.Option(
        "--outbound",
        help="Folder the files go to (default: EXCHANGE_OUTBOUND_DIR or var/exchange/outbound)",
    ),
]


@contextmanager
def claims_session() -> Iterator[tuple[ClaimsDeps, Callable[[], object]]]:
    """The claims service's dependencies and the settle to call after appending.

    Embedded default: every service on one database, and `settle` runs the subscriptions.
    With Kafka configured: the claims service alone; its worker runs the subscriptions.
    """
    from shared.config import get_settings

    settings = get_settings()
    if settings.kafka_bootstrap_servers:
        from services.claims.bootstrap import bootstrap

        deps = bootstrap()
        try:
            yield deps, lambda: None
        finally:
            deps.engine.dispose()
        return
    from revcycle.embedded import open_embedded

    embedded = open_embedded(settings)
    try:
        yield embedded.claims, embedded.settle
    finally:
        embedded.close()


def _progress_bar(label: str) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    err = Console(stderr=True)
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def _dump(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, default=str)
    print()


@app.command("submit")
def submit(
    outbound: OutboundOption = None,
    as_json: JsonOption = False,
    organization: Annotated[
        str | None, typer.Option(help="Only this organization's claims (default: all)")
    ] = None,
) -> None:
    """Send every ready claim: 837P/837I files (5,000 claims a set at most) to the clearinghouse."""
    from services.claims.submission import submit_ready_claims

    with claims_session() as (deps, settle), _progress_bar("claims submit") as bar:
        task = bar.add_task("submit", total=None)
        report = submit_ready_claims(
            deps,
            organization_id=organization,
            adapter=deps.adapter(outbound),
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
        settle()
    if as_json:
        _dump(report.as_dict())
        return
    for recovered in report.recovered:
        print(f"sent after an interrupted run: {recovered['file']}")
    for batch in report.batches:
        print(
            f"{batch['file']}: {batch['claims']} claims to payer {batch['payer_id']} "
            f"(ISA13 {batch['interchange_control_number']}, GS06 {batch['group_control_number']}"
            f", ST02 {batch['transaction_set_control_number']}), total {batch['total_charge']}"
        )
    for flagged in report.flagged:
        print(f"not sent: claim {flagged['claim_id']}: {flagged['reason']} ({flagged['deadline']})")
    for refused in report.not_written:
        print(f"not sent: claim {refused['claim_id']}: {refused['problem']}")
    print(f"{report.submitted} claims submitted in {len(report.batches)} files")


@app.command("show")
def show(
    claim: Annotated[str, typer.Argument(help="A claim id, or its patient control number (CLM01)")],
    as_json: JsonOption = False,
) -> None:
    """One claim: status, payer claim number, every submission (file, control numbers), timeline."""
    from shared.auth import Principal, record_access
    from shared.config import get_settings

    organization = get_settings().organization_id
    with claims_session() as (deps, _settle), deps.engine.begin() as conn:
        views = find_claim_views(conn, organization, claim)
        # Printing a claim is a read of patient data like any other: audit it.
        cli = Principal("cli", organization, frozenset())
        for view in views or [None]:
            record_access(
                conn,
                cli,
                action="read",
                resource_type="claim",
                resource_id=view.claim_id if view is not None else claim[:200],
                outcome="ok" if view is not None else "not_found",
            )
    if not views:
        print(f"no claim {claim!r} (by id or patient control number)", file=sys.stderr)
        raise typer.Exit(1)
    if as_json:
        documents = [v.model_dump(mode="json") for v in views]
        _dump(documents[0] if len(documents) == 1 else documents)
        return
    for view in views:
        _print_view(view)


def find_claim_views(conn: Any, organization_id: str, claim: str) -> list[Any]:
    """The claim views for an id, or for every claim with that patient control number."""
    import sqlalchemy as sa

    from services.claims.tables import claims_index
    from services.followup.queries import get_claim_view

    view = get_claim_view(conn, organization_id, claim)
    if view is not None:
        return [view]
    ids = conn.execute(
        sa.select(claims_index.c.claim_id)
        .where(
            claims_index.c.organization_id == organization_id,
            claims_index.c.patient_control_number == claim,
        )
        .order_by(claims_index.c.created_at, claims_index.c.claim_id)
    ).scalars()
    found = [get_claim_view(conn, organization_id, claim_id) for claim_id in ids]
    return [v for v in found if v is not None]


def _print_view(view: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 120))
    console.print(
        f"[bold]{view.claim_id}[/bold]  {view.patient_control_number}  {view.kind}  "
        f"payer {view.payer_name} ({view.payer_id})  status [bold]{view.status}[/bold]",
        highlight=False,
    )
    console.print(
        f"payer claim number: {view.payer_claim_number or '-'}   charge {view.money.charge}   "
        f"frequency {view.frequency}"
        + (f"   primary claim {view.primary_claim_id}" if view.primary_claim_id else "")
        + (
            f"   secondary {', '.join(view.secondary_claim_ids)}"
            if view.secondary_claim_ids
            else ""
        ),
        highlight=False,
    )
    if view.submissions:
        table = Table(title="Submissions")
        for column in ("when", "file", "ISA13", "GS06", "ST02", "freq", "outcome"):
            table.add_column(column, no_wrap=True)
        for s in view.submissions:
            table.add_row(
                f"{s.submitted_at:%Y-%m-%d %H:%M}",
                s.file or "-",
                s.interchange_control_number or "-",
                s.group_control_number or "-",
                s.transaction_set_control_number or "-",
                s.frequency,
                s.outcome or "-",
            )
        console.print(table)
        for s in view.submissions:
            for reason in s.reasons:
                console.print(
                    f"  {s.batch_id}: {reason.code} {reason.description}"
                    + (f" ({reason.location})" if reason.location else ""),
                    highlight=False,
                )
    timeline = Table(title="Timeline")
    for column in ("#", "when", "event", "by", "what"):
        timeline.add_column(column)
    for entry in view.timeline:
        timeline.add_row(
            str(entry.version),
            f"{entry.at:%Y-%m-%d %H:%M}",
            entry.type,
            entry.producer,
            entry.summary,
        )
    console.print(timeline)


@app.command("timely-filing")
def timely_filing(
    as_json: JsonOption = False,
    organization: Annotated[str | None, typer.Option(help="Only this organization")] = None,
) -> None:
    """Warn about claims near their payer's filing limit; flag ready ones past it."""
    from services.claims.jobs import check_timely_filing

    with claims_session() as (deps, settle):
        report = check_timely_filing(deps, organization_id=organization)
        settle()
    if as_json:
        _dump(report.as_dict())
        return
    for event in report.events:
        print(f"{event['claim_id']}: {event['type']} (deadline {event['deadline']})")
    print(f"{len(report.events)} timely filing events")


@app.command("status-inquiries")
def status_inquiries(
    outbound: OutboundOption = None,
    as_json: JsonOption = False,
    organization: Annotated[str | None, typer.Option(help="Only this organization")] = None,
) -> None:
    """Ask payers (276) about claims with no 277CA or 835 after CLAIMS_STATUS_INQUIRY_AFTER_DAYS."""
    from services.claims.jobs import send_status_inquiries

    with claims_session() as (deps, settle):
        report = send_status_inquiries(
            deps, organization_id=organization, adapter=deps.adapter(outbound)
        )
        settle()
    if as_json:
        _dump(report.as_dict())
        return
    for batch in report.batches:
        print(f"{batch['file']}: {batch['claims']} claims asked of payer {batch['payer_id']}")
    print(f"{len(report.events)} status inquiries sent in {len(report.batches)} files")


@app.command("worker")
def worker(
    subscription: Annotated[
        list[str] | None,
        typer.Option(help="Only these subscriptions (default: all claims subscriptions)"),
    ] = None,
    schedule: Annotated[
        bool, typer.Option(help="Run the jobs (submit, timely filing, 276s) on a schedule")
    ] = True,
) -> None:
    """Run the claims processes and index on Kafka, and the claims jobs on a schedule."""
    import logging

    from services.claims.bootstrap import SUBSCRIPTION_NAMES
    from services.claims.worker import run_worker
    from shared.messaging.worker import ConsumerDied

    names = subscription or list(SUBSCRIPTION_NAMES)
    unknown = sorted(set(names) - set(SUBSCRIPTION_NAMES))
    if unknown:
        raise typer.BadParameter(
            f"unknown subscription(s) {', '.join(unknown)}; known: {', '.join(SUBSCRIPTION_NAMES)}"
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        stats = run_worker(names, schedule=schedule)
    except ConsumerDied as exc:
        print(f"worker stopped: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    for name, s in stats.items():
        print(f"{name}: applied={s.applied} skipped={s.skipped} dead_lettered={s.dead_lettered}")


@app.command("lifecycle-docs")
def lifecycle_docs(
    check: Annotated[
        bool, typer.Option(help="Only compare; exit 1 when the page is stale")
    ] = False,
) -> None:
    """Write docs/claim-lifecycle.md from the claim's transition table."""
    from services.claims.lifecycle_docs import DOC_PATH, render

    text = render()
    if check:
        current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""
        if current != text:
            print(f"{DOC_PATH} is stale: run `revcycle claims lifecycle-docs`", file=sys.stderr)
            raise typer.Exit(1)
        return
    DOC_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {DOC_PATH}")
