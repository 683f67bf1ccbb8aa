"""835 files in: the function `revcycle ingest` (and a clearinghouse poller) routes 835s to.

`ingest_835(path, context)` posts one file (`handlers.post_remittance_file`), reporting
progress per chunk of claims through `context.progress`, and returns the answer: `ok`
only when every payment was posted or recognised as a duplicate (so `revcycle ingest`
exits 1 for a refused file or one with unmatched payments).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from services.remit.handlers import RemitDeps, post_remittance_file
from shared.ingest import IngestContext, IngestOutcome


def remit_deps(services: Any) -> RemitDeps:
    """The remit deps of an embedded composition (built on its engine when it has none)."""
    deps = getattr(services, "remit", None)
    if isinstance(deps, RemitDeps):
        return deps
    from services.remit.bootstrap import bootstrap
    from services.remit.config import RemitSettings

    settings = RemitSettings(**services.settings.model_dump())
    return bootstrap(settings, engine=services.engine, store=services.store, clock=services.clock)


def ingest_835(path: Path, context: IngestContext) -> IngestOutcome:
    """Post one 835 file for the context's organization."""
    report = post_remittance_file(
        remit_deps(context.services),
        path,
        organization_id=context.organization_id,
        submitted_by=context.submitted_by,
        name=path.name,
        progress=context.progress,
    )
    return IngestOutcome(ok=report.ok, summary=report.summary(), report=report.to_dict())
