"""The batch stream, pure: a file the claims service sends is prepared, then sent, once each.

`claim_batch.prepared` is appended with the claims' own events and the file's bytes (one
transaction); `claim_batch.sent` once the clearinghouse adapter has the file. Sending a
batch twice (two workers finishing the same crashed run) is refused here, so its stream
records one send, and the adapter's idempotent `send` keeps the file itself from going out
twice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from shared.events.base import Event
from shared.events.claim_batches import ClaimBatchPrepared, ClaimBatchSent
from shared.kernel import Aggregate, IllegalTransition


class BatchStatus(StrEnum):
    NONE = "none"
    PREPARED = "prepared"
    SENT = "sent"


@dataclass(frozen=True)
class BatchState:
    batch_id: str
    status: BatchStatus = BatchStatus.NONE
    file_name: str | None = None

    @classmethod
    def empty(cls, batch_id: str) -> BatchState:
        return cls(batch_id)


@dataclass(frozen=True)
class PrepareBatch:
    prepared: ClaimBatchPrepared
    name: ClassVar[str] = "prepare_batch"


@dataclass(frozen=True)
class MarkSent:
    location: str
    already_sent: bool
    name: ClassVar[str] = "mark_sent"


BatchCommand = PrepareBatch | MarkSent


def apply(state: BatchState, event: Event) -> BatchState:
    match event:
        case ClaimBatchPrepared(file_name=file_name):
            return replace(state, status=BatchStatus.PREPARED, file_name=file_name)
        case ClaimBatchSent():
            return replace(state, status=BatchStatus.SENT)
    return state


def decide(state: BatchState, command: BatchCommand, now: datetime) -> list[Event]:
    match command:
        case PrepareBatch(prepared=prepared) if state.status is BatchStatus.NONE:
            return [prepared]
        case MarkSent() if state.status is BatchStatus.PREPARED:
            assert state.file_name is not None
            return [
                ClaimBatchSent(
                    batch_id=state.batch_id,
                    file_name=state.file_name,
                    location=command.location,
                    already_sent=command.already_sent,
                )
            ]
    raise IllegalTransition(state.status, command.name, subject="the batch")


BATCH: Aggregate[BatchState, BatchCommand] = Aggregate(
    name="claim batch", initial=BatchState.empty, apply=apply, decide=decide
)
