"""Follow-up HTTP API: claims, accounts, queues and work items, appeals, patient payments,
reports and FHIR status. Thin routes: a write turns HTTP into a command (handlers), a read
queries a projection; every read of patient data is audited in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection, Engine

from services.followup import handlers, queries, queue_queries, reports, work_items
from services.followup.handlers import CommandContext, NotFound
from services.followup.queries import AccountPublic, ClaimPublic
from shared.auth import (
    ROLE_ACCOUNTS_READ,
    ROLE_CLAIMS_READ,
    Principal,
    PrincipalDep,
    record_access,
    require_role,
)
from shared.events.claims import AppealOutcome
from shared.events.patient_account import PaymentMethod
from shared.events.work_items import ResolutionOutcome
from shared.ids import ACCOUNT_ID_MAX, CLAIM_ID_MAX, CLAIM_ID_PATTERN, PRINTABLE_PATTERN
from shared.kernel import DomainError
from shared.kernel.unit_of_work import OrganizationMismatch
from shared.money import Money

ROLE_FOLLOWUP_WORK = "followup:work"
ROLE_FOLLOWUP_SUPERVISE = "followup:supervise"
ROLE_REPORTS_READ = "reports:read"
FOLLOWUP_ROLES = (ROLE_FOLLOWUP_WORK, ROLE_FOLLOWUP_SUPERVISE)


@dataclass
class FollowupDeps:
    engine: Engine
    commands: CommandContext | None = None

    @property
    def context(self) -> CommandContext:
        if self.commands is None:
            raise RuntimeError("follow-up was bootstrapped without its command side")
        return self.commands

    def now(self) -> datetime:
        return self.commands.clock() if self.commands is not None else datetime.now(UTC)


def get_followup_deps(request: Request) -> FollowupDeps:
    deps: FollowupDeps = request.app.state.followup
    return deps


def require_any(*roles: str) -> Any:
    def _check(principal: PrincipalDep) -> Principal:
        if not any(principal.has_role(r) for r in roles):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, detail=f"one of the roles {', '.join(roles)} required"
            )
        return principal

    return _check


FollowupDepsDep = Annotated[FollowupDeps, Depends(get_followup_deps)]
ClaimReader = Annotated[Principal, Depends(require_role(ROLE_CLAIMS_READ))]
AccountReader = Annotated[Principal, Depends(require_role(ROLE_ACCOUNTS_READ))]
Worker = Annotated[Principal, Depends(require_any(*FOLLOWUP_ROLES))]
Supervisor = Annotated[Principal, Depends(require_role(ROLE_FOLLOWUP_SUPERVISE))]
ReportReader = Annotated[Principal, Depends(require_any(ROLE_REPORTS_READ, *FOLLOWUP_ROLES))]

ClaimIdPath = Annotated[str, Path(min_length=1, max_length=CLAIM_ID_MAX, pattern=CLAIM_ID_PATTERN)]
AccountIdPath = Annotated[
    str, Path(min_length=1, max_length=ACCOUNT_ID_MAX, pattern=PRINTABLE_PATTERN)
]
ItemIdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
QueuePath = Annotated[str, Path(min_length=1, max_length=80, pattern=r"^[a-z][a-z0-9.-]*$")]
Format = Literal["json", "csv", "xlsx"]

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "unknown, or another organization's (not disclosed)"}
}
REFUSED: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    409: {"description": "refused by a rule (held by someone else, already resolved...)"},
    422: {"description": "a field is invalid (named)"},
}

router = APIRouter(prefix="/v1", tags=["followup"])


def _audit(conn: Connection, principal: Principal, kind: str, rid: str, found: bool) -> None:
    record_access(
        conn,
        principal,
        action="read",
        resource_type=kind,
        resource_id=rid[:200],
        outcome="ok" if found else "not_found",
    )


def _refused(exc: DomainError) -> HTTPException:
    code = (
        status.HTTP_409_CONFLICT
        if exc.rule in ("held", "transition", "appeal", "role")
        else status.HTTP_422_UNPROCESSABLE_CONTENT
    )
    if exc.rule == "role":
        code = status.HTTP_403_FORBIDDEN
    if exc.rule == "unknown":
        code = status.HTTP_404_NOT_FOUND
    return HTTPException(code, detail={"rule": exc.rule, "message": str(exc)})


def _exported(name: str, fmt: Format, header: list[str], rows: list[list[Any]]) -> Response:
    from services.followup.documents import rows_to_csv, rows_to_xlsx

    if fmt == "csv":
        return Response(
            rows_to_csv(header, rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return Response(
        rows_to_xlsx(name, header, rows),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


# --- claims and accounts ----------------------------------------------------------------------


@router.get("/claims/{claim_id}", response_model=ClaimPublic, responses=NOT_FOUND)
def read_claim(claim_id: ClaimIdPath, principal: ClaimReader, deps: FollowupDepsDep) -> ClaimPublic:
    """One claim: content, status, money, adjustments with CARC/RARC meanings, timeline, work."""
    # The read and its audit row commit together: no unaudited read of patient data.
    with deps.engine.begin() as conn:
        claim = queries.get_claim(conn, principal.organization_id, claim_id, now=deps.now())
        _audit(conn, principal, "claim", claim_id, claim is not None)
    if claim is None:
        # Unknown and other organizations' claims look the same: existence is not disclosed.
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="claim not found")
    return claim


@router.get("/accounts/{account_id:path}", response_model=AccountPublic, responses=NOT_FOUND)
def read_account(
    account_id: AccountIdPath, principal: AccountReader, deps: FollowupDepsDep
) -> AccountPublic:
    """A patient account: charges, insurance and patient A/R, payments, adjustments,
    write-offs, credit, and each claim's balances."""
    with deps.engine.begin() as conn:
        account = queries.get_account(conn, principal.organization_id, account_id)
        _audit(conn, principal, "account", account_id, account is not None)
    if account is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="account not found")
    return account


class PaymentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Money = Field(gt=0, le=Decimal("9999999.99"))
    method: PaymentMethod
    received_on: date
    claim_id: str | None = Field(default=None, max_length=CLAIM_ID_MAX, pattern=CLAIM_ID_PATTERN)
    reference: str | None = Field(default=None, max_length=50, pattern=PRINTABLE_PATTERN)
    payment_id: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="Your id for the payment: posting it again changes nothing",
    )


class PaymentPosted(BaseModel):
    payment_id: str
    account_id: str
    amount: Decimal
    allocations: list[dict[str, Any]]
    unapplied: Decimal
    account_balance_after: Decimal
    replayed: bool


def _post_payment(
    account_id: str, body: PaymentCreate, principal: Principal, deps: FollowupDeps
) -> PaymentPosted:
    try:
        posted = handlers.post_patient_payment(
            deps.context,
            principal.organization_id,
            account_id,
            amount=body.amount,
            method=body.method,
            received_on=body.received_on,
            claim_id=body.claim_id,
            reference=body.reference,
            payment_id=body.payment_id,
        )
    except NotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="account not found") from None
    except OrganizationMismatch:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="account not found") from None
    except DomainError as exc:
        raise _refused(exc) from None
    p = posted.payment
    return PaymentPosted(
        payment_id=p.payment_id,
        account_id=p.account_id,
        amount=p.amount,
        allocations=[a.model_dump(mode="json") for a in p.allocations],
        unapplied=p.unapplied,
        account_balance_after=p.account_balance_after,
        replayed=posted.replayed,
    )


# --- queues and work items --------------------------------------------------------------------


@router.get("/queues", response_model=list[queue_queries.QueueSummary])
def list_queues(principal: Worker, deps: FollowupDepsDep) -> list[queue_queries.QueueSummary]:
    """Every queue with its open items, dollars at stake, overdue, snoozed and claimed counts."""
    with deps.engine.connect() as conn:
        return queue_queries.queue_summaries(conn, principal.organization_id, deps.now())


