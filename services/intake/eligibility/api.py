"""`POST /v1/eligibility` (check a claim's coverage now) and `GET /v1/eligibility/{trace_number}`.

POST takes `{"claim_id": "..."}` for a claim of the caller's organization and starts a
check exactly as the automatic process does (`checks.start_check`): 200 with the answer
when intake's cache holds a fresh one for the same member, payer and date of service
(recorded on the claim at once), 202 with the trace number when a 270 went out (the 271
is recorded by `revcycle ingest`), 200 with `status: failed` and the problems when no 270
can be written for the claim (no billing NPI, no service date). GET shows a check sent
from this organization and, once the 271 came back, its answer (an audited read).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import uuid4

from fastapi import APIRouter, Depends, HTTPException, Path, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.intake.bootstrap import IntakeDeps
from services.intake.eligibility import tables
from services.intake.eligibility.checks import CheckStarted, start_check
from services.intake.eligibility.config import EligibilitySettings
from services.intake.eligibility.domain import CLAIM_ELIGIBILITY
from shared.auth import ROLE_CLAIMS_READ, ROLE_CLAIMS_WRITE, Principal, record_access, require_role
from shared.exchange.interface import ClearinghouseAdapter
from shared.ids import CLAIM_ID_MAX, CLAIM_ID_PATTERN
from shared.kernel import UnitOfWork

router = APIRouter(prefix="/v1/eligibility", tags=["eligibility"])

Writer = Annotated[Principal, Depends(require_role(ROLE_CLAIMS_WRITE))]
Reader = Annotated[Principal, Depends(require_role(ROLE_CLAIMS_READ))]


@dataclass(frozen=True)
class EligibilityDeps:
    intake: IntakeDeps
    settings: EligibilitySettings
    adapter: Callable[[], ClearinghouseAdapter]


def get_deps(request: Request) -> EligibilityDeps:
    deps: EligibilityDeps = request.app.state.intake_eligibility
    return deps


Deps = Annotated[EligibilityDeps, Depends(get_deps)]


class EligibilityRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claim_id: str = Field(max_length=CLAIM_ID_MAX, pattern=CLAIM_ID_PATTERN)


def _body(started: CheckStarted, claim_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "claim_id": claim_id,
        "status": started.status,
        "trace_number": started.trace_number,
    }
    if started.status == "answered":
        body["from_cache"] = True
        body["answer"] = started.answer
    if started.problems:
        body["problems"] = [p.model_dump(mode="json") for p in started.problems]
    if started.status == "sent":
        body["links"] = {"self": f"/v1/eligibility/{started.trace_number}"}
    return body


def _check(deps: EligibilityDeps, principal: Principal, claim_id: str) -> CheckStarted | None:
    intake = deps.intake
    uow = UnitOfWork(intake.store, producer="intake", clock=intake.clock)
    with uow:
        loaded = uow.load(CLAIM_ELIGIBILITY, claim_id)
        claim = loaded.state.claim
        if claim is None or loaded.organization_id != principal.organization_id:
            return None
        return start_check(
            uow,
            claim_id=claim_id,
            claim=claim,
            organization_id=principal.organization_id,
            trace_number=uuid4().hex,
            created_at=uow.clock(),
            settings=deps.settings,
            adapter=deps.adapter(),
        )


@router.post(
    "",
    responses={202: {"description": "A 270 went out; the 271 answers later"}},
)
async def check_eligibility(
    request: EligibilityRequest, principal: Writer, deps: Deps
) -> JSONResponse:
    """Check the coverage of one claim now (from the cache, or a 270 to its payer)."""
    started = await run_in_threadpool(_check, deps, principal, request.claim_id)
    if started is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="claim not found")
    code = status.HTTP_202_ACCEPTED if started.status == "sent" else status.HTTP_200_OK
    return JSONResponse(_body(started, request.claim_id), status_code=code)


def _read(deps: EligibilityDeps, principal: Principal, trace_number: str) -> dict[str, Any] | None:
    intake = deps.intake
    with intake.engine.begin() as conn:
        inquiry = tables.by_trace(conn, trace_number)
        if inquiry is not None and inquiry.organization_id != principal.organization_id:
            inquiry = None
        record_access(
            conn,
            principal,
            action="read",
            resource_type="eligibility_inquiry",
            resource_id=trace_number,
            outcome="ok" if inquiry is not None else "not_found",
            at=intake.clock(),
        )
    if inquiry is None:
        return None
    return {
        "trace_number": inquiry.trace_number,
        "claim_id": inquiry.claim_id,
        "payer_id": inquiry.payer_id,
        "service_date": inquiry.service_date.isoformat(),
        "sent_at": inquiry.sent_at.isoformat(),
        "status": "answered" if inquiry.answered_at is not None else "sent",
        "answered_at": inquiry.answered_at.isoformat() if inquiry.answered_at else None,
        "answer": inquiry.answer,
    }


@router.get("/{trace_number}")
async def show_eligibility(
    trace_number: Annotated[str, Path(max_length=50, pattern=r"^[A-Za-z0-9]{1,50}$")],
    principal: Reader,
    deps: Deps,
) -> dict[str, Any]:
    """One check of this organization: sent, or answered with the 271's details."""
    found = await run_in_threadpool(_read, deps, principal, trace_number)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="eligibility check not found")
    return found
