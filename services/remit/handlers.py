"""Remit command handlers: an 835 file posted claim by claim, a payment matched by hand.

`post_remittance_file` is the whole path of an 835 (from `revcycle ingest`, the API or a
clearinghouse poller):

1. read the file once (`scan_835`): unreadable amounts or anything that does not balance
   refuses the file whole, with a report naming each problem; nothing is recorded;
2. each transaction set becomes a remittance whose id is derived from the organization,
   the file's SHA-256 and the set's place in it: the same file again finds it (complete:
   every payment is a duplicate; unfinished after a crash: posting resumes where it
   stopped). A resent check (same payer and trace number, other bytes) whose payments were
   all taken before records nothing and says duplicate;
3. the claim payments are posted in chunks, one transaction each (the event store's append
   lock is held for a transaction: kept short), each payment with its row in
   `remit_claim_payments` and its key in `remit_payment_keys`, so a payment is posted
   once, however often the file arrives and wherever it stopped;
4. `remittance.posted` closes the remittance, then its deposit is looked for.

A claim payment's result: `posted` (and the event it became), `unmatched` (kept on the
remittance stream, listed by `GET /v1/remittances/unmatched`), `duplicate` (posted before,
from this or another file: `duplicate_of` says which remittance), `not_posted` (a
predetermination: no money moves); in a refused file `out_of_balance` or `refused`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from services.remit import deposits as deposit_handlers
from services.remit.adapters.x12_835 import (
    FileScan,
    RemittanceHeader,
    read_835,
    scan_835,
)
from services.remit.commands import (
    CompleteRemittance,
    Contract,
    HoldUnmatched,
    PostClaimPayment,
    ReceiveRemittance,
    RecordManualMatch,
    RemittanceRef,
)
from services.remit.config import RemitSettings
from services.remit.denials import DenialTable, DenialTableError, DenialTableSource
from services.remit.domain import (
    CLAIM,
    ChargeMismatch,
    ClaimNotCreated,
    ClaimState,
    NotAPayment,
    ReversalWithoutPosting,
)
from services.remit.fee_schedules import find_fee_schedule
from services.remit.matching import (
    Candidate,
    ClaimMatch,
    candidates_by_pcn,
    find_claim,
    match_by_pcn,
)
from services.remit.projections import add_payer_claim_number
from services.remit.remittance_domain import REMITTANCE, NotUnmatched
from services.remit.tables import claim_numbers, claim_payments, payment_keys, remittances
from shared.events.base import Event
from shared.events.envelope import EventEnvelope
from shared.events.registry import to_envelopes
from shared.events.remittance import (
    ClaimPaymentRecord,
    RemittanceClaimMatched,
    RemittanceClaimUnmatched,
    RemittancePosted,
    RemittanceReceived,
    RemittanceTotals,
    SourceFile,
)
from shared.eventstore.interface import ConcurrencyError
from shared.eventstore.sql import SqlEventStore
from shared.kernel import UnitOfWork
from shared.kernel.unit_of_work import OrganizationMismatch

PRODUCER = "remit"
ZERO = Decimal("0.00")
Progress = Callable[[int, int | None], None]


@dataclass
class RemitDeps:
    """What the handlers need, wired by bootstrap."""

    engine: Engine
    store: SqlEventStore
    clock: Callable[[], datetime]
    settings: RemitSettings
    denials: DenialTableSource

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.store, producer=PRODUCER, clock=self.clock)


def remittance_id_for(organization_id: str, sha256: str, set_index: int) -> str:
    """The remittance id of a file's n-th 835: the same file is the same remittance."""
    digest = hashlib.sha256(f"{organization_id}\x1f{sha256}\x1f{set_index}".encode()).hexdigest()
    return f"rmt_{digest[:32]}"


def payment_key(header: RemittanceHeader, record: ClaimPaymentRecord, occurrence: int) -> str:
    """What makes a claim payment the same payment: payer, check/EFT, claim, amounts."""
    parts = [
        header.payer_key,
        header.trace_number,
        record.patient_control_number,
        record.payer_claim_number or "",
        record.claim_status_code,
        format(record.charge_amount, "f"),
        format(record.paid_amount, "f"),
        str(occurrence),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


# --- the answer ------------------------------------------------------------------------------


@dataclass
class ClaimResult:
    index: int
    patient_control_number: str
    payer_claim_number: str | None
    status_code: str
    charge: Decimal
    paid: Decimal
    result: str
    claim_id: str | None = None
    event_type: str | None = None
    reason: str | None = None
    duplicate_of: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "patient_control_number": self.patient_control_number,
            "payer_claim_number": self.payer_claim_number,
            "status_code": self.status_code,
            "charge": format(self.charge, "f"),
            "paid": format(self.paid, "f"),
            "result": self.result,
            "claim_id": self.claim_id,
            "event_type": self.event_type,
            "reason": self.reason,
            "duplicate_of": self.duplicate_of,
        }


