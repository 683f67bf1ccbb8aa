"""Intake HTTP API: thin routes that turn requests into intake commands and results into answers.

- `POST /v1/claims`: a new claim (`CreateClaim`); 201 with status `created` or `held` and
  the scrubber's findings; replay-safe with `Idempotency-Key` (the edge's gate decides).
- `PUT /v1/claims/{claim_id}`: a corrected claim before submission (`AmendClaim`); 200
  with status `amended` or `held`; 409 once the claim is submitted, naming its state.
- `GET /v1/client-references/{reference}`: the claim an organization's own id names.
- `POST /v1/batches/837`: an 837 file as the body (`application/edi-x12` or `text/plain`),
  spooled to disk up to `INTAKE_BATCH_MAX_BYTES`; 201 with `batch_id`, `ack_999` and per
  claim its status (`services.intake.batches`), or, over `INTAKE_BATCH_SYNC_BYTES`, 202 and
  the file read in the background. `GET /v1/batches/{batch_id}` answers the report later
  (or, while a background batch is read, its progress).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Path, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from services.intake import batches, references
from services.intake.bootstrap import IntakeDeps
from services.intake.commands import AmendClaim, CreateClaim
from services.intake.domain import ClaimNotAmendable, ClaimNotFound, IntakeRejected
from services.intake.handlers import (
    ClaimAmendedResult,
    ClaimCreatedResult,
    ClientReferenceInUse,
    UnknownOrganization,
    amend_claim,
    create_claim,
)
from services.intake.idempotency import (
    Answer,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    fingerprint,
)
from services.intake.schemas import (
    CLIENT_REFERENCE_MAX,
    ClaimAmend,
    ClaimAmendedPublic,
    ClaimCreate,
    ClaimCreatedPublic,
    ClaimLinks,
    ClientReferencePublic,
)
from shared.auth import (
    ROLE_CLAIMS_READ,
    ROLE_CLAIMS_WRITE,
    Principal,
    record_access,
    require_role,
)
from shared.events.claims import ScrubFinding
from shared.ids import CLAIM_ID_MAX, CLAIM_ID_PATTERN, PRINTABLE_PATTERN
from shared.kernel import ConflictRetriesExhausted, OrganizationMismatch


def get_intake_deps(request: Request) -> IntakeDeps:
    deps: IntakeDeps = request.app.state.intake
    return deps


IntakeDepsDep = Annotated[IntakeDeps, Depends(get_intake_deps)]
ClaimReader = Annotated[Principal, Depends(require_role(ROLE_CLAIMS_READ))]
_writer = require_role(ROLE_CLAIMS_WRITE)


def served_writer(
    principal: Annotated[Principal, Depends(_writer)], deps: IntakeDepsDep
) -> Principal:
    """A caller with claims:write whose organization intake serves (else 403, naming it)."""
    if not deps.policy.serves(principal.organization_id):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail=str(UnknownOrganization(principal.organization_id))
        )
    return principal


ClaimWriter = Annotated[Principal, Depends(served_writer)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
ClaimIdPath = Annotated[str, Path(min_length=1, max_length=CLAIM_ID_MAX, pattern=CLAIM_ID_PATTERN)]

router = APIRouter(prefix="/v1", tags=["intake"])


def claim_links(claim_id: str, account_id: str) -> dict[str, str]:
    """Links that resolve as given: each id is one percent-encoded path segment."""
    return {
        "self": f"/v1/claims/{quote(claim_id, safe='')}",
        "account": f"/v1/accounts/{quote(account_id, safe=':')}",
    }


def findings_public(findings: tuple[ScrubFinding, ...]) -> list[dict[str, Any]]:
    return [
        {"code": f.code, "severity": f.severity, "field": f.field, "message": f.message}
        for f in findings
    ]


def _created(result: ClaimCreatedResult) -> Answer:
    body: dict[str, Any] = {
        "claim_id": result.claim_id,
        "client_reference": result.client_reference,
        "account_id": result.account_id,
        "status": result.status,
        "findings": findings_public(result.findings),
        "eligibility_requested": result.eligibility_requested,
        "event_id": str(result.event_id),
        "links": claim_links(result.claim_id, result.account_id),
    }
    return Answer(status.HTTP_201_CREATED, body, result.claim_id)


def _amended(result: ClaimAmendedResult) -> Answer:
    body: dict[str, Any] = {
        "claim_id": result.claim_id,
        "account_id": result.account_id,
        "status": result.status,
        "findings": findings_public(result.findings),
        "eligibility_requested": result.eligibility_requested,
        "event_id": str(result.event_id),
        "links": claim_links(result.claim_id, result.account_id),
    }
    return Answer(status.HTTP_200_OK, body, result.claim_id)


def _send(answer: Answer) -> JSONResponse:
    headers = {"Location": answer.body["links"]["self"]}
    if answer.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(status_code=answer.status_code, content=answer.body, headers=headers)


@router.post(
    "/claims",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimCreatedPublic,
    responses={
        403: {"description": "the caller's organization is not served by this intake"},
        409: {"description": "client_reference already used by another claim"},
        413: {"description": "request body over the configured limit"},
        422: {"description": "invalid: every failing field path"},
        503: {"description": "database unavailable; retry after Retry-After seconds"},
    },
)
def post_claim(
    claim: ClaimCreate,
    principal: ClaimWriter,
    deps: IntakeDepsDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Submit a claim: created and scrubbed (held with findings when dirty); replay-safe."""
    command = CreateClaim(
        claim=claim.to_claim(),
        organization_id=principal.organization_id,
        submitted_by=principal.subject,
        client_reference=claim.client_reference,
    )
    answer = deps.idempotency.answer(
        deps.unit_of_work(),
        organization_id=principal.organization_id,
        key=idempotency_key,
        request_fingerprint=fingerprint("POST /v1/claims " + claim.model_dump_json()),
        act=lambda uow: _created(create_claim(uow, command, deps.policy)),
    )
    return _send(answer)


