"""`sim respond`: answer every X12 file of a folder at once, into another folder.

Every visible regular file of `in_dir` is read (in name order) as received at `as_of`; all
answers are written into `out_dir` whatever their delay (their dates follow `as_of` plus
the profile's delays), each atomically (a hidden temporary name, then a link to its name),
in the order a clearinghouse would deliver them. `truth.jsonl` in `out_dir` gets the new
truth appended; what it already holds is the payers' memory (member totals, claims seen),
so answering a folder in several runs behaves as one payer would.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from shared.exchange.folder import publish_file
from simulator.engine import Answer, InboundFile, Progress, Simulator
from simulator.profile import Profile
from simulator.truth import TRUTH_FILE, dumps, rebuild_memory

__all__ = ["RespondResult", "respond", "inbound_files", "write_answers", "append_truth"]

# Delivery order of answers due at the same moment: envelope first, payments after.
_KIND_ORDER = {"TA1": 0, "999": 1, "271": 2, "277": 3, "277CA": 4, "835": 5}


@dataclass(slots=True)
class RespondResult:
    files_read: int
    answers: list[Path] = field(default_factory=list)
    truth_path: Path | None = None
    claims: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


def inbound_files(folder: Path) -> list[InboundFile]:
    """Visible regular files of `folder`, by name (hidden files are in-progress writes)."""
    out = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name.startswith(".") or not entry.is_file():
            continue
        out.append(InboundFile(entry.name, Path(entry.path).read_bytes()))
    return out


def _ordered(answers: list[Answer]) -> list[Answer]:
    return sorted(answers, key=lambda a: (a.due_at, _KIND_ORDER.get(a.kind, 9)))


def write_answers(folder: Path, answers: list[Answer]) -> list[Path]:
    """Publish each answer whole, in delivery order; a taken name gets a -2, -3... suffix."""
    written = []
    for answer in _ordered(answers):
        name, count = answer.name, 1
        while True:
            try:
                written.append(publish_file(folder, name, answer.content))
                break
            except FileExistsError:
                count += 1
                stem, dot, suffix = answer.name.rpartition(".")
                name = f"{stem}-{count}.{suffix}" if dot else f"{answer.name}-{count}"
    return written


def append_truth(path: Path, records: list[dict[str, object]]) -> None:
    """Add `records` to the truth file; the file is replaced whole, never left half written."""
    old = path.read_bytes() if path.exists() else b""
    if old and not old.endswith(b"\n"):
        old += b"\n"
    new = "".join(dumps(record) + "\n" for record in records).encode("ascii")
    partial = path.with_name(f".{path.name}.part")
    with open(partial, "wb") as handle:
        handle.write(old + new)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def respond(
    in_dir: Path,
    out_dir: Path,
    *,
    profile: Profile,
    seed: int,
    as_of: datetime,
    progress: Progress | None = None,
) -> RespondResult:
    """Answer every file of `in_dir` into `out_dir` (see the module doc)."""
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    out_dir.mkdir(parents=True, exist_ok=True)
    files = inbound_files(in_dir)
    truth_path = out_dir / TRUTH_FILE
    memory = rebuild_memory(truth_path, profile.answering_payer_id)
    simulator = Simulator(profile, seed, memory)
    batch = simulator.answer(files, as_of, progress)
    if progress is not None:
        progress("write", 0, len(batch.answers))
    written = write_answers(out_dir, batch.answers)
    append_truth(truth_path, batch.truth)
    if progress is not None:
        progress("write", len(batch.answers), len(batch.answers))
    by_kind: dict[str, int] = {}
    for answer in batch.answers:
        by_kind[answer.kind] = by_kind.get(answer.kind, 0) + 1
    claims = sum(1 for record in batch.truth if record.get("record") == "claim")
    return RespondResult(len(files), written, truth_path, claims, by_kind)
