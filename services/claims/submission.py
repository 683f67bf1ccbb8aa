"""Submission: ready claims grouped into 837P/837I files, recorded, then sent to the clearinghouse.

One run (`revcycle claims submit`, `POST /v1/submissions`, the claims worker's schedule):

1. batches an earlier run prepared and never recorded as sent are sent first
   (`sending.send_unsent`);
2. the ready claims (and voids to send) are found in the claims index and loaded from
   their streams, a page of streams per query, each read once: the state folded here is
   the one the file is written from and the submission is decided on; a ready claim past
   its payer's filing limit is flagged (`claim.timely_filing_passed`) instead of sent;
3. the rest are grouped by organization, payer, receiver, billing provider and claim type,
   and cut into transaction sets of at most `CLAIMS_MAX_CLAIMS_PER_SET` claims (5,000, the
   guides' limit), no CLM01 twice in one set (a 277CA names claims by CLM01);
4. each set is written as one 837 file with fresh persisted control numbers (ISA13, GS06,
   ST02), checked by the X12 validator, then recorded in one transaction: `claim.submitted`
   on every claim (one statement for the set, each expecting the version its claim was
   read at: a claim that moved meanwhile rolls the transaction back and the set is
   recorded again without it), `claim_batch.prepared` on the batch stream, the file's bytes;
5. the file is handed to the adapter and `claim_batch.sent` recorded.

A claim that cannot be written as an 837 (the writer names why) stays ready and is
reported; the others go out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from services.claims.commands import BatchRef, CheckTimelyFiling, Submit
from services.claims.deps import ClaimsDeps
from services.claims.domain import CLAIM, ClaimState, ClaimStatus, claim_to_send
from services.claims.sending import (
    BatchLine,
    FixedControlNumbers,
    SentBatch,
    new_batch_ref,
    prepare_batch,
    send_batch,
    send_unsent,
)
from services.claims.tables import claims_index
from services.claims.timely import FilingDeadline, filing_deadline
from shared.claim_model import Claim as LiveClaim
from shared.claim_model import Payer as LivePayer
from shared.events import to_envelopes
from shared.events.claim_batches import BatchTransaction
from shared.events.claim_snapshot import ClaimKind
from shared.events.claim_snapshot_v2 import ClaimSnapshotV2
from shared.events.claim_snapshot_v2 import claim_from_snapshot_v2 as claim_from_snapshot
from shared.events.envelope import EventEnvelope
from shared.eventstore.interface import ConcurrencyError
from shared.exchange.interface import ClearinghouseAdapter
from shared.kernel import DomainError, KernelError
from shared.x12.claim837_writing import ClaimWriteError, Receiver
from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.envelope_writer import EnvelopeError
from shared.x12.validation import validate
from shared.x12.x12_837_005010X222A1.writer import write_837p
from shared.x12.x12_837_005010X223A2.writer import write_837i

Progress = Callable[[int, int | None], None]

SENDABLE = (ClaimStatus.READY.value, ClaimStatus.VOID_PENDING.value)
LOAD_PAGE = 1000  # streams read per query when collecting the claims to send


@dataclass
class SubmissionReport:
    """What a run did: files sent, claims in them, claims flagged or left out, and why."""

    batches: list[dict[str, Any]] = field(default_factory=list)
    recovered: list[dict[str, Any]] = field(default_factory=list)
    flagged: list[dict[str, Any]] = field(default_factory=list)
    not_written: list[dict[str, Any]] = field(default_factory=list)

    @property
    def submitted(self) -> int:
        return sum(int(b["claims"]) for b in self.batches)

    def as_dict(self) -> dict[str, Any]:
        return {
            "submitted": self.submitted,
            "batches": self.batches,
            "recovered": self.recovered,
            "flagged": self.flagged,
            "not_written": self.not_written,
        }


@dataclass(frozen=True)
class Candidate:
    claim_id: str
    organization_id: str
    version: int
    state: ClaimState
    claim: ClaimSnapshotV2  # as it goes out (a void: frequency 8, REF*F8)


GroupKey = tuple[str, str, str, str, str, str]
"""(organization, payer id, receiver id, billing NPI, billing tax id, claim kind)."""


def submit_ready_claims(
    deps: ClaimsDeps,
    *,
    organization_id: str | None = None,
    adapter: ClearinghouseAdapter | None = None,
    progress: Progress | None = None,
) -> SubmissionReport:
    """Send every ready claim (of one organization, or all); see the module docstring."""
    adapter = adapter or deps.adapter()
    report = SubmissionReport()
    report.recovered = [
        _sent_dict(s) for s in send_unsent(deps, adapter, organization_id=organization_id)
    ]
    candidates = _load_candidates(deps, organization_id, report, progress)
    groups: dict[GroupKey, list[Candidate]] = {}
    for candidate in candidates:
        groups.setdefault(_group_key(deps, candidate), []).append(candidate)
    done = 0
    total = len(candidates)
    for key, members in groups.items():
        for chunk in _chunks(members, deps.settings.claims_max_claims_per_set):
            _submit_chunk(deps, adapter, key, chunk, report)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return report


def _sent_dict(sent: SentBatch) -> dict[str, Any]:
    return {
        "batch_id": sent.batch_id,
        "file": sent.file_name,
        "location": sent.location,
        "already_sent": sent.already_sent,
    }


def load_claim(deps: ClaimsDeps, claim_id: str) -> tuple[ClaimState, int]:
    """The claim's state from its stream, and the version it was read at."""
    envelopes = deps.store.load(claim_id)
    state = CLAIM.fold_envelopes(claim_id, envelopes)
    return state, (envelopes[-1].stream_version if envelopes else 0)


