"""Write TA1 interchange acknowledgments: the answer to an interchange whose envelope failed.

A TA1 sits directly inside an ISA/IEA envelope, with no functional group (IEA01 = 0): it
tells the sender that the interchange (ISA13) was accepted (A), accepted with errors (E)
or rejected (R), with a note code (TA105) naming the envelope problem. A clearinghouse
sends one when it cannot even reach the functional groups of a file (a broken ISA, a
missing IEA, a control number mismatch, content that is not X12 at all).

Example (the ISA shortened):
    ISA*00*...*ZZ*CLEARX         *ZZ*RIVERBEND01    *260312*0800*^*00501*000000007*0*P*:~
    TA1*000000001*260311*0930*R*001~
    IEA*0*000000007~
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from shared.x12.control_numbers import ControlNumberSource
from shared.x12.envelope_writer import (
    DEFAULT_DELIMITERS,
    EnvelopeError,
    Party,
    TransactionSet,
    build_interchange,
)
from shared.x12.loops import is_digits
from shared.x12.segments import Delimiters, Segment, segment, serialize
from shared.x12.x12_ta1_005010.models import TA104, TA105

__all__ = ["Ta1WriteError", "InterchangeAcknowledgment", "ta1_segment", "write_ta1"]

_ACKNOWLEDGMENTS = frozenset(code.value for code in TA104)
_NOTES = frozenset(code.value for code in TA105)


class Ta1WriteError(ValueError):
    """The acknowledgment cannot be written as a valid TA1 (bad code or control number)."""


@dataclass(frozen=True, slots=True)
class InterchangeAcknowledgment:
    """One TA1: the received interchange's ISA13/ISA09/ISA10, the verdict and the note."""

    control_number: str  # TA101 = received ISA13, 9 digits ("000000000" when unreadable)
    interchange_date: str  # TA102 = received ISA09, YYMMDD
    interchange_time: str  # TA103 = received ISA10, HHMM
    acknowledgment: str  # TA104: A accepted, E accepted with errors, R rejected
    note: str  # TA105: 000 no error, 001 control numbers differ, ... 024 invalid content

    def __post_init__(self) -> None:
        if len(self.control_number) != 9 or not is_digits(self.control_number):
            raise Ta1WriteError("TA101 must be the 9-digit interchange control number")
        if len(self.interchange_date) != 6 or not is_digits(self.interchange_date):
            raise Ta1WriteError("TA102 must be a YYMMDD date")
        if len(self.interchange_time) != 4 or not is_digits(self.interchange_time):
            raise Ta1WriteError("TA103 must be an HHMM time")
        if self.acknowledgment not in _ACKNOWLEDGMENTS:
            raise Ta1WriteError(f"TA104 {self.acknowledgment!r} is not A, E or R")
        if self.note not in _NOTES:
            raise Ta1WriteError(f"TA105 {self.note!r} is not an interchange note code (000-031)")
        if (self.acknowledgment == "A") != (self.note == "000"):
            raise Ta1WriteError("TA105 000 (no error) goes with TA104 A, and only with it")


def ta1_segment(ack: InterchangeAcknowledgment) -> Segment:
    return segment(
        "TA1",
        ack.control_number,
        ack.interchange_date,
        ack.interchange_time,
        ack.acknowledgment,
        ack.note,
    )


def write_ta1(
    acks: Sequence[InterchangeAcknowledgment],
    *,
    sender: Party,
    receiver: Party,
    created_at: datetime,
    numbers: ControlNumberSource,
    usage: str = "P",
    delimiters: Delimiters = DEFAULT_DELIMITERS,
    newline: str = "\n",
) -> str:
    """One interchange holding only TA1 segments (no functional group: IEA01 = 0)."""
    if not acks:
        raise Ta1WriteError("nothing to write: no interchange acknowledgment")
    try:
        # The envelope writer builds whole interchanges only; the ISA is taken from one it
        # builds (a group and set numbers are drawn and left unused), so the header's fixed
        # layout is written in one place. Its IEA counts one group: ours counts none.
        envelope = build_interchange(
            [TransactionSet("999", "005010X231A1")],
            functional_id="FA",
            sender=sender,
            receiver=receiver,
            created_at=created_at,
            numbers=numbers,
            usage=usage,
            repetition_separator=delimiters.repetition,
            component_separator=delimiters.component,
        )
    except EnvelopeError as exc:
        raise Ta1WriteError(str(exc)) from exc
    isa = envelope[0]
    control = isa.get(13)
    segments = [isa, *(ta1_segment(a) for a in acks), segment("IEA", "0", control)]
    return serialize(segments, delimiters, newline)
