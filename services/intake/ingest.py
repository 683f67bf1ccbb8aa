"""Intake's part of `revcycle ingest`: 837 files become claims (see `services.intake.batches`).

`ingest_837(path, context)` is the routing table's target for ST01 837 (`shared.ingest`
describes the contract): the file is acknowledged (999), streamed one transaction set at
a time, and each claim created, held, reported duplicate or rejected with its position.
The 271 (eligibility answers) is the intake channels' (`ingest_271`), not this module's.
"""

from __future__ import annotations

from pathlib import Path

from shared.ingest import IngestContext, IngestOutcome


def ingest_837(path: Path, context: IngestContext) -> IngestOutcome:
    """One 837P/837I file: `ok` when every set was accepted and no claim was rejected."""
    from services.intake.batches import BatchRefused, receive_837
    from services.intake.handlers import UnknownOrganization

    deps = context.services.intake
    try:
        report = receive_837(
            deps,
            path,
            organization_id=context.organization_id,
            submitted_by=context.submitted_by,
            progress=context.progress,
        )
    except BatchRefused as exc:
        return IngestOutcome(False, f"refused whole, nothing created: {exc}", {"error": str(exc)})
    except UnknownOrganization as exc:
        return IngestOutcome(False, str(exc), {"error": str(exc)})
    return IngestOutcome(report.fully_applied, report.summary(), report.to_json())
