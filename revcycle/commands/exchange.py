"""`revcycle exchange poll`: take the clearinghouse's answer files and route each like `ingest`.

Reads the adapter's inbound side (the folder pair's `inbound/` by default): files a poller
took and never finished (it died mid-file) first, then the waiting ones, oldest first. Each
is routed by its transaction to the service that owns it, exactly as `revcycle ingest`
routes (999, TA1, 277CA, 277 -> claims; 835 -> remit; 271 -> intake), and completed (moved
to `inbound/.done/`) once its effects are recorded. A file no service can take yet is given
back to the inbound side for a later poll. On the embedded default the subscriptions are
settled after each file. Exit code: 0 when every file was applied, 1 when one was refused
in whole or in part, 2 when one could not be routed.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(no_args_is_help=True, help="Clearinghouse exchange: take answer files.")


@app.command("poll")
def poll(
    inbound: Annotated[
        Path | None,
        typer.Option(
            "--inbound",
            help="Folder the answers arrive in (default: EXCHANGE_INBOUND_DIR or "
            "var/exchange/inbound)",
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Take at most this many files")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON report per file")] = False,
) -> None:
    """Take every answer file waiting on the clearinghouse's side and ingest it."""
    from revcycle.commands.ingest import ROUTES, _function
    from revcycle.embedded import open_embedded
    from shared.config import get_settings
    from shared.exchange import FolderClearinghouse
    from shared.ingest import IngestContext, UnroutableFile, sniff_x12

    settings = get_settings()
    embedded = open_embedded(settings)
    claims = embedded.claims.settings
    adapter = FolderClearinghouse(claims.outbound_dir, inbound or claims.inbound_dir)
    worst = 0
    reports: list[dict[str, Any]] = []
    try:
        taken = [*adapter.unfinished(), *adapter.poll(limit)]
        with tempfile.TemporaryDirectory(prefix="revcycle-exchange-") as scratch:
            for claimed in taken:
                path = Path(scratch) / claimed.name
                path.write_bytes(claimed.content)
                report: dict[str, Any] = {"file": claimed.name}
                try:
                    sniffed = sniff_x12(path)
                except UnroutableFile as exc:
                    adapter.complete(claimed)  # never readable: keep it in .done/, reported
                    report |= {"ok": False, "summary": str(exc)}
                    worst = max(worst, 2)
                    reports.append(report)
                    continue
                route = ROUTES.get(sniffed.name)
                function = _function(route) if route else None
                report |= {"transaction": sniffed.name}
                if route is None or function is None:
                    adapter.release(claimed)  # for a later poll, once a service takes it
                    where = f"the {route.service} service" if route else "no service"
                    report |= {"ok": False, "summary": f"not taken: {where} ingests it yet"}
                    worst = max(worst, 2)
                    reports.append(report)
                    continue
                context = IngestContext(
                    organization_id=settings.organization_id,
                    submitted_by="exchange-poll",
                    services=embedded,
                )
                try:
                    outcome = function(path, context)
                except Exception:
                    adapter.release(claimed)
                    raise
                embedded.settle()
                adapter.complete(claimed)
                worst = max(worst, 0 if outcome.ok else 1)
                report |= {"service": route.service, "ok": outcome.ok, "summary": outcome.summary}
                report |= outcome.report
                reports.append(report)
    finally:
        embedded.close()
    if as_json:
        json.dump(reports, sys.stdout, indent=2, default=str)
        print()
    else:
        for report in reports:
            print(f"{report['file']}: {report['summary']}")
        print(f"{len(reports)} files taken from {adapter.inbound}")
    raise typer.Exit(worst)
