"""The clearinghouse's first answers: TA1 for an interchange it cannot take, 999 per group.

The verdict on each transaction set comes from the toolkit's own validator
(`shared.x12.ack.assess`), as our own intake answers a hospital. The clearinghouse then adds
what only it does: it refuses transaction sets it does not route (an 835 sent to a payer
is answered IK5*R*1, not supported), and rejects a share of good sets on its own edits
(the profile's `reject_999`): the subscriber id does not match the payer's format, named
by segment (IK3 NM1 in loop 2010BA) and element (IK4 NM109, I12 pattern match failure).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime

from shared.x12.ack import AckError, assess
from shared.x12.control_numbers import ControlNumberSource
from shared.x12.envelope import Interchange, read_document
from shared.x12.envelope_writer import Party
from shared.x12.errors import X12Error
from shared.x12.loops import is_digits
from shared.x12.reader import ParseResult, parse
from shared.x12.x12_999_005010X231A1.writer import (
    ElementError,
    GroupAcknowledgment,
    SegmentError,
    SetAcknowledgment,
    write_999,
)
from shared.x12.x12_ta1_005010.writer import InterchangeAcknowledgment, write_ta1
from simulator.inbound import clean_value

__all__ = [
    "ReadFile",
    "read_file",
    "parties_of",
    "reject_set",
    "unsupported_set",
    "member_id_rejection",
    "write_999_file",
    "write_ta1_file",
    "ANSWERED_SETS",
]

# Transaction sets the simulator answers; any other set in a file is refused in the 999.
ANSWERED_SETS = frozenset({"837", "270", "276"})

# Envelope issue codes of the reader, as TA105 interchange note codes.
_TA105 = {
    "control_mismatch": "001",
    "count_mismatch": "021",
    "missing_iea": "023",
    "isa_control": "018",
    "isa_usage": "020",
}


@dataclass(slots=True)
class ReadFile:
    """One inbound file as the clearinghouse reads it."""

    name: str
    content: bytes
    sha256: str
    # (interchange, group verdict) per functional group, in file order; empty when unreadable
    acks: list[tuple[Interchange, GroupAcknowledgment]] = field(default_factory=list)
    parsed: ParseResult | None = None
    problem: str | None = None  # why the file as a whole cannot be taken (TA1)
    ta1: InterchangeAcknowledgment | None = None
    ta1_parties: tuple[Party, Party] | None = None


def parties_of(interchange: Interchange) -> tuple[Party, Party]:
    """(sender, receiver) of an answer: the inbound receiver answers the inbound sender."""
    isa = interchange.isa
    groups = interchange.groups
    gs = groups[0].gs if groups else None

    def party(ident: str, qualifier: str, code: str, fallback: str) -> Party:
        ident, qualifier, code = (clean_value(v, "-") for v in (ident, qualifier, code))
        return Party(
            (ident or fallback)[:15],
            qualifier if len(qualifier) == 2 else "ZZ",
            code if 2 <= len(code) <= 15 else None,
        )

    sender = party(
        interchange.receiver_id,
        isa.get(7) if isa is not None else "",
        gs.get(3) if gs is not None else "",
        "CLEARINGHOUSE",
    )
    receiver = party(
        interchange.sender_id,
        isa.get(5) if isa is not None else "",
        gs.get(2) if gs is not None else "",
        "SUBMITTER",
    )
    return sender, receiver


def _ta1_for(
    interchange: Interchange | None, note: str, received: datetime
) -> InterchangeAcknowledgment:
    isa = interchange.isa if interchange is not None else None
    control = isa.get(13) if isa is not None else ""
    day = isa.get(9) if isa is not None else ""
    clock = isa.get(10) if isa is not None else ""
    return InterchangeAcknowledgment(
        control_number=control if len(control) == 9 and is_digits(control) else "000000000",
        interchange_date=day if len(day) == 6 and is_digits(day) else received.strftime("%y%m%d"),
        interchange_time=clock
        if len(clock) == 4 and is_digits(clock)
        else received.strftime("%H%M"),
        acknowledgment="R",
        note=note,
    )


def read_file(name: str, content: bytes, received: datetime, clearinghouse_id: str) -> ReadFile:
    """Judge a file: its 999 verdicts, or the reason for a TA1 rejection."""
    read = ReadFile(name, content, hashlib.sha256(content).hexdigest())
    try:
        acks, outside = assess(content)
    except AckError as exc:
        read.problem = exc.message
        interchange = _first_interchange(content)
        read.ta1 = _ta1_for(interchange, "024", received)
        read.ta1_parties = (
            parties_of(interchange)
            if interchange is not None
            else (Party(clearinghouse_id), Party("UNKNOWN"))
        )
        return read
    if outside:
        # Errors outside every transaction set (ISA/IEA, stray segments): the interchange
        # as a whole is refused, as clearinghouses do, and nothing in it is processed.
        issue = outside[0]
        read.acks = acks
        read.problem = f"interchange: {issue.message}"
        read.ta1 = _ta1_for(acks[0][0], _TA105.get(issue.code, "024"), received)
        read.ta1_parties = parties_of(acks[0][0])
        return read
    read.acks = acks
    read.parsed = parse(content)
    return read


def _first_interchange(content: bytes) -> Interchange | None:
    try:
        document = read_document(content)
    except (X12Error, ValueError):
        return None
    return document.interchanges[0] if document.interchanges else None


def unsupported_set(ack: SetAcknowledgment) -> SetAcknowledgment:
    """The set refused: the clearinghouse does not route this transaction (IK5*R*1)."""
    return replace(ack, status="R", codes=("1",))


def member_id_rejection(segment_position: int) -> SegmentError:
    """IK3/IK4 for a subscriber id the payer's format refuses (2010BA NM109)."""
    return SegmentError(
        segment_id="NM1",
        position=segment_position,
        code="8",
        loop_id="2010BA",
        elements=(ElementError(position=9, code="I12"),),
    )


