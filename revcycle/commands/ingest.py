"""`revcycle ingest FILE...`: X12 files in, each routed by its transaction to the owning service.

837 -> intake (new claims), 999 / 277CA / 277 / TA1 -> claims (acknowledgements, status),
835 -> remit (payments), 271 -> intake (eligibility answers). One file is one command: the
service appends its events, then the embedded subscriptions are settled before the next
file, so what one file did is visible to the next (and to `revcycle claims show`).
Exit code: 0 when every file was fully applied, 1 when any file was refused in whole or in
part (the report says which items and why), 2 for a file that cannot be routed.
"""

from __future__ import annotations

import importlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(no_args_is_help=True, help="ingest commands")


@dataclass(frozen=True)
class Route:
    service: str
    target: str  # "module:function"
    what: str


# Transaction (ST01, or 277CA / TA1) -> the service function that ingests it.
ROUTES: dict[str, Route] = {
    "837": Route("intake", "services.intake.ingest:ingest_837", "claims (837P, 837I)"),
    "271": Route(
        "intake", "services.intake.eligibility.ingest:ingest_271", "eligibility answers (271)"
    ),
    "999": Route("claims", "services.claims.ingest:ingest_999", "acknowledgements (999)"),
    "TA1": Route("claims", "services.claims.ingest:ingest_ta1", "interchange acks (TA1)"),
    "277CA": Route("claims", "services.claims.ingest:ingest_277ca", "claim acks (277CA)"),
    "277": Route("claims", "services.claims.ingest:ingest_277", "claim status (277)"),
    "835": Route("remit", "services.remit.ingest:ingest_835", "remittances (835)"),
}


def _function(route: Route) -> Any:
    module_name, _, function_name = route.target.partition(":")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, function_name)
    except (ImportError, AttributeError):
        return None


@app.command("ingest")
def ingest(
    files: Annotated[list[Path], typer.Argument(help="X12 files (837, 835, 999, 277CA, 271...)")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON report per file")] = False,
) -> None:
    """Ingest X12 files, each routed by its transaction (ST01) to the service that owns it."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from revcycle.embedded import open_embedded
    from shared.config import get_settings
    from shared.ingest import IngestContext, UnroutableFile, sniff_x12

    err = Console(stderr=True)
    settings = get_settings()
    worst = 0
    reports: list[dict[str, Any]] = []
    embedded = open_embedded(settings)
    try:
        for path in files:
            if not path.is_file():
                err.print(f"{path}: no such file", markup=False)
                worst = max(worst, 2)
                continue
            try:
                sniffed = sniff_x12(path)
            except UnroutableFile as exc:
                err.print(str(exc), markup=False)
                worst = max(worst, 2)
                continue
            route = ROUTES.get(sniffed.name)
            function = _function(route) if route else None
            if route is None or function is None:
                where = (
                    f"is routed to the {route.service} service, which does not ingest such "
                    "files yet"
                    if route
                    else "is not one this platform ingests"
                )
                err.print(f"{path.name}: transaction {sniffed.name} {where}", markup=False)
                worst = max(worst, 2)
                continue
            with Progress(
                TextColumn(f"{path.name} ({sniffed.name} -> {route.service})"),
                BarColumn(),
                MofNCompleteColumn(),
                console=err,
                transient=True,
                disable=not err.is_terminal,
            ) as bar:
                task = bar.add_task("ingest", total=None)

                def progress(done: int, total: int | None, _task: Any = task) -> None:
                    bar.update(_task, completed=done, total=total)

                context = IngestContext(
                    organization_id=settings.organization_id,
                    submitted_by="cli",
                    services=embedded,
                    progress=progress,
                )
                outcome = function(path, context)
            embedded.settle()
            worst = max(worst, 0 if outcome.ok else 1)
            report = {"file": str(path), "transaction": sniffed.name, "service": route.service}
            report |= {"ok": outcome.ok, "summary": outcome.summary, **outcome.report}
            reports.append(report)
            if not as_json:
                print(f"{path.name}: {outcome.summary}")
    finally:
        embedded.close()
    if as_json:
        json.dump(reports if len(reports) != 1 else reports[0], sys.stdout, indent=2, default=str)
        print()
    raise typer.Exit(worst)
