"""Remit HTTP API: 835s in, unmatched payments out and matched by hand, deposits, contracts.

Routes are thin: a write turns the request into a handler call, a read queries remit's
tables. Every read that shows patient data (unmatched payments name the patient) is
recorded in the audit log in the same transaction.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.remit import deposits as deposit_handlers
from services.remit.fee_schedules import (
    FeeScheduleError,
    find_fee_schedule,
    parse_fee_schedule,
    save_fee_schedule,
)
from services.remit.handlers import (
    NotFound,
    PostingReport,
    RemitDeps,
    list_unmatched,
    match_by_hand,
    post_remittance_file,
    remittance_report,
)
from shared.auth import Principal, record_access, require_role
from shared.events.deposit import DepositSource
from shared.ids import CLAIM_ID_MAX, CLAIM_ID_PATTERN, PRINTABLE_PATTERN
from shared.kernel import DomainError

ROLE_REMITTANCES_WRITE = "remittances:write"
ROLE_REMITTANCES_READ = "remittances:read"
ROLE_CONTRACTS_WRITE = "contracts:write"
ROLE_CONTRACTS_READ = "contracts:read"


def get_remit_deps(request: Request) -> RemitDeps:
    deps: RemitDeps = request.app.state.remit
    return deps


RemitDepsDep = Annotated[RemitDeps, Depends(get_remit_deps)]
RemittanceWriter = Annotated[Principal, Depends(require_role(ROLE_REMITTANCES_WRITE))]
RemittanceReader = Annotated[Principal, Depends(require_role(ROLE_REMITTANCES_READ))]
ContractWriter = Annotated[Principal, Depends(require_role(ROLE_CONTRACTS_WRITE))]
ContractReader = Annotated[Principal, Depends(require_role(ROLE_CONTRACTS_READ))]

RemittanceIdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=CLAIM_ID_PATTERN)]
PayerIdPath = Annotated[str, Path(min_length=1, max_length=80, pattern=PRINTABLE_PATTERN)]

router = APIRouter(prefix="/v1", tags=["remit"])


def _unprocessable(details: list[dict[str, Any]], **extra: Any) -> JSONResponse:
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": details, **extra},
    )


def _located(kind: str, index: int | None) -> list[str | int]:
    """Where in the 835 a problem is; a problem without a position names none (never 0)."""
    return ["body", kind] if index is None else ["body", kind, index]


def _detail(loc: list[str | int], message: str) -> dict[str, Any]:
    return {"loc": loc, "msg": message, "type": "value_error"}


# --- 835s ------------------------------------------------------------------------------------


def _post_body(deps: RemitDeps, body: bytes, principal: Principal) -> PostingReport:
    # The poster reads files (streaming); a request body becomes a private temporary file.
    handle, name = tempfile.mkstemp(prefix="remit-", suffix=".835")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(body)
        return post_remittance_file(
            deps,
            FilePath(name),
            organization_id=principal.organization_id,
            submitted_by=principal.subject,
            name="request body",
        )
    finally:
        os.unlink(name)


@router.post(
    "/remittances",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "every payment was posted before: a duplicate, nothing posted"},
        413: {"description": "body over the configured limit: use `revcycle ingest`"},
        422: {"description": "refused whole: unreadable or out of balance; nothing posted"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/edi-x12": {"schema": {"type": "string"}}},
        }
    },
)
async def post_remittance(
    request: Request, principal: RemittanceWriter, deps: RemitDepsDep
) -> JSONResponse:
    """Post an 835 (the X12 file is the body); the answer lists every claim payment's result."""
    body = await request.body()
    if not body.strip():
        return _unprocessable([_detail(["body"], "the body is empty: send the 835 file")])
    report = await run_in_threadpool(_post_body, deps, body, principal)
    document = report.to_dict()
    if report.status == "refused":
        details = [
            _detail(_located("segment", p.get("position")), p["message"]) for p in report.problems
        ] + [_detail(_located("claim", i.get("claim")), i["message"]) for i in report.imbalances]
        return _unprocessable(details, **document)
    code = status.HTTP_200_OK if report.status == "duplicate" else status.HTTP_201_CREATED
    return JSONResponse(status_code=code, content=document)


@router.get("/remittances/unmatched")
def read_unmatched(principal: RemittanceReader, deps: RemitDepsDep) -> dict[str, Any]:
    """Claim payments no claim was found for, with their amounts: match them by hand."""
    with deps.engine.begin() as conn:
        items = list_unmatched(conn, principal.organization_id)
        record_access(
            conn,
            principal,
            action="read",
            resource_type="remittance",
            resource_id="unmatched",
            outcome="ok",
        )
    return {"count": len(items), "items": items}


@router.get("/remittances/{remittance_id}", responses={404: {"description": "not found"}})
def read_remittance(
    remittance_id: RemittanceIdPath, principal: RemittanceReader, deps: RemitDepsDep
) -> dict[str, Any]:
    """One remittance: payer, trace number, payment, and what became of each claim payment."""
    with deps.engine.begin() as conn:
        found = remittance_report(conn, principal.organization_id, remittance_id)
        record_access(
            conn,
            principal,
            action="read",
            resource_type="remittance",
            resource_id=remittance_id,
            outcome="ok" if found else "not_found",
        )
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="remittance not found")
    return found


class MatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claim_id: str = Field(min_length=1, max_length=CLAIM_ID_MAX, pattern=CLAIM_ID_PATTERN)


