"""What a 271 says about each inquiry, pure: active or not, plan dates, money, AAA reasons.

A 271 answers each subscriber (2000C) or dependent (2000D) level under the TRN*2 that
echoes our 270's TRN*1; a rejection at the payer or provider level (AAA in 2000A, 2100A,
2100B) answers every inquiry of the 270, found by BHT03, which echoes ours.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from shared.money import MoneyError, to_money
from shared.x12.x12_271_005010X279A1.models import AaaSegment, Transaction271

ACTIVE = frozenset({"1", "2", "3", "4", "5"})
INACTIVE = {
    "6": "inactive",
    "7": "inactive, pending eligibility update",
    "8": "inactive, pending investigation",
}

REJECT_REASONS = {
    # AAA03 (Reject Reason Code), 005010X279A1.
    "04": "Authorized quantity exceeded",
    "15": "Required application data missing",
    "33": "Input errors",
    "35": "Out of network",
    "41": "Authorization/access restrictions",
    "42": "Unable to respond at current time",
    "43": "Invalid/missing provider identification",
    "44": "Invalid/missing provider name",
    "45": "Invalid/missing provider specialty",
    "46": "Invalid/missing provider phone number",
    "47": "Invalid/missing provider state",
    "48": "Invalid/missing referring provider identification number",
    "49": "Provider is not primary care physician",
    "50": "Provider ineligible for inquiries",
    "51": "Provider not on file",
    "52": "Service dates not within provider plan enrollment",
    "53": "Inquired benefit inconsistent with provider type",
    "54": "Inappropriate product/service ID qualifier",
    "55": "Inappropriate product/service ID",
    "56": "Inappropriate date",
    "57": "Invalid/missing date(s) of service",
    "58": "Invalid/missing date-of-birth",
    "60": "Date of birth follows date(s) of service",
    "61": "Date of death precedes date(s) of service",
    "62": "Date of service not within allowable inquiry period",
    "63": "Date of service in future",
    "64": "Invalid/missing patient ID",
    "65": "Invalid/missing patient name",
    "66": "Invalid/missing patient gender code",
    "67": "Patient not found",
    "68": "Duplicate patient ID number",
    "69": "Inconsistent with patient's age",
    "70": "Inconsistent with patient's gender",
    "71": "Patient birth date does not match that for the patient on the database",
    "72": "Invalid/missing subscriber/insured ID",
    "73": "Invalid/missing subscriber/insured name",
    "74": "Invalid/missing subscriber/insured gender code",
    "75": "Subscriber/insured not found",
    "76": "Duplicate subscriber/insured ID number",
    "77": "Subscriber found, patient not found",
    "78": "Subscriber/insured not in group/plan identified",
    "79": "Invalid participant identification",
    "80": "No response received - transaction terminated",
    "97": "Invalid or missing provider address",
    "98": "Experimental service or procedure",
    "AA": "Authorization number not found",
    "AE": "Requires primary care physician authorization",
    "AF": "Invalid/missing diagnosis code(s)",
    "AG": "Invalid/missing procedure code(s)",
    "AO": "Additional patient condition information required",
    "CI": "Certification information does not match patient",
    "E8": "Requires medical review",
    "IA": "Invalid authorization number format",
    "MA": "Missing authorization",
    "T4": "Payer name or identifier missing",
}


@dataclass(frozen=True)
class Rejection:
    code: str
    description: str
    follow_up: str | None
    level: str


@dataclass(frozen=True)
class Answer:
    """The payer's answer to one inquiry (by trace number), or to all of a 270 (reference)."""

    trace_number: str | None
    reference: str | None  # BHT03, for rejections at the payer or provider level
    rejections: tuple[Rejection, ...] = ()
    active: bool | None = None
    inactive_reason: str | None = None
    plan_name: str | None = None
    plan_begin: date | None = None
    plan_end: date | None = None
    copay: Decimal | None = None
    coinsurance: Decimal | None = None
    deductible: Decimal | None = None
    deductible_remaining: Decimal | None = None
    out_of_pocket_remaining: Decimal | None = None
    problems: tuple[str, ...] = field(default=())  # amounts we could not read as money

    @property
    def rejected(self) -> bool:
        return bool(self.rejections)

    def to_json(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, Decimal | date):
                return str(value)
            return value

        return {
            "active": self.active,
            "inactive_reason": self.inactive_reason,
            "plan_name": self.plan_name,
            "plan_begin": plain(self.plan_begin),
            "plan_end": plain(self.plan_end),
            "copay": plain(self.copay),
            "coinsurance": plain(self.coinsurance),
            "deductible": plain(self.deductible),
            "deductible_remaining": plain(self.deductible_remaining),
            "out_of_pocket_remaining": plain(self.out_of_pocket_remaining),
            "rejections": [
                {
                    "code": r.code,
                    "description": r.description,
                    "follow_up": r.follow_up,
                    "level": r.level,
                }
                for r in self.rejections
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], trace_number: str | None) -> Answer:
        """The answer `to_json` stored (intake's cache), for another claim of the same visit."""

        def day(value: Any) -> date | None:
            return date.fromisoformat(value) if value is not None else None

        def number(value: Any) -> Decimal | None:
            return Decimal(value) if value is not None else None

        return cls(
            trace_number=trace_number,
            reference=None,
            rejections=tuple(Rejection(**r) for r in data.get("rejections", [])),
            active=data.get("active"),
            inactive_reason=data.get("inactive_reason"),
            plan_name=data.get("plan_name"),
            plan_begin=day(data.get("plan_begin")),
            plan_end=day(data.get("plan_end")),
            copay=number(data.get("copay")),
            coinsurance=number(data.get("coinsurance")),
            deductible=number(data.get("deductible")),
            deductible_remaining=number(data.get("deductible_remaining")),
            out_of_pocket_remaining=number(data.get("out_of_pocket_remaining")),
        )


