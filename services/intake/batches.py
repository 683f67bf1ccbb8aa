"""837 batches: one inbound X12 file in; our 999 for it, and one answer per claim, out.

`receive_837(deps, source, organization_id=, submitted_by=)` is what `POST /v1/batches/837`
and `revcycle ingest` (837 files) both call:

1. The file is judged whole by the 999 writer (`shared.x12.ack.acknowledge`): each
   transaction set is accepted (A, or E: accepted with noted errors) or rejected (R).
   A file with no ISA/GS to answer is refused whole (`BatchRefused`: nothing created).
2. The file is then read again one transaction set at a time (`iter_parse`: only the
   current set is in memory). A rejected set creates no claim: each of its claims is
   reported `rejected`, naming the set's 999 codes. Each claim of an accepted set is
   translated (`adapters.x12_837`) and created through the one intake command
   (`handlers.create_claim`, scrubbed, one transaction per claim) with the duplicate key
   of `services.intake.duplicates`: `created`, `held` (with the findings) or
   `duplicate` (the claim that already has its key). A claim our model cannot take is
   `rejected` with the segment position, segment id and element at fault; the other
   claims of its set still go through, as a clearinghouse rejects at claim level (277CA).
3. The report (batch id, the 999 text, every set's verdict and every claim's answer) is
   stored in `intake_batches`, for `GET /v1/batches/{id}`.

A file sent again creates nothing new: every claim of it is `duplicate`. A file that
stopped half way (the process died) is safe to send again for the same reason: each
claim was committed on its own, with its key.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from uuid import uuid4

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.intake import duplicates
from services.intake.adapters.x12_837 import translate_transaction
from services.intake.bootstrap import IntakeDeps
from services.intake.commands import CreateClaim
from services.intake.domain import IntakeRejected
from services.intake.handlers import UnknownOrganization, create_claim
from services.intake.idempotency import intake_metadata
from shared.claim_model import Claim
from shared.events.claims import ClaimChannel, ScrubFinding
from shared.eventstore.schema import AwareDateTime
from shared.ingest import Progress
from shared.x12.errors import Issue, X12Error
from shared.x12.x12_999_005010X231A1.writer import SetAcknowledgment

BATCH_ID_PREFIX = "bat_"

ClaimStatus = Literal["created", "held", "duplicate", "rejected"]

batches = sa.Table(
    "intake_batches",
    intake_metadata,
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("organization_id", sa.String(100), nullable=False),
    sa.Column("received_at", AwareDateTime(), nullable=False),
    sa.Column("report", sa.Text, nullable=False),
)


class BatchRefused(ValueError):
    """The file cannot be taken at all (not X12, no ISA/GS to answer): nothing was created."""

    def __init__(self, message: str, issue: Issue | None = None) -> None:
        super().__init__(message)
        self.issue = issue


def new_batch_id() -> str:
    return f"{BATCH_ID_PREFIX}{uuid4().hex}"


def issue_public(issue: Issue) -> dict[str, Any]:
    """Where and what, never the value (the message names the rule, not the data)."""
    return {
        "code": issue.code,
        "message": issue.message,
        "position": issue.position,
        "segment_id": issue.segment_id,
        "element": issue.element,
    }


def findings_public(findings: tuple[ScrubFinding, ...]) -> list[dict[str, Any]]:
    return [
        {"code": f.code, "severity": f.severity, "field": f.field, "message": f.message}
        for f in findings
    ]


@dataclass(frozen=True)
class BatchClaim:
    """The answer for one claim (CLM) of the file."""

    patient_control_number: str
    transaction_set: str  # ST02 of the set it came in
    status: ClaimStatus
    claim_id: str | None = None
    account_id: str | None = None
    findings: tuple[ScrubFinding, ...] = ()
    errors: tuple[dict[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "patient_control_number": self.patient_control_number,
            "transaction_set": self.transaction_set,
            "status": self.status,
            "claim_id": self.claim_id,
            "account_id": self.account_id,
            "findings": findings_public(self.findings),
            "errors": list(self.errors),
        }


@dataclass
class BatchReport:
    """What one 837 file did: the 999, each set's verdict, each claim's answer."""

    batch_id: str
    received_at: datetime
    ack_999: str
    transaction_sets: list[dict[str, Any]] = field(default_factory=list)
    claims: list[BatchClaim] = field(default_factory=list)
    interchange_issues: list[dict[str, Any]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(c.status for c in self.claims)
        return {s: counted.get(s, 0) for s in ("created", "held", "duplicate", "rejected")}

    @property
    def fully_applied(self) -> bool:
        """Every set accepted and no claim rejected (held claims were taken: they wait)."""
        return all(s["status"] in ("A", "E") for s in self.transaction_sets) and not any(
            c.status == "rejected" for c in self.claims
        )

    def summary(self) -> str:
        counts = ", ".join(f"{n} {status}" for status, n in self.counts.items())
        rejected_sets = sum(1 for s in self.transaction_sets if s["status"] == "R")
        sets = f"{len(self.transaction_sets)} transaction sets ({rejected_sets} rejected)"
        return f"837 batch {self.batch_id}: {sets}; claims: {counts}"

    def to_json(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "received_at": self.received_at.isoformat(),
            "ack_999": self.ack_999,
            "counts": self.counts,
            "transaction_sets": self.transaction_sets,
            "claims": [c.to_json() for c in self.claims],
            "interchange_issues": self.interchange_issues,
        }


def _set_verdict(verdict: SetAcknowledgment) -> dict[str, Any]:
    return {
        "control_number": verdict.control_number,
        "transaction": verdict.set_id,
        "implementation": verdict.implementation,
        "status": verdict.status,
        "codes": list(verdict.codes),
        "segment_errors": len(verdict.segment_errors),
    }


def _rejected_set_claims(transaction: Any) -> Iterator[str]:
    """The CLM01 of each claim of a rejected set (to say which claims were not taken)."""
    if transaction.model is None or not hasattr(transaction.model, "claims"):
        return
    for context in transaction.model.claims():
        yield context.claim.segments[0].get(1)


def receive_837(
    deps: IntakeDeps,
    source: Path | bytes | str,
    *,
    organization_id: str,
    submitted_by: str,
    progress: Progress | None = None,
    batch_id: str | None = None,
) -> BatchReport:
    """Take one 837 file (see the module docstring); raises `UnknownOrganization` or
    `BatchRefused` before anything is created."""
    from shared.x12.ack import AckError, acknowledge
    from shared.x12.control_numbers import DatabaseControlNumbers
    from shared.x12.reader import iter_parse

    if not deps.policy.serves(organization_id):
        raise UnknownOrganization(organization_id)
    received_at = deps.clock()
    try:
        ack = acknowledge(
            source, created_at=received_at, numbers=DatabaseControlNumbers(engine=deps.engine)
        )
    except (AckError, X12Error) as exc:
        raise BatchRefused(str(exc), getattr(exc, "issue", None)) from None
    report = BatchReport(
        batch_id=batch_id or new_batch_id(),
        received_at=received_at,
        ack_999=ack.text,
        interchange_issues=[issue_public(i) for i in ack.interchange_issues],
    )
    verdicts = [s for group in ack.groups for s in group.sets]
    done = 0
    issues: list[Issue] = []
    for index, transaction in enumerate(iter_parse(source, issues)):
        verdict = verdicts[index] if index < len(verdicts) else None
        control = transaction.envelope.control_number
        if verdict is None or verdict.control_number != control:
            # The 999 and the streamed read disagree on the sets: take nothing from this one.
            verdict = SetAcknowledgment("837", control or "0000", None, "R", ("5",))
        report.transaction_sets.append(_set_verdict(verdict))
        if verdict.status == "R":
            why = {
                "code": "transaction_set_rejected",
                "message": f"transaction set {control} was rejected by our 999 "
                f"(IK5 codes {', '.join(verdict.codes)}): no claim of it was created",
                "position": transaction.envelope.st.position,
                "segment_id": "ST",
                "element": None,
            }
            for pcn in _rejected_set_claims(transaction):
                report.claims.append(BatchClaim(pcn, control, "rejected", errors=(why,)))
            continue
        declared = transaction.component
        for pcn, translated in translate_transaction(transaction, declared):
            if isinstance(translated, Claim):
                report.claims.append(
                    _create(deps, translated, control, organization_id, submitted_by, report)
                )
            else:
                errors = (issue_public(translated),)
                report.claims.append(BatchClaim(pcn, control, "rejected", errors=errors))
            done += 1
            if progress is not None:
                progress(done, None)
    with deps.engine.begin() as conn:
        save(conn, report, organization_id)
    return report


def _create(
    deps: IntakeDeps,
    claim: Claim,
    control: str,
    organization_id: str,
    submitted_by: str,
    report: BatchReport,
) -> BatchClaim:
    command = CreateClaim(
        claim=claim,
        organization_id=organization_id,
        submitted_by=submitted_by,
        source=ClaimChannel.X12_837,
        source_reference=report.batch_id,
        duplicate_key=duplicates.claim_key(claim),
    )
    pcn = claim.patient_control_number
    try:
        result = create_claim(deps.unit_of_work(), command, deps.policy)
    except IntakeRejected as exc:
        error = {"code": "claim_rejected", "message": exc.message, "field": exc.field}
        return BatchClaim(pcn, control, "rejected", errors=(error,))
    return BatchClaim(
        pcn,
        control,
        result.status,
        claim_id=result.claim_id,
        account_id=result.account_id,
        findings=result.findings,
    )


def save(conn: Connection, report: BatchReport, organization_id: str) -> None:
    conn.execute(
        batches.insert().values(
            batch_id=report.batch_id,
            organization_id=organization_id,
            received_at=report.received_at,
            report=json.dumps(report.to_json()),
        )
    )


def find(conn: Connection, organization_id: str, batch_id: str) -> dict[str, Any] | None:
    """The stored report of one of the organization's batches (None: not its, or none)."""
    row = conn.execute(
        sa.select(batches.c.report).where(
            batches.c.batch_id == batch_id, batches.c.organization_id == organization_id
        )
    ).first()
    if row is None:
        return None
    found: dict[str, Any] = json.loads(row[0])
    return found
