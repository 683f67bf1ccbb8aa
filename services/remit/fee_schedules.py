"""Contracts: per-payer fee schedules that say what each service should be allowed.

A fee schedule is YAML (or the same JSON) with the payer's rates per procedure (and
modifiers, or revenue code) and their effective dates:

    name: Sunshine Mutual PPO 2026
    tolerance: "1.00"            # optional: overrides REMIT_UNDERPAYMENT_TOLERANCE
    rates:
      - {procedure: "99213", rate: "92.50", effective_from: 2026-01-01}
      - {procedure: "97110", modifiers: [GP], rate: "31.00", effective_from: 2026-01-01,
         effective_to: 2026-12-31}
      - {revenue_code: "0450", rate: "400.00", effective_from: 2026-01-01}

The rate is per unit; the expected allowed amount of a line is rate x units, never more
than the line's charge (payers allow the lesser of the two). Rates with modifiers apply to
lines carrying exactly those modifiers (in any order); a rate without modifiers to the
rest. Two rates for the same service whose dates overlap are refused, naming both lines.
Stored per organization and payer in `remit_fee_schedules` (`PUT /v1/payers/{id}/
fee-schedule`, `revcycle remit fee-schedule load`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy.engine import Connection

from services.remit.tables import fee_schedules
from shared.money import Money
from shared.scrubber.yaml_marks import YamlStructureError, line_of, load_with_lines


class FeeScheduleError(ValueError):
    """The fee schedule is unusable: each problem with its line (YAML) or field path (JSON)."""

    def __init__(self, source: str, problems: list[tuple[int | None, str]]) -> None:
        self.source = source
        self.problems = problems
        text = "; ".join(f"line {line}: {reason}" if line else reason for line, reason in problems)
        super().__init__(f"fee schedule {source} refused: {text}")


class Rate(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    procedure: str | None = Field(default=None, min_length=1, max_length=48)
    modifiers: tuple[str, ...] = Field(default=(), max_length=4)
    revenue_code: str | None = Field(default=None, min_length=1, max_length=10)
    rate: Money = Field(gt=0, description="Allowed per unit")
    effective_from: date
    effective_to: date | None = None

    @model_validator(mode="after")
    def _what(self) -> Rate:
        if (self.procedure is None) == (self.revenue_code is None):
            raise ValueError("a rate names either a procedure or a revenue code")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        return self

    @property
    def key(self) -> tuple[str, frozenset[str]]:
        if self.procedure is not None:
            return (f"P:{self.procedure.upper()}", frozenset(m.upper() for m in self.modifiers))
        return (f"R:{self.revenue_code}", frozenset())

    def covers(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


class FeeSchedule(BaseModel):
    """One payer's contract."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    payer_id: str | None = Field(default=None, min_length=1, max_length=80)
    name: str = Field(default="", max_length=200)
    tolerance: Money | None = Field(default=None, ge=0)
    rates: tuple[Rate, ...] = Field(min_length=1, max_length=50_000)

    def overlaps(self) -> list[tuple[int, int]]:
        """Pairs of rate indexes for the same service whose dates overlap."""
        by_key: dict[tuple[str, frozenset[str]], list[int]] = {}
        for index, rate in enumerate(self.rates):
            by_key.setdefault(rate.key, []).append(index)
        found = []
        for indexes in by_key.values():
            ordered = sorted(indexes, key=lambda i: self.rates[i].effective_from)
            for a, b in zip(ordered, ordered[1:], strict=False):
                end = self.rates[a].effective_to
                if end is None or end >= self.rates[b].effective_from:
                    found.append((a, b))
        return found

    def expected(
        self,
        *,
        procedure: str | None,
        modifiers: tuple[str, ...],
        revenue_code: str | None,
        units: Decimal,
        charge: Decimal,
        on: date,
    ) -> Decimal | None:
        """The contracted allowed amount of one line, or None when the contract has no rate."""
        rate = self.rate_for(procedure, modifiers, revenue_code, on)
        if rate is None:
            return None
        return min(rate.rate * units, charge).quantize(Decimal("0.01"))

    def rate_for(
        self, procedure: str | None, modifiers: tuple[str, ...], revenue_code: str | None, on: date
    ) -> Rate | None:
        wanted = []
        if procedure:
            wanted.append((f"P:{procedure.upper()}", frozenset(m.upper() for m in modifiers)))
            wanted.append((f"P:{procedure.upper()}", frozenset()))
        if revenue_code:
            wanted.append((f"R:{revenue_code}", frozenset()))
        for key in wanted:
            for rate in self.rates:
                if rate.key == key and rate.covers(on):
                    return rate
        return None


def parse_fee_schedule(text: str, source: str = "<fee schedule>") -> FeeSchedule:
    """A fee schedule from YAML (or JSON) text; FeeScheduleError names each problem's line."""
    try:
        data, lines = load_with_lines(text)
    except YamlStructureError as exc:
        raise FeeScheduleError(source, [(exc.line, exc.reason)]) from exc
    if not isinstance(data, dict):
        raise FeeScheduleError(source, [(1, "a fee schedule is a mapping (name, rates...)")])
    try:
        schedule = FeeSchedule.model_validate(data)
    except ValidationError as exc:
        raise FeeScheduleError(
            source,
            [
                (
                    line_of(lines, e["loc"]),
                    f"{_key(e['loc'])}: {e['msg'].removeprefix('Value error, ')}",
                )
                for e in exc.errors()
            ],
        ) from None
    overlaps = schedule.overlaps()
    if overlaps:
        raise FeeScheduleError(
            source,
            [
                (
                    line_of(lines, ("rates", b)),
                    f"rates[{b}] overlaps rates[{a}] (line {line_of(lines, ('rates', a))}): "
                    "the same service with overlapping effective dates",
                )
                for a, b in overlaps
            ],
        )
    return schedule


def _key(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "fee schedule"


# --- storage ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredFeeSchedule:
    payer_id: str
    schedule: FeeSchedule
    updated_at: datetime
    updated_by: str


def save_fee_schedule(
    conn: Connection,
    organization_id: str,
    payer_id: str,
    schedule: FeeSchedule,
    *,
    updated_by: str,
    at: datetime | None = None,
) -> StoredFeeSchedule:
    """Store (replace) the payer's fee schedule for the organization."""
    at = at or datetime.now(UTC)
    document = json.loads(schedule.model_copy(update={"payer_id": payer_id}).model_dump_json())
    key = (fee_schedules.c.organization_id == organization_id) & (
        fee_schedules.c.payer_id == payer_id
    )
    conn.execute(fee_schedules.delete().where(key))
    conn.execute(
        fee_schedules.insert().values(
            organization_id=organization_id,
            payer_id=payer_id,
            document=document,
            updated_at=at,
            updated_by=updated_by,
        )
    )
    return StoredFeeSchedule(payer_id, FeeSchedule.model_validate(document), at, updated_by)


def find_fee_schedule(
    conn: Connection, organization_id: str, payer_id: str
) -> StoredFeeSchedule | None:
    row = conn.execute(
        sa.select(fee_schedules).where(
            fee_schedules.c.organization_id == organization_id,
            fee_schedules.c.payer_id == payer_id,
        )
    ).first()
    if row is None:
        return None
    m = row._mapping
    return StoredFeeSchedule(
        payer_id=m["payer_id"],
        schedule=FeeSchedule.model_validate(m["document"]),
        updated_at=m["updated_at"],
        updated_by=m["updated_by"],
    )