@router.put(
    "/claims/{claim_id}",
    response_model=ClaimAmendedPublic,
    responses={
        403: {"description": "the caller's organization is not served by this intake"},
        404: {"description": "no claim of the caller's organization has this id"},
        409: {"description": "the claim was submitted (or voided): its state is named"},
        422: {"description": "invalid: every failing field path"},
    },
)
def put_claim(
    claim_id: ClaimIdPath,
    claim: ClaimAmend,
    principal: ClaimWriter,
    deps: IntakeDepsDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Correct a claim before submission: its content is replaced and scrubbed again."""
    command = AmendClaim(
        claim_id=claim_id,
        claim=claim.to_claim(),
        organization_id=principal.organization_id,
        submitted_by=principal.subject,
        reason=claim.reason,
    )

    def act(uow: Any) -> Answer:
        try:
            return _amended(amend_claim(uow, command, deps.policy))
        except OrganizationMismatch:
            # Another organization's claim answers exactly as one that does not exist.
            raise ClaimNotFound(claim_id) from None
        except ConflictRetriesExhausted:
            raise ClaimKeptChanging() from None

    answer = deps.idempotency.answer(
        deps.unit_of_work(),
        organization_id=principal.organization_id,
        key=idempotency_key,
        request_fingerprint=fingerprint(f"PUT /v1/claims/{claim_id} " + claim.model_dump_json()),
        act=act,
    )
    return _send(answer)


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


# Media types an 837 body may be sent as (parameters such as charset are allowed).
X12_MEDIA_TYPES = ("application/edi-x12", "text/plain")
BatchIdPath = Annotated[str, Path(min_length=5, max_length=64, pattern=r"^bat_[0-9a-f]{1,60}$")]


BATCH_837_PATH = "/v1/batches/837"


@router.post(
    "/batches/837",
    status_code=status.HTTP_201_CREATED,
    responses={
        202: {"description": "a file over INTAKE_BATCH_SYNC_BYTES: read in the background"},
        400: {"description": "not an X12 file we can acknowledge (no ISA/GS), or empty"},
        403: {"description": "the caller's organization is not served by this intake"},
        413: {"description": "body over INTAKE_BATCH_MAX_BYTES (use `revcycle ingest`)"},
        415: {"description": "Content-Type is not application/edi-x12 or text/plain"},
    },
)
async def post_batch_837(request: Request, principal: ClaimWriter, deps: IntakeDepsDep) -> Any:
    """An 837 file: our 999 for it, and each claim created, held, duplicate or rejected."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in X12_MEDIA_TYPES:
        return _detail(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"send the 837 file as {' or '.join(X12_MEDIA_TYPES)}, not {media or 'nothing'!r}",
        )
    settings = deps.settings
    try:
        # To disk as it arrives (memory stays flat); the body limit middleware applies this
        # route's own limit (install_routes), so a declared length over it never gets here.
        body = await batches.spool(request.stream(), settings.intake_batch_max_bytes)
    except batches.BodyTooLarge as exc:
        return _detail(status.HTTP_413_CONTENT_TOO_LARGE, str(exc), limit=exc.limit)
    if body.blank:
        body.discard()
        return _detail(status.HTTP_400_BAD_REQUEST, "the body is empty: send the 837 file")
    if body.size > settings.intake_batch_sync_bytes:
        job = await run_in_threadpool(
            batches.receive_in_background,
            deps,
            body,
            organization_id=principal.organization_id,
            submitted_by=principal.subject,
        )
        return JSONResponse(
            status_code=status.HTTP_202_ACCEPTED,
            content=job,
            headers={"Location": f"/v1/batches/{job['batch_id']}"},
        )
    try:
        report = await run_in_threadpool(
            batches.receive_837,
            deps,
            body.path,
            organization_id=principal.organization_id,
            submitted_by=principal.subject,
        )
    finally:
        body.discard()
    location = f"/v1/batches/{report.batch_id}"
    return JSONResponse(
        status_code=status.HTTP_201_CREATED,
        content=report.to_json(),
        headers={"Location": location},
    )


@router.get("/batches/{batch_id}", responses={404: {"description": "no such batch"}})
def read_batch(batch_id: BatchIdPath, principal: ClaimReader, deps: IntakeDepsDep) -> Any:
    """The report of an 837 batch the caller's organization sent (as its POST answered)."""
    with deps.engine.begin() as conn:
        found = batches.find(conn, principal.organization_id, batch_id)
        if found is None:  # not finished: a background batch shows its progress
            found = batches.find_job(conn, principal.organization_id, batch_id)
        record_access(
            conn,
            principal,
            action="read",
            resource_type="batch",
            resource_id=batch_id,
            outcome="ok" if found else "not_found",
        )
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="batch not found")
    return JSONResponse(content=found)


