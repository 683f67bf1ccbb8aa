"""The claims part of `revcycle demo`: the demo's ready claims go out to the simulator.

Every ready claim is submitted (837 files in `<data dir>/exchange/outbound`, as `revcycle
claims submit` does), the simulator answers them (999 and 277CA, kept in
`<data dir>/exchange/simulator`), the answers are ingested as `revcycle ingest` would, and
the accepted and rejected counts are printed with one rejected claim and its reason. The
simulator is told to reject the claim `DEMO-1004` at the payer's front end (a 277CA), so
that the rejection path always shows. Re-running sends nothing new: the counts stay.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

DEMO_REJECTED_PCN = "DEMO-1004"


def forget_demo_files(folder: Path) -> None:
    """`--fresh`: the files the demo exchanged go with its database (control numbers restart)."""
    import shutil

    shutil.rmtree(folder / "exchange", ignore_errors=True)


def run_claims_round(folder: Path, settings: Any, console: Any) -> dict[str, Any]:
    """Submit, answer, ingest; print the outcome. Returns the counts (tests read them)."""
    import sqlalchemy as sa

    from revcycle.embedded import open_embedded
    from services.claims.ingest import ingest_file
    from services.claims.submission import submit_ready_claims
    from services.claims.tables import claims_index
    from services.followup.queries import get_claim_view
    from simulator.profile import Outcome, Rule, load_profile
    from simulator.respond import respond

    embedded = open_embedded(settings.model_copy(update={"data_dir": folder, "database_url": ""}))
    organization = settings.organization_id
    try:
        embedded.settle()  # the readiness process marks the new claims ready
        claims = embedded.claims
        report = submit_ready_claims(claims, organization_id=organization)
        embedded.settle()
        answers = folder / "exchange" / "simulator"
        sent = [claims.settings.outbound_dir / b["file"] for b in report.batches]
        if sent:
            reject = Rule(patient_control_number=DEMO_REJECTED_PCN, outcome=Outcome.REJECT_277CA)
            profile = load_profile("clean").model_copy(update={"rules": (reject,)})
            with tempfile.TemporaryDirectory(prefix="revcycle-demo-") as scratch:
                for path in sent:
                    (Path(scratch) / path.name).write_bytes(path.read_bytes())
                respond(Path(scratch), answers, profile=profile, seed=7, as_of=embedded.clock())
            for suffix, transaction in (("999", "999"), ("277ca", "277CA")):
                for path in sorted(answers.glob(f"*.{suffix}")):
                    ingest_file(claims, path.name, path.read_bytes(), transaction, organization)
            embedded.settle()
        with embedded.engine.connect() as conn:
            rows = conn.execute(
                sa.select(claims_index.c.claim_id, claims_index.c.status).where(
                    claims_index.c.organization_id == organization
                )
            ).all()
            rejected = [claim_id for claim_id, status in rows if status == "rejected"]
            example = get_claim_view(conn, organization, rejected[0]) if rejected else None
    finally:
        embedded.close()
    counts = {
        "submitted_now": report.submitted,
        "accepted": sum(1 for _, status in rows if status == "accepted"),
        "rejected": len(rejected),
    }
    console.print(
        f"Claims: {counts['submitted_now']} submitted now to the simulator "
        f"({claims.settings.outbound_dir}); accepted by the payers: {counts['accepted']}, "
        f"rejected: {counts['rejected']}."
    )
    if example is not None and example.submissions and example.submissions[-1].reasons:
        reason = example.submissions[-1].reasons[0]
        console.print(
            f"Example rejected claim: {example.patient_control_number} ({example.claim_id}): "
            f"{reason.code} {reason.description}"
            + (f" [{reason.location}]" if reason.location else "")
            + f". Correct it: POST /v1/claims/{example.claim_id}/corrections."
        )
    return counts