@dataclass
class RemittanceResult:
    header: RemittanceHeader
    remittance_id: str | None
    claims: list[ClaimResult] = field(default_factory=list)
    duplicate_of: str | None = None

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for claim in self.claims:
            out[claim.result] = out.get(claim.result, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        h = self.header
        return {
            "remittance_id": self.remittance_id,
            "duplicate_of": self.duplicate_of,
            "payer": {"id": h.payer_id, "name": h.payer_name},
            "payee": {"name": h.payee_name, "npi": h.payee_npi},
            "trace_number": h.trace_number,
            "payment_method": h.payment_method,
            "payment_date": h.payment_date.isoformat() if h.payment_date else None,
            "payment_amount": format(h.payment_amount, "f")
            if h.payment_amount is not None
            else None,
            "totals": {
                "claims": h.claim_count,
                "charge": format(h.total_charge, "f"),
                "paid": format(h.total_paid, "f"),
                "patient_responsibility": format(h.total_patient_responsibility, "f"),
                "provider_adjustments": format(h.provider_adjustment_total, "f"),
            },
            "provider_adjustments": [p.model_dump(mode="json") for p in h.provider_adjustments],
            "counts": self.counts(),
            "claims": [c.to_dict() for c in self.claims],
        }


@dataclass
class PostingReport:
    """What happened to one file (the answer of the CLI and `POST /v1/remittances`)."""

    file: str
    sha256: str
    status: str  # posted | partial | duplicate | refused
    remittances: list[RemittanceResult] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    imbalances: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every payment posted or recognised as a duplicate (a predetermination moves none)."""
        return self.status in ("posted", "duplicate")

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for remittance in self.remittances:
            for key, value in remittance.counts().items():
                out[key] = out.get(key, 0) + value
        return out

    def summary(self) -> str:
        if self.status == "refused":
            what = f"{len(self.imbalances)} imbalance(s)" if self.imbalances else "unreadable"
            return f"refused whole ({what}); nothing posted"
        counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(self.counts().items()))
        return f"{self.status}: {len(self.remittances)} remittance(s), {counts or 'no claims'}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "status": self.status,
            "ok": self.ok,
            "counts": self.counts(),
            "remittances": [r.to_dict() for r in self.remittances],
            "imbalances": self.imbalances,
            "problems": self.problems,
            "warnings": self.warnings,
        }


# --- posting a file --------------------------------------------------------------------------


@dataclass
class _Pending:
    """One remittance being posted: its id and the claims waiting for the next chunk."""

    result: RemittanceResult
    ref: RemittanceRef
    contracts: dict[str, Contract | None] = field(default_factory=dict)
    occurrences: dict[tuple[str, ...], int] = field(default_factory=dict)


def post_remittance_file(
    deps: RemitDeps,
    path: Path,
    *,
    organization_id: str,
    submitted_by: str,
    name: str | None = None,
    progress: Progress | None = None,
) -> PostingReport:
    """Check the whole file, then post it (resuming where an earlier attempt stopped)."""
    progress = progress or (lambda done, total: None)
    keys: dict[int, list[str]] = {}
    seen: dict[tuple[int, tuple[str, ...]], int] = {}

    def collect(header: RemittanceHeader, index: int, record: ClaimPaymentRecord) -> None:
        identity = _identity(record)
        occurrence = seen.get((header.set_index, identity), 0) + 1
        seen[(header.set_index, identity)] = occurrence
        keys.setdefault(header.set_index, []).append(payment_key(header, record, occurrence))

    scan = scan_835(path, name, also=collect)
    report = PostingReport(
        file=scan.name,
        sha256=scan.sha256,
        status="refused",
        warnings=list(scan.warnings),
        problems=[p.to_dict() for p in scan.problems],
        imbalances=[i.to_dict() for i in scan.imbalances],
    )
    if not scan.ok:
        report.remittances = [RemittanceResult(h, None) for h in scan.remittances]
        _refused_claims(path, scan, report)
        return report
    try:
        table = deps.denials.current()
    except DenialTableError as exc:
        report.problems.append({"message": str(exc)})
        report.remittances = [RemittanceResult(h, None) for h in scan.remittances]
        return report
    if deps.denials.last_error is not None:
        report.warnings.append(f"{deps.denials.last_error}; the previous table is in use")

    pending: dict[int, _Pending] = {}
    for header in scan.remittances:
        pending[header.set_index] = _open(deps, scan, header, organization_id, keys)
    report.remittances = [p.result for p in pending.values()]
    total = scan.claim_count
    done = 0
    chunk: list[tuple[int, int, ClaimPaymentRecord]] = []

    def flush() -> None:
        nonlocal done
        if chunk:
            _post_chunk(deps, organization_id, pending, chunk, table)
            done += len(chunk)
            chunk.clear()
            progress(done, total)

    def sink(header: RemittanceHeader, index: int, record: ClaimPaymentRecord) -> None:
        state = pending[header.set_index]
        if state.result.remittance_id is None:  # a whole duplicate: nothing to post
            done_claim = _claim_result(record, index, "duplicate")
            done_claim.duplicate_of = state.result.duplicate_of
            state.result.claims.append(done_claim)
            return
        chunk.append((header.set_index, index, record))
        if len(chunk) >= deps.settings.remit_posting_chunk:
            flush()

    progress(0, total)
    read_835(path, sink)
    flush()
    for state in pending.values():
        if state.result.remittance_id is not None:
            _complete(deps, organization_id, state)
    report.status = _status(report)
    return report


def _identity(record: ClaimPaymentRecord) -> tuple[str, ...]:
    return (
        record.patient_control_number,
        record.payer_claim_number or "",
        record.claim_status_code,
        format(record.charge_amount, "f"),
        format(record.paid_amount, "f"),
    )


def _status(report: PostingReport) -> str:
    counts = report.counts()
    if counts.get("unmatched"):
        return "partial"
    if counts.get("posted") or not counts.get("duplicate"):
        return "posted"
    return "duplicate"


def _claim_result(record: ClaimPaymentRecord, index: int, result: str) -> ClaimResult:
    return ClaimResult(
        index=index,
        patient_control_number=record.patient_control_number,
        payer_claim_number=record.payer_claim_number,
        status_code=record.claim_status_code,
        charge=record.charge_amount,
        paid=record.paid_amount,
        result=result,
    )


def _refused_claims(path: Path, scan: FileScan, report: PostingReport) -> None:
    """Every claim of a refused file: out_of_balance when it is one of the imbalances."""
    unbalanced = {(i.set_index, i.claim_index) for i in scan.imbalances if i.claim_index}
    by_set = {r.header.set_index: r for r in report.remittances}
    if scan.problems and not scan.remittances:
        return

    def sink(header: RemittanceHeader, index: int, record: ClaimPaymentRecord) -> None:
        result = "out_of_balance" if (header.set_index, index) in unbalanced else "refused"
        target = by_set.get(header.set_index)
        if target is not None:
            target.claims.append(_claim_result(record, index, result))

    read_835(path, sink)


def _open(
    deps: RemitDeps,
    scan: FileScan,
    header: RemittanceHeader,
    organization_id: str,
    keys: dict[int, list[str]],
) -> _Pending:
    """The remittance of one transaction set: found again, a whole duplicate, or recorded."""
    remittance_id = remittance_id_for(organization_id, scan.sha256, header.set_index)
    assert header.payment_date is not None and header.payment_amount is not None
    ref = RemittanceRef(
        remittance_id=remittance_id,
        trace_number=header.trace_number,
        payer_id=header.payer_id,
        payer_name=header.payer_name or None,
        payment_date=header.payment_date,
        payment_method=header.payment_method or None,
    )
    result = RemittanceResult(header, remittance_id)
    with deps.engine.begin() as conn:
        row = conn.execute(
            sa.select(remittances.c.status).where(
                remittances.c.organization_id == organization_id,
                remittances.c.remittance_id == remittance_id,
            )
        ).first()
        if row is not None and row[0] == "complete":
            # The same file again: every payment was handled when it first came.
            result.remittance_id, result.duplicate_of = None, remittance_id
            return _Pending(result, ref)
        if row is None:
            original = _all_seen_before(conn, organization_id, keys.get(header.set_index, []))
            if original is not None:
                result.remittance_id, result.duplicate_of = None, original
                return _Pending(result, ref)
            uow = deps.unit_of_work().bound(conn)
            uow.run(
                REMITTANCE,
                remittance_id,
                ReceiveRemittance(_received(scan, header, remittance_id, organization_id)),
                organization_id=organization_id,
            )
            conn.execute(
                remittances.insert().values(
                    organization_id=organization_id,
                    remittance_id=remittance_id,
                    file_sha256=scan.sha256,
                    set_index=header.set_index,
                    file_name=scan.name[:255],
                    payer_id=header.payer_id[:80],
                    payer_name=header.payer_name[:200],
                    trace_number=header.trace_number[:50],
                    payment_amount=format(_signed_payment(header), "f"),
                    payment_method=header.payment_method[:10],
                    payment_date=header.payment_date,
                    claim_count=header.claim_count,
                    status="posting",
                    created_at=deps.clock(),
                )
            )
    return _Pending(result, ref)


def _signed_payment(header: RemittanceHeader) -> Decimal:
    assert header.payment_amount is not None
    return -header.payment_amount if header.credit_debit == "D" else header.payment_amount


def _all_seen_before(conn: Connection, organization_id: str, keys: list[str]) -> str | None:
    """The remittance that took every one of these payments already (a resent check)."""
    if not keys:
        return None
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        batch = keys[start : start + 500]
        rows = conn.execute(
            sa.select(payment_keys.c.dedup_key, payment_keys.c.remittance_id).where(
                payment_keys.c.organization_id == organization_id,
                payment_keys.c.dedup_key.in_(batch),
            )
        ).all()
        if len(rows) != len(batch):
            return None
        found.update(r[1] for r in rows)
    return sorted(found)[0] if found else None


def _received(
    scan: FileScan, header: RemittanceHeader, remittance_id: str, organization_id: str
) -> RemittanceReceived:
    assert header.payment_date is not None
    return RemittanceReceived(
        remittance_id=remittance_id,
        organization_id=organization_id,
        payer_id=header.payer_id or header.payer_name,
        payer_name=header.payer_name or header.payer_id,
        payer_tax_id=header.trace_originator,
        payee_name=header.payee_name,
        payee_npi=header.payee_npi,
        payment_method=header.payment_method,
        handling_code=header.handling_code,
        trace_number=header.trace_number,
        payment_amount=_signed_payment(header),
        payment_date=header.payment_date,
        production_date=header.production_date,
        claim_count=header.claim_count,
        totals=RemittanceTotals(
            claims_paid=header.total_paid,
            charge=header.total_charge,
            patient_responsibility=header.total_patient_responsibility,
            provider_adjustments=header.provider_adjustment_total,
        ),
        provider_adjustments=tuple(header.provider_adjustments),
        source=SourceFile(
            name=scan.name,
            sha256=scan.sha256,
            set_index=header.set_index,
            interchange_control_number=header.interchange_control_number,
            transaction_set_control_number=header.transaction_set_control_number,
        ),
    )


def _contract(
    conn: Connection, deps: RemitDeps, organization_id: str, payer_id: str
) -> Contract | None:
    stored = find_fee_schedule(conn, organization_id, payer_id)
    if stored is None:
        return None
    tolerance = stored.schedule.tolerance
    return Contract(
        stored.schedule,
        tolerance if tolerance is not None else deps.settings.remit_underpayment_tolerance,
    )


def _post_chunk(
    deps: RemitDeps,
    organization_id: str,
    pending: dict[int, _Pending],
    chunk: list[tuple[int, int, ClaimPaymentRecord]],
    table: DenialTable,
) -> None:
    """Post a chunk of claim payments in one transaction (skipping those already handled).

    What the chunk needs from the database is asked once for the whole chunk: the payments
    it already handled (a resumed file), the duplicate keys taken before, the claims of its
    patient control numbers, the streams of the claims they match; each payment is decided
    on the claim as loaded (and as the chunk's earlier payments left it), and the chunk's
    events are appended to all its claims at once, with the rows recording each payment.
    One transaction per chunk, as before: the kill -9 and duplicate guarantees are
    unchanged. When another service appended to one of the claims meanwhile (a conflict),
    the chunk is rolled back and posted again claim by claim (a unit of work each, which
    reloads and decides again on a conflict).
    """
    occurrences = {set_index: dict(p.occurrences) for set_index, p in pending.items()}
    try:
        results = _post_chunk_once(deps, organization_id, pending, chunk, table, deferred=True)
    except ConcurrencyError:
        for set_index, seen in occurrences.items():
            pending[set_index].occurrences = seen
        results = _post_chunk_once(deps, organization_id, pending, chunk, table, deferred=False)
    for state, result in results:
        state.result.claims.append(result)


def _post_chunk_once(
    deps: RemitDeps,
    organization_id: str,
    pending: dict[int, _Pending],
    chunk: list[tuple[int, int, ClaimPaymentRecord]],
    table: DenialTable,
    *,
    deferred: bool,
) -> list[tuple[_Pending, ClaimResult]]:
    results: list[tuple[_Pending, ClaimResult]] = []
    with deps.engine.begin() as conn:
        by_remittance: dict[str, set[int]] = {}
        for set_index, index, _ in chunk:
            rid = pending[set_index].result.remittance_id
            assert rid is not None
            by_remittance.setdefault(rid, set()).add(index)
        handled = _handled(conn, organization_id, by_remittance)
        todo: list[tuple[_Pending, int, ClaimPaymentRecord, str]] = []
        for set_index, index, record in chunk:
            state = pending[set_index]
            rid = state.result.remittance_id
            assert rid is not None
            identity = _identity(record)
            occurrence = state.occurrences.get(identity, 0) + 1
            state.occurrences[identity] = occurrence
            earlier = handled.get((rid, index))
            if earlier is not None:
                results.append((state, earlier.as_result(record, index)))
                continue
            todo.append(
                (state, index, record, payment_key(state.result.header, record, occurrence))
            )
        if not todo:
            return results
        batch = _ChunkBatch(
            seen_keys=_seen_keys(conn, organization_id, [key for *_, key in todo]),
            by_pcn=candidates_by_pcn(
                conn, organization_id, (record.patient_control_number for _, _, record, _ in todo)
            ),
            numbers=_known_numbers(
                conn, organization_id, {r.payer_claim_number for _, _, r, _ in todo} - {None}
            ),
        )
        # The claims their patient control numbers settle on: their streams in one query.
        for state, _, record, _ in todo:
            match = match_by_pcn(
                record, batch.by_pcn[record.patient_control_number], _payer_ids(state)
            )
            if match is not None and match.claim_id is not None:
                batch.matches[id(record)] = match
        uow = deps.unit_of_work().bound(conn)
        claims = _ChunkClaims(deps, conn, uow, deferred=deferred)
        claims.preload([m.claim_id for m in batch.matches.values() if m.claim_id])
        for state, index, record, key in todo:
            result = _post_one(
                deps, conn, uow, claims, organization_id, state, index, record, key, table, batch
            )
            results.append((state, result))
        claims.flush()
        batch.write(conn)
    return results


class _ChunkClaims:
    """The claims a chunk posts to: loaded together, decided in memory, appended together.

    `run` is a unit of work's `run` for the claim aggregate without its round trips: the
    claim's stream comes from one query for the whole chunk (or, for a claim matched later,
    its own), `decide` runs on the state the chunk's earlier payments left, and the events
    wait for `flush`, which appends every claim's events at once (the store checks each
    claim's version then: a conflict raises, nothing is written). With `deferred=False` each
    run is an ordinary unit of work (appended at once, retried on a conflict)."""

    def __init__(
        self, deps: RemitDeps, conn: Connection, uow: UnitOfWork, *, deferred: bool
    ) -> None:
        self.deps, self.conn, self.uow, self.deferred = deps, conn, uow, deferred
        self.states: dict[str, tuple[ClaimState, int, str | None]] = {}
        self.first_version: dict[str, int] = {}
        self.waiting: dict[str, list[EventEnvelope]] = {}

    def preload(self, claim_ids: list[str]) -> None:
        if not self.deferred:
            return
        for claim_id, envelopes in self.deps.store.load_streams_in(self.conn, claim_ids).items():
            self.states[claim_id] = _folded(claim_id, envelopes)

    def run(self, claim_id: str, command: PostClaimPayment, organization_id: str) -> list[Event]:
        if not self.deferred:
            done = self.uow.run(CLAIM, claim_id, command, organization_id=organization_id)
            return list(done.events)
        if claim_id not in self.states:
            envelopes = self.deps.store.load_in(self.conn, claim_id)
            self.states[claim_id] = _folded(claim_id, envelopes)
        state, version, owner = self.states[claim_id]
        if owner is not None and owner != organization_id:
            raise OrganizationMismatch(claim_id, organization_id)
        now = self.deps.clock()
        events = list(CLAIM.decide(state, command, now))
        if not events:
            return events
        envelopes = to_envelopes(
            events,
            expected_version=version,
            occurred_at=now,
            organization_id=owner or organization_id,
            producer=PRODUCER,
        )
        self.first_version.setdefault(claim_id, version)
        self.waiting.setdefault(claim_id, []).extend(envelopes)
        self.states[claim_id] = (
            CLAIM.fold(claim_id, events, state),
            version + len(events),
            owner or organization_id,
        )
        return events

    def flush(self) -> None:
        if self.waiting:
            self.deps.store.append_streams_in(
                self.conn,
                [(cid, self.first_version[cid], events) for cid, events in self.waiting.items()],
            )
            self.waiting.clear()


def _folded(
    claim_id: str, envelopes: Sequence[EventEnvelope]
) -> tuple[ClaimState, int, str | None]:
    """A claim's state, version and organization from its stored events."""
    return (
        CLAIM.fold_envelopes(claim_id, envelopes),
        envelopes[-1].stream_version if envelopes else 0,
        envelopes[0].organization_id if envelopes else None,
    )


def _payer_ids(state: _Pending) -> list[str]:
    header = state.result.header
    return [header.payer_id, header.trace_originator or ""]


def _seen_keys(conn: Connection, organization_id: str, keys: list[str]) -> dict[str, str]:
    """The duplicate keys among `keys` already taken, and the remittance that took each."""
    out: dict[str, str] = {}
    for start in range(0, len(keys), 500):
        rows = conn.execute(
            sa.select(payment_keys.c.dedup_key, payment_keys.c.remittance_id).where(
                payment_keys.c.organization_id == organization_id,
                payment_keys.c.dedup_key.in_(keys[start : start + 500]),
            )
        )
        out.update({str(k): str(r) for k, r in rows})
    return out


def _known_numbers(
    conn: Connection, organization_id: str, numbers: set[str | None]
) -> set[tuple[str, str]]:
    """The (payer claim number, claim) pairs already known among these numbers."""
    wanted = sorted(n for n in numbers if n)
    out: set[tuple[str, str]] = set()
    for start in range(0, len(wanted), 500):
        rows = conn.execute(
            sa.select(claim_numbers.c.payer_claim_number, claim_numbers.c.claim_id).where(
                claim_numbers.c.organization_id == organization_id,
                claim_numbers.c.payer_claim_number.in_(wanted[start : start + 500]),
            )
        )
        out.update((str(n), str(c)) for n, c in rows)
    return out


@dataclass
class _ChunkBatch:
    """A chunk's lookups, made once, and the rows recording its payments, written once."""

    seen_keys: dict[str, str]
    by_pcn: dict[str, list[Candidate]]
    numbers: set[tuple[str, str]]  # (payer claim number, claim) known or added
    matches: dict[int, ClaimMatch] = field(default_factory=dict)  # id(record) -> match
    payment_rows: list[dict[str, Any]] = field(default_factory=list)
    key_rows: list[dict[str, Any]] = field(default_factory=list)
    number_rows: list[dict[str, Any]] = field(default_factory=list)

    def write_numbers(self, conn: Connection) -> None:
        if self.number_rows:
            conn.execute(claim_numbers.insert(), self.number_rows)
            self.number_rows = []

    def write(self, conn: Connection) -> None:
        self.write_numbers(conn)
        if self.payment_rows:
            conn.execute(claim_payments.insert(), self.payment_rows)
        if self.key_rows:
            conn.execute(payment_keys.insert(), self.key_rows)


@dataclass(frozen=True)
class _Handled:
    result: str
    claim_id: str | None
    event_type: str | None
    duplicate_of: str | None
    reason: str | None

    def as_result(self, record: ClaimPaymentRecord, index: int) -> ClaimResult:
        out = _claim_result(record, index, self.result)
        out.claim_id, out.event_type = self.claim_id, self.event_type
        out.duplicate_of, out.reason = self.duplicate_of, self.reason
        return out


def _handled(
    conn: Connection, organization_id: str, wanted: dict[str, set[int]]
) -> dict[tuple[str, int], _Handled]:
    out: dict[tuple[str, int], _Handled] = {}
    for rid, indexes in wanted.items():
        rows = conn.execute(
            sa.select(claim_payments).where(
                claim_payments.c.organization_id == organization_id,
                claim_payments.c.remittance_id == rid,
                claim_payments.c.claim_index.in_(sorted(indexes)),
            )
        )
        for row in rows:
            out[(rid, row.claim_index)] = _Handled(
                row.result,
                row.claim_id,
                row.event_type,
                row.duplicate_of,
                (row.summary or {}).get("reason"),
            )
    return out


def _post_one(
    deps: RemitDeps,
    conn: Connection,
    uow: UnitOfWork,
    claims: _ChunkClaims,
    organization_id: str,
    state: _Pending,
    index: int,
    record: ClaimPaymentRecord,
    key: str,
    table: DenialTable,
    batch: _ChunkBatch,
) -> ClaimResult:
    rid = state.result.remittance_id
    assert rid is not None
    out = _claim_result(record, index, "posted")
    seen = batch.seen_keys.get(key)
    if seen is not None and seen != rid:
        out.result, out.duplicate_of = "duplicate", seen
        _record(deps, batch, organization_id, rid, index, key, out, keep_key=False)
        return out
    if record.claim_status_code == "25":
        out.result, out.reason = "not_posted", "predetermination of benefits: no money moves"
        _record(deps, batch, organization_id, rid, index, key, out, keep_key=True)
        return out
    match = batch.matches.get(id(record))
    if match is None:
        batch.write_numbers(conn)  # the lookups below may match by a number just learned
    match = match or find_claim(
        conn,
        organization_id,
        record,
        _payer_ids(state),
        by_pcn=batch.by_pcn.get(record.patient_control_number),
    )
    reason = match.reason
    candidates = match.candidates
    if match.claim_id is not None:
        payer = match.payer_id or ""
        if payer not in state.contracts:
            state.contracts[payer] = _contract(conn, deps, organization_id, payer)
        command = PostClaimPayment(
            remittance=state.ref,
            claim_index=index,
            payment=record,
            matched_by=match.matched_by or "patient_control_number",
            denials=table,
            contract=state.contracts[payer],
        )
        try:
            events = claims.run(match.claim_id, command, organization_id)
        except NotAPayment as exc:
            out.result, out.reason = "not_posted", str(exc)
            _record(deps, batch, organization_id, rid, index, key, out, keep_key=True)
            return out
        except (ReversalWithoutPosting, ClaimNotCreated) as exc:
            reason, candidates = str(exc), (match.claim_id,)
        else:
            out.claim_id = match.claim_id
            out.event_type = events[0].event_type if events else None
            number = record.payer_claim_number
            if number and (number, match.claim_id) not in batch.numbers:
                # Written before any later payment of the chunk is looked up in the database
                # (it may be matched by this number), else with the chunk's other rows.
                batch.numbers.add((number, match.claim_id))
                batch.number_rows.append(
                    {
                        "organization_id": organization_id,
                        "payer_claim_number": number,
                        "claim_id": match.claim_id,
                    }
                )
            _record(deps, batch, organization_id, rid, index, key, out, keep_key=True)
            return out
    out.result, out.reason = "unmatched", reason
    ref = state.ref
    uow.run(
        REMITTANCE,
        rid,
        HoldUnmatched(
            RemittanceClaimUnmatched(
                remittance_id=rid,
                claim_index=index,
                trace_number=ref.trace_number,
                payer_id=ref.payer_id,
                payer_name=ref.payer_name,
                payment_date=ref.payment_date,
                reason=reason or "no claim fits",
                candidate_claim_ids=candidates,
                payment=record,
            )
        ),
        organization_id=organization_id,
    )
    _record(deps, batch, organization_id, rid, index, key, out, keep_key=True, payment=record)
    return out


def _record(
    deps: RemitDeps,
    batch: _ChunkBatch,
    organization_id: str,
    remittance_id: str,
    index: int,
    key: str,
    result: ClaimResult,
    *,
    keep_key: bool,
    payment: ClaimPaymentRecord | None = None,
) -> None:
    summary: dict[str, Any] = {
        "reason": result.reason,
        "patient_control_number": result.patient_control_number,
        "payer_claim_number": result.payer_claim_number,
        "status_code": result.status_code,
        "charge": format(result.charge, "f"),
    }
    if payment is not None:
        summary["patient_responsibility"] = (
            format(payment.patient_responsibility, "f")
            if payment.patient_responsibility is not None
            else None
        )
        summary["last_name"] = payment.last_name
        summary["first_name"] = payment.first_name
        summary["statement_from"] = (
            payment.statement_from.isoformat() if payment.statement_from else None
        )
    batch.payment_rows.append(
        {
            "organization_id": organization_id,
            "remittance_id": remittance_id,
            "claim_index": index,
            "dedup_key": key,
            "result": result.result,
            "claim_id": result.claim_id,
            "event_type": result.event_type,
            "paid": format(result.paid, "f"),
            "summary": summary,
            "duplicate_of": result.duplicate_of,
            "updated_at": deps.clock(),
        }
    )
    if keep_key:
        batch.seen_keys[key] = remittance_id
        batch.key_rows.append(
            {
                "organization_id": organization_id,
                "dedup_key": key,
                "remittance_id": remittance_id,
                "claim_index": index,
            }
        )


def _complete(deps: RemitDeps, organization_id: str, state: _Pending) -> None:
    rid = state.result.remittance_id
    assert rid is not None
    with deps.engine.begin() as conn:
        rows = conn.execute(
            sa.select(claim_payments.c.result, claim_payments.c.paid).where(
                claim_payments.c.organization_id == organization_id,
                claim_payments.c.remittance_id == rid,
            )
        ).all()
        count: dict[str, int] = {}
        paid: dict[str, Decimal] = {}
        for result, amount in rows:
            bucket = "posted" if result == "matched" else result
            count[bucket] = count.get(bucket, 0) + 1
            paid[bucket] = paid.get(bucket, ZERO) + Decimal(amount)
        uow = deps.unit_of_work().bound(conn)
        uow.run(
            REMITTANCE,
            rid,
            CompleteRemittance(
                RemittancePosted(
                    remittance_id=rid,
                    posted=count.get("posted", 0),
                    unmatched=count.get("unmatched", 0),
                    duplicates=count.get("duplicate", 0),
                    not_posted=count.get("not_posted", 0),
                    posted_paid=paid.get("posted", ZERO),
                    unmatched_paid=paid.get("unmatched", ZERO),
                    duplicate_paid=paid.get("duplicate", ZERO),
                )
            ),
            organization_id=organization_id,
        )
        conn.execute(
            remittances.update()
            .where(
                remittances.c.organization_id == organization_id,
                remittances.c.remittance_id == rid,
                remittances.c.status != "complete",
            )
            .values(status="complete", completed_at=deps.clock())
        )
        deposit_handlers.reassociate(uow, organization_id, state.ref.trace_number)


# --- matching by hand ------------------------------------------------------------------------


class NotFound(LookupError):
    pass


@dataclass(frozen=True)
class ManualMatchResult:
    remittance_id: str
    claim_index: int
    claim_id: str
    event_types: tuple[str, ...]
    paid: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "remittance_id": self.remittance_id,
            "claim_index": self.claim_index,
            "claim_id": self.claim_id,
            "result": "posted",
            "events": list(self.event_types),
            "paid": format(self.paid, "f"),
        }


