"""A visit's rules, pure: charges posted and reversed, discharge, and the claim it becomes.

The visit stream (`shared.events.visits`) folds into `VisitState`; `decide` answers a
message (`ApplyMessage`) or a billing (`Bill`) with events, or a `VisitRefused` naming the
FT1 at fault, so the ACK can say which segment and field. `claim_for_visit` is the claim a
visit's active charges make: 837I for an inpatient (PV1-2 = I), 837P otherwise.
No I/O, no clock (`now` and `today` are passed in).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from services.intake.hl7.message import (
    DUPLICATE_KEY,
    REQUIRED_FIELD_MISSING,
    UNKNOWN_KEY,
    ChargeIn,
    DischargeIn,
)
from shared.claim_model import Claim, ClaimKind
from shared.events.base import Event
from shared.events.claim_snapshot import Provider
from shared.events.visits import (
    VisitBilled,
    VisitChargePosted,
    VisitChargeReversed,
    VisitDetails,
    VisitDischarged,
    VisitUpdated,
)
from shared.kernel import Aggregate, DomainError

PLACE_OF_SERVICE = {"E": "23", "O": "22", "I": "21", "R": "22", "B": "22"}
"""PV1-2 patient class -> CMS place of service for a professional claim from a hospital:
emergency room (23), outpatient hospital (22), inpatient hospital (21)."""
INPATIENT_TYPE_OF_BILL = "011"  # hospital, inpatient (Part A); the frequency digit follows


class VisitRefused(DomainError):
    """A message or billing the visit's rules refuse; names the FT1 (or segment) at fault."""

    def __init__(
        self,
        rule: str,
        message: str,
        *,
        segment: str = "FT1",
        sequence: int = 1,
        field: int | None = None,
        code: str = UNKNOWN_KEY,
    ) -> None:
        super().__init__(rule, message)
        self.segment, self.sequence, self.field, self.code = segment, sequence, field, code


@dataclass(frozen=True)
class Charge:
    posted: VisitChargePosted
    reversed: bool = False


@dataclass(frozen=True)
class VisitState:
    visit_id: str
    details: VisitDetails | None = None
    charges: tuple[Charge, ...] = ()
    discharged: bool = False
    discharged_on: date | None = None
    discharge_status: str | None = None
    billed_claim_id: str | None = None

    @classmethod
    def empty(cls, visit_id: str) -> VisitState:
        return cls(visit_id)

    @property
    def active_charges(self) -> tuple[VisitChargePosted, ...]:
        return tuple(c.posted for c in self.charges if not c.reversed)

    def charge(self, transaction_id: str) -> Charge | None:
        return next((c for c in self.charges if c.posted.transaction_id == transaction_id), None)


@dataclass(frozen=True)
class ApplyMessage:
    trigger: str
    control_id: str
    details: VisitDetails
    charges: tuple[ChargeIn, ...] = ()
    discharge: DischargeIn | None = None


@dataclass(frozen=True)
class Bill:
    claim_id: str
    kind: ClaimKind
    reason: str  # discharge, bill_hold
    total_charge: Decimal


Command = ApplyMessage | Bill


def apply(state: VisitState, event: Event) -> VisitState:
    match event:
        case VisitUpdated(details=details):
            return replace(state, details=details)
        case VisitChargePosted():
            return replace(state, charges=(*state.charges, Charge(event)))
        case VisitChargeReversed(transaction_id=transaction_id):
            return replace(
                state,
                charges=tuple(
                    replace(c, reversed=True) if c.posted.transaction_id == transaction_id else c
                    for c in state.charges
                ),
            )
        case VisitDischarged():
            return replace(
                state,
                discharged=True,
                discharged_on=event.discharged_on,
                discharge_status=event.discharge_status,
            )
        case VisitBilled(claim_id=claim_id):
            return replace(state, billed_claim_id=claim_id)
    return state


