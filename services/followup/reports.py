"""Balances, aging and KPIs from the ledger projection (definitions: docs/kpis.md).

Everything is computed from two tables of the balances projection: each claim's facts
(`followup_claim_balances`) and the journal of A/R movements (`followup_ledger_entries`),
so any figure can be had as of any day. Money stays `Decimal`; rates are percentages
rounded half-up to two places, days to one place (presentation only: the numerators and
denominators are returned beside them, exact).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection

from services.followup.ledger import INSURANCE, ClaimFacts
from services.followup.tables import account_credits, claim_balances, ledger_entries
from shared.money import ZERO

BUCKETS = ("0-30", "31-60", "61-90", "91-120", "120+")
PATIENT_PAYER = "patient"


def bucket_of(days: int) -> str:
    if days <= 30:
        return "0-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    if days <= 120:
        return "91-120"
    return "120+"


def percent(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )


def one_place(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), ROUND_HALF_UP)


# --- loading ----------------------------------------------------------------------------------


def load_claims(conn: Connection, organization_id: str) -> dict[str, ClaimFacts]:
    rows = conn.execute(
        sa.select(claim_balances.c.claim_id, claim_balances.c.facts).where(
            claim_balances.c.organization_id == organization_id
        )
    )
    return {cid: ClaimFacts.model_validate(doc) for cid, doc in rows}


def load_claim(conn: Connection, organization_id: str, claim_id: str) -> ClaimFacts | None:
    doc = conn.execute(
        sa.select(claim_balances.c.facts).where(
            claim_balances.c.organization_id == organization_id,
            claim_balances.c.claim_id == claim_id,
        )
    ).scalar_one_or_none()
    return ClaimFacts.model_validate(doc) if doc is not None else None


def balances_as_of(
    conn: Connection, organization_id: str, as_of: date, account_id: str | None = None
) -> dict[tuple[str, str], Decimal]:
    """(claim id, bucket) -> balance from every entry posted on or before `as_of`."""
    query = (
        sa.select(
            ledger_entries.c.claim_id,
            ledger_entries.c.bucket,
            ledger_entries.c.amount,
        )
        .where(ledger_entries.c.organization_id == organization_id)
        .where(ledger_entries.c.posted_on <= as_of)
    )
    if account_id is not None:
        query = query.where(ledger_entries.c.account_id == account_id)
    totals: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for claim_id, bucket, amount in conn.execute(query):
        totals[(claim_id, bucket)] += amount
    return totals


# --- accounts ---------------------------------------------------------------------------------


class ClaimBalancePublic(BaseModel):
    claim_id: str
    payer_id: str
    status: str
    service_date: date | None
    last_billed_on: date | None
    primary_claim_id: str | None = Field(
        default=None,
        description="A secondary claim's primary: its charges are what the primary left to "
        "the patient and moved to this payer, not new charges of the account",
    )
    charges: Decimal
    payer_paid: Decimal
    adjustments: Decimal
    patient_responsibility: Decimal
    patient_paid: Decimal
    written_off: Decimal
    insurance_balance: Decimal
    patient_balance: Decimal
    credit: Decimal


class AccountBalancesPublic(BaseModel):
    account_id: str
    charges: Decimal
    insurance_ar: Decimal
    patient_ar: Decimal
    payments: Decimal
    payer_payments: Decimal
    patient_payments: Decimal
    adjustments: Decimal
    write_offs: Decimal
    credit: Decimal
    balance: Decimal
    claim_count: int
    claim_ids: list[str]
    claims: list[ClaimBalancePublic]
    unapplied_payments: Decimal


def claim_balance(facts: ClaimFacts) -> ClaimBalancePublic:
    return ClaimBalancePublic(
        claim_id=facts.claim_id,
        payer_id=facts.payer_id,
        status=facts.status,
        service_date=facts.service_date,
        last_billed_on=facts.last_billed_on,
        primary_claim_id=facts.primary_claim_id,
        charges=facts.charge - facts.prior_payer,
        payer_paid=facts.payer_paid,
        adjustments=facts.contractual,
        patient_responsibility=facts.patient_responsibility,
        patient_paid=facts.patient_paid,
        written_off=facts.patient_written_off + facts.insurance_written_off,
        insurance_balance=facts.insurance_balance,
        patient_balance=facts.patient_balance,
        credit=max(-facts.insurance_balance, ZERO) + max(-facts.patient_balance, ZERO),
    )


def account_balances(
    conn: Connection, organization_id: str, account_id: str
) -> AccountBalancesPublic | None:
    rows = conn.execute(
        sa.select(claim_balances.c.facts)
        .where(
            claim_balances.c.organization_id == organization_id,
            claim_balances.c.account_id == account_id,
        )
        .order_by(claim_balances.c.service_date, claim_balances.c.claim_id)
    ).scalars()
    claims = [claim_balance(ClaimFacts.model_validate(doc)) for doc in rows]
    if not claims:
        return None
    unapplied = sum(
        conn.execute(
            sa.select(account_credits.c.amount).where(
                account_credits.c.organization_id == organization_id,
                account_credits.c.account_id == account_id,
            )
        ).scalars(),
        start=ZERO,
    )

    def total(name: str) -> Decimal:
        return sum((getattr(c, name) for c in claims), start=ZERO)

    insurance_ar = sum((max(c.insurance_balance, ZERO) for c in claims), start=ZERO)
    patient_ar = sum((max(c.patient_balance, ZERO) for c in claims), start=ZERO)
    credit = total("credit") + unapplied
    # A secondary claim bills again what the primary left: the account's charges once.
    charges = sum((c.charges for c in claims if c.primary_claim_id is None), start=ZERO)
    return AccountBalancesPublic(
        account_id=account_id,
        charges=charges,
        insurance_ar=insurance_ar,
        patient_ar=patient_ar,
        payer_payments=total("payer_paid"),
        patient_payments=total("patient_paid") + unapplied,
        payments=total("payer_paid") + total("patient_paid") + unapplied,
        adjustments=total("adjustments"),
        write_offs=total("written_off"),
        credit=credit,
        balance=insurance_ar + patient_ar - credit,
        claim_count=len(claims),
        claim_ids=[c.claim_id for c in claims],
        claims=claims,
        unapplied_payments=unapplied,
    )


# --- aging ------------------------------------------------------------------------------------


class AgingRow(BaseModel):
    payer_id: str
    buckets: dict[str, Decimal]
    total: Decimal
    claims: int


class AgingReport(BaseModel):
    as_of: date
    basis: str  # service | last_bill
    rows: list[AgingRow]
    total: AgingRow
    credits: Decimal


def aging(
    conn: Connection, organization_id: str, as_of: date, basis: str = "service"
) -> AgingReport:
    """A/R in buckets by age (days from the date of service, or of the last bill) as of a day:
    insurance A/R under each claim's payer, patient A/R under 'patient'."""
    if basis not in ("service", "last_bill"):
        raise ValueError("basis must be 'service' or 'last_bill'")
    claims = load_claims(conn, organization_id)
    balances = balances_as_of(conn, organization_id, as_of)
    rows: dict[str, dict[str, Decimal]] = defaultdict(lambda: {b: ZERO for b in BUCKETS})
    counts: dict[str, set[str]] = defaultdict(set)
    credits = ZERO
    for (claim_id, bucket), amount in sorted(balances.items()):
        facts = claims.get(claim_id)
        if facts is None or not amount:
            continue
        if amount < 0:
            credits += -amount
            continue
        start = facts.service_date if basis == "service" else facts.last_billed_on
        start = start or facts.created_on
        payer = facts.payer_id if bucket == INSURANCE else PATIENT_PAYER
        rows[payer][bucket_of((as_of - start).days)] += amount
        counts[payer].add(claim_id)
    out = [
        AgingRow(payer_id=p, buckets=b, total=sum(b.values(), start=ZERO), claims=len(counts[p]))
        for p, b in sorted(rows.items())
    ]
    totals = {b: sum((r.buckets[b] for r in out), start=ZERO) for b in BUCKETS}
    return AgingReport(
        as_of=as_of,
        basis=basis,
        rows=out,
        total=AgingRow(
            payer_id="total",
            buckets=totals,
            total=sum(totals.values(), start=ZERO),
            claims=len(set().union(*counts.values())) if counts else 0,
        ),
        credits=credits,
    )