def _load_candidates(
    deps: ClaimsDeps,
    organization_id: str | None,
    report: SubmissionReport,
    progress: Progress | None,
) -> list[Candidate]:
    query = (
        sa.select(claims_index.c.claim_id, claims_index.c.organization_id)
        .where(claims_index.c.status.in_(SENDABLE))
        .order_by(claims_index.c.created_at, claims_index.c.claim_id)
    )
    if organization_id is not None:
        query = query.where(claims_index.c.organization_id == organization_id)
    with deps.engine.connect() as conn:
        rows = conn.execute(query).all()
    today = deps.clock().date()
    candidates = []
    # Streams read a page at a time (one query each): this state is the one the file is
    # written from and the submission appended after, so each stream is read once.
    for start in range(0, len(rows), LOAD_PAGE):
        page = rows[start : start + LOAD_PAGE]
        streams = deps.store.load_many([claim_id for claim_id, _ in page])
        for claim_id, org in page:
            envelopes = streams[claim_id]
            if not envelopes:
                continue
            state = CLAIM.fold_envelopes(claim_id, envelopes)
            if state.status.value not in SENDABLE:
                continue  # the index was a moment behind
            if state.status is ClaimStatus.READY and _flag_if_late(deps, state, today, report):
                continue
            version = envelopes[-1].stream_version
            candidates.append(Candidate(claim_id, org, version, state, claim_to_send(state)))
    if progress is not None:
        progress(0, len(candidates))
    return candidates


def deadline_of(deps: ClaimsDeps, claim: ClaimSnapshotV2) -> FilingDeadline | None:
    """The claim's filing deadline under its payer's limit (payer rules file)."""
    payer = LivePayer.model_validate(claim.payer.model_dump(mode="json"))
    return filing_deadline(claim, deps.payer_rules.timely_filing_days(payer))


