"""Visit events: a hospital visit's charges as they arrive over HL7 v2, until they become a claim.

A visit (PV1-19, the hospital's visit or account number) is its own stream, written only by
intake: ADT messages register and update it (patient, class, insurance, diagnoses), DFT^P03
messages post charges (FT1) and reverse them (FT1-6 = CR), a discharge (A03) or the end of
the bill hold turns the charges into a claim (`visit.billed`, and `claim.created` on the
claim's own stream). The stream id is intake's (`vis_` + 32 hex digits), never the visit
number itself, which is a patient identifier; the visit number travels as
`patient_control_number` (so the reporting topic drops it, as for claims).

Parties reuse the frozen claim snapshot v1 models (`shared.events.claim_snapshot`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar

from pydantic import Field

from shared.events.base import Event, Money, Part
from shared.events.claim_snapshot import Payer, Person, Provider, Relationship, Subscriber
from shared.events.ownership import Service


class VisitCoverage(Part):
    """One insurance of the visit (IN1), in payer order (IN1-1: 1 primary, 2 secondary...)."""

    sequence: int = Field(ge=1)
    payer: Payer
    subscriber: Subscriber
    relationship: Relationship = Relationship.SELF


class VisitDiagnosis(Part):
    """A DG1: ICD-10-CM code (no dot), its priority (DG1-15) and type (DG1-6: A, W, F)."""

    code: str
    priority: int | None = None
    kind: str | None = None


class VisitProcedure(Part):
    """A PR1: procedure code (PR1-3), its coding system and date."""

    code: str
    system: str | None = None
    performed_on: date | None = None


class VisitDetails(Part):
    """What the ADT and DFT messages say about the visit (each update carries all of it)."""

    patient_control_number: str = Field(description="PV1-19 visit number (CLM01 of its claim)")
    patient_class: str = Field(description="PV1-2: I inpatient (837I), O, E, R... (837P)")
    patient: Person
    coverages: tuple[VisitCoverage, ...] = ()
    diagnoses: tuple[VisitDiagnosis, ...] = ()
    procedures: tuple[VisitProcedure, ...] = ()
    attending: Provider | None = None
    admitted_on: date | None = Field(default=None, description="PV1-44")
    admission_type: str | None = Field(default=None, description="PV1-4, as UB-04 code")
    admission_source: str | None = Field(default=None, description="PV1-14, as UB-04 code")


class VisitUpdated(Event):
    """An ADT (A01, A04, A08, A03) or DFT message told intake who, where and which insurance."""

    event_type: ClassVar[str] = "visit.updated"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.INTAKE
    stream_field: ClassVar[str] = "visit_id"

    visit_id: str
    trigger: str = Field(description="MSH-9 event: A01, A04, A08, A03, P03")
    message_control_id: str = Field(description="MSH-10 of the message")
    details: VisitDetails


class VisitChargePosted(Event):
    """An FT1 charge (FT1-6 = CG) posted to the visit."""

    event_type: ClassVar[str] = "visit.charge_posted"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.INTAKE
    stream_field: ClassVar[str] = "visit_id"

    visit_id: str
    transaction_id: str = Field(description="FT1-2 (or MSH-10 and FT1-1 when absent)")
    message_control_id: str
    service_date: date = Field(description="FT1-4")
    transaction_code: str = Field(description="FT1-7: the hospital's chargemaster code")
    procedure_code: str | None = Field(default=None, description="FT1-25 CPT/HCPCS")
    modifiers: tuple[str, ...] = Field(default=(), description="FT1-26")
    revenue_code: str | None = Field(default=None, description="FT1-7 when coded as NUBC")
    units: Decimal = Field(description="FT1-10")
    amount: Money = Field(description="FT1-11 extended amount (or FT1-12 x FT1-10)")
    diagnosis_codes: tuple[str, ...] = Field(default=(), description="FT1-19")
    performed_by: Provider | None = Field(default=None, description="FT1-20")


class VisitChargeReversed(Event):
    """An FT1 credit (FT1-6 = CR) cancelled the charge with the same transaction id."""

    event_type: ClassVar[str] = "visit.charge_reversed"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.INTAKE
    stream_field: ClassVar[str] = "visit_id"

    visit_id: str
    transaction_id: str = Field(description="FT1-2 of the charge it cancels")
    message_control_id: str
    amount: Money = Field(description="The cancelled charge's amount")


class VisitDischarged(Event):
    """An A03 discharged the patient: the visit is billed with it."""

    event_type: ClassVar[str] = "visit.discharged"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.INTAKE
    stream_field: ClassVar[str] = "visit_id"

    visit_id: str
    message_control_id: str
    discharged_on: date | None = Field(default=None, description="PV1-45")
    discharge_status: str | None = Field(default=None, description="PV1-36, as UB-04 code")


class VisitBilled(Event):
    """The visit's charges became a claim (on discharge, or when its bill hold ended)."""

    event_type: ClassVar[str] = "visit.billed"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.INTAKE
    stream_field: ClassVar[str] = "visit_id"

    visit_id: str
    claim_id: str
    kind: str = Field(description="institutional (837I) or professional (837P)")
    reason: str = Field(description="discharge or bill_hold")
    charges: int = Field(ge=1, description="Charges on the claim (reversed ones left out)")
    total_charge: Money
