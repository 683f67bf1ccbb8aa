"""Read-side queries over the follow-up projections, scoped to the caller's organization."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.engine import Connection

from services.followup.claim_view import (
    ClaimMoney,
    ClaimView,
    DenialView,
    EligibilityView,
    Finding,
    NextPayerView,
    RemittanceMoved,
    Submission,
    TimelineEntry,
    UnderpaymentView,
)
from services.followup.tables import accounts, claim_lines, claim_views, claims


class ClaimLinePublic(BaseModel):
    line_number: int
    procedure_code: str | None
    revenue_code: str | None
    modifiers: list[str]
    units: Decimal
    charge: Decimal
    service_date: date | None


class PayerPublic(BaseModel):
    payer_id: str
    name: str


class ClaimPublic(BaseModel):
    """A claim: its content (lines, payer) and its story (status, money, submissions,
    remittances, findings, timeline of every event), from the claim view."""

    claim_id: str
    account_id: str
    status: str
    kind: str
    patient_control_number: str
    payer: PayerPublic
    frequency: str
    total_charge: Decimal
    first_service_date: date | None
    lines: list[ClaimLinePublic]
    payer_claim_number: str | None = None
    money: ClaimMoney | None = None
    findings: list[Finding] = []
    submissions: list[Submission] = []
    remittances: list[RemittanceMoved] = []
    eligibility: EligibilityView | None = None
    timeline: list[TimelineEntry] = []
    # Remit's findings on the latest posting (None when there is none).
    denial: DenialView | None = None
    next_payer: NextPayerView | None = None
    underpayment: UnderpaymentView | None = None
    created_at: datetime
    updated_at: datetime


class AccountPublic(BaseModel):
    account_id: str
    charges: Decimal
    insurance_ar: Decimal
    patient_ar: Decimal
    payments: Decimal
    adjustments: Decimal
    balance: Decimal
    claim_count: int
    claim_ids: list[str]
    updated_at: datetime


def get_claim(conn: Connection, organization_id: str, claim_id: str) -> ClaimPublic | None:
    row = conn.execute(
        sa.select(claims).where(
            claims.c.claim_id == claim_id, claims.c.organization_id == organization_id
        )
    ).first()
    if row is None:
        return None
    c = row._mapping
    story = _story(conn, organization_id, claim_id)
    lines = conn.execute(
        sa.select(claim_lines)
        .where(claim_lines.c.organization_id == organization_id, claim_lines.c.claim_id == claim_id)
        .order_by(claim_lines.c.position)
    )
    return ClaimPublic(
        claim_id=c["claim_id"],
        account_id=c["account_id"],
        status=story.pop("status", c["status"]),
        kind=c["kind"],
        patient_control_number=c["patient_control_number"],
        payer=PayerPublic(payer_id=c["payer_id"], name=c["payer_name"]),
        frequency=c["frequency"],
        total_charge=c["total_charge"],
        first_service_date=c["first_service_date"],
        lines=[
            ClaimLinePublic(
                line_number=m["line_number"],
                procedure_code=m["procedure_code"],
                revenue_code=m["revenue_code"],
                modifiers=[x for x in m["modifiers"].split(":") if x],
                units=Decimal(m["units"]),
                charge=m["charge"],
                service_date=m["service_date"],
            )
            for m in (line._mapping for line in lines)
        ],
        created_at=c["created_at"],
        updated_at=story.pop("updated_at", c["updated_at"]),
        **story,
    )


def get_claim_view(conn: Connection, organization_id: str, claim_id: str) -> ClaimView | None:
    """The claim view document (None until the claim-views projection has seen the claim)."""
    document = conn.execute(
        sa.select(claim_views.c.view).where(
            claim_views.c.organization_id == organization_id, claim_views.c.claim_id == claim_id
        )
    ).scalar_one_or_none()
    return ClaimView.model_validate(document) if document is not None else None


def _story(conn: Connection, organization_id: str, claim_id: str) -> dict[str, Any]:
    view = get_claim_view(conn, organization_id, claim_id)
    if view is None:
        return {}
    return {
        "status": view.status,
        "payer_claim_number": view.payer_claim_number,
        "money": view.money,
        "findings": view.findings,
        "submissions": view.submissions,
        "remittances": view.remittances,
        "eligibility": view.eligibility,
        "timeline": view.timeline,
        "denial": view.denial,
        "next_payer": view.next_payer,
        "underpayment": view.underpayment,
        "updated_at": view.updated_at,
    }


def get_account(conn: Connection, organization_id: str, account_id: str) -> AccountPublic | None:
    row = conn.execute(
        sa.select(accounts).where(
            accounts.c.account_id == account_id, accounts.c.organization_id == organization_id
        )
    ).first()
    if row is None:
        return None
    a = row._mapping
    claim_ids = conn.execute(
        sa.select(claims.c.claim_id)
        .where(claims.c.account_id == account_id, claims.c.organization_id == organization_id)
        .order_by(claims.c.created_at, claims.c.claim_id)
    ).scalars()
    return AccountPublic(
        account_id=a["account_id"],
        charges=a["charges"],
        insurance_ar=a["insurance_ar"],
        patient_ar=a["patient_ar"],
        payments=a["payments"],
        adjustments=a["adjustments"],
        balance=a["insurance_ar"] + a["patient_ar"],
        claim_count=a["claim_count"],
        claim_ids=list(claim_ids),
        updated_at=a["updated_at"],
    )


def list_claims(conn: Connection, organization_id: str | None = None) -> list[ClaimPublic]:
    query = sa.select(claims.c.claim_id, claims.c.organization_id).order_by(
        claims.c.created_at, claims.c.claim_id
    )
    if organization_id is not None:
        query = query.where(claims.c.organization_id == organization_id)
    found = [get_claim(conn, org, cid) for cid, org in conn.execute(query)]
    return [c for c in found if c is not None]


def list_accounts(conn: Connection, organization_id: str | None = None) -> list[AccountPublic]:
    query = sa.select(accounts.c.account_id, accounts.c.organization_id).order_by(
        accounts.c.account_id
    )
    if organization_id is not None:
        query = query.where(accounts.c.organization_id == organization_id)
    found = [get_account(conn, org, aid) for aid, org in conn.execute(query)]
    return [a for a in found if a is not None]
