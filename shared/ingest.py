"""What `revcycle ingest` and every service's file intake share: the sniffed transaction,
the context a service's ingest function gets, and the outcome it reports.

`revcycle ingest FILE...` reads just enough of each file to know its transaction (ST01,
with GS08/ST03 to tell a 277CA from a 277) and hands it to the owning service's ingest
function (`revcycle/commands/ingest.py` holds the routing table). A service's function:

    def ingest_835(path: Path, context: IngestContext) -> IngestOutcome: ...

reads the file (streaming, never whole for large files), runs its commands, reports
progress through `context.progress`, and returns what happened per item. It never prints
and never settles: the command settles the embedded subscriptions once per file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.x12.tokenizer import iter_chunks

# How much of a file to read when looking for its first ST segment (ISA, GS and ST are at
# its head; a file whose first ST is further in is not one a payer or hospital sends).
SNIFF_BYTES = 64 * 1024

Progress = Callable[[int, int | None], None]
"""progress(done, total): items handled so far, and the total when known (None otherwise)."""


class UnroutableFile(ValueError):
    """A file whose transaction cannot be told, or that no service ingests; says why."""


@dataclass(frozen=True)
class Sniffed:
    """The transaction a file carries, from its first ST (and the GS08/ST03 version)."""

    transaction: str  # ST01, e.g. "837"
    version: str | None  # ST03 when present, else GS08 (e.g. "005010X214")

    @property
    def name(self) -> str:
        """837, 835, 999, 271, 277CA (X214) or 277 (X212)..."""
        if self.transaction == "277" and self.version and "X214" in self.version:
            return "277CA"
        return self.transaction


def sniff_x12(path: Path) -> Sniffed:
    """The transaction of an X12 file from its head; UnroutableFile when there is none."""
    head = ""
    for chunk in iter_chunks(path, chunk_size=SNIFF_BYTES):
        head += chunk
        if len(head) >= SNIFF_BYTES:
            break
    text = head.lstrip("\ufeff \t\r\n")
    if text.startswith("ISA") and len(text) > 105:
        element = text[3]
        terminator = text[105] if text[104:105] else "~"
    else:
        element, terminator = "*", "~"
    segments = [s.strip() for s in re.split(re.escape(terminator) + r"|\r?\n", text)]
    version = None
    for segment in segments:
        fields = segment.split(element)
        if fields[0] == "TA1":
            return Sniffed("TA1", None)
        if fields[0] == "GS" and len(fields) > 8:
            version = fields[8].strip() or None
        if fields[0] == "ST" and len(fields) > 1:
            st03 = fields[3].strip() if len(fields) > 3 else ""
            return Sniffed(fields[1].strip(), st03 or version)
    raise UnroutableFile(
        f"{path.name}: no ST segment in its first {SNIFF_BYTES // 1024} KiB: "
        "not an X12 transaction file"
    )


@dataclass
class IngestContext:
    """What a service's ingest function may use (built by the command, per file)."""

    organization_id: str
    submitted_by: str
    services: Any  # revcycle.embedded.Embedded: engine, store, clock, the services' deps
    progress: Progress = field(default=lambda done, total: None)


@dataclass
class IngestOutcome:
    """What happened to one file: `ok` decides the exit code, `report` is the JSON answer."""

    ok: bool
    summary: str
    report: dict[str, Any] = field(default_factory=dict)