def reject_set(ack: SetAcknowledgment, error: SegmentError) -> SetAcknowledgment:
    """The set rejected for `error` (IK5*R*5), on top of whatever the validator noted."""
    return replace(
        ack,
        status="R",
        codes=tuple(dict.fromkeys((*ack.codes, "5")))[:5],
        segment_errors=(*ack.segment_errors, error),
    )


def write_999_file(
    acks: list[tuple[Interchange, GroupAcknowledgment]],
    *,
    created_at: datetime,
    numbers: ControlNumberSource,
) -> str:
    """One 999 interchange back to each inbound interchange, one 999 set per group."""
    texts = []
    by_interchange: dict[int, tuple[Interchange, list[GroupAcknowledgment]]] = {}
    for interchange, group in acks:
        if group.version is not None and len(group.version) > 12:
            # AK103 holds at most 12 characters; a longer (broken) GS08 cannot be copied,
            # so it is answered as plain 5010 (the toolkit's 999 copies it as it came).
            group = replace(group, version="005010")
        by_interchange.setdefault(id(interchange), (interchange, []))[1].append(group)
    for interchange, groups in by_interchange.values():
        sender, receiver = parties_of(interchange)
        usage = interchange.isa.get(15) if interchange.isa is not None else "P"
        texts.append(
            write_999(
                groups,
                sender=sender,
                receiver=receiver,
                created_at=created_at,
                numbers=numbers,
                usage=usage if usage in ("P", "T") else "P",
            )
        )
    return "".join(texts)


def write_ta1_file(read: ReadFile, *, created_at: datetime, numbers: ControlNumberSource) -> str:
    assert read.ta1 is not None and read.ta1_parties is not None
    sender, receiver = read.ta1_parties
    return write_ta1(
        [read.ta1], sender=sender, receiver=receiver, created_at=created_at, numbers=numbers
    )