def _flag_if_late(
    deps: ClaimsDeps, state: ClaimState, today: date, report: SubmissionReport
) -> bool:
    """A ready claim past its deadline: flag it (claim.timely_filing_passed), do not send it."""
    assert state.claim is not None
    deadline = deadline_of(deps, state.claim)
    if deadline is None or today <= deadline.deadline:
        return False
    command = CheckTimelyFiling(
        today=today,
        deadline=deadline.deadline,
        limit_days=deadline.limit_days,
        limit_starts=deadline.starts,
        warn_days=deps.settings.claims_timely_filing_warning_days,
    )
    try:
        with deps.uow() as uow:
            uow.run(CLAIM, state.claim_id, command)
    except (DomainError, KernelError):
        return True  # changed meanwhile; it is not sent this run either way
    report.flagged.append(
        {
            "claim_id": state.claim_id,
            "reason": "timely filing limit passed",
            "deadline": deadline.deadline.isoformat(),
            "filing_limit_days": deadline.limit_days,
        }
    )
    return True


def _group_key(deps: ClaimsDeps, candidate: Candidate) -> GroupKey:
    claim = candidate.claim
    billing = claim.billing_provider
    receiver = deps.partners.receiver_for(claim.payer.payer_id)
    return (
        candidate.organization_id,
        claim.payer.payer_id,
        receiver.id,
        (billing.npi if billing else None) or "",
        (billing.tax_id if billing else None) or "",
        claim.kind.value,
    )


def _chunks(members: Sequence[Candidate], size: int) -> list[list[Candidate]]:
    """Sets of at most `size` claims, no CLM01 twice in a set (a 277CA names claims by it)."""
    chunks: list[list[Candidate]] = []
    numbers: list[set[str]] = []
    for candidate in members:
        pcn = candidate.claim.patient_control_number
        for chunk, seen in zip(chunks, numbers, strict=True):
            if len(chunk) < size and pcn not in seen:
                chunk.append(candidate)
                seen.add(pcn)
                break
        else:
            chunks.append([candidate])
            numbers.append({pcn})
    return chunks


def _write(
    kind: ClaimKind,
    claims: Sequence[LiveClaim],
    deps: ClaimsDeps,
    receiver: Receiver,
    ref: BatchRef,
    numbers: FixedControlNumbers | InMemoryControlNumbers,
) -> str:
    writer = write_837i if kind is ClaimKind.INSTITUTIONAL else write_837p
    partners = deps.partners
    return writer(
        claims,
        submitter=partners.submitter,
        receiver=receiver,
        created_at=ref.created_at,
        numbers=numbers,
        reference=ref.reference,
        sender=partners.sender_party(),
        receiver_party=partners.receiver_party(receiver),
        usage=deps.settings.claims_usage,
    )


def _writable(
    deps: ClaimsDeps,
    kind: ClaimKind,
    chunk: list[Candidate],
    receiver: Receiver,
    ref: BatchRef,
    report: SubmissionReport,
) -> list[tuple[Candidate, LiveClaim]]:
    """The chunk's claims that the 837 writer takes, each tried alone (a batch write failed)."""
    kept = []
    for candidate in chunk:
        try:
            live = claim_from_snapshot(candidate.claim)
            _write(kind, [live], deps, receiver, ref, InMemoryControlNumbers())
        except (ClaimWriteError, EnvelopeError, ValueError) as exc:
            report.not_written.append({"claim_id": candidate.claim_id, "problem": str(exc)})
            continue
        kept.append((candidate, live))
    return kept


