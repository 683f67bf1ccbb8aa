"""837 batches: one inbound X12 file in; our 999 for it, and one answer per claim, out.

`receive_837(deps, source, organization_id=, submitted_by=)` is what `POST /v1/batches/837`
and `revcycle ingest` (837 files) both call:

1. The file is judged by the 999 writer (`shared.x12.ack.acknowledge_stream`), read once
   one transaction set and one claim at a time: each set is accepted (A, or E: accepted
   with noted errors) or rejected (R). A file with no ISA/GS to answer is refused whole
   (`BatchRefused`: nothing created).
2. The file is then read again as a stream (`stream_transactions`): each claim (loop 2300)
   is handled as it closes, then dropped, so memory holds one claim whatever the size of
   the file. A rejected set creates no claim: each of its claims is reported `rejected`,
   naming the set's 999 codes. Each claim of an accepted set is translated
   (`adapters.x12_837`) and created through the one intake command
   (`handlers.create_claim`, scrubbed) with the duplicate key of
   `services.intake.duplicates`, `CHUNK` claims per transaction: `created`, `held` (with
   the findings) or `duplicate` (the claim that already has its key). A claim our model
   cannot take is `rejected` with the segment position, segment id and element at fault;
   the other claims of its set still go through, as a clearinghouse rejects at claim
   level (277CA). A chunk in which intake refuses a claim is rolled back and created
   again one claim per transaction, so only that claim is `rejected`.
3. The report (batch id, the 999 text, every set's verdict and every claim's answer) is
   stored in `intake_batches`, for `GET /v1/batches/{id}`.

A file sent again creates nothing new: every claim of it is `duplicate`. A file that
stopped half way (the process died) is safe to send again for the same reason: each
chunk of claims was committed whole, with their keys.

Over HTTP the body is never held whole: `spool` writes it to a temporary file as it
arrives, counting bytes against `INTAKE_BATCH_MAX_BYTES` (413 naming the limit past it).
A file up to `INTAKE_BATCH_SYNC_BYTES` is read within the request (201 and the report);
a larger one would outlast any client's timeout, so `receive_in_background` records a job
in `intake_batch_jobs` (status `processing`, claims read so far), answers at once (202
and `Location: /v1/batches/{id}`) and reads the file on a background thread, one batch at
a time per process. `GET /v1/batches/{id}` shows the job until the report is stored, then
the report. A job cut short by a restart stays `processing`; sending the file again is safe.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections import Counter
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from uuid import uuid4

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.intake import duplicates
from services.intake.adapters.x12_837 import translate_streamed_claim
from services.intake.bootstrap import IntakeDeps
from services.intake.commands import CreateClaim
from services.intake.domain import IntakeRejected
from services.intake.handlers import ClaimCreatedResult, UnknownOrganization, create_claim
from services.intake.idempotency import intake_metadata
from shared.claim_model import Claim
from shared.events.claims import ClaimChannel, ScrubFinding
from shared.eventstore.schema import AwareDateTime
from shared.ingest import Progress
from shared.logsafe import describe_error
from shared.x12.errors import Issue, X12Error
from shared.x12.loops import Loop, OnClose
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


# Claims created per transaction (one commit per chunk). A chunk in which one claim is
# refused is rolled back and created again one claim per transaction, so the refused one
# costs nothing to the others and nothing half-applied is ever committed.
CHUNK = 100

# The loops a streamed read drops once they closed (a claim and the levels that repeat
# per claim), so memory holds one claim whatever the size of the set.
_DROPPED = frozenset({"2300", "2000C", "2000B"})


@dataclass
class _Pending:
    """Translated claims of an accepted set waiting for their chunk's transaction."""

    control: str
    claims: list[Claim] = field(default_factory=list)


