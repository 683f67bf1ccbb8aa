"""Intake HTTP API: `POST /v1/claims` turns a `ClaimCreate` into a SubmitClaim command."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Request, status
from fastapi.responses import JSONResponse

from services.intake import references
from services.intake.commands import SubmitClaim
from services.intake.domain import IntakeRejected
from services.intake.handlers import (
    ClaimAlreadyExists,
    ClientReferenceInUse,
    IdempotencyKeyReused,
    IntakeDeps,
    InvalidIdempotencyKey,
    claim_links,
    submit_claim,
)
from services.intake.idempotency import fingerprint
from services.intake.schemas import (
    CLIENT_REFERENCE_MAX,
    ClaimCreate,
    ClaimCreatedPublic,
    ClaimLinks,
    ClientReferencePublic,
)
from shared.auth import ROLE_CLAIMS_READ, ROLE_CLAIMS_WRITE, Principal, require_role
from shared.ids import PRINTABLE_PATTERN


def get_intake_deps(request: Request) -> IntakeDeps:
    deps: IntakeDeps = request.app.state.intake
    return deps


IntakeDepsDep = Annotated[IntakeDeps, Depends(get_intake_deps)]
ClaimWriter = Annotated[Principal, Depends(require_role(ROLE_CLAIMS_WRITE))]
ClaimReader = Annotated[Principal, Depends(require_role(ROLE_CLAIMS_READ))]


def _unprocessable(loc: list[str], message: str) -> JSONResponse:
    # Same shape as the validation errors (shared.http.errors), so clients parse one format.
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": [{"loc": loc, "msg": message, "type": "value_error"}]},
    )


router = APIRouter(prefix="/v1", tags=["intake"])


@router.post(
    "/claims",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimCreatedPublic,
    responses={
        409: {"description": "client_reference already used by another claim"},
        413: {"description": "request body over the configured limit"},
        422: {"description": "invalid: every failing field path"},
        503: {"description": "database unavailable; retry after Retry-After seconds"},
    },
)
def create_claim(
    claim: ClaimCreate,
    principal: ClaimWriter,
    deps: IntakeDepsDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Any:
    """Submit a claim; it is created and its lifecycle begins (replay-safe with Idempotency-Key)."""
    command = SubmitClaim(
        claim=claim.to_claim(),
        organization_id=principal.organization_id,
        submitted_by=principal.subject,
        client_reference=claim.client_reference,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint(claim.model_dump_json()) if idempotency_key else None,
    )
    try:
        result = submit_claim(command, deps)
    except IntakeRejected as exc:
        return _unprocessable(["body", exc.field], exc.message)
    except (IdempotencyKeyReused, InvalidIdempotencyKey) as exc:
        return _unprocessable(["header", "Idempotency-Key"], str(exc))
    except (ClientReferenceInUse, ClaimAlreadyExists) as exc:
        return JSONResponse(status_code=status.HTTP_409_CONFLICT, content={"detail": str(exc)})
    headers = {"Location": result.body["links"]["self"]}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(status_code=result.status_code, content=result.body, headers=headers)


@router.get(
    "/client-references/{client_reference:path}",
    response_model=ClientReferencePublic,
    responses={404: {"description": "no claim of the caller's organization has it"}},
)
def read_client_reference(
    client_reference: Annotated[
        str, Path(min_length=1, max_length=CLIENT_REFERENCE_MAX, pattern=PRINTABLE_PATTERN)
    ],
    principal: ClaimReader,
    deps: IntakeDepsDep,
) -> ClientReferencePublic:
    """The claim the caller's organization submitted under its own reference."""
    with deps.engine.connect() as conn:
        found = references.find(conn, principal.organization_id, client_reference)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="client reference not found")
    claim_id, account_id = found
    return ClientReferencePublic(
        client_reference=client_reference,
        claim_id=claim_id,
        links=ClaimLinks(**claim_links(claim_id, account_id)),
    )