# --- KPIs -------------------------------------------------------------------------------------


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_end(month: str) -> date:
    year, number = (int(p) for p in month.split("-"))
    first_next = date(year + (number == 12), number % 12 + 1, 1)
    return first_next - timedelta(days=1)


def months_between(start: date, end: date) -> list[str]:
    months = []
    current = date(start.year, start.month, 1)
    while current <= end:
        months.append(month_of(current))
        current = month_end(month_of(current)) + timedelta(days=1)
    return months


@dataclass
class KpiCounts:
    """The exact numerators and denominators behind one row of KPIs."""

    charges: Decimal = ZERO
    payments: Decimal = ZERO
    contractual: Decimal = ZERO
    ar_end: Decimal = ZERO
    ar_over_90: Decimal = ZERO
    days: int = 0
    first_submitted: int = 0
    clean: int = 0
    first_adjudicated: int = 0
    first_pass_resolved: int = 0
    denied_count: int = 0
    adjudicated_charges: Decimal = ZERO
    denied_charges: Decimal = ZERO
    initially_denied: int = 0
    overturned: int = 0
    paid_claims: int = 0
    days_to_payment: int = 0

    def rates(self) -> dict[str, Decimal | None]:
        daily = self.charges / self.days if self.days and self.charges else None
        return {
            "days_in_ar": one_place(self.ar_end / daily) if daily else None,
            "clean_claim_rate": percent(self.clean, self.first_submitted),
            "first_pass_resolution_rate": percent(self.first_pass_resolved, self.first_adjudicated),
            "initial_denial_rate": percent(self.denied_count, self.first_adjudicated),
            "initial_denial_rate_dollars": percent(self.denied_charges, self.adjudicated_charges),
            "denial_overturn_rate": percent(self.overturned, self.initially_denied),
            "net_collection_rate": percent(self.payments, self.charges - self.contractual),
            "ar_over_90_pct": percent(self.ar_over_90, self.ar_end),
            "avg_days_to_payment": (
                one_place(Decimal(self.days_to_payment) / self.paid_claims)
                if self.paid_claims
                else None
            ),
        }


