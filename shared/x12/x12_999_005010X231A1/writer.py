"""Write 999 (005010X231A1) implementation acknowledgments from plain acknowledgment facts.

One 999 transaction set acknowledges one functional group (AK1), with one AK2 loop per
transaction set received: IK3 names a segment in error (position counted from ST = 1),
IK4 an element in it, IK5 the set's verdict, AK9 the group's. Deciding *what* is wrong is
`shared.x12.ack`'s job; this module only writes it, checking codes against the guide.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shared.x12.control_numbers import ControlNumberSource
from shared.x12.envelope_writer import DEFAULT_DELIMITERS, Party, TransactionSet, write_interchange
from shared.x12.segments import Delimiters, Segment, segment

__all__ = [
    "IMPLEMENTATION",
    "AckWriteError",
    "ElementError",
    "SegmentError",
    "SetAcknowledgment",
    "GroupAcknowledgment",
    "build_999_body",
    "write_999",
    "IK304_CODES",
    "IK403_CODES",
    "IK502_CODES",
    "AK905_CODES",
    "fit",
]

IMPLEMENTATION = "005010X231A1"

# Code lists of the guide (X231A1), with their meanings, for checking and for reports.
IK304_CODES = {
    "1": "Unrecognized segment ID",
    "2": "Unexpected segment",
    "3": "Required segment missing",
    "4": "Loop occurs over maximum times",
    "5": "Segment exceeds maximum use",
    "6": "Segment not in defined transaction set",
    "7": "Segment not in proper sequence",
    "8": "Segment has data element errors",
    "I4": "Implementation 'Not Used' segment present",
    "I6": "Implementation dependent segment missing",
    "I7": "Implementation loop occurs under minimum times",
    "I8": "Implementation segment below minimum use",
    "I9": "Implementation dependent 'Not Used' segment present",
}
IK403_CODES = {
    "1": "Required data element missing",
    "2": "Conditional required data element missing",
    "3": "Too many data elements",
    "4": "Data element too short",
    "5": "Data element too long",
    "6": "Invalid character in data element",
    "7": "Invalid code value",
    "8": "Invalid date",
    "9": "Invalid time",
    "10": "Exclusion condition violated",
    "12": "Too many repetitions",
    "13": "Too many components",
    "I10": "Implementation 'Not Used' data element present",
    "I11": "Implementation too few repetitions",
    "I12": "Implementation pattern match failure",
    "I13": "Implementation dependent 'Not Used' data element present",
    "I6": "Code value not used in implementation",
    "I9": "Implementation dependent data element missing",
}
IK502_CODES = {
    "1": "Transaction set not supported",
    "2": "Transaction set trailer missing",
    "3": "Transaction set control number in header and trailer do not match",
    "4": "Number of included segments does not match actual count",
    "5": "One or more segments in error",
    "6": "Missing or invalid transaction set identifier",
    "7": "Missing or invalid transaction set control number",
    "23": "Transaction set control number not unique within the functional group",
    "I5": "Implementation one or more segments in error",
    "I6": "Implementation convention not supported",
}
AK905_CODES = {
    "1": "Functional group not supported",
    "2": "Functional group version not supported",
    "3": "Functional group trailer missing",
    "4": "Group control number in the functional group header and trailer do not agree",
    "5": "Number of included transaction sets does not match actual count",
    "6": "Group control number violates syntax",
}
_SEGMENT_ID = re.compile(r"[A-Z0-9]{2,3}")
_SET_STATUS = {"A", "E", "M", "R", "W", "X"}
_GROUP_STATUS = {"A", "E", "M", "P", "R", "W", "X"}


class AckWriteError(ValueError):
    """The acknowledgment facts cannot be written as a valid 999 (bad code, empty group...)."""


@dataclass(frozen=True, slots=True)
class ElementError:
    """IK4: element `position` (component `component`) of the segment, error code IK403."""

    position: int
    code: str
    component: int | None = None
    bad_value: str | None = None  # IK404, a copy of the bad element when it helps

    def __post_init__(self) -> None:
        if self.code not in IK403_CODES:
            raise AckWriteError(f"IK403 code {self.code!r} is not in the X231A1 code list")
        if not 1 <= self.position <= 99:
            raise AckWriteError(f"IK401 element position {self.position} must be 1..99")


@dataclass(frozen=True, slots=True)
class SegmentError:
    """IK3: segment `segment_id` at `position` (ST = 1) in loop `loop_id`, code IK304."""

    segment_id: str
    position: int
    code: str
    loop_id: str | None = None
    claim_id: str | None = None  # CTX*CLM01 business unit: the claim the segment belongs to
    elements: tuple[ElementError, ...] = ()

    def __post_init__(self) -> None:
        if self.code not in IK304_CODES:
            raise AckWriteError(f"IK304 code {self.code!r} is not in the X231A1 code list")
        if not _SEGMENT_ID.fullmatch(self.segment_id):
            raise AckWriteError("IK301 segment id must be 2-3 upper-case letters or digits")
        if self.position < 1:
            raise AckWriteError("IK302 segment position must be at least 1")


@dataclass(frozen=True, slots=True)
class SetAcknowledgment:
    """AK2 loop: one received transaction set and its verdict (IK501) with IK502.. codes."""

    set_id: str  # AK201, e.g. 837
    control_number: str  # AK202
    implementation: str | None  # AK203
    status: str  # A accepted, E accepted with errors, R rejected
    codes: tuple[str, ...] = ()
    segment_errors: tuple[SegmentError, ...] = ()

    def __post_init__(self) -> None:
        if self.status not in _SET_STATUS:
            raise AckWriteError(f"IK501 status {self.status!r} is not one of {sorted(_SET_STATUS)}")
        if len(self.codes) > 5 or any(c not in IK502_CODES for c in self.codes):
            raise AckWriteError(f"IK502..IK506 codes {self.codes} are invalid (at most 5)")
        if self.status == "R" and not self.codes:
            raise AckWriteError("a rejected transaction set needs a reason code (IK502)")


@dataclass(frozen=True, slots=True)
class GroupAcknowledgment:
    """AK1 .. AK9: one received functional group and the verdict on each of its sets."""

    functional_id: str  # AK101, e.g. HC
    control_number: str  # AK102 = the received GS06
    version: str | None  # AK103 = the received GS08
    sets: tuple[SetAcknowledgment, ...] = ()
    sets_included: int | None = None  # AK902 as GE01 said it (None: count of sets)
    codes: tuple[str, ...] = field(default_factory=tuple)  # AK905..AK909
    status: str | None = None  # AK901; derived from the sets when None

    def __post_init__(self) -> None:
        if len(self.codes) > 5 or any(c not in AK905_CODES for c in self.codes):
            raise AckWriteError(f"AK905..AK909 codes {self.codes} are invalid (at most 5)")
        if self.status is not None and self.status not in _GROUP_STATUS:
            raise AckWriteError(
                f"AK901 status {self.status!r} is not one of {sorted(_GROUP_STATUS)}"
            )

    @property
    def accepted(self) -> int:
        return sum(1 for s in self.sets if s.status in ("A", "E"))

    @property
    def group_status(self) -> str:
        """AK901: A all accepted, E all accepted some with errors, P partly, R none."""
        if self.status is not None:
            return self.status
        if self.codes or not self.sets or self.accepted == 0:
            return "R"
        if self.accepted < len(self.sets):
            return "P"
        return "E" if any(s.status == "E" for s in self.sets) else "A"


def _loop_id(loop_id: str | None) -> str | None:
    # IK303 is element 447, at most 4 characters in 005010: "2010BA" is written "2010"
    # (the guide's loop numbers are unique in their first four characters per table level).
    if not loop_id:
        return None
    return loop_id[:4]


def _maximums() -> dict[str, list[tuple[int, int | tuple[int, ...]]]]:
    """Element (and component) maximum lengths of the 999's own segments, from its guide table."""
    from shared.x12.guides import guide_table

    table = guide_table(IMPLEMENTATION)
    assert table is not None, "the 999 guide table ships with the package"
    out: dict[str, list[tuple[int, int | tuple[int, ...]]]] = {}
    for loop in table.loops.values():
        for sid, slots in loop.segments.items():
            out.setdefault(
                sid,
                [
                    (e.index, tuple(c.max_len for c in e.components) if e.components else e.max_len)
                    for e in slots[0].elements
                ],
            )
    return out


