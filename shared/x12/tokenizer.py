"""X12 tokenizer: delimiters from the ISA, then segments streamed from text, files or chunks."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from shared.x12.errors import Issue, Severity, X12SyntaxError
from shared.x12.segments import Delimiters, Segment

__all__ = ["Source", "Tokenizer", "detect_delimiters", "tokenize", "iter_chunks"]

Source = str | bytes | os.PathLike[str] | TextIO | Iterable[str]
"""Text of a document, its path, an open text file, or an iterable of text chunks."""

_BOM = "\ufeff"
_CHUNK = 1 << 20
# A segment id is 2 or 3 upper-case letters/digits starting with a letter.
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")
_HEADLESS_START = re.compile(r"([A-Z][A-Z0-9]{1,2})([^A-Za-z0-9\s])")


def iter_chunks(source: Source, chunk_size: int = _CHUNK) -> Iterator[str]:
    """Text chunks of `source`, never the whole file at once for paths and file objects.

    A `str` is taken as the document itself; a path (Path or os.PathLike) is opened; bytes
    are decoded. Undecodable bytes become U+FFFD instead of failing: the validator then
    reports the odd character where it sits.
    """
    if isinstance(source, str):
        yield source
    elif isinstance(source, bytes):
        yield source.decode("utf-8", errors="replace")
    elif isinstance(source, os.PathLike):
        with open(Path(source), encoding="utf-8", errors="replace", newline="") as fh:
            while chunk := fh.read(chunk_size):
                yield chunk
    elif isinstance(source, io.TextIOBase) or hasattr(source, "read"):
        reader = source.read
        while chunk := reader(chunk_size):
            yield chunk
    else:
        yield from source  # an iterable of chunks


def detect_delimiters(head: str) -> tuple[Delimiters, bool]:
    """Delimiters from the start of a document (BOM and leading whitespace already removed).

    Returns (delimiters, from_isa). With an ISA: element = the byte after 'ISA',
    repetition = ISA11 (when it is not a letter or digit: in 4010 ISA11 is 'U', a standards
    id, so there is no repetition separator), component = ISA16, segment terminator = the
    character right after ISA16. The ISA is found by counting 16 element separators rather
    than by fixed offsets, so padding mistakes do not shift the delimiters.
    """
    if head.startswith("ISA"):
        if len(head) < 4:
            raise X12SyntaxError("ISA segment is truncated", position=1, segment_id="ISA")
        element = head[3]
        if element.isalnum() or element.isspace():
            raise X12SyntaxError(
                f"element separator {element!r} after ISA is a letter, digit or space",
                position=1,
                segment_id="ISA",
            )
        idx = 3
        starts = [idx]
        for _ in range(15):
            idx = head.find(element, idx + 1)
            if idx < 0:
                raise X12SyntaxError(
                    "ISA has fewer than 16 elements",
                    position=1,
                    segment_id="ISA",
                    element=len(starts),
                )
            starts.append(idx)
        if idx + 2 >= len(head):
            raise X12SyntaxError(
                "ISA is truncated after ISA16 (no segment terminator)",
                position=1,
                segment_id="ISA",
                element=16,
            )
        component = head[idx + 1]
        terminator = head[idx + 2]
        isa11 = head[starts[10] + 1 : starts[11]]
        repetition = (
            isa11 if len(isa11) == 1 and not isa11.isalnum() and not isa11.isspace() else ""
        )
        if component.isalnum() or component == element:
            raise X12SyntaxError(
                f"component separator ISA16 {component!r} is unusable",
                position=1,
                segment_id="ISA",
                element=16,
            )
        if terminator.isalnum() or terminator in (element, component) or terminator == " ":
            raise X12SyntaxError(
                f"segment terminator {terminator!r} after ISA16 is unusable",
                position=1,
                segment_id="ISA",
                element=16,
            )
        if repetition in (element, component, terminator):
            repetition = ""
        return Delimiters(element, component, repetition, terminator), True
    match = _HEADLESS_START.match(head)
    if not match:
        raise X12SyntaxError(
            "not an X12 document: it starts with neither an ISA nor a segment id", position=1
        )
    element = match.group(2)
    # Without an ISA, the terminator is the first character that is not data (not a
    # letter, digit, space or the element separator) and is followed, after optional line
    # breaks, by the next segment id and an element separator (or by the end of the text).
    for i in range(match.end(), min(len(head), 4096)):
        ch = head[i]
        if ch.isalnum() or ch == element or ch in " \t\r":
            continue
        rest = head[i + 1 : i + 64].lstrip()
        nxt = _HEADLESS_START.match(rest)
        if rest == "" or (nxt and nxt.group(2) == element):
            component = ":" if ":" not in (element, ch) else ">"
            repetition = "^" if "^" not in (element, ch, component) else ""
            return Delimiters(element, component, repetition, ch), False
    raise X12SyntaxError("not an X12 document: no segment terminator found", position=1)


class Tokenizer:
    """Streams `Segment`s from a source; delimiters and tolerance warnings are kept on it.

    Tolerant of a UTF-8 BOM, CR/LF or any whitespace after terminators, indentation, a
    missing final terminator and documents without an ISA (delimiters guessed from the
    first segment, reported as a warning). Positions are 1-based segment indexes.
    """

    __slots__ = ("delimiters", "warnings", "has_isa", "_chunks", "segment_count")

    def __init__(self, source: Source, chunk_size: int = _CHUNK) -> None:
        self._chunks = iter_chunks(source, chunk_size)
        self.warnings: list[Issue] = []
        self.has_isa = True
        self.segment_count = 0
        self.delimiters = Delimiters()

    def __iter__(self) -> Iterator[Segment]:
        chunks = self._chunks
        head = ""
        bom: bool | None = None
        for chunk in chunks:
            if bom is None:
                bom = chunk.startswith(_BOM)
            if not head:
                # Leading BOM/whitespace is dropped chunk by chunk (never re-scanned).
                chunk = chunk.lstrip(_BOM + " \t\r\n")
            head += chunk
            if len(head) >= 4096 or (not head.startswith("ISA") and len(head) >= 512):
                break
        if bom:
            self.warnings.append(
                Issue(
                    "bom",
                    "file starts with a UTF-8 byte-order mark (ignored)",
                    1,
                    None,
                    severity=Severity.WARNING,
                )
            )
        if not head:
            raise X12SyntaxError("empty document: no X12 segments", position=1)
        delimiters, self.has_isa = detect_delimiters(head)
        self.delimiters = delimiters
        if not self.has_isa:
            self.warnings.append(
                Issue(
                    "no_isa",
                    "no ISA interchange header: delimiters guessed from the first segment "
                    f"(element {delimiters.element!r}, terminator {delimiters.segment!r})",
                    1,
                    head[:3].split(delimiters.element)[0],
                    severity=Severity.WARNING,
                )
            )
        return self._segments(head, chunks, delimiters)

    def _note(self, code: str, message: str, position: int, segment_id: str) -> None:
        """A layout problem: a warning here; `validate --strict` makes it an error."""
        self.warnings.append(
            Issue(code, message, position, segment_id or None, severity=Severity.WARNING)
        )

    def _segments(self, buf: str, chunks: Iterator[str], d: Delimiters) -> Iterator[Segment]:
        term = d.segment
        el = d.element
        position = 0
        new = Segment
        pending: list[str] = []
        # A line break after each terminator is the usual layout: dropped before splitting
        # (in C), so the loop below meets it only where a chunk boundary falls between.
        crlf, lf = term + "\r\n", term + "\n"
        while True:
            # Replaced before splitting, not in one expression: the chunk as read is freed
            # first, so the peak stays one chunk and its parts, as without the replace.
            buf = buf.replace(crlf, term).replace(lf, term)
            parts = buf.split(term)
            buf = parts.pop()
            for part in parts:
                # Line breaks and indentation after a terminator belong to no segment; line
                # breaks are the usual way to lay a file out, indentation is reported.
                if part and part[0] <= " ":
                    stripped = part.lstrip()
                    lead = len(part) - len(stripped)
                    # Fast path: the usual "\n" or "\r\n" after a terminator is layout.
                    if (
                        stripped
                        and (lead > 2 or part[0] not in "\r\n" or part[lead - 1] not in "\r\n")
                        and part[:lead].strip("\r\n")
                    ):
                        self._note(
                            "leading_whitespace",
                            "segment starts with spaces or tabs (ignored)",
                            position + 1,
                            stripped[:3].split(el)[0],
                        )
                    part = stripped
                if part and part[-1] in "\r\n":
                    part = part.rstrip("\r\n")
                if not part:
                    continue
                position += 1
                if part[-1] == el:
                    self._note(
                        "trailing_separator",
                        "element separator after the last element (empty trailing element)",
                        position,
                        part[:3].split(el)[0],
                    )
                elements = part.split(el)
                yield new(elements[0], elements[1:], position)  # type: ignore[arg-type]
            # Gather chunks until one holds a terminator: a long run without terminators
            # (a huge element, a truncated or hostile file) is joined once, not re-split per
            # chunk, so reading stays linear in the file size.
            pending.append(buf)
            for chunk in chunks:
                pending.append(chunk)
                if term in chunk:
                    break
            else:
                buf = "".join(pending)
                break
            buf = "".join(pending)
            pending.clear()
        self.segment_count = position
        tail = buf.strip()
        if tail:
            position += 1
            self.segment_count = position
            self.warnings.append(
                Issue(
                    "no_terminator",
                    "last segment has no segment terminator (file truncated?)",
                    position,
                    tail.split(el)[0][:3],
                    severity=Severity.WARNING,
                )
            )
            elements = tail.split(el)
            yield new(elements[0], elements[1:], position)  # type: ignore[arg-type]


def tokenize(source: Source) -> tuple[list[Segment], Tokenizer]:
    """All segments of a (small) document plus the tokenizer holding delimiters and warnings."""
    tok = Tokenizer(source)
    return list(tok), tok
