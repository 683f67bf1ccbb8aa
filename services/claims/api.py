"""Claims HTTP API: submissions, corrections, voids, and the review list of unmatched acks.

Routes are thin: a write turns the request into a command (handlers) or a job run; a read
queries the claims service's own tables. A refused command is 409 naming the rule, the
claim's state and the command; a claim of another organization is 404, like an unknown one.
"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from services.claims.deps import ClaimsDeps
from services.claims.handlers import ClaimNotFound, CorrectionRefused, correct_claim, void_claim
from services.claims.schemas import (
    ClaimChanged,
    CorrectionRequest,
    SubmissionRun,
    UnmatchedAck,
    UnmatchedList,
    VoidRequest,
)
from services.claims.submission import submit_ready_claims
from services.claims.tables import unmatched
from shared.auth import (
    ROLE_CLAIMS_READ,
    ROLE_CLAIMS_WRITE,
    Principal,
    record_access,
    require_role,
)
from shared.ids import CLAIM_ID_MAX, CLAIM_ID_PATTERN
from shared.kernel import ConflictRetriesExhausted, DomainError, IllegalTransition


def get_claims_deps(request: Request) -> ClaimsDeps:
    deps: ClaimsDeps = request.app.state.claims
    return deps


ClaimsDepsDep = Annotated[ClaimsDeps, Depends(get_claims_deps)]
ClaimWriter = Annotated[Principal, Depends(require_role(ROLE_CLAIMS_WRITE))]
ClaimReader = Annotated[Principal, Depends(require_role(ROLE_CLAIMS_READ))]
ClaimIdPath = Annotated[str, Path(min_length=1, max_length=CLAIM_ID_MAX, pattern=CLAIM_ID_PATTERN)]

REFUSED: dict[int | str, dict[str, Any]] = {
    404: {"description": "unknown, or another organization's (not disclosed)"},
    409: {"description": "not allowed in the claim's current state (rule, state, command named)"},
    422: {"description": "invalid: every failing field path"},
}

router = APIRouter(prefix="/v1", tags=["claims"])


def _refused(exc: DomainError | ConflictRetriesExhausted) -> JSONResponse:
    content: dict[str, Any] = {"detail": str(exc)}
    if isinstance(exc, DomainError):
        content["rule"] = exc.rule
    if isinstance(exc, IllegalTransition):
        content |= {"state": exc.state, "command": exc.command}
    return JSONResponse(status_code=status.HTTP_409_CONFLICT, content=content)


def _not_found() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail="claim not found")


@router.post("/submissions", response_model=SubmissionRun)
async def submit(principal: ClaimWriter, deps: ClaimsDepsDep) -> SubmissionRun:
    """Send the organization's ready claims now: 837 files to the clearinghouse."""
    report = await run_in_threadpool(
        submit_ready_claims, deps, organization_id=principal.organization_id
    )
    return SubmissionRun(**report.as_dict())


@router.post(
    "/claims/{claim_id}/corrections",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimChanged,
    responses=REFUSED,
)
def correct(
    claim_id: ClaimIdPath, request: CorrectionRequest, principal: ClaimWriter, deps: ClaimsDepsDep
) -> Any:
    """Correct a submitted claim: re-scrubbed, then resent (replacement 7, or a new original)."""
    try:
        corrected = correct_claim(
            deps, claim_id, principal.organization_id, request.to_claim(), request.reason
        )
    except ClaimNotFound:
        raise _not_found() from None
    except CorrectionRefused as exc:
        detail: list[dict[str, Any]] = [
            {"loc": ["body", *exc.field.split(".")], "msg": exc.message, "type": "value_error"}
        ]
        detail += [
            {
                "loc": ["body", "claim", *finding.field.split(".")],
                "msg": f"{finding.code}: {finding.message}",
                "type": "scrub_error",
            }
            for finding in exc.findings
        ]
        return JSONResponse(
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content={"detail": detail}
        )
    except (DomainError, ConflictRetriesExhausted) as exc:
        return _refused(exc)
    state = corrected.result.state
    return ClaimChanged(
        claim_id=claim_id,
        status=state.status.value,
        frequency=corrected.claim.frequency.value,
        original_payer_claim_number=corrected.claim.original_payer_claim_number,
        stream_version=corrected.result.version,
        warnings=[w.to_dict() for w in corrected.warnings],
    )


@router.post("/claims/{claim_id}/void", response_model=ClaimChanged, responses=REFUSED)
def void(
    claim_id: ClaimIdPath, request: VoidRequest, principal: ClaimWriter, deps: ClaimsDepsDep
) -> Any:
    """Void a claim: a frequency-8 claim goes out if the payer has it, else it is just closed."""
    try:
        result = void_claim(deps, claim_id, principal.organization_id, request.reason)
    except ClaimNotFound:
        raise _not_found() from None
    except (DomainError, ConflictRetriesExhausted) as exc:
        return _refused(exc)
    state = result.state
    return ClaimChanged(
        claim_id=claim_id,
        status=state.status.value,
        frequency="8",
        original_payer_claim_number=state.payer_claim_number if state.payer_has_claim else None,
        stream_version=result.version,
    )


@router.get("/exchange/unmatched", response_model=UnmatchedList)
def list_unmatched(
    principal: ClaimReader,
    deps: ClaimsDepsDep,
    # The id column is a 32-bit integer on PostgreSQL: a larger cursor is a 422, not a 500.
    after: Annotated[int, Query(ge=0, le=2**31 - 1, description="Items after this id")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> UnmatchedList:
    """Acknowledgments that matched no claim, or a claim they could not apply to, for review."""
    query = (
        sa.select(unmatched)
        .where(unmatched.c.organization_id == principal.organization_id, unmatched.c.id > after)
        .order_by(unmatched.c.id)
        .limit(limit + 1)
    )
    # The list names patient control numbers: the read and its audit row commit together.
    with deps.engine.begin() as conn:
        rows = conn.execute(query).all()
        record_access(
            conn,
            principal,
            action="list",
            resource_type="exchange_unmatched",
            resource_id=str(after),
            outcome="ok",
        )
    items = [
        UnmatchedAck(
            id=row.id,
            received_at=row.received_at,
            file=row.file_name,
            transaction=row.transaction,
            reference=row.reference,
            patient_control_number=row.patient_control_number,
            claim_id=row.claim_id,
            reason=row.reason,
            detail=row.detail,
        )
        for row in rows[:limit]
    ]
    return UnmatchedList(items=items, next_after=items[-1].id if len(rows) > limit else None)