@router.get("/queues/{queue}/items", response_model=queue_queries.ItemPage, responses=REFUSED)
def list_queue_items(
    queue: QueuePath,
    principal: Worker,
    deps: FollowupDepsDep,
    status_: Annotated[
        Literal["open", "resolved", "closed", "all"], Query(alias="status")
    ] = "open",
    payer_id: Annotated[str | None, Query(max_length=80)] = None,
    assignee: Annotated[str | None, Query(max_length=200)] = None,
    mine: bool = False,
    snoozed: Annotated[bool, Query(description="include snoozed items")] = False,
    overdue: bool = False,
    min_amount: Annotated[Decimal | None, Query(ge=0, le=Decimal("9999999999.99"))] = None,
    claim_id: Annotated[str | None, Query(max_length=CLAIM_ID_MAX)] = None,
    sort: queue_queries.SortKey = "priority",
    order: Literal["asc", "desc"] = "desc",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    format: Format = "json",
) -> Any:
    """A queue's items: filters, sort (priority, amount, age, deadline, opened), paging.
    Specialists see items nobody was given and their own; supervisors see everyone's."""
    supervisor = principal.has_role(ROLE_FOLLOWUP_SUPERVISE)
    with deps.engine.begin() as conn:
        page = queue_queries.list_items(
            conn,
            principal.organization_id,
            queue,
            deps.now(),
            status=status_,
            payer_id=payer_id,
            assignee=principal.subject if mine else assignee,
            visible_to=None if supervisor else principal.subject,
            include_snoozed=snoozed,
            overdue=overdue,
            min_amount=min_amount,
            claim_id=claim_id,
            sort=sort,
            descending=order == "desc",
            limit=limit,
            offset=offset,
        )
        record_access(
            conn,
            principal,
            action="list",
            resource_type="queue",
            resource_id=queue,
            outcome="ok",
        )
    if format == "json":
        return page
    header = list(queue_queries.WorkItemPublic.model_fields)
    rows = [[getattr(i, f) for f in header] for i in page.items]
    return _exported(f"queue-{queue}", format, header, rows)


@router.get(
    "/work-items/{item_id}", response_model=queue_queries.WorkItemDetail, responses=NOT_FOUND
)
def read_work_item(item_id: ItemIdPath, principal: Worker, deps: FollowupDepsDep) -> Any:
    """One item and every step of its history."""
    with deps.engine.begin() as conn:
        item = queue_queries.get_item(conn, principal.organization_id, item_id, deps.now())
        _audit(conn, principal, "work_item", item_id, item is not None)
    if item is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="work item not found")
    return item


class StepRecorded(BaseModel):
    item_id: str
    recorded: list[str]


def _work(deps: FollowupDeps, principal: Principal, item_id: str, command: Any) -> StepRecorded:
    try:
        events = handlers.work_on_item(deps.context, principal.organization_id, item_id, command)
    except (NotFound, OrganizationMismatch):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="work item not found") from None
    except DomainError as exc:
        raise _refused(exc) from None
    return StepRecorded(item_id=item_id, recorded=[e.event_type for e in events])


def _actor(principal: Principal) -> work_items.Actor:
    return work_items.Actor(principal.subject, principal.has_role(ROLE_FOLLOWUP_SUPERVISE))


class NoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=4000)


class AssignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee: str = Field(min_length=1, max_length=200, pattern=PRINTABLE_PATTERN)


class SnoozeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    until: date
    note: str | None = Field(default=None, max_length=4000)


class ResolveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: ResolutionOutcome
    note: str | None = Field(default=None, max_length=4000)


@router.post("/work-items/{item_id}/claim", response_model=StepRecorded, responses=REFUSED)
def claim_item(item_id: ItemIdPath, principal: Worker, deps: FollowupDepsDep) -> StepRecorded:
    """Take the item: nobody else works it until the claim expires (FOLLOWUP_CLAIM_MINUTES)."""
    minutes = deps.context.settings.followup_claim_minutes
    return _work(deps, principal, item_id, work_items.Claim(_actor(principal), minutes))


