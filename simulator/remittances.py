"""835s as payers send them: one per check or EFT, with provider adjustments and split checks.

Claim payments due the same day from one payer to one payee (billing provider NPI), for one
submitter, form a check. A check may carry a provider-level adjustment (PLB: WO overpayment
recovery, L6 interest, FB forwarding balance) and may be split across two 835 files that
share its trace number (TRN02), each balancing on its own. A check whose claims net to less
than zero (a reversal larger than what it pays) carries the difference forward as a
negative FB, so BPR02 is never below zero, as payers do.

The project's 835 writer has no fields for a crossover carrier or claim-level remarks, so
this module adds NM1*TT and MOA/MIA to the written claim loops (2100), where the guide puts
them: after the claim's names, before its dates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shared.claim_model import Address
from shared.claim_model import Adjustment as CasTriple
from shared.money import CENT, ZERO, format_money
from shared.x12.control_numbers import ControlNumberSource
from shared.x12.envelope_writer import Party, TransactionSet, write_interchange
from shared.x12.segments import Segment, segment
from shared.x12.x12_835_005010X221A1.writer import (
    IMPLEMENTATION,
    ClaimPayment,
    ProviderAdjustment,
    Remittance,
    ServicePayment,
    build_835_body,
)
from simulator import draws
from simulator.adjudication import ClaimAdjudication
from simulator.inbound import Adjustment, SubmittedClaim
from simulator.memory import Memory
from simulator.profile import PayerBehaviour, Profile, Rule

__all__ = ["Placement", "RemitFile", "build_remittances", "CLP06_CODES"]

# CLP06 claim filing indicators the 835 guide lists; SBR09 codes outside it are mapped.
CLP06_CODES = frozenset("12 13 14 15 16 17 AM CH DS HM LM MA MB MC OF TV VA WC ZZ".split())
_COMMERCIAL = frozenset({"CI", "BL", "11"})
_NAME_SAFE = re.compile(r"[^A-Za-z0-9]+")
_ST02 = re.compile(r"^ST\*835\*([0-9]+)", re.MULTILINE)


@dataclass(slots=True)
class Placement:
    """One claim payment waiting for its check, and where its truth goes."""

    claim: SubmittedClaim
    payment: ClaimAdjudication
    payment_date: date
    received: date
    rule: Rule | None
    remittance_ref: dict[str, Any]  # filled in when the check is written (truth.TruthRemittanceRef)


@dataclass(slots=True)
class RemitFile:
    """One written 835 file and its truth."""

    name: str
    text: str
    payment_date: date
    truth: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class _Check:
    payer_id: str
    payer_name: str
    payer: PayerBehaviour
    payee_npi: str
    sender: Party
    receiver: Party
    payment_date: date
    usage: str
    placements: list[Placement] = field(default_factory=list)


def _clp06(claim: SubmittedClaim, payer: PayerBehaviour) -> str:
    if payer.claim_filing_indicator is not None and payer.claim_filing_indicator in CLP06_CODES:
        return payer.claim_filing_indicator
    code = claim.claim_filing_indicator
    if code in CLP06_CODES:
        return code
    return "12" if code in _COMMERCIAL or not code else "ZZ"


def _cas(adjustments: Sequence[Adjustment]) -> tuple[CasTriple, ...]:
    # model_construct: the amounts are the adjudication's own two-place Decimals, already
    # checked; validating a quarter of a million of them would double the 835 writing time.
    return tuple(
        CasTriple.model_construct(group=a.group, reason=a.reason, amount=a.amount, quantity=None)
        for a in adjustments
    )


def _claim_payment(placement: Placement, payer: PayerBehaviour) -> ClaimPayment:
    claim, payment = placement.claim, placement.payment
    services = tuple(
        ServicePayment(
            charge=line.charge,
            paid=line.paid,
            procedure_code=line.line.procedure_code,
            modifiers=line.line.modifiers,
            revenue_code=line.line.revenue_code,
            units=line.line.units,
            service_date=line.line.service_date,
            adjustments=_cas(line.adjustments),
            allowed=line.allowed if line.allowed else None,
            remarks=line.remarks,
            line_control_number=line.line.control_number,
        )
        for line in payment.lines
    )
    return ClaimPayment(
        patient_control_number=claim.patient_control_number,
        status=payment.status,
        charge=payment.charge,
        paid=payment.paid,
        payer_claim_number=payment.payer_claim_number,
        patient_last_name=claim.patient.last_name,
        patient_first_name=claim.patient.first_name,
        member_id=claim.member_id or "UNKNOWN",
        patient_responsibility=payment.patient_responsibility,
        claim_filing_indicator=_clp06(claim, payer),
        facility_type_code=claim.facility_code or ("13" if claim.institutional else "11"),
        frequency=claim.frequency,
        adjustments=_cas(payment.claim_adjustments),
        services=services,
        statement_from=claim.service_from,
        statement_to=claim.service_to,
        received_date=placement.received,
    )


def _with_claim_extras(body: list[Segment], placements: Sequence[Placement]) -> list[Segment]:
    """Add NM1*TT (crossover carrier) and MOA/MIA (claim remarks) to each claim loop."""
    out: list[Segment] = []
    index = -1
    pending: list[Segment] = []
    for seg in body:
        if seg.id == "CLP":
            index += 1
            extras: list[Segment] = []
            placement = placements[index]
            payment = placement.payment
            if payment.crossover_to is not None:
                payer_id, name = payment.crossover_to
                extras.append(
                    segment("NM1", "TT", "2", name, None, None, None, None, "PI", payer_id)
                )
            remarks = list(payment.claim_remarks)
            if remarks and placement.claim.institutional:
                # MIA05 holds one claim payment remark; MIA01 (covered days) is required.
                extras.append(segment("MIA", "0", None, None, None, remarks[0]))
            elif remarks:
                extras.append(segment("MOA", None, None, *remarks[:5]))
            out.append(seg)
            pending = extras
            continue
        if pending and seg.id not in ("CAS", "NM1"):
            out.extend(pending)
            pending = []
        out.append(seg)
    out.extend(pending)
    return out


def _provider_adjustment(
    check: _Check, claims_paid: Decimal, trace: str, seed: int
) -> ProviderAdjustment | None:
    forced = next(
        (
            p.rule.provider_adjustment
            for p in check.placements
            if p.rule and p.rule.provider_adjustment
        ),
        None,
    )
    choices = check.payer.provider_adjustments
    if forced is not None:
        choice = next((c for c in choices if c.reason == forced), None)
        low, high = (choice.min_percent, choice.max_percent) if choice else (Decimal(1), Decimal(5))
        reason = forced
    else:
        if (
            not choices
            or draws.uniform(seed, trace, "plb") >= check.payer.shares.provider_adjustment
        ):
            return None
        picked = choices[draws.choose([c.weight for c in choices], seed, trace, "plb reason")]
        low, high, reason = picked.min_percent, picked.max_percent, picked.reason
    if claims_paid <= ZERO:
        return None
    percent = draws.percent_between(low, high, seed, trace, "plb percent")
    amount = max((claims_paid * percent / 100).quantize(CENT), CENT)
    amount = min(amount, claims_paid)
    if reason == "L6":
        # Interest on a claim paid late: an addition to the payment (negative PLB amount).
        reference = next(
            (p.payment.payer_claim_number for p in check.placements if p.payment.paid > 0),
            None,
        )
        return ProviderAdjustment("L6", -amount, reference)
    # WO recovers an earlier overpayment (its claim's number); FB nets a forward balance.
    return ProviderAdjustment(reason, amount, draws.digits(11, seed, trace, "plb reference"))


def _trace(check: _Check, seed: int, batch_key: str, memory: Memory, received: date) -> str:
    width = 15 if check.payer.payment_method == "ACH" else 8
    # Days after receipt, not the date: the same files answered at another --as-of keep
    # their trace numbers (only dates follow --as-of).
    offset = str((check.payment_date - received).days)
    salt = 0
    while True:
        trace = draws.digits(
            width, seed, batch_key, check.payer_id, check.payee_npi, check.sender.id,
            check.receiver.id, offset, str(salt),
        )  # fmt: skip
        if trace not in memory.used_numbers and not trace.startswith("0"):
            memory.used_numbers.add(trace)
            return trace
        salt += 1


@dataclass(frozen=True, slots=True)
class _Run:
    """What every check of one batch is written with."""

    seed: int
    batch_key: str
    memory: Memory
    created_at: dict[date, datetime]  # payment date -> the 835's creation time
    numbers_for: Callable[[str], ControlNumberSource]


def build_remittances(
    placements: Sequence[Placement],
    *,
    profile: Profile,
    seed: int,
    batch_key: str,
    memory: Memory,
    created_at: dict[date, datetime],
    numbers_for: Callable[[str], ControlNumberSource],
) -> list[RemitFile]:
    """Every check of these placements, written as 835 files (split checks as two)."""
    run = _Run(seed, batch_key, memory, created_at, numbers_for)
    checks: dict[tuple[Any, ...], _Check] = {}
    for placement in placements:
        claim = placement.claim
        payer_id = profile.answering_payer_id(claim.payer_id)
        payee = claim.billing_provider.npi or "0000000000"
        sender, receiver = claim.envelope.answer_sender, claim.envelope.answer_receiver
        key = (payer_id, payee, sender, receiver, placement.payment_date)
        check = checks.get(key)
        if check is None:
            check = checks[key] = _Check(
                payer_id=payer_id,
                payer_name=profile.payer_name(claim.payer_id, claim.payer_name),
                payer=profile.payer(claim.payer_id),
                payee_npi=payee,
                sender=sender,
                receiver=receiver,
                payment_date=placement.payment_date,
                usage=claim.envelope.usage,
            )
        check.placements.append(placement)
    files: list[RemitFile] = []
    ordered = sorted(
        checks.values(), key=lambda c: (c.payment_date, c.payer_id, c.payee_npi, c.receiver.id)
    )
    for check in ordered:
        files += _write_check(check, run)
    return files


def _write_check(check: _Check, run: _Run) -> list[RemitFile]:
    seed = run.seed
    trace = _trace(check, seed, run.batch_key, run.memory, check.placements[0].received)
    placements = check.placements
    split = len(placements) > 1 and (
        any(p.rule is not None and p.rule.split_check for p in placements)
        or draws.uniform(seed, trace, "split") < check.payer.shares.split_check
    )
    parts = (
        [placements[: len(placements) // 2], placements[len(placements) // 2 :]]
        if split
        else [placements]
    )
    payments = [sum((p.payment.paid for p in part), ZERO) for part in parts]
    adjustments: list[list[ProviderAdjustment]] = [[] for _ in parts]
    plb = _provider_adjustment(check, payments[-1], trace, seed)
    if plb is not None:
        adjustments[-1].append(plb)
    for index, paid in enumerate(payments):
        net = paid - sum((a.amount for a in adjustments[index]), ZERO)
        if net < ZERO:
            adjustments[index].append(
                ProviderAdjustment("FB", net, draws.digits(11, seed, trace, "fb", str(index)))
            )
    totals = [
        paid - sum((a.amount for a in adj), ZERO)
        for paid, adj in zip(payments, adjustments, strict=True)
    ]
    check_total = sum(totals, ZERO)
    first = placements[0].claim
    payee = first.billing_provider
    payer = check.payer
    address = Address(
        line1=payer.address.line1,
        city=payer.address.city,
        state=payer.address.state,
        postal_code=payer.address.postal_code,
    )
    safe_payer = _NAME_SAFE.sub("", check.payer_id) or "PAYER"
    stem = f"{safe_payer}-{check.payment_date:%Y%m%d}-{trace}"
    out = []
    for index, part in enumerate(parts):
        name = f"{stem}-part{index + 1}of{len(parts)}.835" if split else f"{stem}.835"
        method = payer.payment_method if totals[index] != ZERO else "NON"
        remittance = Remittance(
            payer_name=check.payer_name,
            payer_tax_id=payer.tax_id,
            payer_address=address,
            payer_contact_phone=payer.phone,
            payee_name=payee.organization_name
            or " ".join(filter(None, (payee.first_name, payee.last_name)))
            or "PAYEE",
            payee_npi=check.payee_npi,
            payment_date=check.payment_date,
            trace_number=trace,
            claims=tuple(_claim_payment(p, payer) for p in part),
            payee_address=payee.address,
            payee_tax_id=payee.tax_id,
            payer_id=check.payer_id,
            payment_method=payer.payment_method,
            provider_adjustments=tuple(adjustments[index]),
            production_date=check.payment_date,
        )
        body = _with_claim_extras(build_835_body(remittance), part)
        # Keyed without the date: another --as-of changes the 835's dates, not its numbers.
        numbers = run.numbers_for(f"835/{check.payer_id}/{trace}/{index}")
        text = write_interchange(
            [TransactionSet("835", IMPLEMENTATION, body, write_st03=False)],
            functional_id="HP",
            sender=check.sender,
            receiver=check.receiver,
            created_at=run.created_at[check.payment_date],
            numbers=numbers,
            usage=check.usage,
        )
        st02 = _ST02.search(text)
        part_number = index + 1 if split else None
        for placement in part:
            placement.remittance_ref.update(
                file=name,
                trace_number=trace,
                payment_date=check.payment_date,
                payment_method=method,
                part=part_number,
            )
        truth = {
            "record": "remittance",
            "version": 1,
            "file": name,
            "transaction_set_control_number": st02.group(1) if st02 else "",
            "payer_id": check.payer_id,
            "payer_name": check.payer_name,
            "payee_npi": check.payee_npi,
            "payment_date": check.payment_date,
            "payment_method": method,
            "trace_number": trace,
            "amount": format_money(totals[index]),
            "claims_paid": format_money(payments[index]),
            "provider_adjustments": [
                {"reason": a.reason, "reference": a.reference, "amount": format_money(a.amount)}
                for a in adjustments[index]
            ],
            "split": (
                {"part": index + 1, "of": len(parts), "check_total": format_money(check_total)}
                if split
                else None
            ),
            "claims": [
                {
                    "patient_control_number": p.claim.patient_control_number,
                    "payer_claim_number": p.payment.payer_claim_number,
                    "status": p.payment.status,
                    "paid": format_money(p.payment.paid),
                }
                for p in part
            ],
        }
        out.append(RemitFile(name, text, check.payment_date, [truth]))
    return out