def receive_837(
    deps: IntakeDeps,
    source: Path | bytes | str,
    *,
    organization_id: str,
    submitted_by: str,
    progress: Progress | None = None,
    batch_id: str | None = None,
    chunk: int = CHUNK,
) -> BatchReport:
    """Take one 837 file (see the module docstring); raises `UnknownOrganization` or
    `BatchRefused` before anything is created."""
    from shared.x12.ack import AckError, acknowledge_stream
    from shared.x12.control_numbers import DatabaseControlNumbers
    from shared.x12.reader import ParsedTransaction, stream_transactions

    if not deps.policy.serves(organization_id):
        raise UnknownOrganization(organization_id)
    received_at = deps.clock()
    try:
        ack = acknowledge_stream(
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
    pending = _Pending("")

    def answered(answer: BatchClaim) -> None:
        nonlocal done
        report.claims.append(answer)
        done += 1
        if progress is not None:
            progress(done, None)

    def flush() -> None:
        for answer in _create_chunk(
            deps, pending.claims, pending.control, organization_id, submitted_by, report
        ):
            answered(answer)
        pending.claims = []

    def claims_of(transaction: ParsedTransaction) -> OnClose:
        """Called as each set starts: its verdict decides what its claims become."""
        index = len(report.transaction_sets)
        verdict = verdicts[index] if index < len(verdicts) else None
        control = transaction.envelope.control_number
        if verdict is None or verdict.control_number != control:
            # The 999 and the streamed read disagree on the sets: take nothing from this one.
            verdict = SetAcknowledgment("837", control or "0000", None, "R", ("5",))
        report.transaction_sets.append(_set_verdict(verdict))
        pending.control = control
        takes_claims = transaction.kind in ("837P", "837I") and transaction.model is not None
        why = {
            "code": "transaction_set_rejected",
            "message": f"transaction set {control} was rejected by our 999 "
            f"(IK5 codes {', '.join(verdict.codes)}): no claim of it was created",
            "position": transaction.envelope.st.position,
            "segment_id": "ST",
            "element": None,
        }
        rejected = verdict.status == "R"

        def on_close(loop: Loop, ancestors: list[Loop], attr: str) -> bool:
            if loop.LOOP_ID == "2300" and takes_claims and loop.segments:
                if rejected:
                    pcn = loop.segments[0].get(1)
                    answered(BatchClaim(pcn, control, "rejected", errors=(why,)))
                    return True
                pcn, translated = translate_streamed_claim(
                    loop, ancestors, transaction.kind, transaction.component
                )
                if isinstance(translated, Claim):
                    pending.claims.append(translated)
                    if len(pending.claims) >= chunk:
                        flush()
                else:
                    flush()  # the answers keep the file's order
                    errors = (issue_public(translated),)
                    answered(BatchClaim(pcn, control, "rejected", errors=errors))
            return loop.LOOP_ID in _DROPPED

        return on_close

    issues: list[Issue] = []
    for _transaction, _document in stream_transactions(source, issues, on_close=claims_of):
        flush()  # a set's last claims, before the next set (or the report) is written
    with deps.engine.begin() as conn:
        save(conn, report, organization_id)
    return report


def _command(claim: Claim, organization_id: str, submitted_by: str, batch_id: str) -> CreateClaim:
    return CreateClaim(
        claim=claim,
        organization_id=organization_id,
        submitted_by=submitted_by,
        source=ClaimChannel.X12_837,
        source_reference=batch_id,
        duplicate_key=duplicates.claim_key(claim),
    )


def _create_chunk(
    deps: IntakeDeps,
    claims: list[Claim],
    control: str,
    organization_id: str,
    submitted_by: str,
    report: BatchReport,
) -> list[BatchClaim]:
    """Create `claims` in one transaction; one by one (`_create`) when any is refused."""
    if len(claims) > 1:
        uow = deps.unit_of_work()
        try:
            with uow.store.transaction() as conn:
                bound = uow.bound(conn)
                answers = []
                for claim in claims:
                    command = _command(claim, organization_id, submitted_by, report.batch_id)
                    result = create_claim(bound, command, deps.policy)
                    answers.append(_answer(claim, control, result))
            return answers
        except IntakeRejected:
            pass  # rolled back whole: each claim again on its own, the refused one named
    return [
        _create(deps, claim, control, organization_id, submitted_by, report) for claim in claims
    ]


def _answer(claim: Claim, control: str, result: ClaimCreatedResult) -> BatchClaim:
    return BatchClaim(
        claim.patient_control_number,
        control,
        result.status,
        claim_id=result.claim_id,
        account_id=result.account_id,
        findings=result.findings,
    )


def _create(
    deps: IntakeDeps,
    claim: Claim,
    control: str,
    organization_id: str,
    submitted_by: str,
    report: BatchReport,
) -> BatchClaim:
    command = _command(claim, organization_id, submitted_by, report.batch_id)
    try:
        result = create_claim(deps.unit_of_work(), command, deps.policy)
    except IntakeRejected as exc:
        error = {"code": "claim_rejected", "message": exc.message, "field": exc.field}
        return BatchClaim(claim.patient_control_number, control, "rejected", errors=(error,))
    return _answer(claim, control, result)


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


# --- bodies over HTTP: spooled to disk, large ones read in the background ----------------------

log = logging.getLogger(__name__)

JOB_PROGRESS_EVERY = 500
"""Claims between two progress updates of a background batch (one small UPDATE each)."""

batch_jobs = sa.Table(
    "intake_batch_jobs",
    intake_metadata,
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("organization_id", sa.String(100), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # processing, done, refused, failed
    sa.Column("bytes", sa.BigInteger, nullable=False),
    sa.Column("claims_done", sa.Integer, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("received_at", AwareDateTime(), nullable=False),
    sa.Column("updated_at", AwareDateTime(), nullable=False),
)


class BodyTooLarge(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the 837 file is larger than {limit} bytes (INTAKE_BATCH_MAX_BYTES); split it "
            "or use `revcycle ingest`"
        )
        self.limit = limit


@dataclass(frozen=True)
class SpooledBody:
    path: Path
    size: int
    blank: bool  # nothing but whitespace (or nothing at all)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


async def spool(
    chunks: AsyncIterator[bytes], limit: int, directory: Path | None = None
) -> SpooledBody:
    """Write a request body to a temporary file as it arrives; `BodyTooLarge` past `limit`."""
    fd, name = tempfile.mkstemp(prefix="batch-", suffix=".x12", dir=directory)
    size, blank = 0, True
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise BodyTooLarge(limit)
                blank = blank and not chunk.strip()
                out.write(chunk)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return SpooledBody(Path(name), size, blank)


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _background() -> ThreadPoolExecutor:
    """One background batch at a time per process: a second waits its turn (`processing`)."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="intake-batch")
        return _executor


def receive_in_background(
    deps: IntakeDeps, body: SpooledBody, *, organization_id: str, submitted_by: str
) -> dict[str, Any]:
    """Record the job, read the spooled file on the background thread; the job as JSON.

    The temporary file belongs to the job from here on: it is deleted when the job ends.
    """
    if not deps.policy.serves(organization_id):
        raise UnknownOrganization(organization_id)
    batch_id = new_batch_id()
    now = deps.clock()
    job = {
        "batch_id": batch_id,
        "organization_id": organization_id,
        "status": "processing",
        "bytes": body.size,
        "claims_done": 0,
        "error": None,
        "received_at": now,
        "updated_at": now,
    }
    with deps.engine.begin() as conn:
        conn.execute(batch_jobs.insert().values(**job))
    _background().submit(_run_job, deps, body, batch_id, organization_id, submitted_by)
    return _job_public(job)


def _run_job(
    deps: IntakeDeps, body: SpooledBody, batch_id: str, organization_id: str, submitted_by: str
) -> None:
    def progress(done: int, total: int | None) -> None:
        if done % JOB_PROGRESS_EVERY == 0:
            _update_job(deps, batch_id, claims_done=done)

    try:
        report = receive_837(
            deps,
            body.path,
            organization_id=organization_id,
            submitted_by=submitted_by,
            progress=progress,
            batch_id=batch_id,
        )
        _update_job(deps, batch_id, status="done", claims_done=len(report.claims))
    except BatchRefused as exc:
        where = issue_public(exc.issue) if exc.issue is not None else None
        error = json.dumps({"detail": str(exc), "error": where})
        _update_job(deps, batch_id, status="refused", error=error)
    except Exception as exc:  # noqa: BLE001 - the job says it failed; the server lives on
        log.error("background batch %s failed: %s", batch_id, describe_error(exc))
        error = json.dumps({"detail": "the batch could not be read: " + describe_error(exc)})
        _update_job(deps, batch_id, status="failed", error=error)
    finally:
        body.discard()


def _update_job(deps: IntakeDeps, batch_id: str, **values: Any) -> None:
    with deps.engine.begin() as conn:
        conn.execute(
            batch_jobs.update()
            .where(batch_jobs.c.batch_id == batch_id)
            .values(**values, updated_at=deps.clock())
        )


def _job_public(job: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "batch_id": job["batch_id"],
        "status": job["status"],
        "bytes": job["bytes"],
        "claims_done": job["claims_done"],
        "received_at": job["received_at"].isoformat(),
    }
    if job["error"]:
        answer.update(json.loads(job["error"]))
    return answer


def find_job(conn: Connection, organization_id: str, batch_id: str) -> dict[str, Any] | None:
    """A background batch of the organization as JSON (None: not its, or none)."""
    row = conn.execute(
        sa.select(batch_jobs).where(
            batch_jobs.c.batch_id == batch_id, batch_jobs.c.organization_id == organization_id
        )
    ).first()
    return _job_public(row._mapping) if row is not None else None
