"""FHIR routes: `POST /fhir/Claim`, `POST /fhir` (transaction Bundle), `GET /fhir/Claim/{id}`.

Every answer is FHIR: a resource, a transaction-response Bundle, or an OperationOutcome
naming each problem with its FHIRPath (authentication and authorisation failures too).
The route reads the body itself: FastAPI's own validation would answer in its format.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from services.intake.bootstrap import IntakeDeps
from services.intake.channel_claims import CreatedClaim, create_channel_claim
from services.intake.domain import IntakeRejected
from services.intake.fhir import store
from services.intake.fhir.mapping import ClaimMappingError, References, claim_from_fhir
from services.intake.fhir.outcome import FHIR_JSON, FhirProblem, Issue, operation_outcome
from services.intake.fhir.validation import parse_json, validate_resource
from services.intake.handlers import ClientReferenceInUse
from services.intake.idempotency import (
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    fingerprint,
)
from shared.auth import (
    ROLE_CLAIMS_READ,
    ROLE_CLAIMS_WRITE,
    AuthenticationError,
    Principal,
    record_access,
)
from shared.claim_model import Claim
from shared.events.claims import ClaimChannel
from shared.ids import CLAIM_ID_MAX, CLAIM_ID_PATTERN

router = APIRouter(prefix="/fhir", tags=["fhir"])

ACCEPTED_MEDIA_TYPES = ("application/fhir+json", "application/json")
OUTCOME = {"description": "OperationOutcome naming each problem (FHIRPath in `expression`)"}


def _outcome(status_code: int, issues: list[Issue]) -> JSONResponse:
    return JSONResponse(operation_outcome(issues), status_code=status_code, media_type=FHIR_JSON)


def _fhir(
    body: str | dict[str, Any], status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    content = body if isinstance(body, str) else store.dumps(body)
    return Response(content, status_code=status_code, media_type=FHIR_JSON, headers=headers)


def _principal(request: Request, role: str) -> Principal:
    """The caller, as `shared.auth` checks it, refused as a FhirProblem (401/403)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise FhirProblem(401, [Issue("login", "missing bearer token")])
    try:
        principal: Principal = request.app.state.token_verifier.verify(token.strip())
    except AuthenticationError as exc:
        raise FhirProblem(401, [Issue("login", str(exc))]) from None
    if not principal.has_role(role):
        raise FhirProblem(403, [Issue("forbidden", f"role {role!r} required")])
    return principal


def _check_media_type(request: Request) -> None:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in ACCEPTED_MEDIA_TYPES:
        raise FhirProblem(
            415, [Issue("not-supported", "send the resource as application/fhir+json")]
        )


def _deps(request: Request) -> IntakeDeps:
    deps: IntakeDeps = request.app.state.intake
    return deps


def _idempotency_key(request: Request) -> str | None:
    return request.headers.get("idempotency-key")


@router.post(
    "/Claim",
    status_code=status.HTTP_201_CREATED,
    responses={400: OUTCOME, 401: OUTCOME, 403: OUTCOME, 415: OUTCOME, 422: OUTCOME},
)
async def create_fhir_claim(request: Request) -> Response:
    """Create a claim from an R4 Claim (contained Patient, Coverage, Organization...)."""
    try:
        principal = _principal(request, ROLE_CLAIMS_WRITE)
        _check_media_type(request)
        body = await request.body()
        return await run_in_threadpool(
            _create_one, _deps(request), principal, body, _idempotency_key(request)
        )
    except FhirProblem as problem:
        return _outcome(problem.status_code, list(problem.issues))


@router.post(
    "",
    responses={400: OUTCOME, 401: OUTCOME, 403: OUTCOME, 415: OUTCOME, 422: OUTCOME},
)
async def transaction(request: Request) -> Response:
    """A transaction Bundle: its Claims, referencing Patient, Coverage... entries, all or none."""
    try:
        principal = _principal(request, ROLE_CLAIMS_WRITE)
        _check_media_type(request)
        body = await request.body()
        return await run_in_threadpool(
            _transaction, _deps(request), principal, body, _idempotency_key(request)
        )
    except FhirProblem as problem:
        return _outcome(problem.status_code, list(problem.issues))


@router.get("/Claim/{claim_id}", responses={401: OUTCOME, 403: OUTCOME, 404: OUTCOME})
def read_fhir_claim(
    claim_id: Annotated[str, Path(min_length=1, max_length=CLAIM_ID_MAX, pattern=CLAIM_ID_PATTERN)],
    request: Request,
) -> Response:
    """The Claim as it was received (its id is the claim id intake assigned)."""
    try:
        principal = _principal(request, ROLE_CLAIMS_READ)
    except FhirProblem as problem:
        return _outcome(problem.status_code, list(problem.issues))
    deps = _deps(request)
    # The read and its audit row commit together: no unaudited read of patient data.
    with deps.engine.begin() as conn:
        found = store.find(conn, principal.organization_id, claim_id)
        record_access(
            conn,
            principal,
            action="read",
            resource_type="fhir_claim",
            resource_id=claim_id,
            outcome="ok" if found else "not_found",
            at=deps.clock(),
        )
    if found is None:
        # Unknown and other organizations' claims look the same: existence is not disclosed.
        return _outcome(404, [Issue("not-found", "Claim not found", "Claim.id")])
    resource, received_at = found
    return _fhir(resource, headers={"ETag": 'W/"1"', "Last-Modified": _http_date(received_at)})


