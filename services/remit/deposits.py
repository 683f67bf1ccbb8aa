"""EFT reassociation: deposits (money at the bank) matched to 835s by trace number and amount.

A deposit comes from the API (`POST /v1/deposits`: date, amount, trace number) or a bank
file (CSV with a header: `deposit_date,amount,trace_number` and optionally `payer_id`,
`reference`). It is recorded once (a bank file imported twice records nothing new: the
same date, amount, trace and reference are the same deposit) on its own stream.

A deposit matches the remittances with its trace number (TRN02) whose payments (BPR02)
add up to its amount: one 835, or every part of a split check. Matching runs when either
side arrives, under a per-trace lock (`remit_trace_locks`), so a deposit and its 835
arriving at once still meet. What is left over is listed by `unmatched`: ERAs without
money and money without ERAs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from services.remit.commands import MatchDeposit, ReceiveDeposit
from services.remit.remittance_domain import DEPOSIT
from services.remit.tables import deposits, remittances, trace_locks
from shared.events.deposit import DepositReceived, DepositSource
from shared.kernel import UnitOfWork
from shared.money import Money

ZERO = Decimal("0.00")
MAX_BANK_FILE_ROWS = 50_000


class DepositIn(BaseModel):
    """One deposit as a client or a bank file gives it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    deposit_date: date
    amount: Money = Field(gt=0)
    trace_number: str = Field(min_length=1, max_length=50, description="TRN02 of the 835")
    payer_id: str | None = Field(default=None, min_length=1, max_length=80)
    reference: str | None = Field(default=None, min_length=1, max_length=80)

    @field_validator("trace_number", "payer_id", "reference")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is not None and any(ch < " " or ch == "\x7f" for ch in value):
            raise ValueError("must not contain control characters")
        return value


class BankFileError(ValueError):
    """The bank file cannot be read: each problem with its line."""

    def __init__(self, problems: list[tuple[int | None, str]]) -> None:
        self.problems = problems
        super().__init__(
            "bank file refused: "
            + "; ".join(f"line {line}: {why}" if line else why for line, why in problems)
        )


BANK_COLUMNS = ("deposit_date", "amount", "trace_number")
OPTIONAL_COLUMNS = ("payer_id", "reference")


def parse_bank_file(text: str) -> list[tuple[int, DepositIn]]:
    """(line, deposit) for every row of a CSV bank file; BankFileError names bad lines."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    problems: list[tuple[int | None, str]] = []
    rows: list[tuple[int, DepositIn]] = []
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise BankFileError([(None, "the file is empty")]) from None
    except csv.Error as exc:
        raise BankFileError([(1, f"not CSV ({exc})")]) from None
    missing = [c for c in BANK_COLUMNS if c not in header]
    unknown = [c for c in header if c not in BANK_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        detail = []
        if missing:
            detail.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            detail.append(f"unknown column(s) {', '.join(unknown)}")
        raise BankFileError(
            [
                (
                    1,
                    "; ".join(detail) + f" (columns: {', '.join(BANK_COLUMNS)}, "
                    f"optionally {', '.join(OPTIONAL_COLUMNS)})",
                )
            ]
        )
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_BANK_FILE_ROWS:
                raise BankFileError([(line, f"more than {MAX_BANK_FILE_ROWS} deposits")])
            if len(cells) != len(header):
                problems.append((line, f"{len(cells)} cells, the header has {len(header)}"))
                continue
            values: dict[str, Any] = {
                k: (v.strip() or None) for k, v in zip(header, cells, strict=True)
            }
            try:
                rows.append((line, DepositIn.model_validate(values)))
            except ValidationError as exc:
                for error in exc.errors():
                    field = ".".join(str(p) for p in error["loc"])
                    problems.append((line, f"{field}: {error['msg']}"))
    except csv.Error as exc:
        problems.append((reader.line_num, f"not CSV ({exc})"))
    if problems:
        raise BankFileError(problems)
    if not rows:
        raise BankFileError([(None, "the file holds no deposit")])
    return rows


def deposit_key(organization_id: str, deposit: DepositIn) -> str:
    text = "\x1f".join(
        [
            organization_id,
            deposit.trace_number,
            format(deposit.amount, "f"),
            deposit.deposit_date.isoformat(),
            deposit.reference or "",
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class DepositResult:
    deposit_id: str
    created: bool
    deposit: DepositIn
    matched_remittances: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "deposit_id": self.deposit_id,
            "created": self.created,
            "deposit_date": self.deposit.deposit_date.isoformat(),
            "amount": format(self.deposit.amount, "f"),
            "trace_number": self.deposit.trace_number,
            "payer_id": self.deposit.payer_id,
            "reference": self.deposit.reference,
            "matched": bool(self.matched_remittances),
            "remittance_ids": list(self.matched_remittances),
        }


def record_deposit(
    uow: UnitOfWork,
    organization_id: str,
    deposit: DepositIn,
    *,
    source: DepositSource,
    file_name: str | None = None,
    line_number: int | None = None,
) -> DepositResult:
    """Record a deposit (once) and try to match it; in the caller's transaction (uow bound)."""
    conn: Connection = uow.transaction
    key = deposit_key(organization_id, deposit)
    existing = conn.execute(
        sa.select(deposits.c.deposit_id).where(
            deposits.c.organization_id == organization_id, deposits.c.deposit_key == key
        )
    ).scalar_one_or_none()
    if existing is not None:
        return DepositResult(existing, False, deposit, _matched_of(conn, organization_id, existing))
    deposit_id = f"dep_{uuid.uuid4().hex}"
    event = DepositReceived(
        deposit_id=deposit_id,
        organization_id=organization_id,
        deposit_date=deposit.deposit_date,
        amount=deposit.amount,
        trace_number=deposit.trace_number,
        payer_id=deposit.payer_id,
        source=source,
        reference=deposit.reference,
        file_name=file_name,
        line_number=line_number,
    )
    uow.run(DEPOSIT, deposit_id, ReceiveDeposit(event), organization_id=organization_id)
    conn.execute(
        deposits.insert().values(
            organization_id=organization_id,
            deposit_id=deposit_id,
            deposit_key=key,
            trace_number=deposit.trace_number,
            amount=format(deposit.amount, "f"),
            deposit_date=deposit.deposit_date,
            payer_id=deposit.payer_id,
            reference=deposit.reference,
            matched=False,
            created_at=uow.clock(),
        )
    )
    reassociate(uow, organization_id, deposit.trace_number)
    return DepositResult(deposit_id, True, deposit, _matched_of(conn, organization_id, deposit_id))


