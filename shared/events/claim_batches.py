"""Claim batch events: one X12 file the claims service sends (an 837, or a 276), its own stream.

The batch stream (stream id = batch id, owner: claims) is what makes sending crash-safe:
`claim_batch.prepared` records the file's name, control numbers and claims in the same
transaction as each claim's own event (`claim.submitted`, `claim.status_requested`) and
the file's bytes in the claims service's outbound table; `claim_batch.sent` follows once
the clearinghouse adapter has the file. A batch prepared but never sent (a crash in
between) is sent by the next run, byte for byte the same, which the adapter recognises if
it had already gone out. No claim is lost and none is sent twice.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared.events.base import Event, Money, Part
from shared.events.ownership import Service


class BatchTransaction(StrEnum):
    """The X12 transaction a batch file carries."""

    X12_837P = "837P"
    X12_837I = "837I"
    X12_276 = "276"


class BatchedClaim(Part):
    """One claim in a batch: which claim, at which version of its stream, sent as what."""

    claim_id: str
    stream_version: int = Field(ge=1, description="The claim stream's version after its event")
    frequency: str | None = Field(default=None, description="CLM05-3 (837 only)")
    charge: Money


class ClaimBatchPrepared(Event):
    """A batch file was made and its claims recorded; the file goes to the adapter next."""

    event_type: ClassVar[str] = "claim_batch.prepared"
    event_version: ClassVar[int] = 1
    stream_field: ClassVar[str] = "batch_id"
    owner: ClassVar[Service] = Service.CLAIMS

    batch_id: str
    organization_id: str
    transaction: BatchTransaction
    file_name: str
    payer_id: str
    sender_id: str = Field(description="ISA06 (and 1000A NM109)")
    receiver_id: str = Field(description="ISA08 (and 1000B NM109)")
    interchange_control_number: str = Field(description="ISA13")
    group_control_number: str = Field(description="GS06")
    transaction_set_control_number: str = Field(description="ST02 of its one set")
    reference: str = Field(description="BHT03")
    created_at: datetime = Field(description="The envelope's date and time (ISA09/10, GS04/05)")
    claims: tuple[BatchedClaim, ...] = Field(min_length=1)
    total_charge: Money
    size: int = Field(ge=1, description="Bytes of the file")
    sha256: str = Field(description="SHA-256 of the file's bytes, hex")


class ClaimBatchSent(Event):
    """The clearinghouse adapter has the batch's file."""

    event_type: ClassVar[str] = "claim_batch.sent"
    event_version: ClassVar[int] = 1
    stream_field: ClassVar[str] = "batch_id"
    owner: ClassVar[Service] = Service.CLAIMS

    batch_id: str
    file_name: str
    location: str = Field(description="Where the adapter put it (a path for the folder adapter)")
    already_sent: bool = Field(
        description="True when the adapter already had these bytes (a resend after a crash)"
    )
