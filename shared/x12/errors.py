"""X12 error and issue types: every problem names its segment position, segment id and element."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad an issue is: errors make a document invalid, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found while reading or validating.

    `position` is the 1-based index of the segment in the file (None: end of file or whole
    document); `element` is the 1-based element index as the guides number them (0: the
    segment as a whole); `component` the 1-based component for composite elements.
    """

    code: str
    message: str
    position: int | None = None
    segment_id: str | None = None
    element: int | None = None
    severity: Severity = Severity.ERROR
    component: int | None = None
    loop: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def where(self) -> str:
        """Human location: 'segment 12 (CLP), element 04'."""
        parts = []
        if self.position is not None:
            parts.append(
                f"segment {self.position}" + (f" ({self.segment_id})" if self.segment_id else "")
            )
        elif self.segment_id:
            parts.append(f"segment {self.segment_id}")
        else:
            parts.append("document")
        if self.element:
            el = f"element {self.segment_id or ''}{self.element:02d}"
            if self.component:
                el += f"-{self.component}"
            parts.append(el)
        if self.loop:
            parts.append(f"loop {self.loop}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.severity.value}: {self.where()}: {self.message} [{self.code}]"

    def to_plain(self) -> dict[str, object]:
        """The JSON form every command prints (`validate --json`, `parse --json`...)."""
        return {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "position": self.position,
            "segment_id": self.segment_id,
            "element": self.element,
            "component": self.component,
            "loop": self.loop,
        }


class X12Error(Exception):
    """Base of every error the X12 toolkit raises; carries where the problem is."""

    def __init__(
        self,
        message: str,
        *,
        position: int | None,
        segment_id: str | None = None,
        element: int | None = None,
        code: str = "x12",
    ) -> None:
        self.message = message
        self.position = position
        self.segment_id = segment_id
        self.element = element
        self.code = code
        super().__init__(str(self.issue))

    @property
    def issue(self) -> Issue:
        return Issue(self.code, self.message, self.position, self.segment_id, self.element)


class X12SyntaxError(X12Error):
    """The text cannot be tokenized as X12 (no ISA or ST, unusable delimiters, empty input)."""


class X12EnvelopeError(X12Error):
    """Envelope problem met in strict reading (control numbers, counts, missing trailers)."""


class X12StructureError(X12Error):
    """A transaction set cannot be read into its typed model (wrong transaction, missing loop)."""


class X12ValidationError(X12Error):
    """Raised by strict readers with the first error; `issues` holds all of them."""

    def __init__(self, issues: list[Issue]) -> None:
        first = next((i for i in issues if i.is_error), issues[0])
        self.issues = issues
        super().__init__(
            first.message,
            position=first.position,
            segment_id=first.segment_id,
            element=first.element,
            code=first.code,
        )
