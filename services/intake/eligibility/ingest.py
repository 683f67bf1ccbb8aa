"""`revcycle ingest FILE.271`: a payer's eligibility answers recorded on the claims that asked.

The file must read as X12 first: a syntax or envelope error (ISA, control numbers, ST/SE)
refuses the whole file with each problem's segment position and element, and nothing is
recorded. The payer's content is then checked (WEDI SNIP 1-5, `shared.x12.validation`);
what it finds is reported as warnings and does not stop the answers, because a payer's
271 that echoes our provider with, say, a bad NPI check digit still says whether the
member is covered, and refusing it would leave the claim waiting forever.

Every answer (`answers.answers_of`) is recorded in its own transaction by
`checks.record_answer`: active coverage and its details become `claim.eligibility_verified`,
inactive coverage also holds a claim still waiting to be made ready, an AAA rejection
becomes `claim.eligibility_failed`. An answer whose trace number matches no 270 we sent is
reported as unknown (and changes nothing); a second copy of a 271 is reported as duplicate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from services.intake.eligibility.answers import answers_of
from services.intake.eligibility.checks import Recorded, record_answer
from shared.ingest import IngestContext, IngestOutcome
from shared.kernel import DomainError, KernelError, UnitOfWork
from shared.logsafe import describe_error
from shared.x12.errors import X12Error
from shared.x12.reader import parse
from shared.x12.validation import validate_parsed
from shared.x12.x12_271_005010X279A1.models import Transaction271


def ingest_271(path: Path, context: IngestContext) -> IngestOutcome:
    """Record every answer of the 271 file at `path` (see the module doc)."""
    try:
        parsed = parse(path)
    except X12Error as exc:
        return _refused(path, [str(exc)])
    if parsed.errors:
        return _refused(path, [f"{issue.where()}: {issue.message}" for issue in parsed.errors])
    warnings = [f"{i.where()}: {i.code}" for i in validate_parsed(parsed).errors]

    answers = [
        answer
        for transaction in parsed.transactions
        if isinstance(transaction.model, Transaction271)
        for answer in answers_of(transaction.model)
    ]
    services = context.services
    uow = UnitOfWork(services.store, producer="intake", clock=services.clock)
    recorded: list[Recorded] = []
    for done, answer in enumerate(answers, start=1):
        try:
            with uow:
                recorded.append(record_answer(uow, answer, uow.clock()))
        except (DomainError, KernelError) as refused:
            # That answer's transaction rolled back whole; the others still count.
            key = answer.trace_number or answer.reference
            recorded.append(Recorded(key, "error", detail=describe_error(refused)))
        context.progress(done, len(answers))
    counts: dict[str, int] = {}
    for item in recorded:
        counts[item.status] = counts.get(item.status, 0) + 1
    rows: list[dict[str, Any]] = [
        {
            "trace_number": item.trace_number,
            "claim_id": item.claim_id,
            "status": item.status,
            "held": item.held,
            **({"detail": item.detail} if item.detail else {}),
        }
        for item in recorded
    ]
    unknown = counts.get("unknown", 0) + counts.get("error", 0)
    summary = f"{path.name}: {len(recorded)} answer(s): " + ", ".join(
        f"{count} {status}" for status, count in sorted(counts.items())
    )
    return IngestOutcome(
        ok=unknown == 0 and bool(recorded),
        summary=summary if recorded else f"{path.name}: no eligibility answer in the file",
        report={
            "file": path.name,
            "status": "recorded",
            "counts": counts,
            "answers": rows,
            "warnings": warnings,
        },
    )


def _refused(path: Path, problems: list[str]) -> IngestOutcome:
    return IngestOutcome(
        ok=False,
        summary=f"{path.name}: refused, {len(problems)} X12 error(s); nothing recorded",
        report={"file": path.name, "status": "refused", "errors": problems},
    )