def decide(state: VisitState, command: Command, now: datetime) -> list[Event]:
    match command:
        case ApplyMessage():
            return _apply_message(state, command)
        case Bill():
            active = state.active_charges
            if state.billed_claim_id is not None:
                raise VisitRefused(
                    "billed",
                    "the visit is already billed",
                    segment="PV1",
                    field=19,
                    code=DUPLICATE_KEY,
                )
            if not active:
                raise VisitRefused(
                    "no-charges",
                    "the visit has no charges to bill",
                    segment="FT1",
                    code=REQUIRED_FIELD_MISSING,
                )
            return [
                VisitBilled(
                    visit_id=state.visit_id,
                    claim_id=command.claim_id,
                    kind=command.kind.value,
                    reason=command.reason,
                    charges=len(active),
                    total_charge=command.total_charge,
                )
            ]
    raise TypeError(f"not a visit command: {command!r}")


def _apply_message(state: VisitState, command: ApplyMessage) -> list[Event]:
    visit_id, control_id = state.visit_id, command.control_id
    if state.billed_claim_id is not None and command.charges:
        raise VisitRefused(
            "billed",
            "the visit was billed already (claim made on discharge or after its bill hold); "
            "late charges go on a new visit number",
            sequence=command.charges[0].sequence,
            field=2,
            code=DUPLICATE_KEY,
        )
    events: list[Event] = [
        VisitUpdated(
            visit_id=visit_id,
            trigger=command.trigger,
            message_control_id=control_id,
            details=merged(state.details, command.details),
        )
    ]
    posted = {c.posted.transaction_id: c for c in state.charges}
    for charge in command.charges:
        transaction_id = charge.transaction_id or f"{control_id}-{charge.sequence}"
        known = posted.get(transaction_id)
        if charge.reversal:
            if known is None:
                raise VisitRefused(
                    "reversal",
                    "FT1-2 names no charge posted to this visit",
                    sequence=charge.sequence,
                    field=2,
                )
            if known.reversed:
                raise VisitRefused(
                    "reversal",
                    "FT1-2 names a charge already reversed",
                    sequence=charge.sequence,
                    field=2,
                    code=DUPLICATE_KEY,
                )
            if charge.amount is not None and charge.amount != known.posted.amount:
                raise VisitRefused(
                    "reversal",
                    "FT1-11 differs from the charge it reverses",
                    sequence=charge.sequence,
                    field=11,
                )
            events.append(
                VisitChargeReversed(
                    visit_id=visit_id,
                    transaction_id=transaction_id,
                    message_control_id=control_id,
                    amount=known.posted.amount,
                )
            )
            posted[transaction_id] = replace(known, reversed=True)
            continue
        if known is not None:
            raise VisitRefused(
                "duplicate",
                "FT1-2 transaction id was posted already",
                sequence=charge.sequence,
                field=2,
                code=DUPLICATE_KEY,
            )
        assert charge.amount is not None
        event = VisitChargePosted(
            visit_id=visit_id,
            transaction_id=transaction_id,
            message_control_id=control_id,
            service_date=charge.service_date,
            transaction_code=charge.transaction_code,
            procedure_code=charge.procedure_code,
            modifiers=charge.modifiers,
            revenue_code=charge.revenue_code,
            units=charge.units,
            amount=charge.amount,
            diagnosis_codes=charge.diagnosis_codes,
            performed_by=charge.performed_by,
        )
        events.append(event)
        posted[transaction_id] = Charge(event)
    if command.discharge is not None:
        events.append(
            VisitDischarged(
                visit_id=visit_id,
                message_control_id=control_id,
                discharged_on=command.discharge.discharged_on,
                discharge_status=command.discharge.discharge_status,
            )
        )
    return events


def merged(known: VisitDetails | None, sent: VisitDetails) -> VisitDetails:
    """What the visit is after a message: the message's patient and visit fields; insurance,
    diagnoses, procedures and attending as before when the message carries none (a DFT
    usually sends PID and PV1 only)."""
    if known is None:
        return sent
    return sent.model_copy(
        update={
            "coverages": sent.coverages or known.coverages,
            "diagnoses": sent.diagnoses or known.diagnoses,
            "procedures": sent.procedures or known.procedures,
            **{
                name: getattr(known, name)
                for name in ("attending", "admitted_on", "admission_type", "admission_source")
                if getattr(sent, name) is None
            },
        }
    )


VISIT: Aggregate[VisitState, Command] = Aggregate(
    name="visit", initial=VisitState.empty, apply=apply, decide=decide
)


