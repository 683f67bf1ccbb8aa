"""Read-side queries over the follow-up projections, scoped to the caller's organization."""

from __future__ import annotations

from datetime import UTC, date, datetime
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
from services.followup.queue_queries import (
    HistoryEntry,
    WorkItemPublic,
    claim_work_history,
    open_items_of_claim,
)
from services.followup.reports import (
    AccountBalancesPublic,
    ClaimBalancePublic,
    account_balances,
    claim_balance,
    load_claim,
)
from services.followup.tables import (
    account_statements,
    claim_balances,
    claim_lines,
    claim_views,
    claims,
)
from shared.codes.sets import load_code_list
from shared.events.patient_account import StatementIssued
from shared.eventstore.interface import EventStore


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


class AdjustmentPublic(BaseModel):
    """One CAS adjustment posted on the claim (net of reversals), with the CARC's meaning."""

    group: str
    code: str
    meaning: str
    amount: Decimal
    line_number: int | None


class CodeMeaning(BaseModel):
    code: str
    meaning: str


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
    primary_claim_id: str | None = None
    secondary_claim_ids: list[str] = []
    filing_deadline: date | None = None
    # Remit's findings on the latest posting (None when there is none).
    denial: DenialView | None = None
    next_payer: NextPayerView | None = None
    underpayment: UnderpaymentView | None = None
    created_at: datetime
    updated_at: datetime
    balance: ClaimBalancePublic | None = None
    adjustments: list[AdjustmentPublic] = []
    remarks: list[CodeMeaning] = []
    work: list[HistoryEntry] = []
    open_items: list[WorkItemPublic] = []


AccountPublic = AccountBalancesPublic
"""A patient account: its balances and each claim's (services.followup.reports)."""


def get_claim(
    conn: Connection, organization_id: str, claim_id: str, *, now: datetime | None = None
) -> ClaimPublic | None:
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
        **_follow_up(conn, organization_id, claim_id, now or datetime.now(UTC)),
    )


def _follow_up(
    conn: Connection, organization_id: str, claim_id: str, now: datetime
) -> dict[str, Any]:
    """Balances, adjustments and remarks with their meanings, and the claim's work items."""
    facts = load_claim(conn, organization_id, claim_id)
    if facts is None:
        return {}
    carc, rarc = load_code_list("carc"), load_code_list("rarc")
    net: dict[tuple[str, str, int | None], Decimal] = {}
    for a in facts.adjustments:
        key = (a.group, a.code, a.line_number)
        net[key] = net.get(key, Decimal("0.00")) + a.amount
    return {
        "balance": claim_balance(facts),
        "adjustments": [
            AdjustmentPublic(
                group=group,
                code=code,
                meaning=carc.get(code, "unknown CARC"),
                amount=amount,
                line_number=line,
            )
            for (group, code, line), amount in net.items()
            if amount
        ],
        "remarks": [
            CodeMeaning(code=r, meaning=rarc.get(r, "unknown RARC")) for r in facts.remark_codes
        ],
        "work": claim_work_history(conn, organization_id, claim_id),
        "open_items": open_items_of_claim(conn, organization_id, claim_id, now),
    }


def get_statement(
    conn: Connection, organization_id: str, statement_id: str
) -> StatementIssued | None:
    document = conn.execute(
        sa.select(account_statements.c.event).where(
            account_statements.c.organization_id == organization_id,
            account_statements.c.statement_id == statement_id,
        )
    ).scalar_one_or_none()
    return StatementIssued.model_validate(document) if document is not None else None


def statements_on(conn: Connection, organization_id: str, day: date) -> list[StatementIssued]:
    """The statements issued on a day, by account."""
    documents = conn.execute(
        sa.select(account_statements.c.event)
        .where(
            account_statements.c.organization_id == organization_id,
            account_statements.c.statement_date == day,
        )
        .order_by(account_statements.c.account_id, account_statements.c.statement_number)
    ).scalars()
    return [StatementIssued.model_validate(d) for d in documents]


def guarantor_of(store: EventStore, claim_id: str | None) -> dict[str, str]:
    """The print vendor's guarantor columns: the subscriber of the claim as intake recorded it
    (its last claim.created or claim.amended); empty when the claim is unknown."""
    from shared.events.claim_snapshot import claim_from_snapshot
    from shared.events.registry import decode

    if claim_id is None:
        return {}
    claim = None
    for envelope in store.load(claim_id):
        if envelope.type in ("claim.created", "claim.amended"):
            snapshot = getattr(decode(envelope), "claim", None)
            if snapshot is not None:
                claim = claim_from_snapshot(snapshot)
    if claim is None:
        return {}
    person = claim.subscriber
    name = " ".join(p for p in (person.first_name, person.middle_name, person.last_name) if p)
    address = person.address
    return {
        "guarantor_name": name,
        "address_line1": address.line1 if address else "",
        "address_line2": (address.line2 or "") if address else "",
        "city": address.city if address else "",
        "state": address.state if address else "",
        "postal_code": address.postal_code if address else "",
    }


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
        "primary_claim_id": view.primary_claim_id,
        "secondary_claim_ids": view.secondary_claim_ids,
        "filing_deadline": view.filing_deadline,
        "denial": view.denial,
        "next_payer": view.next_payer,
        "underpayment": view.underpayment,
        "updated_at": view.updated_at,
    }


def get_account(conn: Connection, organization_id: str, account_id: str) -> AccountPublic | None:
    return account_balances(conn, organization_id, account_id)


def list_claims(conn: Connection, organization_id: str | None = None) -> list[ClaimPublic]:
    query = sa.select(claims.c.claim_id, claims.c.organization_id).order_by(
        claims.c.created_at, claims.c.claim_id
    )
    if organization_id is not None:
        query = query.where(claims.c.organization_id == organization_id)
    found = [get_claim(conn, org, cid) for cid, org in conn.execute(query)]
    return [c for c in found if c is not None]


def list_accounts(conn: Connection, organization_id: str | None = None) -> list[AccountPublic]:
    query = (
        sa.select(claim_balances.c.account_id, claim_balances.c.organization_id)
        .distinct()
        .order_by(claim_balances.c.account_id)
    )
    if organization_id is not None:
        query = query.where(claim_balances.c.organization_id == organization_id)
    found = [get_account(conn, org, aid) for aid, org in conn.execute(query)]
    return [a for a in found if a is not None]