def _submit_chunk(
    deps: ClaimsDeps,
    adapter: ClearinghouseAdapter,
    key: GroupKey,
    chunk: list[Candidate],
    report: SubmissionReport,
) -> None:
    organization_id, payer_id, _receiver_id, _npi, _tax, kind_value = key
    kind = ClaimKind(kind_value)
    transaction = (
        BatchTransaction.X12_837I if kind is ClaimKind.INSTITUTIONAL else BatchTransaction.X12_837P
    )
    receiver = deps.partners.receiver_for(payer_id)
    for _attempt in range(3):
        ref, numbers = new_batch_ref(deps, transaction, payer_id, receiver.id, deps.numbers)
        pairs = [(c, claim_from_snapshot(c.claim)) for c in chunk]
        try:
            text = _write(kind, [live for _, live in pairs], deps, receiver, ref, numbers)
        except (ClaimWriteError, EnvelopeError):
            pairs = _writable(deps, kind, chunk, receiver, ref, report)
            if not pairs:
                return
            chunk = [c for c, _ in pairs]
            text = _write(kind, [live for _, live in pairs], deps, receiver, ref, numbers)
        verdict = validate(text)
        if not verdict.ok:
            problems = "; ".join(i.message for i in verdict.errors[:5])
            for candidate, _ in pairs:
                report.not_written.append(
                    {
                        "claim_id": candidate.claim_id,
                        "problem": f"837 failed validation: {problems}",
                    }
                )
            return
        content = text.encode("utf-8")
        try:
            lines = _record(deps, ref, organization_id, payer_id, chunk, content)
        except _Changed as changed:
            # A claim moved between loading and recording (amended, voided, sent by another
            # run): nothing was recorded; this file goes without it, the next run takes it.
            chunk = [c for c in chunk if c.claim_id != changed.claim_id]
            if not chunk:
                return
            continue
        break
    else:
        return
    deps.crash_point("prepared")
    sent = send_batch(deps, adapter, ref.batch_id, ref.file_name, content)
    report.batches.append(
        {
            "batch_id": ref.batch_id,
            "file": ref.file_name,
            "transaction": ref.transaction,
            "organization_id": organization_id,
            "payer_id": payer_id,
            "receiver_id": receiver.id,
            "claims": len(lines),
            "total_charge": str(sum((line.charge for line in lines), Decimal("0.00"))),
            "interchange_control_number": ref.interchange_control_number,
            "group_control_number": ref.group_control_number,
            "transaction_set_control_number": ref.transaction_set_control_number,
            "already_sent": sent.already_sent if sent else True,
        }
    )


class _Changed(Exception):
    """A claim's stream moved between loading it and recording its submission."""

    def __init__(self, claim_id: str) -> None:
        super().__init__(f"claim {claim_id} changed while its batch was being made")
        self.claim_id = claim_id


def _record(
    deps: ClaimsDeps,
    ref: BatchRef,
    organization_id: str,
    payer_id: str,
    candidates: Sequence[Candidate],
    content: bytes,
) -> list[BatchLine]:
    """`claim.submitted` on each claim and the batch, one transaction; _Changed if a claim moved.

    The file was written from the claims as loaded; if one of them changed since, nothing is
    recorded (the transaction rolls back) and the file is not sent.
    """
    lines: list[BatchLine] = []
    appends: list[tuple[str, int, list[EventEnvelope]]] = []
    with deps.uow() as uow:
        now = uow.clock()
        for candidate in candidates:
            # Decided on the state the file was written from (loaded once); the append
            # below expects the version that state was read at, so a claim that moved since
            # is refused by the store, never submitted from stale content.
            try:
                events = CLAIM.decide(candidate.state, Submit(ref), now)
            except DomainError as refused:
                raise _Changed(candidate.claim_id) from refused
            if not events:
                raise _Changed(candidate.claim_id)
            envelopes = to_envelopes(
                events,
                expected_version=candidate.version,
                occurred_at=now,
                organization_id=candidate.organization_id,
                producer=uow.producer,
            )
            appends.append((candidate.claim_id, candidate.version, envelopes))
            lines.append(
                BatchLine(
                    claim_id=candidate.claim_id,
                    stream_version=envelopes[-1].stream_version,
                    patient_control_number=candidate.claim.patient_control_number,
                    charge=candidate.claim.total_charge,
                    frequency=candidate.claim.frequency.value,
                )
            )
        try:
            # Every claim's `claim.submitted` in one statement, in the batch's transaction.
            deps.store.append_many_in(uow.transaction, appends)
        except ConcurrencyError as moved:
            raise _Changed(moved.stream_id) from moved
        prepare_batch(
            uow,
            ref,
            organization_id=organization_id,
            payer_id=payer_id,
            lines=lines,
            content=content,
            prepared_at=deps.clock(),
        )
    return lines