def match_by_hand(
    deps: RemitDeps,
    *,
    organization_id: str,
    remittance_id: str,
    claim_index: int,
    claim_id: str,
    matched_by: str,
) -> ManualMatchResult:
    """Post an unmatched claim payment to the claim a person chose; one transaction.

    NotFound for an unknown remittance, payment or claim (or another organization's);
    a DomainError when it is not unmatched (any more) or cannot be posted to that claim.
    """
    with deps.engine.begin() as conn:
        uow = deps.unit_of_work().bound(conn)
        loaded = uow.load(REMITTANCE, remittance_id)
        if loaded.organization_id != organization_id or loaded.state.received is None:
            raise NotFound(f"remittance {remittance_id} not found")
        held = loaded.state.unmatched.get(claim_index)
        if held is None:
            raise NotFound(
                f"remittance {remittance_id} has no unmatched claim payment {claim_index}"
            )
        if claim_index in loaded.state.matched:
            raise NotUnmatched(
                remittance_id,
                claim_index,
                f"was already matched to claim {loaded.state.matched[claim_index].claim_id}",
            )
        claim = uow.load(CLAIM, claim_id)
        if claim.organization_id != organization_id or claim.state.content is None:
            raise NotFound(f"claim {claim_id} not found")
        received = loaded.state.received
        ref = RemittanceRef(
            remittance_id=remittance_id,
            trace_number=received.trace_number,
            payer_id=received.payer_id,
            payer_name=received.payer_name,
            payment_date=received.payment_date,
            payment_method=received.payment_method,
        )
        billed, charged = claim.state.content.total_charge, held.payment.charge_amount
        if held.payment.claim_status_code != "22" and charged != billed:
            # The payment pays another bill (a reversal's charge is negative: it is checked
            # against the posting it undoes instead).
            raise ChargeMismatch(claim_id, billed, charged)
        payer = claim.state.content.payer.payer_id
        command = PostClaimPayment(
            remittance=ref,
            claim_index=claim_index,
            payment=held.payment,
            matched_by="manual",
            denials=deps.denials.current(),
            contract=_contract(conn, deps, organization_id, payer),
        )
        posted = uow.run(CLAIM, claim_id, command, organization_id=organization_id)
        if not posted.events:
            raise NotUnmatched(remittance_id, claim_index, f"is already posted to claim {claim_id}")
        uow.run(
            REMITTANCE,
            remittance_id,
            RecordManualMatch(
                RemittanceClaimMatched(
                    remittance_id=remittance_id,
                    claim_index=claim_index,
                    claim_id=claim_id,
                    matched_by=matched_by,
                    posted_as=posted.events[0].event_type,
                    paid_amount=held.payment.paid_amount,
                )
            ),
        )
        conn.execute(
            claim_payments.update()
            .where(
                claim_payments.c.organization_id == organization_id,
                claim_payments.c.remittance_id == remittance_id,
                claim_payments.c.claim_index == claim_index,
            )
            .values(
                result="matched",
                claim_id=claim_id,
                event_type=posted.events[0].event_type,
                updated_at=deps.clock(),
            )
        )
        if held.payment.payer_claim_number:
            add_payer_claim_number(conn, organization_id, held.payment.payer_claim_number, claim_id)
    return ManualMatchResult(
        remittance_id,
        claim_index,
        claim_id,
        tuple(e.event_type for e in posted.events),
        held.payment.paid_amount,
    )


