"""Follow-up's commands: one function each, HTTP, CLI and demo alike. Load, decide, append.

Each runs in one unit of work (`followup` appends the types it owns); what a command needs
from elsewhere (a claim's balance for a payment, its denial for an appeal) is read from the
balances read model first and passed to the pure decide.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.followup import ledger, work_items
from services.followup.claim_commands import (
    FOLLOWUP_CLAIM,
    ApplyPatientPayment,
    DecideAppeal,
    FileAppeal,
    WriteOff,
)
from services.followup.config import FollowupSettings
from services.followup.ledger import ClaimFacts
from services.followup.payer_rules import PayerRules
from services.followup.reports import load_claims
from services.followup.tables import account_statements, claim_balances
from shared.codes.sets import load_code_list
from shared.events.appeals import AppealDecided, AppealFiled, DeniedCode
from shared.events.base import Event
from shared.events.claims import AppealOutcome
from shared.events.patient_account import (
    PaymentAllocation,
    PaymentMethod,
    PaymentReceived,
    StatementIssued,
    StatementLine,
)
from shared.eventstore.interface import EventStore
from shared.kernel import Aggregate, DomainError, UnitOfWork
from shared.money import ZERO

PRODUCER = "followup"
Clock = Callable[[], datetime]


@dataclass
class CommandContext:
    """What follow-up's commands need: the store, its read models, the clock, the rules."""

    engine: Engine
    store: EventStore
    clock: Clock
    settings: FollowupSettings
    payer_rules: Callable[[], PayerRules]

    def unit_of_work(self) -> UnitOfWork[Any]:
        return UnitOfWork(self.store, producer=PRODUCER, clock=self.clock)

    def today(self) -> date:
        return self.clock().date()


class NotFound(LookupError):
    """Unknown, or another organization's (not disclosed)."""


# --- work items -------------------------------------------------------------------------------


def work_on_item(
    ctx: CommandContext, organization_id: str, item_id: str, command: Any
) -> list[Event]:
    """Claim, assign, note, snooze or resolve an item; refused with the rule that forbids it."""
    uow = ctx.unit_of_work()
    with uow:
        loaded = uow.load(work_items.WORK_ITEM, item_id)
        if loaded.organization_id not in (None, organization_id) or loaded.version == 0:
            raise NotFound(item_id)
        result = uow.run(work_items.WORK_ITEM, item_id, command, organization_id=organization_id)
    return list(result.events)


# --- patient payments -------------------------------------------------------------------------


def _account_claims(ctx: CommandContext, organization_id: str, account_id: str) -> list[ClaimFacts]:
    with ctx.engine.connect() as conn:
        docs = conn.execute(
            sa.select(claim_balances.c.facts).where(
                claim_balances.c.organization_id == organization_id,
                claim_balances.c.account_id == account_id,
            )
        ).scalars()
        claims = [ClaimFacts.model_validate(d) for d in docs]
    # Oldest first: by date of service, then by claim id (a stable order for equal dates).
    return sorted(claims, key=lambda c: (c.service_date or c.created_on, c.claim_id))


def allocate(
    claims: list[ClaimFacts], amount: Decimal, named_claim: str | None
) -> tuple[list[PaymentAllocation], Decimal]:
    """Apply `amount` to the named claim first, then to the oldest patient balances; the rest
    is unapplied (a credit). Pure."""
    order = sorted(claims, key=lambda c: c.claim_id != named_claim) if named_claim else claims
    left = amount
    allocations = []
    for facts in order:
        due = facts.patient_balance
        if left <= 0 or due <= 0:
            continue
        applied = min(due, left)
        allocations.append(PaymentAllocation(claim_id=facts.claim_id, amount=applied))
        left -= applied
    return allocations, left


@dataclass(frozen=True)
class _AccountState:
    account_id: str
    payments: frozenset[str] = frozenset()
    statements: int = 0


def _account_apply(state: _AccountState, event: Event) -> _AccountState:
    if isinstance(event, PaymentReceived):
        return _AccountState(
            state.account_id, state.payments | {event.payment_id}, state.statements
        )
    if isinstance(event, StatementIssued):
        return _AccountState(state.account_id, state.payments, state.statements + 1)
    return state


def _account_decide(state: _AccountState, command: Event, now: datetime) -> list[Event]:
    if isinstance(command, PaymentReceived) and command.payment_id in state.payments:
        return []  # the same payment posted again: already on the account
    return [command]


