"""Write X12 envelopes: ISA/GS around transaction sets, ST/SE around each body, GE/IEA after.

Transaction writers produce only a set's body (BHT onwards, without ST/SE); this module
numbers and counts: SE01 counts ST..SE inclusive, GE01 the sets, IEA01 the groups. Control
numbers come from a `ControlNumberSource` (persistent in production, see control_numbers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shared.x12.control_numbers import (
    GROUP,
    INTERCHANGE,
    TRANSACTION_SET,
    ControlNumberSource,
)
from shared.x12.segments import Delimiters, Segment, segment, serialize

__all__ = [
    "Party",
    "TransactionSet",
    "EnvelopeError",
    "build_interchange",
    "write_interchange",
    "DEFAULT_DELIMITERS",
    "hierarchy_problems",
]

DEFAULT_DELIMITERS = Delimiters(element="*", component=":", repetition="^", segment="~")


class EnvelopeError(ValueError):
    """The envelope cannot be written as asked (a field too long, a naive datetime...)."""


@dataclass(frozen=True, slots=True)
class Party:
    """A trading partner as the envelope names it: ISA05/06 (or 07/08) and GS02 (or GS03)."""

    id: str
    qualifier: str = "ZZ"
    application_code: str | None = None  # GS02/GS03; the ISA id when absent

    def __post_init__(self) -> None:
        if not 1 <= len(self.id) <= 15:
            raise EnvelopeError(f"interchange id {self.id!r} must be 1..15 characters")
        if len(self.qualifier) != 2:
            raise EnvelopeError(f"interchange id qualifier {self.qualifier!r} must be 2 characters")
        if self.application_code is not None and not 2 <= len(self.application_code) <= 15:
            raise EnvelopeError("application code (GS02/GS03) must be 2..15 characters")

    @property
    def gs_code(self) -> str:
        return self.application_code or self.id


@dataclass(frozen=True, slots=True)
class TransactionSet:
    """One set to envelope: ST01 code, ST03 implementation guide, and the body segments."""

    code: str  # ST01: 837, 835, 270, 271, 276, 277, 999
    implementation: str  # ST03 (and GS08): e.g. 005010X222A1
    body: Sequence[Segment] = field(default_factory=tuple)
    # The 835 guide (X221A1) predates ST03 and marks it Not Used; every other guide wants it.
    write_st03: bool = True


def _stamp(created_at: datetime) -> datetime:
    if created_at.tzinfo is None:
        raise EnvelopeError("created_at must be timezone-aware")
    return created_at


def build_interchange(
    sets: Sequence[TransactionSet],
    *,
    functional_id: str,
    sender: Party,
    receiver: Party,
    created_at: datetime,
    numbers: ControlNumberSource,
    usage: str = "P",
    acknowledgment_requested: bool = False,
    repetition_separator: str = DEFAULT_DELIMITERS.repetition,
    component_separator: str = DEFAULT_DELIMITERS.component,
) -> list[Segment]:
    """One interchange with one functional group holding `sets` (all of one GS08 version)."""
    if not sets:
        raise EnvelopeError("an interchange needs at least one transaction set")
    versions = {s.implementation for s in sets}
    if len(versions) != 1:
        raise EnvelopeError(f"one functional group cannot mix versions {sorted(versions)}")
    if usage not in ("P", "T"):
        raise EnvelopeError("usage indicator (ISA15) must be P or T")
    stamp = _stamp(created_at)
    # Scoped by our sender id: two sending identities keep independent sequences.
    scope = sender.id
    isa13 = numbers.take(f"{INTERCHANGE}:{scope}")[0]
    gs06 = numbers.take(f"{GROUP}:{scope}")[0]
    st02s = numbers.take(f"{TRANSACTION_SET}:{scope}", len(sets))

    out: list[Segment] = [
        segment(
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            sender.qualifier,
            sender.id.ljust(15),
            receiver.qualifier,
            receiver.id.ljust(15),
            stamp.strftime("%y%m%d"),
            stamp.strftime("%H%M"),
            repetition_separator,
            "00501",
            f"{isa13:09d}",
            "1" if acknowledgment_requested else "0",
            usage,
            component_separator,
        ),
        segment(
            "GS",
            functional_id,
            sender.gs_code,
            receiver.gs_code,
            stamp.strftime("%Y%m%d"),
            stamp.strftime("%H%M"),
            str(gs06),
            "X",
            sets[0].implementation,
        ),
    ]
    for tx, st02 in zip(sets, st02s, strict=True):
        control = f"{st02:04d}"
        out.append(segment("ST", tx.code, control, tx.implementation if tx.write_st03 else None))
        out.extend(tx.body)
        out.append(segment("SE", str(len(tx.body) + 2), control))
    out.append(segment("GE", str(len(sets)), str(gs06)))
    out.append(segment("IEA", "1", f"{isa13:09d}"))
    return out


def write_interchange(
    sets: Sequence[TransactionSet],
    *,
    functional_id: str,
    sender: Party,
    receiver: Party,
    created_at: datetime,
    numbers: ControlNumberSource,
    usage: str = "P",
    acknowledgment_requested: bool = False,
    delimiters: Delimiters = DEFAULT_DELIMITERS,
    newline: str = "\n",
) -> str:
    """`build_interchange` serialised with `delimiters` (one segment per line by default)."""
    segments = build_interchange(
        sets,
        functional_id=functional_id,
        sender=sender,
        receiver=receiver,
        created_at=created_at,
        numbers=numbers,
        usage=usage,
        acknowledgment_requested=acknowledgment_requested,
        repetition_separator=delimiters.repetition,
        component_separator=delimiters.component,
    )
    _refuse_delimiters_in_values(segments, delimiters)
    return serialize(segments, delimiters, newline)


def _refuse_delimiters_in_values(segments: Sequence[Segment], delimiters: Delimiters) -> None:
    """A value holding a delimiter would silently shift every later element: refuse it.

    The error names the segment and element, never the value (it may be patient data).
    """
    reserved = {delimiters.element, delimiters.component, delimiters.segment}
    reserved.add(delimiters.repetition)
    for position, seg in enumerate(segments, start=1):
        if seg.id == "ISA":
            continue  # ISA11/ISA16 *are* the separators
        for index, value in enumerate(seg.elements, start=1):
            parts = value if isinstance(value, tuple) else (value,)
            for part in parts:
                if any(ch in reserved or ch < " " or ch == "\x7f" for ch in part):
                    raise EnvelopeError(
                        f"segment {position} ({seg.id}) element {seg.id}{index:02d} contains a "
                        "delimiter or control character; clean the value before writing"
                    )


def hierarchy_problems(body: Sequence[Segment]) -> list[str]:
    """HL structure checks for a writer's body: ids 1..n in order, parents earlier, HL04 true.

    An empty list means the hierarchy is sound. Writers of guides pyx12 has no map for
    (270, 271, 276) run this on their own output as their structural self-check.
    """
    problems: list[str] = []
    seen: dict[str, int] = {}
    has_children: dict[str, bool] = {}
    levels = [s for s in body if s.id == "HL"]
    for expected, hl in enumerate(levels, start=1):
        hl_id, parent = hl.get(1), hl.get(2)
        if hl_id != str(expected):
            problems.append(f"HL01 {hl_id!r} should be {expected}")
        if parent:
            if parent not in seen:
                problems.append(f"HL {hl_id}: parent {parent!r} is not an earlier HL")
            has_children[parent] = True
        elif expected != 1:
            problems.append(f"HL {hl_id}: only the first HL may have no parent")
        seen[hl_id] = expected
    for hl in levels:
        code = hl.get(4)
        if code and code != ("1" if has_children.get(hl.get(1)) else "0"):
            problems.append(f"HL {hl.get(1)}: HL04 {code!r} does not match its children")
    return problems