@router.post("/work-items/{item_id}/assign", response_model=StepRecorded, responses=REFUSED)
def assign_item(
    item_id: ItemIdPath, body: AssignBody, principal: Supervisor, deps: FollowupDepsDep
) -> StepRecorded:
    """Give the item to a specialist (supervisors)."""
    return _work(deps, principal, item_id, work_items.Assign(_actor(principal), body.assignee))


@router.post("/work-items/{item_id}/note", response_model=StepRecorded, responses=REFUSED)
def note_item(
    item_id: ItemIdPath, body: NoteBody, principal: Worker, deps: FollowupDepsDep
) -> StepRecorded:
    """Add a note to the item's history."""
    return _work(deps, principal, item_id, work_items.Note(_actor(principal), body.note))


@router.post("/work-items/{item_id}/snooze", response_model=StepRecorded, responses=REFUSED)
def snooze_item(
    item_id: ItemIdPath, body: SnoozeBody, principal: Worker, deps: FollowupDepsDep
) -> StepRecorded:
    """Set the item aside until a date."""
    return _work(
        deps, principal, item_id, work_items.Snooze(_actor(principal), body.until, body.note)
    )


@router.post("/work-items/{item_id}/resolve", response_model=StepRecorded, responses=REFUSED)
def resolve_item(
    item_id: ItemIdPath, body: ResolveBody, principal: Worker, deps: FollowupDepsDep
) -> StepRecorded:
    """Resolve the item with an outcome (corrected, resubmitted, appealed, paid, ...)."""
    return _work(
        deps, principal, item_id, work_items.Resolve(_actor(principal), body.outcome, body.note)
    )


# --- appeals ----------------------------------------------------------------------------------


class AppealCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: int = Field(default=1, ge=1, le=2)
    reason: str = Field(min_length=1, max_length=500)
    justification: str | None = Field(default=None, max_length=8000)
    amount_disputed: Money | None = Field(default=None, gt=0, le=Decimal("9999999999.99"))


class AppealPublic(BaseModel):
    appeal_id: str
    claim_id: str
    level: int
    reason: str
    amount_disputed: Decimal
    filed_on: date
    remittance_date: date
    deadline: date
    rule: str
    denied_codes: list[dict[str, Any]]
    letter: str
    decision: dict[str, Any] | None = None


def _appeal_public(filed: Any, decided: Any = None) -> AppealPublic:
    return AppealPublic(
        appeal_id=filed.appeal_id,
        claim_id=filed.claim_id,
        level=filed.level,
        reason=filed.reason,
        amount_disputed=filed.amount_disputed,
        filed_on=filed.filed_on,
        remittance_date=filed.remittance_date,
        deadline=filed.deadline,
        rule=filed.rule,
        denied_codes=[c.model_dump(mode="json") for c in filed.denied_codes],
        letter=f"/v1/appeals/{filed.appeal_id}/letter.pdf",
        decision=decided.model_dump(mode="json") if decided is not None else None,
    )


@router.post(
    "/claims/{claim_id}/appeals",
    response_model=AppealPublic,
    status_code=status.HTTP_201_CREATED,
    responses=REFUSED,
)
def file_appeal(
    claim_id: ClaimIdPath, body: AppealCreate, principal: Worker, deps: FollowupDepsDep
) -> AppealPublic:
    """File an appeal of a denied or underpaid claim; the deadline comes from the payer's rules."""
    try:
        filed = handlers.file_appeal(
            deps.context,
            principal.organization_id,
            claim_id,
            level=body.level,
            reason=body.reason,
            justification=body.justification,
            filed_by=principal.subject,
            amount_disputed=body.amount_disputed,
        )
    except (NotFound, OrganizationMismatch):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="claim not found") from None
    except DomainError as exc:
        raise _refused(exc) from None
    return _appeal_public(filed)


