"""Sending a batch file crash-safely: prepare (events + file bytes, one commit), send, record.

Used by 837 submissions and 276 status inquiries alike:

1. `prepare_batch` (inside the caller's unit of work, with the claims' own events):
   `claim_batch.prepared` on the batch stream, the file's bytes in `claims_outbound_files`,
   what the batch carried in `claims_batch_sets` / `claims_batch_claims`.
2. `send_batch` after that commit: the adapter's `send`, then `claim_batch.sent` and the
   file row marked sent (its bytes dropped), one commit.
3. `send_unsent` at the start of every run: a batch prepared but never recorded as sent
   (the process died in between) is sent now with the same bytes; the adapter answers
   `already_sent` if the file had gone out before the crash. Nothing is lost, nothing goes
   out twice.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.claims.batch import BATCH, MarkSent, PrepareBatch
from services.claims.commands import BatchRef
from services.claims.deps import ClaimsDeps
from services.claims.tables import batch_claims, batch_sets, outbound_files
from shared.events.claim_batches import BatchedClaim, BatchTransaction, ClaimBatchPrepared
from shared.exchange.interface import ClearinghouseAdapter
from shared.kernel import IllegalTransition, UnitOfWork
from shared.x12.control_numbers import GROUP, INTERCHANGE, TRANSACTION_SET, ControlNumberSource

_UNSAFE = re.compile(r"[^A-Za-z0-9-]")


class FixedControlNumbers:
    """The control numbers a batch recorded, handed to a writer as its number source."""

    def __init__(self, interchange: int, group: int, transaction_set: int) -> None:
        self._numbers = {INTERCHANGE: interchange, GROUP: group, TRANSACTION_SET: transaction_set}

    def take(self, sequence: str, count: int = 1) -> list[int]:
        kind = sequence.split(":", 1)[0]
        if count != 1 or kind not in self._numbers:
            raise ValueError(f"a batch has one {kind} number; asked for {count}")
        return [self._numbers[kind]]


def new_batch_ref(
    deps: ClaimsDeps,
    transaction: BatchTransaction,
    payer_id: str,
    receiver_id: str,
    numbers: ControlNumberSource,
) -> tuple[BatchRef, FixedControlNumbers]:
    """A fresh batch: its id, persisted control numbers (taken now), file name and time."""
    sender = deps.partners.submitter.id
    isa13 = numbers.take(f"{INTERCHANGE}:{sender}")[0]
    gs06 = numbers.take(f"{GROUP}:{sender}")[0]
    st02 = numbers.take(f"{TRANSACTION_SET}:{sender}")[0]
    batch_id = deps.ids("bat")
    # Unique per sender and interchange number; readable in a clearinghouse's folder listing.
    file_name = (
        f"{transaction.value.lower()}-{_UNSAFE.sub('_', sender)}-"
        f"{_UNSAFE.sub('_', payer_id)[:40]}-{isa13:09d}.x12"
    )
    created_at = deps.clock().replace(second=0, microsecond=0)
    ref = BatchRef(
        batch_id=batch_id,
        file_name=file_name,
        transaction=transaction.value,
        interchange_control_number=f"{isa13:09d}",
        group_control_number=str(gs06),
        transaction_set_control_number=f"{st02:04d}",
        reference=batch_id,
        sender_id=sender,
        receiver_id=receiver_id,
        created_at=created_at,
    )
    return ref, FixedControlNumbers(isa13, gs06, st02)


@dataclass(frozen=True)
class BatchLine:
    """One claim of a batch as its tables record it."""

    claim_id: str
    stream_version: int
    patient_control_number: str
    charge: Decimal
    frequency: str | None = None


def prepare_batch(
    uow: UnitOfWork[Connection],
    ref: BatchRef,
    *,
    organization_id: str,
    payer_id: str,
    lines: Sequence[BatchLine],
    content: bytes,
    prepared_at: datetime,
) -> ClaimBatchPrepared:
    """Record the batch (stream, file bytes, sets and claims) in `uow`'s open transaction."""
    digest = hashlib.sha256(content).hexdigest()
    prepared = ClaimBatchPrepared(
        batch_id=ref.batch_id,
        organization_id=organization_id,
        transaction=BatchTransaction(ref.transaction),
        file_name=ref.file_name,
        payer_id=payer_id,
        sender_id=ref.sender_id,
        receiver_id=ref.receiver_id,
        interchange_control_number=ref.interchange_control_number,
        group_control_number=ref.group_control_number,
        transaction_set_control_number=ref.transaction_set_control_number,
        reference=ref.reference,
        created_at=ref.created_at,
        claims=tuple(
            BatchedClaim(
                claim_id=line.claim_id,
                stream_version=line.stream_version,
                frequency=line.frequency,
                charge=line.charge,
            )
            for line in lines
        ),
        total_charge=sum((line.charge for line in lines), Decimal("0.00")),
        size=len(content),
        sha256=digest,
    )
    uow.run(BATCH, ref.batch_id, PrepareBatch(prepared), organization_id=organization_id)
    conn = uow.transaction
    conn.execute(
        outbound_files.insert().values(
            batch_id=ref.batch_id,
            organization_id=organization_id,
            file_name=ref.file_name,
            transaction=ref.transaction,
            content=content,
            sha256=digest,
            prepared_at=prepared_at,
        )
    )
    conn.execute(
        batch_sets.insert().values(
            batch_id=ref.batch_id,
            organization_id=organization_id,
            transaction=ref.transaction,
            file_name=ref.file_name,
            payer_id=payer_id,
            sender_id=ref.sender_id,
            interchange_control_number=ref.interchange_control_number,
            group_control_number=ref.group_control_number,
            transaction_set_control_number=ref.transaction_set_control_number,
            reference=ref.reference,
            created_at=ref.created_at,
        )
    )
    conn.execute(
        batch_claims.insert(),
        [
            {
                "batch_id": ref.batch_id,
                "claim_id": line.claim_id,
                "patient_control_number": line.patient_control_number,
                "charge": str(line.charge),
            }
            for line in lines
        ],
    )
    return prepared


