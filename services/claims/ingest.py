"""Acknowledgment and status files into the claims service: TA1, 999, 277CA, 277.

`revcycle ingest` (and `revcycle exchange poll`) route these files here by ST01
(`revcycle/commands/ingest.py`); `ingest_file` is the same for bytes already in hand. A file
is read whole, applied in one transaction (`services.claims.acks`) and recorded by its
SHA-256: ingested a second time, it changes nothing and says so. A file with no
transaction of the kind it was routed as is refused, naming the first problem the reader
met (segment position and element); nothing of it is applied.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from services.claims.acks import (
    AckFile,
    already_ingested,
    apply_277,
    apply_277ca,
    apply_999,
    apply_ta1,
    record_file,
)
from services.claims.deps import ClaimsDeps
from shared.ingest import IngestContext, IngestOutcome
from shared.x12.errors import X12Error
from shared.x12.reader import ParseResult, parse

Reader = Callable[[str], tuple[list[Any], list[str]]]
"""text -> (the items to apply, the reader's problems as text)."""
Apply = Callable[[AckFile, list[Any]], None]


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("latin-1")


def _problems(result: ParseResult) -> list[str]:
    return [str(issue) for issue in result.errors]


def _addressed_to(transaction: Any) -> str:
    return str(transaction.envelope.group.interchange.receiver_id)


def _read_models(kind: str) -> Reader:
    def read(text: str) -> tuple[list[Any], list[str]]:
        result = parse(text)
        found = [
            (t.model, _addressed_to(t))
            for t in result.transactions
            if t.kind == kind and t.model is not None
        ]
        return found, _problems(result)

    return read


def _read_ta1(text: str) -> tuple[list[Any], list[str]]:
    from shared.x12.envelope import read_document
    from shared.x12.x12_ta1_005010.models import Ta1Segment

    document = read_document(text)
    found = [
        (Ta1Segment.from_segment(segment), interchange.receiver_id)
        for interchange in document.interchanges
        for segment in interchange.ta1
    ]
    return found, [str(issue) for issue in document.issues if issue.is_error]


def _models_only(apply: Callable[[AckFile, list[Any]], None]) -> Apply:
    def run(ack: AckFile, items: list[Any]) -> None:
        apply(ack, [model for model, _addressed in items])

    return run


KINDS: dict[str, tuple[Reader, Apply, str]] = {
    "TA1": (_read_ta1, apply_ta1, "TA1 interchange acknowledgment"),
    "999": (_read_models("999"), apply_999, "999 implementation acknowledgment"),
    "277CA": (_read_models("277CA"), _models_only(apply_277ca), "277CA claim acknowledgment"),
    "277": (_read_models("277"), _models_only(apply_277), "277 claim status response"),
}


def ingest_file(
    deps: ClaimsDeps, file_name: str, content: bytes, transaction: str, organization_id: str
) -> IngestOutcome:
    """Apply one acknowledgment or status file (whole, once); see the module docstring."""
    read, apply, what = KINDS[transaction]
    digest = hashlib.sha256(content).hexdigest()
    with deps.engine.connect() as conn:
        earlier = already_ingested(conn, organization_id, digest)
    if earlier is not None:
        return IngestOutcome(
            True,
            f"already ingested on {earlier:%Y-%m-%d %H:%M} UTC: nothing changed",
            {"duplicate": True, "sha256": digest},
        )
    try:
        items, problems = read(_decode(content))
    except X12Error as exc:
        return IngestOutcome(False, f"not read: {exc}", {"problems": [str(exc)]})
    if not items:
        first = problems[0] if problems else "no such transaction in the file"
        return IngestOutcome(
            False, f"not a {what}: {first}; nothing applied", {"problems": problems[:20]}
        )
    with deps.uow() as uow:
        ack = AckFile(
            deps=deps,
            uow=uow,
            file_name=file_name,
            sha256=digest,
            transaction=transaction,
            organization_id=organization_id,
            received_at=deps.clock(),
        )
        apply(ack, items)
        record_file(ack)
    counts = dict(sorted(ack.counts.items()))
    summary = ", ".join(f"{n} {label}" for label, n in counts.items()) or "no claims named"
    if ack.review:
        summary += " (see GET /v1/exchange/unmatched)"
    return IngestOutcome(
        not ack.review,
        f"{what}: {summary}",
        {"counts": counts, "to_review": ack.review, "problems": problems[:20], "sha256": digest},
    )


def _ingest(path: Path, context: IngestContext, transaction: str) -> IngestOutcome:
    deps: ClaimsDeps = context.services.claims
    return ingest_file(deps, path.name, path.read_bytes(), transaction, context.organization_id)


def ingest_ta1(path: Path, context: IngestContext) -> IngestOutcome:
    """A TA1: a rejected interchange rejects every claim of our file (TA101 = ISA13)."""
    return _ingest(path, context, "TA1")


def ingest_999(path: Path, context: IngestContext) -> IngestOutcome:
    """A 999: each transaction set's claims acknowledged (A, E) or rejected (IK3/IK4 named)."""
    return _ingest(path, context, "999")


def ingest_277ca(path: Path, context: IngestContext) -> IngestOutcome:
    """A 277CA: each claim accepted (payer claim number) or rejected (STC codes, described)."""
    return _ingest(path, context, "277CA")


def ingest_277(path: Path, context: IngestContext) -> IngestOutcome:
    """A 277: each answer to our 276s recorded on its claim (pending, finalized, ...)."""
    return _ingest(path, context, "277")