@router.get("/appeals/{appeal_id}", response_model=AppealPublic, responses=NOT_FOUND)
def read_appeal(appeal_id: ItemIdPath, principal: Worker, deps: FollowupDepsDep) -> AppealPublic:
    """An appeal: level, deadline, codes disputed, decision."""
    try:
        state = handlers.load_appeal(deps.context, principal.organization_id, appeal_id)
    except NotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="appeal not found") from None
    with deps.engine.begin() as conn:
        _audit(conn, principal, "appeal", appeal_id, True)
    return _appeal_public(state.filed, state.decided)


@router.get("/appeals/{appeal_id}/letter.pdf", responses=NOT_FOUND)
def appeal_letter(appeal_id: ItemIdPath, principal: Worker, deps: FollowupDepsDep) -> Response:
    """The appeal letter as PDF, from the office's template."""
    from services.followup.documents import render_appeal_text, text_to_pdf

    ctx = deps.context
    try:
        state = handlers.load_appeal(ctx, principal.organization_id, appeal_id)
        assert state.filed is not None
        facts = handlers.claim_facts(ctx, principal.organization_id, state.filed.claim_id)
    except NotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="appeal not found") from None
    with deps.engine.begin() as conn:
        view = queries.get_claim_view(conn, principal.organization_id, facts.claim_id)
        _audit(conn, principal, "appeal_letter", appeal_id, True)
    text = render_appeal_text(
        state.filed,
        facts,
        office=office_of(ctx),
        payer_claim_number=view.payer_claim_number if view else None,
        template=ctx.settings.followup_appeal_template or None,
    )
    return Response(text_to_pdf(text, f"Appeal {appeal_id}"), media_type="application/pdf")


def office_of(ctx: CommandContext) -> dict[str, str]:
    s = ctx.settings
    return {"name": s.office_name, "address": s.office_address, "phone": s.office_phone}


class AppealDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: AppealOutcome
    amount_awarded: Money = Field(ge=0, le=Decimal("9999999999.99"))
    decided_on: date


@router.post("/appeals/{appeal_id}/decision", response_model=AppealPublic, responses=REFUSED)
def record_decision(
    appeal_id: ItemIdPath, body: AppealDecision, principal: Worker, deps: FollowupDepsDep
) -> AppealPublic:
    """Record the payer's decision (claim.appeal_decided); an overturn expects a new payment."""
    try:
        handlers.decide_appeal(
            deps.context,
            principal.organization_id,
            appeal_id,
            outcome=body.outcome,
            amount_awarded=body.amount_awarded,
            decided_on=body.decided_on,
            recorded_by=principal.subject,
        )
        state = handlers.load_appeal(deps.context, principal.organization_id, appeal_id)
    except NotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="appeal not found") from None
    except DomainError as exc:
        raise _refused(exc) from None
    return _appeal_public(state.filed, state.decided)


# --- reports ----------------------------------------------------------------------------------


@router.get("/reports/aging", response_model=reports.AgingReport)
def aging_report(
    principal: ReportReader,
    deps: FollowupDepsDep,
    as_of: date | None = None,
    basis: Literal["service", "last_bill"] = "service",
    format: Format = "json",
) -> Any:
    """A/R aging (0-30 ... 120+) by date of service or of last bill, per payer and in total."""
    with deps.engine.connect() as conn:
        report = reports.aging(conn, principal.organization_id, as_of or deps.now().date(), basis)
    if format == "json":
        return report
    header = ["payer_id", *reports.BUCKETS, "total", "claims"]
    rows = [
        [r.payer_id, *(r.buckets[b] for b in reports.BUCKETS), r.total, r.claims]
        for r in [*report.rows, report.total]
    ]
    return _exported(f"aging-{report.as_of}", format, header, rows)


