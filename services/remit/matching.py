"""Which claim of ours an 835 claim payment (CLP) pays: lookups over the claim index.

In order: the patient control number (CLP01); then the payer's claim number (CLP07, known
from its 277CA or an earlier 835); then the patient's name, the dates of service and the
charge. At each step candidates are narrowed by the payer (the claim billed to this payer,
or naming it as a next payer), then the charge, then claims not voided; a step that ends
with exactly one claim matches, one that ends with several is ambiguous and the next step
is tried. When every step fails the payment is unmatched, with the reason.

A match must agree on who the patient is, not just on money: a candidate is kept only when
the payment's member id or its patient's name is the claim's (payers correct one or the
other, rarely both). A copy of a payment naming another patient (another PCN, member id and
name) is therefore never posted to our claim because its payer claim number, charge and
dates fit: it is held unmatched for a person to decide.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
    patient_key: str
    member_id: str | None


@dataclass(frozen=True)
class ClaimMatch:
    claim_id: str | None
    matched_by: str | None
    reason: str | None = None
    candidates: tuple[str, ...] = ()
    payer_id: str | None = None  # the matched claim's payer (whose contract applies)


_COLUMNS = (
    claim_index.c.claim_id,
    claim_index.c.payer_id,
    claim_index.c.total_charge,
    claim_index.c.status,
    claim_index.c.service_from,
    claim_index.c.service_to,
    claim_index.c.patient_key,
    claim_index.c.member_id,
)


def _candidate(row: Any) -> Candidate:
    return Candidate(
        claim_id=str(row[0]),
        payer_id=str(row[1]),
        total_charge=Decimal(row[2]),
        status=str(row[3]),
        service_from=row[4],
        service_to=row[5],
        patient_key=str(row[6]),
        member_id=row[7],
    )


def _candidates(conn: Connection, query: sa.Select[Any]) -> list[Candidate]:
    return [_candidate(row) for row in conn.execute(query)]


def _member(value: str | None) -> str:
    return "".join((value or "").split()).upper()


def same_patient(candidate: Candidate, payment: ClaimPaymentRecord) -> bool:
    """The payment names the claim's patient: its member id, or its name, is the claim's.

    A payment naming neither (no NM1*QC name, no member id) cannot contradict the claim."""
    member = _member(payment.member_id)
    named = bool(payment.last_name)
    if not member and not named:
        return True
    if member and member == _member(candidate.member_id):
        return True
    return named and patient_key(payment.last_name, payment.first_name) == candidate.patient_key


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


def _settle(
    found: Sequence[Candidate], payment: ClaimPaymentRecord, payers: set[str], how: str
) -> tuple[ClaimMatch | None, list[Candidate]]:
    """One step's verdict: the one claim left (of this patient, narrowed), else those left."""
    kept = [c for c in found if same_patient(c, payment)]
    narrowed = _narrow(kept, payers, payment.charge_amount)
    if len(narrowed) == 1:
        return ClaimMatch(narrowed[0].claim_id, how, payer_id=narrowed[0].payer_id), narrowed
    return None, narrowed


def match_by_pcn(
    payment: ClaimPaymentRecord, by_pcn: Sequence[Candidate], payer_ids: Sequence[str]
) -> ClaimMatch | None:
    """The first step of `find_claim` alone, on claims already looked up: the match when the
    patient control number settles on one claim, else None (then run `find_claim`)."""
    if not by_pcn:
        return None
    return _settle(by_pcn, payment, {p for p in payer_ids if p}, "patient_control_number")[0]


def candidates_by_pcn(
    conn: Connection, organization_id: str, patient_control_numbers: Iterable[str]
) -> dict[str, list[Candidate]]:
    """The claims of many patient control numbers in one query per 500 (a chunk of an 835):
    each number maps to its claims ([] when none), to pass to `find_claim` as `by_pcn`."""
    wanted = sorted(set(patient_control_numbers))
    out: dict[str, list[Candidate]] = {pcn: [] for pcn in wanted}
    for start in range(0, len(wanted), 500):
        query = sa.select(*_COLUMNS, claim_index.c.patient_control_number).where(
            claim_index.c.organization_id == organization_id,
            claim_index.c.patient_control_number.in_(wanted[start : start + 500]),
        )
        for row in conn.execute(query):
            out[str(row[-1])].append(_candidate(row))
    return out


def find_claim(
    conn: Connection,
    organization_id: str,
    payment: ClaimPaymentRecord,
    payer_ids: Sequence[str],
    *,
    by_pcn: Sequence[Candidate] | None = None,
) -> ClaimMatch:
    """The claim a payment belongs to, or why none (or several) could be told apart.

    `by_pcn`: the claims of the payment's patient control number when already looked up
    (`candidates_by_pcn`); the first step then asks the database nothing."""
    org = claim_index.c.organization_id == organization_id
    payers = {p for p in payer_ids if p}
    charge = payment.charge_amount
    tried: list[str] = []
    ambiguous: list[str] = []

    def settle(found: list[Candidate], how: str) -> ClaimMatch | None:
        match, narrowed = _settle(found, payment, payers, how)
        if match is None:
            ambiguous.extend(c.claim_id for c in narrowed)
        return match

    pcn = payment.patient_control_number
    found = (
        list(by_pcn)
        if by_pcn is not None
        else _candidates(
            conn, sa.select(*_COLUMNS).where(org, claim_index.c.patient_control_number == pcn)
        )
    )
    if found and (match := settle(found, "patient_control_number")):
        return match
    tried.append(f"patient control number {pcn}: {_count(found, payment)}")

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
        tried.append(f"payer claim number {number}: {_count(found, payment)}")

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
        tried.append(f"patient, dates and charge: {_count(found, payment)}")
    else:
        tried.append("patient, dates and charge: the payment names no patient or dates")

    unique = tuple(dict.fromkeys(ambiguous))
    if unique:
        reason = f"{len(unique)} claims fit and none stands out ({'; '.join(tried)})"
    else:
        reason = "no claim fits: " + "; ".join(tried)
    return ClaimMatch(None, None, reason, unique)


def _count(found: list[Candidate], payment: ClaimPaymentRecord) -> str:
    if not found:
        return "no claim"
    others = sum(1 for c in found if not same_patient(c, payment))
    what = "1 claim" if len(found) == 1 else f"{len(found)} claims"
    if others:
        what += f" ({others} of another patient: member id and name differ)"
    return what
