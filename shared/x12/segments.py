"""X12 segments and delimiters: the one data shape the tokenizer yields and writers emit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

ElementValue = str | tuple[str, ...]
"""A simple element, or a composite given as its components (joined with ISA16 on write)."""


@dataclass(frozen=True, slots=True)
class Delimiters:
    """Separators read from the ISA segment (or chosen by a writer)."""

    element: str = "*"
    component: str = ":"
    repetition: str = "^"
    segment: str = "~"


@dataclass(slots=True)
class Segment:
    """One segment: its id and elements (element 1 is `elements[0]`).

    Read segments keep each element's raw text (composites still joined by the file's own
    component separator); `position` is the 1-based segment index within the file.
    """

    id: str
    elements: list[ElementValue] = field(default_factory=list)
    position: int = 0

    def get(self, index: int, default: str = "") -> str:
        """Element `index` (1-based, as the guides number them) as text; '' when absent."""
        if 1 <= index <= len(self.elements):
            value = self.elements[index - 1]
            return value if isinstance(value, str) else ":".join(value)
        return default


def serialize_segment(
    segment: Segment, delimiters: Delimiters = Delimiters(), *, trim: bool = True
) -> str:
    """Write one segment with its terminator; trailing empty elements are dropped.

    `trim=False` keeps trailing empty elements as read, so a parsed file writes back with
    exactly its own elements (round trip); writers keep the default.
    """
    values: list[str] = []
    for value in segment.elements:
        if isinstance(value, tuple):
            parts = list(value)
            while trim and parts and parts[-1] == "":
                parts.pop()
            values.append(delimiters.component.join(parts))
        else:
            values.append(value)
    while trim and values and values[-1] == "":
        values.pop()
    return delimiters.element.join([segment.id, *values]) + delimiters.segment


def serialize(
    segments: Iterable[Segment],
    delimiters: Delimiters = Delimiters(),
    newline: str = "\n",
    *,
    trim: bool = True,
) -> str:
    """Write segments, one per line by default (a line break after each terminator)."""
    return "".join(serialize_segment(s, delimiters, trim=trim) + newline for s in segments)


def segment(id_: str, *elements: ElementValue | Sequence[str] | None) -> Segment:
    """Build a segment for writing: None becomes an empty element, lists become composites."""
    values: list[ElementValue] = []
    for value in elements:
        if value is None:
            values.append("")
        elif isinstance(value, str):
            values.append(value)
        else:
            values.append(tuple(value))
    return Segment(id_, values)