@dataclass(frozen=True)
class SentBatch:
    batch_id: str
    file_name: str
    location: str
    already_sent: bool


def send_batch(
    deps: ClaimsDeps, adapter: ClearinghouseAdapter, batch_id: str, file_name: str, content: bytes
) -> SentBatch | None:
    """Hand the file to the adapter, then record it sent; None when another run recorded it."""
    sent = adapter.send(file_name, content)
    deps.crash_point("sent")
    location = sent.location or file_name
    try:
        with deps.uow() as uow:
            uow.run(BATCH, batch_id, MarkSent(location, sent.already_sent))
            uow.transaction.execute(
                outbound_files.update()
                .where(outbound_files.c.batch_id == batch_id)
                .values(sent_at=deps.clock(), location=location, content=None)
            )
    except IllegalTransition:
        return None  # another run (a second worker finishing the same crash) recorded it
    return SentBatch(batch_id, file_name, location, sent.already_sent)


def send_unsent(
    deps: ClaimsDeps, adapter: ClearinghouseAdapter, *, organization_id: str | None = None
) -> list[SentBatch]:
    """Send every batch prepared and never recorded as sent (a run that died in between)."""
    query = (
        sa.select(outbound_files.c.batch_id, outbound_files.c.file_name, outbound_files.c.content)
        .where(outbound_files.c.sent_at.is_(None))
        .order_by(outbound_files.c.prepared_at, outbound_files.c.batch_id)
    )
    if organization_id is not None:
        query = query.where(outbound_files.c.organization_id == organization_id)
    with deps.engine.connect() as conn:
        waiting = conn.execute(query).all()
    sent = []
    for batch_id, file_name, content in waiting:
        result = send_batch(deps, adapter, batch_id, file_name, bytes(content))
        if result is not None:
            sent.append(result)
    return sent