PATIENT_ACCOUNT: Aggregate[_AccountState, Event] = Aggregate(
    name="patient_account",
    initial=lambda account_id: _AccountState(account_id),
    apply=_account_apply,
    decide=_account_decide,
)


@dataclass
class PostedPayment:
    payment: PaymentReceived
    replayed: bool


def post_patient_payment(
    ctx: CommandContext,
    organization_id: str,
    account_id: str,
    *,
    amount: Decimal,
    method: PaymentMethod,
    received_on: date,
    claim_id: str | None = None,
    reference: str | None = None,
    payment_id: str | None = None,
) -> PostedPayment:
    """A patient payment: applied to the named claim, else oldest-first; the rest a credit."""
    claims = _account_claims(ctx, organization_id, account_id)
    if not claims:
        raise NotFound(account_id)
    if claim_id is not None and claim_id not in {c.claim_id for c in claims}:
        raise DomainError("claim", f"claim {claim_id} is not on account {account_id}")
    allocations, unapplied = allocate(claims, amount, claim_id)
    balance_before = sum((c.patient_balance for c in claims), start=ZERO)
    payment = PaymentReceived(
        account_id=account_id,
        payment_id=payment_id or f"pay-{uuid.uuid4().hex[:24]}",
        amount=amount,
        method=method,
        received_on=received_on,
        claim_id=claim_id,
        reference=reference,
        allocations=tuple(allocations),
        unapplied=unapplied,
        account_balance_after=balance_before - amount,
    )
    uow = ctx.unit_of_work()
    with uow:
        result = uow.run(PATIENT_ACCOUNT, account_id, payment, organization_id=organization_id)
        if not result.events:
            return PostedPayment(payment, replayed=True)
        for allocation in allocations:
            uow.run(
                FOLLOWUP_CLAIM,
                allocation.claim_id,
                ApplyPatientPayment(
                    account_id=account_id,
                    payment_id=payment.payment_id,
                    amount=allocation.amount,
                    received_on=received_on,
                ),
                organization_id=organization_id,
            )
    return PostedPayment(payment, replayed=False)


# --- appeals ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _AppealState:
    appeal_id: str
    filed: AppealFiled | None = None
    decided: AppealDecided | None = None


def _appeal_apply(state: _AppealState, event: Event) -> _AppealState:
    if isinstance(event, AppealFiled):
        return _AppealState(state.appeal_id, event, state.decided)
    if isinstance(event, AppealDecided):
        return _AppealState(state.appeal_id, state.filed, event)
    return state


def _appeal_decide(state: _AppealState, command: Event, now: datetime) -> list[Event]:
    if isinstance(command, AppealFiled):
        return [] if state.filed else [command]
    if isinstance(command, AppealDecided):
        if state.filed is None:
            raise DomainError("appeal", f"no appeal {state.appeal_id}")
        if state.decided is not None:
            raise DomainError("appeal", f"appeal {state.appeal_id} was decided already")
        return [command]
    raise TypeError(type(command).__name__)


APPEAL: Aggregate[_AppealState, Event] = Aggregate(
    name="appeal",
    initial=lambda appeal_id: _AppealState(appeal_id),
    apply=_appeal_apply,
    decide=_appeal_decide,
)


def claim_facts(ctx: CommandContext, organization_id: str, claim_id: str) -> ClaimFacts:
    with ctx.engine.connect() as conn:
        doc = conn.execute(
            sa.select(claim_balances.c.facts).where(
                claim_balances.c.organization_id == organization_id,
                claim_balances.c.claim_id == claim_id,
            )
        ).scalar_one_or_none()
    if doc is None:
        raise NotFound(claim_id)
    return ClaimFacts.model_validate(doc)


def denied_codes(facts: ClaimFacts) -> tuple[DeniedCode, ...]:
    carc, rarc = load_code_list("carc"), load_code_list("rarc")
    codes = [
        DeniedCode(
            kind="CARC", group=c.group, code=c.code, meaning=carc.get(c.code, "unknown CARC")
        )
        for c in facts.denied_codes
    ]
    codes += [
        DeniedCode(kind="RARC", code=r, meaning=rarc.get(r, "unknown RARC"))
        for r in facts.remark_codes
    ]
    unique = {(c.kind, c.group, c.code): c for c in codes}
    return tuple(unique.values())


