"""Payers' answers to questions: 271 for a 270 (eligibility), 277 for a 276 (claim status).

Eligibility: a member is found unless the payer's profile says otherwise: an id that does
not match the payer's `member_id_pattern` gets AAA 72 (invalid member id), a listed unknown
member or a drawn share gets AAA 75 (subscriber not found), a listed inactive member gets
EB*6. Active members get their plan: coverage (EB*1), the deductible for the calendar year
and what remains of it (EB*C, from the claims the payer adjudicated so far), coinsurance
(EB*A), the office visit copay (EB*B) and the out-of-pocket maximum (EB*G).

Claim status: the payer looks the claim up by its payer claim number (REF*1K) or patient
control number (REF*EJ) and answers as of the answer's date: not found (A4:35), returned
at the front end (A3/A7 with the rejection's code), pending (P1:20, accepted and not yet
paid), finalized (F1:65 paid, F2:1 denied, F4:1 adjudicated with nothing to pay, F3:1
revised after a reversal or void) with the amounts and the check.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from shared.money import ZERO
from shared.x12.claim837_writing import Submitter
from shared.x12.control_numbers import ControlNumberSource
from shared.x12.envelope_writer import Party, TransactionSet, write_interchange
from shared.x12.reader import ParsedTransaction
from shared.x12.x12_271_005010X279A1.writer import Benefit, EligibilityResponse, build_271_body
from shared.x12.x12_277_005010X212.writer import ClaimStatusResponse, build_277_body
from simulator import draws
from simulator.adjudication import HUNDRED
from simulator.decisions import starting_totals
from simulator.inbound import inquiries_of_270, inquiries_of_276
from simulator.memory import Memory
from simulator.profile import Profile

__all__ = ["answer_270", "answer_276"]


def _eligibility(
    inquiry: Any, profile: Profile, seed: int, memory: Memory, as_of: date
) -> tuple[EligibilityResponse, str, str | None]:
    payer_id = inquiry.payer.payer_id
    payer = profile.payer(payer_id)
    rules = payer.eligibility
    member = inquiry.subscriber.member_id
    if rules.member_id_pattern is not None and not re.fullmatch(rules.member_id_pattern, member):
        return EligibilityResponse(inquiry, rejection_reason="72"), "rejected", "72"
    if member in rules.unknown_members or (
        draws.uniform(seed, payer_id, member, "eligibility") < rules.not_found_share
    ):
        return EligibilityResponse(inquiry, rejection_reason="75"), "rejected", "75"
    service = inquiry.service_date if inquiry.service_date != date.min else as_of
    plan_begin = date(service.year, 1, 1)
    if member in rules.inactive_members:
        inactive = (Benefit("6"),)
        return EligibilityResponse(inquiry, inactive, plan_begin), "inactive", None
    share = payer.cost_share
    key = (profile.answering_payer_id(payer_id), member, service.year)
    seen = memory.accumulator(key)
    totals = starting_totals(payer, key, seed).plus(seen.deductible_met, seen.out_of_pocket_met)
    benefits = [
        Benefit("1", plan_description=profile.payer_name(payer_id, inquiry.payer.name)[:50])
    ]
    if share.deductible:
        benefits.append(Benefit("C", time_period="23", amount=share.deductible))
        left = max(share.deductible - totals.deductible_met, ZERO)
        benefits.append(Benefit("C", time_period="29", amount=left))
    if share.coinsurance_percent:
        benefits.append(Benefit("A", percent=share.coinsurance_percent / HUNDRED))
    if share.copay:
        benefits.append(Benefit("B", service_type="98", time_period="27", amount=share.copay))
    if share.out_of_pocket_max is not None:
        benefits.append(Benefit("G", time_period="23", amount=share.out_of_pocket_max))
        left = max(share.out_of_pocket_max - totals.out_of_pocket_met, ZERO)
        benefits.append(Benefit("G", time_period="29", amount=left))
    return EligibilityResponse(inquiry, tuple(benefits), plan_begin), "active", None


def answer_270(
    parsed: ParsedTransaction,
    *,
    file_name: str,
    answer_name: str,
    reference: str,
    sender: Party,
    receiver: Party,
    usage: str,
    profile: Profile,
    seed: int,
    memory: Memory,
    created_at: datetime,
    numbers: ControlNumberSource,
) -> tuple[str, list[dict[str, Any]]]:
    """The 271 file answering one 270 transaction set, and its truth records."""
    groups: dict[tuple[str, str | None], list[EligibilityResponse]] = {}
    truth: list[dict[str, Any]] = []
    for inquiry in inquiries_of_270(parsed):
        response, answer, reason = _eligibility(inquiry, profile, seed, memory, created_at.date())
        groups.setdefault((inquiry.payer.payer_id, inquiry.provider.npi), []).append(response)
        truth.append(
            {
                "record": "eligibility",
                "version": 1,
                "file": file_name,
                "trace_number": inquiry.trace_number,
                "payer_id": inquiry.payer.payer_id,
                "member_id": inquiry.subscriber.member_id,
                "answer": answer,
                "reason": reason,
                "answered_in": answer_name,
            }
        )
    if not groups:
        return "", []
    sets = [
        TransactionSet(
            "271",
            "005010X279A1",
            build_271_body(responses, reference=reference, created_at=created_at),
        )
        for responses in groups.values()
    ]
    return _interchange(sets, "HB", sender, receiver, usage, created_at, numbers), truth


def _interchange(
    sets: list[TransactionSet],
    functional_id: str,
    sender: Party,
    receiver: Party,
    usage: str,
    created_at: datetime,
    numbers: ControlNumberSource,
) -> str:
    return write_interchange(
        sets,
        functional_id=functional_id,
        sender=sender,
        receiver=receiver,
        created_at=created_at,
        numbers=numbers,
        usage=usage,
    )


def _status(inquiry: Any, payer_id: str, memory: Memory, as_of: date) -> dict[str, Any]:
    known = None
    if inquiry.payer_claim_number:
        candidate = memory.by_payer_claim_number.get(inquiry.payer_claim_number)
        if candidate is not None and candidate.payer_id == payer_id:
            known = candidate
    if known is None and inquiry.patient_control_number:
        known = memory.latest(payer_id, inquiry.patient_control_number)
    if known is None:
        rejected = memory.rejected.get((payer_id, inquiry.patient_control_number))
        if rejected is not None:
            stage, category, status, entity = rejected
            return {"statuses": ((category, status, entity),)}
        return {"statuses": (("A4", "35", None),)}
    fields: dict[str, Any] = {
        "payer_claim_number": known.payer_claim_number,
        "charge": known.charge,
    }
    if known.paid_on is None or known.paid_on > as_of:
        return {**fields, "statuses": (("P1", "20", None),)}
    fields.update(
        adjudication_date=known.paid_on,
        check_date=known.paid_on,
        check_number=known.trace_number,
    )
    payment = known.payment
    if payment is None:
        return {**fields, "statuses": (("F3", "1", None),), "paid": ZERO}
    fields["paid"] = payment.paid
    if payment.status == "4":
        return {**fields, "statuses": (("F2", "1", None),)}
    if payment.paid <= ZERO:
        return {**fields, "statuses": (("F4", "1", None),)}
    return {**fields, "statuses": (("F1", "65", None),)}


def _receiver_of_276(parsed: ParsedTransaction, fallback: Submitter) -> Submitter:
    model: Any = parsed.model
    for source in getattr(model, "sources", ()):
        for level in source.children_levels:
            for name in level.names:
                if name.nm1.last_or_organization_name and name.nm1.identifier:
                    return Submitter(
                        name.nm1.last_or_organization_name, name.nm1.identifier, "", ""
                    )
    return fallback


def answer_276(
    parsed: ParsedTransaction,
    *,
    file_name: str,
    answer_name: str,
    reference: str,
    sender: Party,
    receiver: Party,
    usage: str,
    profile: Profile,
    memory: Memory,
    created_at: datetime,
    numbers: ControlNumberSource,
    fallback_receiver: Submitter,
) -> tuple[str, list[dict[str, Any]]]:
    """The 277 file answering one 276 transaction set, and its truth records."""
    groups: dict[str, list[ClaimStatusResponse]] = {}
    truth: list[dict[str, Any]] = []
    for inquiry in inquiries_of_276(parsed):
        payer_id = profile.answering_payer_id(inquiry.payer.payer_id)
        answer = _status(inquiry, payer_id, memory, created_at.date())
        if inquiry.service_from == date.min:
            # The 276 gave no service date: answer with the status date instead of 00010101.
            inquiry = _with_service_date(inquiry, created_at.date())
        response = ClaimStatusResponse(inquiry=inquiry, status_date=created_at.date(), **answer)
        groups.setdefault(inquiry.payer.payer_id, []).append(response)
        truth.append(
            {
                "record": "status",
                "version": 1,
                "file": file_name,
                "trace_number": inquiry.trace_number,
                "payer_id": inquiry.payer.payer_id,
                "patient_control_number": inquiry.patient_control_number,
                "payer_claim_number": answer.get("payer_claim_number"),
                "statuses": [list(s) for s in answer["statuses"]],
                "answered_in": answer_name,
            }
        )
    if not groups:
        return "", []
    submitter = _receiver_of_276(parsed, fallback_receiver)
    sets = [
        TransactionSet(
            "277",
            "005010X212",
            build_277_body(
                responses, receiver=submitter, reference=reference, created_at=created_at
            ),
        )
        for responses in groups.values()
    ]
    return _interchange(sets, "HN", sender, receiver, usage, created_at, numbers), truth


def _with_service_date(inquiry: Any, day: date) -> Any:
    return replace(inquiry, service_from=day, service_to=None)