class KpiRow(BaseModel):
    payer_id: str
    month: str
    days_in_ar: Decimal | None
    clean_claim_rate: Decimal | None
    first_pass_resolution_rate: Decimal | None
    initial_denial_rate: Decimal | None
    initial_denial_rate_dollars: Decimal | None
    denial_overturn_rate: Decimal | None
    net_collection_rate: Decimal | None
    ar_over_90_pct: Decimal | None
    avg_days_to_payment: Decimal | None
    counts: dict[str, Any]


class KpiReport(BaseModel):
    period_from: date
    period_to: date
    rows: list[KpiRow]
    by_payer: list[KpiRow]
    total: KpiRow


@dataclass
class _Groups:
    data: dict[tuple[str, str], KpiCounts] = field(default_factory=lambda: defaultdict(KpiCounts))

    def each(self, payer: str, month: str) -> Iterable[KpiCounts]:
        """The counters one fact adds to: (payer, month), (payer, all), (all, month), total."""
        for key in ((payer, month), (payer, "all"), ("all", month), ("all", "all")):
            yield self.data[key]


def kpis(conn: Connection, organization_id: str, period_from: date, period_to: date) -> KpiReport:
    """KPIs by payer and month over [period_from, period_to] (docs/kpis.md)."""
    if period_to < period_from:
        raise ValueError("'to' is before 'from'")
    claims = load_claims(conn, organization_id)
    groups = _Groups()
    months = months_between(period_from, period_to)

    def inside(day: date | None) -> bool:
        return day is not None and period_from <= day <= period_to

    for facts in claims.values():
        payer = facts.payer_id
        if inside(facts.first_submitted_on):
            assert facts.first_submitted_on is not None
            for c in groups.each(payer, month_of(facts.first_submitted_on)):
                c.first_submitted += 1
                c.clean += int(
                    facts.scrub_failures == 0 and not facts.amended and facts.rejections == 0
                )
        if inside(facts.first_adjudicated_on):
            assert facts.first_adjudicated_on is not None
            denied = facts.first_outcome in ("denied", "partially_paid")
            for c in groups.each(payer, month_of(facts.first_adjudicated_on)):
                c.first_adjudicated += 1
                c.first_pass_resolved += int(
                    facts.first_outcome == "paid"
                    and facts.rejections == 0
                    and facts.corrections == 0
                )
                c.denied_count += int(facts.first_outcome == "denied")
                c.adjudicated_charges += facts.charge
                c.denied_charges += facts.initial_denied_charge
                c.initially_denied += int(denied)
                c.overturned += int(denied and facts.overturned)
        if inside(facts.first_paid_on) and facts.first_submitted_on is not None:
            assert facts.first_paid_on is not None
            for c in groups.each(payer, month_of(facts.first_paid_on)):
                c.paid_claims += 1
                c.days_to_payment += (facts.first_paid_on - facts.first_submitted_on).days

    entries = conn.execute(
        sa.select(
            ledger_entries.c.claim_id,
            ledger_entries.c.payer_id,
            ledger_entries.c.bucket,
            ledger_entries.c.kind,
            ledger_entries.c.amount,
            ledger_entries.c.posted_on,
        )
        .where(ledger_entries.c.organization_id == organization_id)
        .where(ledger_entries.c.posted_on <= period_to)
        .order_by(ledger_entries.c.posted_on)
    ).all()
    for _claim_id, payer, _bucket, kind, amount, posted_on in entries:
        if not inside(posted_on):
            continue
        for c in groups.each(payer, month_of(posted_on)):
            if kind == "charge":
                c.charges += amount
            elif kind in ("payer_payment", "patient_payment"):
                c.payments += -amount
            elif kind == "contractual":
                c.contractual += -amount

    # A/R at the end of each month (and of the period): positive claim balances.
    ends = {m: min(month_end(m), period_to) for m in months}
    ends["all"] = period_to
    for month, end in ends.items():
        balances: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
        for claim_id, _payer, bucket, _kind, amount, posted_on in entries:
            if posted_on <= end:
                balances[(claim_id, bucket)] += amount
        for (claim_id, _bucket), amount in balances.items():
            owner = claims.get(claim_id)
            if owner is None or amount <= 0:
                continue
            old = (end - (owner.service_date or owner.created_on)).days > 90
            for key in ((owner.payer_id, month), ("all", month)):
                counts = groups.data[key]
                counts.ar_end += amount
                counts.ar_over_90 += amount if old else ZERO
    for (_payer, month), counts in groups.data.items():
        if month == "all":
            counts.days = (period_to - period_from).days + 1
        else:
            start = max(period_from, date.fromisoformat(f"{month}-01"))
            counts.days = (ends[month] - start).days + 1

    def row(payer: str, month: str) -> KpiRow:
        counts = groups.data[(payer, month)]
        values = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in vars(counts).items()}
        return KpiRow(payer_id=payer, month=month, counts=values, **counts.rates())

    keys = sorted(k for k in groups.data if k[0] != "all" and k[1] != "all")
    payers = sorted({k[0] for k in groups.data if k[0] != "all"})
    return KpiReport(
        period_from=period_from,
        period_to=period_to,
        rows=[row(p, m) for p, m in keys],
        by_payer=[row(p, "all") for p in payers],
        total=row("all", "all"),
    )