def file_appeal(
    ctx: CommandContext,
    organization_id: str,
    claim_id: str,
    *,
    level: int,
    reason: str,
    justification: str | None,
    filed_by: str,
    amount_disputed: Decimal | None = None,
) -> AppealFiled:
    """File an appeal of a denied or underpaid claim, by the payer's deadline."""
    facts = claim_facts(ctx, organization_id, claim_id)
    if facts.last_remittance_on is None:
        raise DomainError("appeal", "the claim has no remittance to appeal")
    payer = ctx.payer_rules().for_claim(facts.payer_id, facts.filing_indicator)
    deadline = payer.appeal_deadline(level, facts.last_remittance_on)
    today = ctx.today()
    if today > deadline:
        raise DomainError(
            "deadline",
            f"the payer's deadline for a level {level} appeal was {deadline.isoformat()} "
            f"({payer.describe_appeal(level)})",
        )
    disputed = amount_disputed
    if disputed is None:
        disputed = max(facts.denied_amount, facts.underpaid_shortfall)
    appeal_id = f"apl-{uuid.uuid4().hex[:24]}"
    filed = AppealFiled(
        appeal_id=appeal_id,
        claim_id=claim_id,
        level=level,
        reason=reason,
        justification=justification,
        amount_disputed=disputed,
        filed_on=today,
        remittance_date=facts.last_remittance_on,
        deadline=deadline,
        rule=payer.describe_appeal(level),
        denied_codes=denied_codes(facts),
        filed_by=filed_by,
        template=ctx.settings.followup_appeal_template or "appeal_letter.md",
    )
    uow = ctx.unit_of_work()
    with uow:
        uow.run(
            FOLLOWUP_CLAIM,
            claim_id,
            FileAppeal(
                appeal_id=appeal_id,
                level=level,
                reason=reason,
                amount_disputed=disputed,
                filed_on=today,
                decision_due=today + timedelta(days=60),
            ),
            organization_id=organization_id,
        )
        uow.run(APPEAL, appeal_id, filed, organization_id=organization_id)
    return filed


def load_appeal(ctx: CommandContext, organization_id: str, appeal_id: str) -> _AppealState:
    envelopes = ctx.store.load(appeal_id)
    if not envelopes or envelopes[0].organization_id != organization_id:
        raise NotFound(appeal_id)
    return APPEAL.fold_envelopes(appeal_id, envelopes)


def decide_appeal(
    ctx: CommandContext,
    organization_id: str,
    appeal_id: str,
    *,
    outcome: AppealOutcome,
    amount_awarded: Decimal,
    decided_on: date,
    recorded_by: str,
) -> AppealDecided:
    state = load_appeal(ctx, organization_id, appeal_id)
    assert state.filed is not None
    decided = AppealDecided(
        appeal_id=appeal_id,
        claim_id=state.filed.claim_id,
        outcome=outcome,
        amount_awarded=amount_awarded,
        decided_on=decided_on,
        recorded_by=recorded_by,
    )
    uow = ctx.unit_of_work()
    with uow:
        uow.run(APPEAL, appeal_id, decided, organization_id=organization_id)
        uow.run(
            FOLLOWUP_CLAIM,
            state.filed.claim_id,
            DecideAppeal(
                appeal_id=appeal_id,
                outcome=outcome,
                amount_awarded=amount_awarded,
                decided_on=decided_on,
            ),
            organization_id=organization_id,
        )
    return decided


# --- write-offs and statements ----------------------------------------------------------------


def write_off(
    ctx: CommandContext,
    organization_id: str,
    claim_id: str,
    *,
    amount: Decimal,
    reason_code: str,
    reason: str,
) -> None:
    balance = ledger.WRITE_OFF_BALANCE.get(reason_code)
    if balance is None:
        raise DomainError(
            "write-off",
            f"unknown write-off code {reason_code}; known: {', '.join(ledger.WRITE_OFF_BALANCE)}",
        )
    uow = ctx.unit_of_work()
    with uow:
        uow.run(
            FOLLOWUP_CLAIM,
            claim_id,
            WriteOff(amount=amount, balance=balance, reason_code=reason_code, reason=reason),
            organization_id=organization_id,
        )