@router.post(
    "/remittances/{remittance_id}/claims/{claim_index}/match",
    responses={
        404: {"description": "unknown remittance, payment or claim"},
        409: {"description": "the payment is not unmatched (any more)"},
        422: {"description": "it cannot be posted to that claim"},
    },
)
def match_payment(
    remittance_id: RemittanceIdPath,
    claim_index: Annotated[int, Path(ge=1, le=1_000_000)],
    request: MatchRequest,
    principal: RemittanceWriter,
    deps: RemitDepsDep,
) -> Any:
    """Match an unmatched claim payment to a claim by hand: it is posted to it now."""
    from services.remit.remittance_domain import NotUnmatched

    try:
        result = match_by_hand(
            deps,
            organization_id=principal.organization_id,
            remittance_id=remittance_id,
            claim_index=claim_index,
            claim_id=request.claim_id,
            matched_by=principal.subject,
        )
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from None
    except NotUnmatched as exc:
        return JSONResponse(status_code=status.HTTP_409_CONFLICT, content={"detail": str(exc)})
    except DomainError as exc:
        return _unprocessable([_detail(["body", "claim_id"], str(exc))])
    return result.to_dict()


# --- deposits --------------------------------------------------------------------------------


@router.post(
    "/deposits",
    status_code=status.HTTP_201_CREATED,
    responses={422: {"description": "invalid deposit or bank file (field or line named)"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": deposit_handlers.DepositIn.model_json_schema()},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
)
async def post_deposits(request: Request, principal: RemittanceWriter, deps: RemitDepsDep) -> Any:
    """Record deposits (JSON: date, amount, trace number; or a CSV bank file) and match them."""
    body = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in ("text/csv", "application/csv"):
        try:
            rows = deposit_handlers.parse_bank_file(body.decode("utf-8"))
        except UnicodeDecodeError:
            return _unprocessable([_detail(["body"], "the bank file is not UTF-8 text")])
        except deposit_handlers.BankFileError as exc:
            return _unprocessable(
                [_detail(["body", "line", line or 0], why) for line, why in exc.problems]
            )
        source = DepositSource.BANK_FILE
    else:
        try:
            payload = json.loads(body or b"null")
            rows = [(0, deposit_handlers.DepositIn.model_validate(payload))]
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _unprocessable([_detail(["body"], "not JSON in UTF-8 (or send text/csv)")])
        except ValidationError as exc:
            return _unprocessable(
                [_detail(["body", *map(str, e["loc"])], e["msg"]) for e in exc.errors()]
            )
        source = DepositSource.API
    results = await run_in_threadpool(_record_deposits, deps, principal, rows, source)
    return {"deposits": [r.to_dict() for r in results]}


def _record_deposits(
    deps: RemitDeps,
    principal: Principal,
    rows: list[tuple[int, deposit_handlers.DepositIn]],
    source: DepositSource,
) -> list[deposit_handlers.DepositResult]:
    with deps.engine.begin() as conn:
        uow = deps.unit_of_work().bound(conn)
        return [
            deposit_handlers.record_deposit(
                uow,
                principal.organization_id,
                deposit,
                source=source,
                line_number=line or None,
            )
            for line, deposit in rows
        ]


@router.get("/deposits/unmatched")
def read_unmatched_deposits(principal: RemittanceReader, deps: RemitDepsDep) -> dict[str, Any]:
    """ERAs without money (no deposit yet) and money without ERAs (no 835 yet)."""
    with deps.engine.connect() as conn:
        return deposit_handlers.unmatched(conn, principal.organization_id)


# --- contracts -------------------------------------------------------------------------------


@router.put(
    "/payers/{payer_id}/fee-schedule",
    responses={422: {"description": "invalid fee schedule: each problem with its line or field"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/yaml": {"schema": {"type": "string"}},
            },
        }
    },
)
async def put_fee_schedule(
    payer_id: PayerIdPath, request: Request, principal: ContractWriter, deps: RemitDepsDep
) -> Any:
    """Replace a payer's fee schedule (JSON or YAML: rates per procedure, effective dates)."""
    body = await request.body()
    try:
        schedule = parse_fee_schedule(body.decode("utf-8"), "request body")
    except UnicodeDecodeError:
        return _unprocessable([_detail(["body"], "the fee schedule is not UTF-8 text")])
    except FeeScheduleError as exc:
        return _unprocessable(
            [_detail(["body", "line", line or 0], why) for line, why in exc.problems]
        )
    if schedule.payer_id is not None and schedule.payer_id != payer_id:
        return _unprocessable(
            [_detail(["body", "payer_id"], f"names payer {schedule.payer_id}, the path {payer_id}")]
        )

    def save() -> Any:
        with deps.engine.begin() as conn:
            return save_fee_schedule(
                conn,
                principal.organization_id,
                payer_id,
                schedule,
                updated_by=principal.subject,
                at=deps.clock(),
            )

    stored = await run_in_threadpool(save)
    return {
        "payer_id": payer_id,
        "name": stored.schedule.name,
        "rates": len(stored.schedule.rates),
        "tolerance": format(stored.schedule.tolerance, "f")
        if stored.schedule.tolerance is not None
        else None,
        "updated_at": stored.updated_at.isoformat(),
    }


@router.get("/payers/{payer_id}/fee-schedule", responses={404: {"description": "none stored"}})
def read_fee_schedule(
    payer_id: PayerIdPath, principal: ContractReader, deps: RemitDepsDep
) -> dict[str, Any]:
    """A payer's fee schedule as stored."""
    with deps.engine.connect() as conn:
        stored = find_fee_schedule(conn, principal.organization_id, payer_id)
    if stored is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no fee schedule for this payer")
    document: dict[str, Any] = stored.schedule.model_dump(mode="json")
    document["updated_at"] = stored.updated_at.isoformat()
    document["updated_by"] = stored.updated_by
    return document