class NotBillable(ValueError):
    """The visit cannot become a claim yet; says what is missing (and which segment)."""

    def __init__(self, segment: str, field: int | None, reason: str) -> None:
        super().__init__(reason)
        self.segment, self.field, self.reason = segment, field, reason


def kind_of(state: VisitState) -> ClaimKind:
    inpatient = state.details is not None and state.details.patient_class == "I"
    return ClaimKind.INSTITUTIONAL if inpatient else ClaimKind.PROFESSIONAL


def claim_for_visit(state: VisitState, billing: Provider | None) -> Claim:
    """The claim of the visit's active charges (837I inpatient, 837P otherwise)."""
    details = state.details
    if details is None:
        raise NotBillable("PID", None, "no ADT or DFT has described the visit's patient")
    if not details.coverages:
        raise NotBillable("IN1", 3, "the visit has no insurance (IN1) to bill")
    charges = state.active_charges
    if not charges:
        raise NotBillable("FT1", None, "the visit has no charges to bill")
    kind = kind_of(state)
    ordered = sorted(details.diagnoses, key=lambda d: (d.priority is None, d.priority or 0))
    admitting = next((d.code for d in ordered if d.kind == "A"), None)
    codes: list[str] = []
    for diagnosis in ordered:
        if diagnosis.kind != "A" and diagnosis.code not in codes:
            codes.append(diagnosis.code)
    for charge in charges:
        for code in charge.diagnosis_codes:
            if code not in codes:
                codes.append(code)
    place = PLACE_OF_SERVICE.get(details.patient_class) if kind is ClaimKind.PROFESSIONAL else None
    lines = []
    for number, charge in enumerate(charges, 1):
        pointers = tuple(codes.index(c) + 1 for c in charge.diagnosis_codes if c in codes)[:4]
        lines.append(
            {
                "line_number": number,
                "procedure_code": charge.procedure_code,
                "modifiers": charge.modifiers,
                "revenue_code": charge.revenue_code,
                "units": charge.units,
                "charge": charge.amount,
                "diagnosis_pointers": pointers or (1,),
                "service_date": charge.service_date,
                "place_of_service": place,
                "rendering_provider": _provider(charge.performed_by)
                if kind is ClaimKind.PROFESSIONAL
                else None,
            }
        )
    primary, *others = details.coverages
    responsibility = "PSTABCDEFGH"
    service_dates = [c.service_date for c in charges]
    values: dict[str, Any] = {
        "kind": kind,
        "patient_control_number": details.patient_control_number,
        "total_charge": sum((c.amount for c in charges), Decimal("0.00")),
        "place_of_service": place,
        "billing_provider": _provider(billing),
        "attending_provider": _provider(details.attending)
        if kind is ClaimKind.INSTITUTIONAL
        else None,
        "rendering_provider": _provider(charges[0].performed_by or details.attending)
        if kind is ClaimKind.PROFESSIONAL
        else None,
        "payer": primary.payer.model_dump(),
        "subscriber": primary.subscriber.model_dump(),
        "patient": details.patient.model_dump() if primary.relationship.value != "18" else None,
        "relationship": primary.relationship.value,
        "diagnoses": tuple(codes),
        "admitting_diagnosis": admitting if kind is ClaimKind.INSTITUTIONAL else None,
        "other_payers": tuple(
            {
                "payer": c.payer.model_dump(),
                "responsibility": responsibility[position],
                "subscriber": c.subscriber.model_dump(),
                "relationship": c.relationship.value,
            }
            for position, c in enumerate(others, 1)
        ),
        "lines": tuple(lines),
    }
    if kind is ClaimKind.INSTITUTIONAL:
        values |= {
            "type_of_bill": INPATIENT_TYPE_OF_BILL,
            "admission_date": details.admitted_on,
            "admission_type": details.admission_type,
            "admission_source": details.admission_source,
            "discharge_status": state.discharge_status,
            "statement_from": details.admitted_on or min(service_dates),
            "statement_to": state.discharged_on or max(service_dates),
        }
    return Claim.model_validate({k: v for k, v in values.items() if v is not None})


def _provider(provider: Provider | None) -> dict[str, Any] | None:
    return provider.model_dump(exclude_none=True) if provider is not None else None