def _matched_of(conn: Connection, organization_id: str, deposit_id: str) -> tuple[str, ...]:
    rows = conn.execute(
        sa.select(remittances.c.remittance_id)
        .where(
            remittances.c.organization_id == organization_id,
            remittances.c.deposit_id == deposit_id,
        )
        .order_by(remittances.c.remittance_id)
    )
    return tuple(r[0] for r in rows)


def _lock_trace(conn: Connection, organization_id: str, trace_number: str) -> None:
    """Serialise matching of one trace number until the transaction ends."""
    dialect_insert: Any = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(
        dialect_insert(trace_locks)
        .on_conflict_do_nothing()
        .values(organization_id=organization_id, trace_number=trace_number)
    )
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.select(trace_locks.c.trace_number)
            .where(
                trace_locks.c.organization_id == organization_id,
                trace_locks.c.trace_number == trace_number,
            )
            .with_for_update()
        )


def reassociate(uow: UnitOfWork, organization_id: str, trace_number: str) -> list[str]:
    """Match the unmatched deposits of a trace with its ERAs; the deposits matched."""
    conn: Connection = uow.transaction
    _lock_trace(conn, organization_id, trace_number)
    eras = [
        (row[0], Decimal(row[1]))
        for row in conn.execute(
            sa.select(remittances.c.remittance_id, remittances.c.payment_amount)
            .where(
                remittances.c.organization_id == organization_id,
                remittances.c.trace_number == trace_number,
                remittances.c.deposit_id.is_(None),
            )
            .order_by(remittances.c.created_at, remittances.c.remittance_id)
        )
        if Decimal(row[1]) > 0
    ]
    waiting = [
        (row[0], Decimal(row[1]))
        for row in conn.execute(
            sa.select(deposits.c.deposit_id, deposits.c.amount)
            .where(
                deposits.c.organization_id == organization_id,
                deposits.c.trace_number == trace_number,
                deposits.c.matched.is_(False),
            )
            .order_by(deposits.c.created_at, deposits.c.deposit_id)
        )
    ]
    matched: list[str] = []
    for deposit_id, amount in waiting:
        chosen = _pick(eras, amount)
        if chosen is None:
            continue
        ids = tuple(era_id for era_id, _ in chosen)
        uow.run(DEPOSIT, deposit_id, MatchDeposit(ids), organization_id=organization_id)
        conn.execute(
            deposits.update()
            .where(
                deposits.c.organization_id == organization_id, deposits.c.deposit_id == deposit_id
            )
            .values(matched=True)
        )
        conn.execute(
            remittances.update()
            .where(
                remittances.c.organization_id == organization_id,
                remittances.c.remittance_id.in_(ids),
            )
            .values(deposit_id=deposit_id)
        )
        eras = [e for e in eras if e[0] not in ids]
        matched.append(deposit_id)
    return matched


def _pick(eras: list[tuple[str, Decimal]], amount: Decimal) -> list[tuple[str, Decimal]] | None:
    """One ERA of exactly this amount, else all of them when together they make it."""
    for era in eras:
        if era[1] == amount:
            return [era]
    if len(eras) > 1 and sum((e[1] for e in eras), ZERO) == amount:
        return list(eras)
    return None


def unmatched(conn: Connection, organization_id: str) -> dict[str, list[dict[str, Any]]]:
    """ERAs carrying a payment that no deposit matched, and deposits no ERA matched."""
    eras = [
        {
            "remittance_id": row.remittance_id,
            "trace_number": row.trace_number,
            "payer_id": row.payer_id,
            "payer_name": row.payer_name,
            "payment_amount": row.payment_amount,
            "payment_method": row.payment_method,
            "payment_date": row.payment_date.isoformat(),
        }
        for row in conn.execute(
            sa.select(remittances)
            .where(
                remittances.c.organization_id == organization_id,
                remittances.c.deposit_id.is_(None),
            )
            .order_by(remittances.c.payment_date, remittances.c.trace_number)
        )
        if Decimal(row.payment_amount) > 0
    ]
    money = [
        {
            "deposit_id": row.deposit_id,
            "trace_number": row.trace_number,
            "amount": row.amount,
            "deposit_date": row.deposit_date.isoformat(),
            "payer_id": row.payer_id,
            "reference": row.reference,
        }
        for row in conn.execute(
            sa.select(deposits)
            .where(deposits.c.organization_id == organization_id, deposits.c.matched.is_(False))
            .order_by(deposits.c.deposit_date, deposits.c.trace_number)
        )
    ]
    return {"eras_without_money": eras, "money_without_eras": money}