def list_unmatched(conn: Connection, organization_id: str) -> list[dict[str, Any]]:
    """Claim payments no claim was found for, oldest remittance first, with their amounts."""
    query = (
        sa.select(
            claim_payments,
            remittances.c.trace_number,
            remittances.c.payer_id,
            remittances.c.payer_name,
            remittances.c.payment_date,
        )
        .join(
            remittances,
            (remittances.c.organization_id == claim_payments.c.organization_id)
            & (remittances.c.remittance_id == claim_payments.c.remittance_id),
        )
        .where(
            claim_payments.c.organization_id == organization_id,
            claim_payments.c.result == "unmatched",
        )
        .order_by(
            remittances.c.payment_date, remittances.c.remittance_id, claim_payments.c.claim_index
        )
    )
    out = []
    for row in conn.execute(query):
        summary = row.summary or {}
        out.append(
            {
                "remittance_id": row.remittance_id,
                "claim_index": row.claim_index,
                "trace_number": row.trace_number,
                "payer": {"id": row.payer_id, "name": row.payer_name},
                "payment_date": row.payment_date.isoformat(),
                "patient_control_number": summary.get("patient_control_number"),
                "payer_claim_number": summary.get("payer_claim_number"),
                "status_code": summary.get("status_code"),
                "charge": summary.get("charge"),
                "paid": row.paid,
                "patient_responsibility": summary.get("patient_responsibility"),
                "patient": {
                    "last_name": summary.get("last_name"),
                    "first_name": summary.get("first_name"),
                },
                "statement_from": summary.get("statement_from"),
                "reason": summary.get("reason"),
                "links": {
                    "match": f"/v1/remittances/{row.remittance_id}/claims/{row.claim_index}/match"
                },
            }
        )
    return out


