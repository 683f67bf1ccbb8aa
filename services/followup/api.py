"""Follow-up HTTP API: reads of the claims and account-balance projections, each one audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, status
from sqlalchemy.engine import Engine

from services.followup import queries
from services.followup.queries import AccountPublic, ClaimPublic
from shared.auth import ROLE_ACCOUNTS_READ, ROLE_CLAIMS_READ, Principal, record_access, require_role
from shared.ids import ACCOUNT_ID_MAX, CLAIM_ID_MAX, CLAIM_ID_PATTERN, PRINTABLE_PATTERN


@dataclass
class FollowupDeps:
    engine: Engine


def get_followup_deps(request: Request) -> FollowupDeps:
    deps: FollowupDeps = request.app.state.followup
    return deps


FollowupDepsDep = Annotated[FollowupDeps, Depends(get_followup_deps)]
ClaimReader = Annotated[Principal, Depends(require_role(ROLE_CLAIMS_READ))]
AccountReader = Annotated[Principal, Depends(require_role(ROLE_ACCOUNTS_READ))]

# Path ids are checked before anything is read or audited: an id that cannot exist (too long
# for the audit column, NUL that PostgreSQL refuses) is a 422 naming the rule.
ClaimIdPath = Annotated[str, Path(min_length=1, max_length=CLAIM_ID_MAX, pattern=CLAIM_ID_PATTERN)]
AccountIdPath = Annotated[
    str, Path(min_length=1, max_length=ACCOUNT_ID_MAX, pattern=PRINTABLE_PATTERN)
]

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "unknown, or another organization's (not disclosed)"}
}

router = APIRouter(prefix="/v1", tags=["followup"])


@router.get("/claims/{claim_id}", response_model=ClaimPublic, responses=NOT_FOUND)
def read_claim(claim_id: ClaimIdPath, principal: ClaimReader, deps: FollowupDepsDep) -> ClaimPublic:
    """One claim as follow-up sees it: status, payer, lines, charges."""
    # The read and its audit row commit together: no unaudited read of patient data.
    with deps.engine.begin() as conn:
        claim = queries.get_claim(conn, principal.organization_id, claim_id)
        record_access(
            conn,
            principal,
            action="read",
            resource_type="claim",
            resource_id=claim_id,
            outcome="ok" if claim else "not_found",
        )
    if claim is None:
        # Unknown and other organizations' claims look the same: existence is not disclosed.
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="claim not found")
    return claim


@router.get("/accounts/{account_id:path}", response_model=AccountPublic, responses=NOT_FOUND)
def read_account(
    account_id: AccountIdPath, principal: AccountReader, deps: FollowupDepsDep
) -> AccountPublic:
    """A patient account's balances: charges, insurance and patient A/R, payments, adjustments."""
    with deps.engine.begin() as conn:
        account = queries.get_account(conn, principal.organization_id, account_id)
        record_access(
            conn,
            principal,
            action="read",
            resource_type="account",
            resource_id=account_id,
            outcome="ok" if account else "not_found",
        )
    if account is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="account not found")
    return account
