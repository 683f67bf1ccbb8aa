"""Which claim of ours an 835 claim payment (CLP) pays: lookups over the claim index.

In order: the patient control number (CLP01); then the payer's claim number (CLP07, known
from its 277CA or an earlier 835); then the patient's name, the dates of service and the
charge. At each step candidates are narrowed by the payer (the claim billed to this payer,
or naming it as a next payer), then the charge, then claims not voided; a step that ends
with exactly one claim matches, one that ends with several is ambiguous and the next step
is tried. When every step fails the payment is unmatched, with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.remit.projections import patient_key
from services.remit.tables import claim_index, claim_numbers
from shared.events.remittance import ClaimPaymentRecord


@dataclass(frozen=True)
class Candidate:
    claim_id: str
    payer_id: str
    total_charge: Decimal
    status: str
    service_from: date | None
    service_to: date | None


@dataclass(frozen=True)
class ClaimMatch:
    claim_id: str | None
    matched_by: str | None
    reason: str | None = None
    candidates: tuple[str, ...] = ()


_COLUMNS = (
    claim_index.c.claim_id,
    claim_index.c.payer_id,
    claim_index.c.total_charge,
    claim_index.c.status,
    claim_index.c.service_from,
    claim_index.c.service_to,
)


def _candidates(conn: Connection, query: sa.Select[Any]) -> list[Candidate]:
    return [
        Candidate(
            claim_id=str(row[0]),
            payer_id=str(row[1]),
            total_charge=Decimal(row[2]),
            status=str(row[3]),
            service_from=row[4],
            service_to=row[5],
        )
        for row in conn.execute(query)
    ]


def _narrow(found: list[Candidate], payer_ids: set[str], charge: Decimal) -> list[Candidate]:
    """Keep the claims that fit best: this payer, this charge, not voided (each if any do)."""
    for keep in (
        lambda c: c.payer_id in payer_ids,
        lambda c: c.total_charge == abs(charge),
        lambda c: c.status != "voided",
    ):
        narrowed = [c for c in found if keep(c)]
        if narrowed:
            found = narrowed
    return found


def _dates(payment: ClaimPaymentRecord) -> tuple[date | None, date | None]:
    days = [d for d in (payment.statement_from, payment.statement_to) if d]
    for line in payment.lines:
        days += [d for d in (line.service_date, line.service_date_end) if d]
    return (min(days), max(days)) if days else (None, None)


def find_claim(
    conn: Connection,
    organization_id: str,
    payment: ClaimPaymentRecord,
    payer_ids: Sequence[str],
) -> ClaimMatch:
    """The claim a payment belongs to, or why none (or several) could be told apart."""
    org = claim_index.c.organization_id == organization_id
    payers = {p for p in payer_ids if p}
    charge = payment.charge_amount
    tried: list[str] = []
    ambiguous: list[str] = []

    def settle(found: list[Candidate], how: str) -> ClaimMatch | None:
        narrowed = _narrow(found, payers, charge)
        if len(narrowed) == 1:
            return ClaimMatch(narrowed[0].claim_id, how)
        if len(narrowed) > 1:
            ambiguous.extend(c.claim_id for c in narrowed)
        return None

    pcn = payment.patient_control_number
    found = _candidates(
        conn, sa.select(*_COLUMNS).where(org, claim_index.c.patient_control_number == pcn)
    )
    if found and (match := settle(found, "patient_control_number")):
        return match
    tried.append(f"patient control number {pcn}: {_count(found)}")

    number = payment.payer_claim_number
    if number:
        query = (
            sa.select(*_COLUMNS)
            .join(
                claim_numbers,
                (claim_numbers.c.organization_id == claim_index.c.organization_id)
                & (claim_numbers.c.claim_id == claim_index.c.claim_id),
            )
            .where(org, claim_numbers.c.payer_claim_number == number)
        )
        found = _candidates(conn, query)
        if found and (match := settle(found, "payer_claim_number")):
            return match
        tried.append(f"payer claim number {number}: {_count(found)}")

    start, end = _dates(payment)
    key = patient_key(payment.last_name, payment.first_name)
    if payment.last_name and start is not None:
        query = sa.select(*_COLUMNS).where(
            org,
            claim_index.c.patient_key == key,
            claim_index.c.total_charge == format(abs(charge), "f"),
        )
        found = [
            c
            for c in _candidates(conn, query)
            if c.service_from is not None
            and c.service_to is not None
            and c.service_from <= (end or start)
            and start <= c.service_to
        ]
        if found and (match := settle(found, "patient_dates_charge")):
            return match
        tried.append(f"patient, dates and charge: {_count(found)}")
    else:
        tried.append("patient, dates and charge: the payment names no patient or dates")

    unique = tuple(dict.fromkeys(ambiguous))
    if unique:
        reason = f"{len(unique)} claims fit and none stands out ({'; '.join(tried)})"
    else:
        reason = "no claim fits: " + "; ".join(tried)
    return ClaimMatch(None, None, reason, unique)


def _count(found: list[Candidate]) -> str:
    return "no claim" if not found else f"{len(found)} claims"
