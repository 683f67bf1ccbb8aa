"""Intake HTTP API: `POST /v1/claims` turns a request into a SubmitClaim command, nothing more."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from services.intake.commands import SubmitClaim
from services.intake.domain import IntakeRejected
from services.intake.handlers import (
    ClaimAlreadyExists,
    IdempotencyKeyReused,
    IntakeDeps,
    InvalidIdempotencyKey,
    submit_claim,
)
from services.intake.idempotency import fingerprint
from shared.auth import ROLE_CLAIMS_WRITE, Principal, require_role
from shared.claim_model import Claim


def get_intake_deps(request: Request) -> IntakeDeps:
    deps: IntakeDeps = request.app.state.intake
    return deps


IntakeDepsDep = Annotated[IntakeDeps, Depends(get_intake_deps)]
ClaimWriter = Annotated[Principal, Depends(require_role(ROLE_CLAIMS_WRITE))]


class ClaimLinks(BaseModel):
    self: str
    account: str


class ClaimCreatedPublic(BaseModel):
    claim_id: str
    account_id: str
    status: str
    event_id: str
    links: ClaimLinks


def _unprocessable(loc: list[str], message: str) -> JSONResponse:
    # Same shape as FastAPI's own validation errors, so clients parse one format.
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": [{"loc": loc, "msg": message, "type": "value_error"}]},
    )


router = APIRouter(prefix="/v1/claims", tags=["intake"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimCreatedPublic,
    responses={409: {"description": "claim id already exists"}, 422: {"description": "invalid"}},
)
def create_claim(
    claim: Claim,
    principal: ClaimWriter,
    deps: IntakeDepsDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Any:
    """Submit a claim; it is created and its lifecycle begins (replay-safe with Idempotency-Key)."""
    command = SubmitClaim(
        claim=claim,
        organization_id=principal.organization_id,
        submitted_by=principal.subject,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint(claim.model_dump_json()) if idempotency_key else None,
    )
    try:
        result = submit_claim(command, deps)
    except IntakeRejected as exc:
        return _unprocessable(["body", exc.field], exc.message)
    except (IdempotencyKeyReused, InvalidIdempotencyKey) as exc:
        return _unprocessable(["header", "Idempotency-Key"], str(exc))
    except ClaimAlreadyExists as exc:
        return JSONResponse(status_code=status.HTTP_409_CONFLICT, content={"detail": str(exc)})
    headers = {"Location": result.body["links"]["self"]}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(status_code=result.status_code, content=result.body, headers=headers)