_MAXIMUMS = _maximums()


def fit(seg: Segment) -> Segment:
    """`seg` with every element cut to the 999 guide's maximum length.

    Values copied from the acknowledged file (AK102 group control number, AK202, AK203, the
    CTX01-2 claim id, IK404 bad value...) may be longer than the 999 allows (a 38-character
    CLM01 in a 35-character CTX01-2): they are cut, never left to make our 999 invalid.
    """
    limits = _MAXIMUMS.get(seg.id)
    if not limits:
        return seg
    values = list(seg.elements)
    for index, limit in limits:
        if index > len(values):
            break
        value = values[index - 1]
        if isinstance(limit, int):
            if isinstance(value, str) and len(value) > limit:
                values[index - 1] = value[:limit]
        elif isinstance(value, tuple):
            values[index - 1] = tuple(
                part[: limit[i]] if i < len(limit) else part for i, part in enumerate(value)
            )
    return Segment(seg.id, values, seg.position)


def _set_segments(ack: SetAcknowledgment) -> list[Segment]:
    out = [segment("AK2", ack.set_id, ack.control_number, ack.implementation)]
    for error in ack.segment_errors:
        out.append(
            segment(
                "IK3", error.segment_id, str(error.position), _loop_id(error.loop_id), error.code
            )
        )
        if error.claim_id:
            out.append(segment("CTX", ["CLM01", error.claim_id]))
        for element in error.elements:
            position = [str(element.position)]
            if element.component is not None:
                position.append(str(element.component))
            out.append(segment("IK4", position, None, element.code, element.bad_value))
    out.append(segment("IK5", ack.status, *ack.codes))
    return [fit(seg) for seg in out]


def build_999_body(group: GroupAcknowledgment) -> list[Segment]:
    """The segments of one 999 transaction set between ST and SE."""
    out = [fit(segment("AK1", group.functional_id, group.control_number, group.version))]
    for ack in group.sets:
        out += _set_segments(ack)
    included = group.sets_included if group.sets_included is not None else len(group.sets)
    out.append(
        segment(
            "AK9",
            group.group_status,
            str(included),
            str(len(group.sets)),
            str(group.accepted),
            *group.codes,
        )
    )
    return out


def write_999(
    groups: Sequence[GroupAcknowledgment],
    *,
    sender: Party,
    receiver: Party,
    created_at: datetime,
    numbers: ControlNumberSource,
    usage: str = "P",
    delimiters: Delimiters = DEFAULT_DELIMITERS,
) -> str:
    """One interchange with one 999 per acknowledged functional group."""
    if not groups:
        raise AckWriteError("nothing to acknowledge: no functional group")
    return write_interchange(
        [TransactionSet("999", IMPLEMENTATION, build_999_body(g)) for g in groups],
        functional_id="FA",
        sender=sender,
        receiver=receiver,
        created_at=created_at,
        numbers=numbers,
        usage=usage,
        delimiters=delimiters,
    )
