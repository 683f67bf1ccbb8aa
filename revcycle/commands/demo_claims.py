"""The claims part of `revcycle demo`: the demo's ready claims go out to the simulator.

Every ready claim is submitted (837 files in `<data dir>/exchange/outbound`, as `revcycle
claims submit` does), the simulator answers them (999 and 277CA, kept in
`<data dir>/exchange/simulator`), the answers are ingested as `revcycle ingest` would, and
the accepted and rejected counts are printed with one rejected claim and its reason. The
simulator is told to reject the claim `DEMO-1004` at the payer's front end (a 277CA), so
that the rejection path always shows.

Then the payers pay: the simulator's 835s (written in the same run, dated after the
profile's payment delay, here none) are posted through the remit service as `revcycle
ingest` would (`services.remit.ingest.ingest_835`). Profile rules force the outcomes so each
always shows: DEMO-1002 denied (CO-16), DEMO-1003 underpaid against the contract the demo
loads for its payer (remit appends `claim.underpaid`), DEMO-2001 partially paid (one line
CO-97); the rest are paid. Follow-up then issues the patient statements and files an appeal
on the denied claim. Re-running sends nothing new, so nothing is posted, issued or filed
twice (and remit would recognise the same 835 as a duplicate anyway): the counts stay.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

DEMO_REJECTED_PCN = "DEMO-1004"
DEMO_DENIED_PCN = "DEMO-1002"
DEMO_UNDERPAID_PCN = "DEMO-1003"
DEMO_PARTIAL_PCN = "DEMO-2001"
DEMO_SUBMITTER = "revcycle-demo"
# The office's contract with the underpaid claim's payer (Demo Medicare Part B): what the
# simulator allows (60% of charge), so its underpayment falls short of it.
DEMO_CONTRACT_PAYER = "DEMO2"
DEMO_CONTRACT = """
name: Demo Medicare Part B 2026
rates:
  - {procedure: "99215", rate: "159.00", effective_from: 2026-01-01}
  - {procedure: "83036", rate: "25.20", effective_from: 2026-01-01}
  - {procedure: "36415", rate: "9.00", effective_from: 2026-01-01}