# -- refusals: each of intake's errors, answered the same way on every route ---------------


class ClaimKeptChanging(Exception):
    def __init__(self) -> None:
        super().__init__(
            "the claim kept changing while this request was applied (other services were "
            "appending to it); nothing was changed: send the request again"
        )


def _unprocessable(loc: list[str], message: str) -> JSONResponse:
    # Same shape as the validation errors (shared.http.errors), so clients parse one format.
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": [{"loc": loc, "msg": message, "type": "value_error"}]},
    )


def _detail(code: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse(status_code=code, content={"detail": message, **extra})


async def _refused(request: Request, exc: Exception) -> JSONResponse:
    match exc:
        case IntakeRejected():
            return _unprocessable(["body", exc.field], exc.message)
        case IdempotencyKeyReused() | InvalidIdempotencyKey():
            return _unprocessable(["header", "Idempotency-Key"], str(exc))
        case ClientReferenceInUse():
            return _detail(status.HTTP_409_CONFLICT, str(exc))
        case ClaimNotAmendable():
            return _detail(status.HTTP_409_CONFLICT, str(exc), status=exc.status.value)
        case ClaimNotFound():
            return _detail(status.HTTP_404_NOT_FOUND, "claim not found")
        case UnknownOrganization():
            return _detail(status.HTTP_403_FORBIDDEN, str(exc))
        case ClaimKeptChanging():
            return _detail(status.HTTP_409_CONFLICT, str(exc))
        case batches.BatchRefused():
            where = batches.issue_public(exc.issue) if exc.issue is not None else None
            return _detail(status.HTTP_400_BAD_REQUEST, str(exc), error=where)
    raise exc


REFUSALS: tuple[type[Exception], ...] = (
    IntakeRejected,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    ClientReferenceInUse,
    ClaimNotAmendable,
    ClaimNotFound,
    UnknownOrganization,
    ClaimKeptChanging,
    batches.BatchRefused,
)


def install_routes(app: FastAPI) -> None:
    """Intake's routers and the answers to its refusals, on an app."""
    app.include_router(router)
    # An 837 body is spooled to disk, not held: it gets its own body limit (shared.http).
    deps: IntakeDeps = app.state.intake
    limits = dict(getattr(app.state, "body_limits", None) or {})
    limits[("POST", BATCH_837_PATH)] = deps.settings.intake_batch_max_bytes
    app.state.body_limits = limits
    for kind in REFUSALS:
        app.add_exception_handler(kind, _refused)