def _rejections(segments: list[AaaSegment], level: str) -> tuple[Rejection, ...]:
    return tuple(
        Rejection(
            code=s.reject_reason,
            description=REJECT_REASONS.get(s.reject_reason, "reject reason not in X279A1"),
            follow_up=s.follow_up_action or None,
            level=level,
        )
        for s in segments
        if s.reject_reason
    )


def answers_of(transaction: Transaction271) -> Iterator[Answer]:
    """Every answer a 271 transaction holds, in order."""
    reference = transaction.bht.reference if transaction.bht is not None else None
    for source in transaction.sources:
        found = list(_rejections(getattr(source, "requests_rejected", []), "2000A"))
        for source_name in source.source_name:
            found += _rejections(source_name.requests_rejected, "2100A")
        for receiver in source.receivers:
            level = list(found)
            for receiver_name in receiver.receiver_name:
                level += _rejections(receiver_name.requests_rejected, "2100B")
            if level:
                yield Answer(trace_number=None, reference=reference, rejections=tuple(level))
            for subscriber in receiver.subscribers:
                yield from _person_answers(subscriber, reference)
        if found and not source.receivers:
            yield Answer(trace_number=None, reference=reference, rejections=tuple(found))


def _person_answers(subscriber: Any, reference: str | None) -> Iterator[Answer]:
    for level, names in ((subscriber, subscriber.subscriber_name),):
        trace = _trace(level)
        if trace is not None and names:
            yield _answer(names[0], trace, reference, "2100C")
    for dependent in subscriber.dependents:
        trace = _trace(dependent) or _trace(subscriber)
        if trace is not None and dependent.dependent_name:
            yield _answer(dependent.dependent_name[0], trace, reference, "2100D")


def _trace(level: Any) -> str | None:
    for trn in level.traces:
        if trn.type_code == "2" and trn.reference:
            return str(trn.reference)
    return None


def _answer(name: Any, trace: str, reference: str | None, level: str) -> Answer:
    rejections = list(_rejections(name.requests_rejected, level))
    for benefit in name.benefits:
        rejections += _rejections(benefit.requests_rejected, level.replace("2100", "2110"))
    if rejections:
        return Answer(trace_number=trace, reference=reference, rejections=tuple(rejections))
    values: dict[str, Any] = {}
    problems: list[str] = []
    for dtp in name.dates:
        _plan_dates(dtp, values)
    for benefit in name.benefits:
        eb = benefit.eb
        code = str(eb.information)
        for dtp in benefit.dates:
            _plan_dates(dtp, values)
        if code in ACTIVE and values.get("active") is None:
            values["active"] = True
            values["plan_name"] = eb.plan_description or None
        elif code in INACTIVE and values.get("active") is None:
            values["active"] = False
            values["inactive_reason"] = INACTIVE[code]
        elif code == "B" and eb.amount is not None and "copay" not in values:
            values["copay"] = _money(eb.amount, "EB*B copay", problems)
        elif code == "A" and eb.percent is not None and "coinsurance" not in values:
            values["coinsurance"] = eb.percent
        elif code == "C" and eb.amount is not None:
            key = "deductible_remaining" if eb.time_period == "29" else "deductible"
            values.setdefault(key, _money(eb.amount, "EB*C deductible", problems))
        elif code == "G" and eb.amount is not None and eb.time_period == "29":
            values.setdefault(
                "out_of_pocket_remaining", _money(eb.amount, "EB*G out of pocket", problems)
            )
    return Answer(trace_number=trace, reference=reference, problems=tuple(problems), **values)


def _plan_dates(dtp: Any, values: dict[str, Any]) -> None:
    if dtp.qualifier in ("346", "291", "292") and dtp.start is not None:
        values.setdefault("plan_begin", dtp.start)
        if dtp.format == "RD8" and dtp.end is not None:
            values.setdefault("plan_end", dtp.end)
    elif dtp.qualifier == "347" and dtp.start is not None:
        values.setdefault("plan_end", dtp.start)


def _money(value: Decimal, what: str, problems: list[str]) -> Decimal | None:
    try:
        return to_money(value)
    except MoneyError as exc:
        problems.append(f"{what}: {exc}")
        return None