"""


def forget_demo_files(folder: Path) -> None:
    """`--fresh`: the files the demo exchanged go with its database (control numbers restart)."""
    import shutil

    shutil.rmtree(folder / "exchange", ignore_errors=True)


def run_claims_round(folder: Path, settings: Any, console: Any) -> dict[str, Any]:
    """Submit, answer, ingest; print the outcome. Returns the counts (tests read them)."""
    from decimal import Decimal

    import sqlalchemy as sa

    from revcycle.embedded import open_embedded
    from services.claims.ingest import ingest_file
    from services.claims.submission import submit_ready_claims
    from services.claims.tables import claims_index
    from services.followup.queries import get_claim_view
    from simulator.profile import CostShare, Outcome, Rule, Timing, load_profile
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
        paying: dict[str, Any] = {}
        if sent:
            rules = (
                Rule(patient_control_number=DEMO_REJECTED_PCN, outcome=Outcome.REJECT_277CA),
                Rule(patient_control_number=DEMO_DENIED_PCN, outcome=Outcome.DENY),
                Rule(patient_control_number=DEMO_UNDERPAID_PCN, outcome=Outcome.UNDERPAYMENT),
                Rule(patient_control_number=DEMO_PARTIAL_PCN, outcome=Outcome.PARTIAL_PAYMENT),
            )
            clean = load_profile("clean")
            # No payment delay (the 835s are dated the day they are posted) and a member
            # share of 20% coinsurance without a deductible, so payers pay and patients owe.
            payer = clean.default_payer.model_copy(
                update={"cost_share": CostShare(coinsurance_percent=Decimal(20))}
            )
            profile = clean.model_copy(
                update={
                    "rules": rules,
                    "timing": Timing(ack_277ca=0, remittance_835=0),
                    "default_payer": payer,
                }
            )
            with tempfile.TemporaryDirectory(prefix="revcycle-demo-") as scratch:
                for path in sent:
                    (Path(scratch) / path.name).write_bytes(path.read_bytes())
                respond(Path(scratch), answers, profile=profile, seed=7, as_of=embedded.clock())
            for suffix, transaction in (("999", "999"), ("277ca", "277CA")):
                for path in sorted(answers.glob(f"*.{suffix}")):
                    ingest_file(claims, path.name, path.read_bytes(), transaction, organization)
            embedded.settle()
            paying = _payments_round(embedded, answers, organization)
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
        "accepted": sum(1 for _, status in rows if status in ACCEPTED_OR_LATER),
        "rejected": len(rejected),
        **{key: paying.get(key, 0) for key in POSTING_KEYS},
        "statements": paying.get("statements", 0),
        "appeals": paying.get("appeals", 0),
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
    console.print(
        "Payments: the simulator's 835s posted now through remit: "
        + ", ".join(f"{counts[key]} {label}" for key, label in POSTING_KEYS.items())
        + f"; patient statements issued now: {counts['statements']}; "
        f"appeals filed now: {counts['appeals']}."
    )
    return counts


# The claims index says `adjudicated` once remit posted the payer's answer to an accepted claim.
ACCEPTED_OR_LATER = frozenset({"accepted", "adjudicated"})
POSTING_KEYS = {
    "remittances": "remittance(s)",
    "paid": "paid",
    "partially_paid": "partially paid",
    "denied": "denied",
    "underpaid": "underpaid",
    "unmatched": "unmatched",
    "duplicates": "duplicate",
}
POSTED_AS = {
    "claim.paid": "paid",
    "claim.partially_paid": "partially_paid",
    "claim.denied": "denied",
}


def _payments_round(embedded: Any, answers: Path, organization: str) -> dict[str, Any]:
    """Post the simulator's 835s through remit, then statements and an appeal (follow-up)."""
    from services.followup.handlers import file_appeal, issue_statements
    from services.remit.fee_schedules import parse_fee_schedule, save_fee_schedule
    from services.remit.ingest import ingest_835
    from shared.ingest import IngestContext

    with embedded.engine.begin() as conn:
        save_fee_schedule(
            conn,
            organization,
            DEMO_CONTRACT_PAYER,
            parse_fee_schedule(DEMO_CONTRACT, "the demo's contract"),
            updated_by=DEMO_SUBMITTER,
            at=embedded.clock(),
        )
    tally: dict[str, Any] = dict.fromkeys(POSTING_KEYS, 0)
    denied: list[str] = []
    context = IngestContext(
        organization_id=organization, submitted_by=DEMO_SUBMITTER, services=embedded
    )
    reports: list[dict[str, Any]] = []
    for path in sorted(answers.glob("*.835")):
        outcome = ingest_835(path, context)
        reports.append(outcome.report)
        for remittance in outcome.report.get("remittances", []):
            tally["remittances"] += 1
            for claim in remittance.get("claims", []):
                result, posted_as = claim.get("result"), POSTED_AS.get(claim.get("event_type"))
                if result == "posted" and posted_as is not None:
                    tally[posted_as] += 1
                    if posted_as == "denied":
                        denied.append(claim["claim_id"])
                elif result == "duplicate":
                    tally["duplicates"] += 1
                elif result == "unmatched":
                    tally["unmatched"] += 1
    embedded.settle()
    posted = {
        c["claim_id"]
        for path_report in reports
        for remittance in path_report.get("remittances", [])
        for c in remittance.get("claims", [])
        if c.get("result") == "posted"
    }
    tally["underpaid"] = sum(
        any(e.type == "claim.underpaid" for e in embedded.store.load(claim_id))
        for claim_id in posted
    )
    followup = embedded.followup.context
    run = issue_statements(followup, organization, embedded.clock().date())
    tally["statements"] = len(run.statements)
    for claim_id in denied[:1]:
        file_appeal(
            followup,
            organization,
            claim_id,
            level=1,
            reason="The missing information is attached: please adjudicate the claim again.",
            justification="Visit notes and the referral are enclosed.",
            filed_by=DEMO_SUBMITTER,
        )
        tally["appeals"] = 1
    embedded.settle()
    return tally