@router.get("/reports/kpis", response_model=reports.KpiReport, responses=REFUSED)
def kpi_report(
    principal: ReportReader,
    deps: FollowupDepsDep,
    from_: Annotated[date, Query(alias="from")],
    to: date,
    format: Format = "json",
) -> Any:
    """KPIs by payer and month (formulas: docs/kpis.md)."""
    if to < from_:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="'to' is before 'from'")
    if (to - from_).days > 3660:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="period longer than 10 years"
        )
    with deps.engine.connect() as conn:
        report = reports.kpis(conn, principal.organization_id, from_, to)
    if format == "json":
        return report
    fields = [f for f in reports.KpiRow.model_fields if f != "counts"]
    rows = [[getattr(r, f) for f in fields] for r in [*report.rows, *report.by_payer, report.total]]
    return _exported(f"kpis-{from_}-{to}", format, fields, rows)


@router.get("/reports/credit-balances", response_model=list[reports.ClaimBalancePublic])
def credit_balances(principal: ReportReader, deps: FollowupDepsDep) -> Any:
    """Claims with a credit (payer or patient overpaid): listed for refund."""
    with deps.engine.begin() as conn:
        found = [
            reports.claim_balance(f)
            for f in reports.load_claims(conn, principal.organization_id).values()
            if f.insurance_balance < 0 or f.patient_balance < 0
        ]
        record_access(
            conn,
            principal,
            action="list",
            resource_type="credit_balances",
            resource_id="*",
            outcome="ok",
        )
    return sorted(found, key=lambda c: c.claim_id)


# --- patient statements, and the clock's work (supervisors) -----------------------------------


@router.get("/statements/{statement_id}.pdf", responses=NOT_FOUND)
def statement_pdf(statement_id: ItemIdPath, principal: Worker, deps: FollowupDepsDep) -> Response:
    """A patient statement as PDF (drawn again from its event: the same every time)."""
    from services.followup.documents import statement_text, text_to_pdf

    with deps.engine.begin() as conn:
        statement = queries.get_statement(conn, principal.organization_id, statement_id)
        _audit(conn, principal, "statement", statement_id, statement is not None)
    if statement is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="statement not found")
    text = statement_text(
        statement, office=office_of(deps.context), guarantor="the guarantor of the account"
    )
    return Response(text_to_pdf(text, f"Statement {statement_id}"), media_type="application/pdf")


@router.get("/statements/vendor-file", responses=REFUSED)
def statements_vendor_file(
    principal: Supervisor,
    deps: FollowupDepsDep,
    statement_date: Annotated[date, Query(alias="date", description="Statements of this day")],
) -> Response:
    """The print vendor's data file (CSV, docs/reporting.md) of the statements issued on a day,
    with each account's guarantor (the subscriber of its newest claim) to print and mail."""
    from services.followup.documents import vendor_file

    with deps.engine.begin() as conn:
        issued = queries.statements_on(conn, principal.organization_id, statement_date)
        for statement in issued:
            _audit(conn, principal, "statement", statement.statement_id, True)
    rows = [
        (s, queries.guarantor_of(deps.context.store, s.claim_ids[-1] if s.claim_ids else None))
        for s in issued
    ]
    return Response(
        vendor_file(rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="statements-{statement_date.isoformat()}.csv"'
            )
        },
    )


class StatementRunBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    as_of: date
    cycle: int | None = Field(default=None, ge=0, le=31)


class StatementRunPublic(BaseModel):
    as_of: date
    cycle: int | None
    statements: list[dict[str, Any]]
    written_off: list[dict[str, Any]]
    skipped_below_minimum: int


@router.post("/statements/runs", response_model=StatementRunPublic, responses=REFUSED)
def run_statements(
    body: StatementRunBody, principal: Supervisor, deps: FollowupDepsDep
) -> StatementRunPublic:
    """Write off small balances, then issue statements for a cycle (supervisors)."""
    run = handlers.issue_statements(
        deps.context, principal.organization_id, body.as_of, cycle=body.cycle
    )
    return StatementRunPublic(
        as_of=run.as_of,
        cycle=run.cycle,
        statements=[
            {
                "statement_id": s.statement_id,
                "account_id": s.account_id,
                "balance_due": str(s.balance_due),
                "dunning_level": s.dunning_level,
                "pdf": f"/v1/statements/{s.statement_id}.pdf",
            }
            for s in run.statements
        ],
        written_off=[{"claim_id": c, "amount": str(a)} for c, a in run.written_off],
        skipped_below_minimum=run.skipped_below_minimum,
    )


class SweepBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    as_of: date


@router.post("/followup/sweep", responses=REFUSED)
def run_sweep(body: SweepBody, principal: Supervisor, deps: FollowupDepsDep) -> dict[str, int]:
    """Raise what time alone made due: no response after N days, appeal deadlines near,
    timely-filing limits near."""
    from services.followup.queue_process import sweep

    ctx = deps.context
    result = sweep(
        ctx.engine,
        ctx.store,
        ctx.payer_rules(),
        body.as_of,
        appeal_warning_days=ctx.settings.followup_appeal_warning_days,
        timely_filing_warning_days=ctx.settings.followup_timely_filing_warning_days,
        deposit_match_days=ctx.settings.followup_deposit_match_days,
        organization_id=principal.organization_id,
        clock=ctx.clock,
    )
    return {
        "no_response": result.no_response,
        "appeals_due": result.appeals_due,
        "timely_filing": result.timely_filing,
        "unmatched_deposits": result.unmatched_deposits,
    }


# --- routes under /v1/accounts that the path-typed account route would swallow --------------

payments_router = APIRouter(prefix="/v1", tags=["followup"])


@payments_router.post(
    "/accounts/{account_id:path}/payments",
    response_model=PaymentPosted,
    status_code=status.HTTP_201_CREATED,
    responses=REFUSED,
)
def post_payment(
    account_id: AccountIdPath,
    body: Annotated[PaymentCreate, Body()],
    principal: Worker,
    deps: FollowupDepsDep,
) -> PaymentPosted:
    """A patient payment: to the named claim, else oldest balance first; the rest is a credit."""
    return _post_payment(account_id, body, principal, deps)


# --- FHIR status back to the hospital ---------------------------------------------------------

fhir_router = APIRouter(prefix="/fhir", tags=["fhir"])
FHIR_JSON = "application/fhir+json"


def _claim_reference(value: str) -> str:
    claim_id = value.removeprefix("Claim/")
    if not claim_id or len(claim_id) > CLAIM_ID_MAX or "/" in claim_id:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="expected Claim/{id} as the parameter"
        )
    return claim_id


def _fhir_search(principal: Principal, deps: FollowupDeps, claim_id: str, build: Any) -> Response:
    import json

    from services.followup.fhir_status import searchset

    with deps.engine.begin() as conn:
        facts = reports.load_claim(conn, principal.organization_id, claim_id)
        _audit(conn, principal, "fhir_claim_status", claim_id, facts is not None)
    bundle = searchset([build(facts)] if facts is not None else [])
    return Response(json.dumps(bundle, default=str), media_type=FHIR_JSON)


@fhir_router.get("/ClaimResponse")
def fhir_claim_response(
    principal: ClaimReader,
    deps: FollowupDepsDep,
    request_: Annotated[str, Query(alias="request", max_length=80)],
) -> Response:
    """ClaimResponse of a claim (searchset Bundle): outcome, adjudication per item, payment."""
    from services.followup.fhir_status import claim_response

    return _fhir_search(principal, deps, _claim_reference(request_), claim_response)


@fhir_router.get("/ExplanationOfBenefit")
def fhir_explanation_of_benefit(
    principal: ClaimReader,
    deps: FollowupDepsDep,
    claim: Annotated[str, Query(max_length=80)],
) -> Response:
    """ExplanationOfBenefit of a claim (searchset Bundle), with patient responsibility."""
    from services.followup.fhir_status import explanation_of_benefit

    return _fhir_search(principal, deps, _claim_reference(claim), explanation_of_benefit)