@router.get("/metadata")
def capability_statement() -> Response:
    """What this server accepts: Claim create and read, transaction Bundles (R4)."""
    return _fhir(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "kind": "instance",
            "date": "2026-11-29",
            "fhirVersion": "4.0.1",
            "format": ["application/fhir+json"],
            "rest": [
                {
                    "mode": "server",
                    "interaction": [{"code": "transaction"}],
                    "resource": [
                        {
                            "type": "Claim",
                            "interaction": [{"code": "create"}, {"code": "read"}],
                        }
                    ],
                }
            ],
        }
    )


# --- the work, off the event loop ---------------------------------------------------------------


def _create_one(deps: IntakeDeps, principal: Principal, body: bytes, key: str | None) -> Response:
    data = parse_json(body)
    issues = validate_resource(data, "Claim", expected=("Claim",))
    if issues:
        raise FhirProblem(400, issues)
    try:
        claim = claim_from_fhir(data, "Claim", References.of_claim(data, "Claim", None))
    except ClaimMappingError as exc:
        raise FhirProblem(422, exc.issues) from None
    created = _create(deps, principal, claim, data, body, key)
    location = f"/fhir/Claim/{created.claim_id}"
    headers = {"Location": location, "ETag": 'W/"1"'}
    if created.replayed:
        headers["Idempotent-Replayed"] = "true"
    return _fhir(_stored(data, created.claim_id), 201, headers)


def _transaction(deps: IntakeDeps, principal: Principal, body: bytes, key: str | None) -> Response:
    data = parse_json(body)
    issues = validate_resource(data, "Bundle", expected=("Bundle",))
    if issues:
        raise FhirProblem(400, issues)
    if data.get("type") != "transaction":
        raise FhirProblem(
            400, [Issue("not-supported", "Bundle.type must be 'transaction'", "Bundle.type")]
        )
    entries = [
        (entry.get("fullUrl"), entry.get("resource") or {}, f"Bundle.entry[{i}].resource")
        for i, entry in enumerate(data.get("entry") or ())
    ]
    references = References.of_bundle(entries)
    claims: list[tuple[int, Claim, dict[str, Any]]] = []
    problems: list[Issue] = []
    for index, (_, resource, path) in enumerate(entries):
        if resource.get("resourceType") != "Claim":
            continue
        method = ((data["entry"][index].get("request") or {}).get("method")) or ""
        if method != "POST":
            problems.append(
                Issue(
                    "not-supported",
                    "a Claim is created with POST",
                    f"Bundle.entry[{index}].request.method",
                )
            )
            continue
        try:
            claim = claim_from_fhir(resource, path, References.of_claim(resource, path, references))
        except ClaimMappingError as exc:
            problems += exc.issues
            continue
        claims.append((index, claim, resource))
    if not claims and not problems:
        problems.append(
            Issue("required", "the transaction holds no Claim to create", "Bundle.entry")
        )
    if problems:
        raise FhirProblem(422, problems)
    created: dict[int, CreatedClaim] = {}
    for index, claim, resource in claims:
        entry_key = f"{key}#{index}" if key else None
        created[index] = _create(
            deps, principal, claim, resource, store.dumps(resource).encode(), entry_key
        )
    response_entries: list[dict[str, Any]] = []
    for index in range(len(entries)):
        if index in created:
            claim_id = created[index].claim_id
            response_entries.append(
                {
                    "response": {
                        "status": "201 Created",
                        "location": f"Claim/{claim_id}",
                        "etag": 'W/"1"',
                    }
                }
            )
        else:
            claim_ids = ", ".join(f"Claim/{c.claim_id}" for c in created.values())
            response_entries.append(
                {
                    "response": {
                        "status": "200 OK",
                        "outcome": operation_outcome(
                            [
                                Issue(
                                    "informational",
                                    f"used as part of {claim_ids}; not stored on its own",
                                    severity="information",
                                )
                            ]
                        ),
                    }
                }
            )
    return _fhir(
        {"resourceType": "Bundle", "type": "transaction-response", "entry": response_entries}
    )


def _create(
    deps: IntakeDeps,
    principal: Principal,
    claim: Claim,
    resource: dict[str, Any],
    body: bytes,
    key: str | None,
) -> CreatedClaim:
    try:
        created = create_channel_claim(
            deps,
            claim,
            organization_id=principal.organization_id,
            submitted_by=principal.subject,
            source=ClaimChannel.FHIR,
            idempotency_key=key,
            request_fingerprint=fingerprint(body.decode("utf-8")) if key else None,
        )
    except IntakeRejected as exc:
        raise FhirProblem(422, [Issue("business-rule", exc.message)]) from None
    except (IdempotencyKeyReused, InvalidIdempotencyKey) as exc:
        raise FhirProblem(422, [Issue("conflict", str(exc))]) from None
    except ClientReferenceInUse as exc:
        raise FhirProblem(409, [Issue("duplicate", str(exc))]) from None
    with deps.engine.begin() as conn:
        store.save(
            conn,
            claim_id=created.claim_id,
            organization_id=principal.organization_id,
            resource=_stored(resource, created.claim_id),
            received_at=deps.clock(),
            submitted_by=principal.subject,
        )
    return created


def _stored(resource: dict[str, Any], claim_id: str) -> dict[str, Any]:
    """The received resource under the id the server assigned (FHIR create ignores the client's)."""
    return {
        "resourceType": resource["resourceType"],
        "id": claim_id,
        **{k: v for k, v in resource.items() if k not in ("resourceType", "id")},
    }


def _http_date(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