def remittance_report(
    conn: Connection, organization_id: str, remittance_id: str
) -> dict[str, Any] | None:
    """A remittance as recorded: its payment and each claim payment's result."""
    row = conn.execute(
        sa.select(remittances).where(
            remittances.c.organization_id == organization_id,
            remittances.c.remittance_id == remittance_id,
        )
    ).first()
    if row is None:
        return None
    claims = [
        {
            "index": c.claim_index,
            "patient_control_number": (c.summary or {}).get("patient_control_number"),
            "payer_claim_number": (c.summary or {}).get("payer_claim_number"),
            "status_code": (c.summary or {}).get("status_code"),
            "charge": (c.summary or {}).get("charge"),
            "paid": c.paid,
            "result": c.result,
            "claim_id": c.claim_id,
            "event_type": c.event_type,
            "reason": (c.summary or {}).get("reason"),
            "duplicate_of": c.duplicate_of,
        }
        for c in conn.execute(
            sa.select(claim_payments)
            .where(
                claim_payments.c.organization_id == organization_id,
                claim_payments.c.remittance_id == remittance_id,
            )
            .order_by(claim_payments.c.claim_index)
        )
    ]
    return {
        "remittance_id": row.remittance_id,
        "status": row.status,
        "file": {"name": row.file_name, "sha256": row.file_sha256, "set_index": row.set_index},
        "payer": {"id": row.payer_id, "name": row.payer_name},
        "trace_number": row.trace_number,
        "payment_amount": row.payment_amount,
        "payment_method": row.payment_method,
        "payment_date": row.payment_date.isoformat(),
        "claim_count": row.claim_count,
        "deposit_id": row.deposit_id,
        "claims": claims,
    }