def cycle_of(account_id: str, cycles: int) -> int:
    """The billing cycle of an account: a stable hash of its id (every run agrees)."""
    return zlib.crc32(account_id.encode("utf-8")) % cycles


DUNNING = (
    (0, ""),
    (30, "Your balance is past due. Please pay by the due date to avoid further notices."),
    (
        60,
        "SECOND NOTICE: your balance is more than 60 days old. Please call us to arrange payment.",
    ),
    (
        90,
        "FINAL NOTICE: unless paid or arranged within 25 days, this balance may be referred "
        "to a collection agency.",
    ),
)


def dunning_for(days: int) -> tuple[int, str]:
    level, message = 0, ""
    for number, (threshold, text) in enumerate(DUNNING):
        if days >= threshold:
            level, message = number, text
    return level, message


def _description(facts: ClaimFacts) -> str:
    codes = [
        str(line.get("procedure_code") or line.get("revenue_code") or "") for line in facts.lines
    ]
    return "Services " + ", ".join(c for c in codes if c)[:120]


@dataclass
class StatementRun:
    as_of: date
    cycle: int | None
    statements: list[StatementIssued] = field(default_factory=list)
    written_off: list[tuple[str, Decimal]] = field(default_factory=list)
    skipped_below_minimum: int = 0


def issue_statements(
    ctx: CommandContext, organization_id: str, as_of: date, *, cycle: int | None = None
) -> StatementRun:
    """Write off small balances by the office's rule, then issue a statement to every account
    of `cycle` (None: all cycles) whose patient balance is at least the minimum."""
    settings = ctx.settings
    run = StatementRun(as_of=as_of, cycle=cycle)
    with ctx.engine.connect() as conn:
        claims = load_claims(conn, organization_id)
        prior: dict[str, int] = dict(
            conn.execute(
                sa.select(account_statements.c.account_id, sa.func.count())
                .where(account_statements.c.organization_id == organization_id)
                .group_by(account_statements.c.account_id)
            ).all()
        )
    by_account: dict[str, list[ClaimFacts]] = {}
    for facts in claims.values():
        by_account.setdefault(facts.account_id, []).append(facts)
    for account_id in sorted(by_account):
        if cycle is not None and cycle_of(account_id, settings.statement_cycles) != cycle:
            continue
        owing = sorted(
            (c for c in by_account[account_id] if c.patient_balance > 0),
            key=lambda c: (c.service_date or c.created_on, c.claim_id),
        )
        if not owing:
            continue
        balance = sum((c.patient_balance for c in owing), start=ZERO)
        oldest = max((as_of - (c.first_adjudicated_on or c.created_on)).days for c in owing)
        if (
            balance <= settings.small_balance_write_off
            and oldest >= settings.small_balance_min_age_days
        ):
            for facts in owing:
                write_off(
                    ctx,
                    organization_id,
                    facts.claim_id,
                    amount=facts.patient_balance,
                    reason_code="SMALL_BALANCE",
                    reason=f"account balance {balance} at most {settings.small_balance_write_off}",
                )
                run.written_off.append((facts.claim_id, facts.patient_balance))
            continue
        if balance < settings.statement_minimum:
            run.skipped_below_minimum += 1
            continue
        level, message = dunning_for(oldest)
        number = int(prior.get(account_id, 0)) + 1
        statement = StatementIssued(
            account_id=account_id,
            statement_id=f"stm-{uuid.uuid4().hex[:24]}",
            statement_date=as_of,
            due_date=as_of + timedelta(days=settings.statement_due_days),
            balance_due=balance,
            claim_ids=tuple(c.claim_id for c in owing),
            lines=tuple(
                StatementLine(
                    claim_id=c.claim_id,
                    service_date=c.service_date,
                    description=_description(c),
                    charges=c.charge,
                    insurance_paid=c.payer_paid,
                    adjustments=c.contractual + c.insurance_written_off,
                    patient_paid=c.patient_paid,
                    patient_due=c.patient_balance,
                )
                for c in owing
            ),
            cycle=cycle_of(account_id, settings.statement_cycles),
            oldest_balance_days=oldest,
            dunning_level=level,
            dunning_message=message,
            statement_number=number,
        )
        uow = ctx.unit_of_work()
        with uow:
            uow.run(PATIENT_ACCOUNT, account_id, statement, organization_id=organization_id)
        run.statements.append(statement)
    return run
