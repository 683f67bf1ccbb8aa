"""Claim snapshot v1: the claim as `claim.created` (v1, v2) and `claim.corrected` (v1) carry it.

A frozen contract, not the live intake model: `shared.claim_model.Claim` (what the API and
the 837/FHIR readers build) may grow or tighten, and this module does not change with it.
The classes keep the names they were published under (`Claim`, `ServiceLine`, ...), so the
checked-in JSON Schemas of those events stay exactly as subscribers know them. A claim with
new fields travels in a new snapshot version, carried by a new event version with an
upcaster; this file is never edited in place.

Intake builds a snapshot with `snapshot_v1(claim)`; a service that needs the live model
back (to scrub it or write an 837) uses `claim_from_snapshot(snapshot)`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from shared.money import Money

if TYPE_CHECKING:
    from shared.claim_model import Claim as LiveClaim


class ClaimKind(StrEnum):
    PROFESSIONAL = "professional"  # 837P, CMS-1500
    INSTITUTIONAL = "institutional"  # 837I, UB-04


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"
    UNKNOWN = "U"


class Relationship(StrEnum):
    """Patient's relationship to the subscriber (X12 individual relationship code, SBR02/PAT01)."""

    SELF = "18"
    SPOUSE = "01"
    CHILD = "19"
    EMPLOYEE = "20"
    UNKNOWN = "21"
    ORGAN_DONOR = "39"
    CADAVER_DONOR = "40"
    LIFE_PARTNER = "53"
    OTHER = "G8"


class Frequency(StrEnum):
    """Claim frequency type code (CLM05-3)."""

    ORIGINAL = "1"
    REPLACEMENT = "7"
    VOID = "8"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Address(_Model):
    line1: str
    line2: str | None = None
    city: str
    state: str = Field(description="Two-letter state or province code")
    postal_code: str = Field(description="ZIP (5 or 9 digits)")
    country: str | None = None


class Person(_Model):
    last_name: str
    first_name: str | None = None
    middle_name: str | None = None
    suffix: str | None = None
    birth_date: date | None = None
    sex: Sex | None = None
    address: Address | None = None


class Subscriber(Person):
    member_id: str = Field(description="Payer's member identifier (NM109, qualifier MI)")
    group_number: str | None = None
    group_name: str | None = None


class Provider(_Model):
    """A billing, rendering, referring, attending or service-facility provider."""

    npi: str | None = None
    organization_name: str | None = None
    last_name: str | None = None
    first_name: str | None = None
    taxonomy: str | None = None
    tax_id: str | None = Field(default=None, description="EIN (9 digits) for the billing provider")
    address: Address | None = None


class Payer(_Model):
    payer_id: str = Field(description="Payer identifier as the clearinghouse knows it (NM109, PI)")
    name: str
    claim_filing_indicator: str = Field(
        default="CI", description="SBR09: CI commercial, MB Medicare B, MA Medicare A, MC Medicaid…"
    )
    address: Address | None = None


class Adjustment(_Model):
    """A CAS triple: group (CO/PR/OA/PI/CR), CARC reason, amount (and units)."""

    group: str
    reason: str
    amount: Money
    quantity: Decimal | None = None


class PriorLineAdjudication(_Model):
    """Loop 2430: what a prior payer did with one service line."""

    line_number: int = Field(ge=1)
    procedure_code: str
    paid_amount: Money
    paid_units: Decimal = Decimal("1")
    adjudication_date: date
    adjustments: tuple[Adjustment, ...] = ()


class OtherPayer(_Model):
    """Loops 2320/2330: another payer on the claim, and (for COB) what it already paid."""

    payer: Payer
    responsibility: str = Field(default="P", description="SBR01 of that payer: P, S, T…")
    subscriber: Subscriber
    relationship: Relationship = Relationship.SELF
    paid_amount: Money | None = None
    adjudication_date: date | None = None
    claim_adjustments: tuple[Adjustment, ...] = ()
    line_adjudications: tuple[PriorLineAdjudication, ...] = ()


class ServiceLine(_Model):
    line_number: int = Field(ge=1)
    procedure_code: str | None = Field(default=None, description="CPT/HCPCS code (SV101-2/SV202-2)")
    modifiers: tuple[str, ...] = Field(default=(), max_length=4)
    revenue_code: str | None = Field(default=None, description="Institutional only (SV201)")
    units: Decimal = Decimal("1")
    unit_type: str = Field(default="UN", description="UN units, MJ minutes (anesthesia)")
    charge: Money
    diagnosis_pointers: tuple[int, ...] = Field(default=(1,), max_length=4)
    service_date: date | None = None
    service_date_end: date | None = None
    place_of_service: str | None = None
    ndc: str | None = None
    rendering_provider: Provider | None = None


class Claim(_Model):
    """One claim as intake receives it, before scrubbing."""

    claim_id: str | None = Field(default=None, description="Our id; assigned at intake if absent")
    organization_id: str | None = None
    kind: ClaimKind = ClaimKind.PROFESSIONAL
    patient_control_number: str = Field(min_length=1, max_length=38, description="CLM01")
    frequency: Frequency = Frequency.ORIGINAL
    original_payer_claim_number: str | None = Field(
        default=None, description="REF*F8: required for replacement (7) and void (8)"
    )
    total_charge: Money = Field(description="CLM02: must equal the sum of line charges")
    place_of_service: str | None = Field(default=None, description="Professional: CLM05-1")
    type_of_bill: str | None = Field(
        default=None, description="Institutional: facility type + classification, e.g. '011'"
    )
    billing_provider: Provider | None = None
    rendering_provider: Provider | None = None
    referring_provider: Provider | None = None
    attending_provider: Provider | None = None
    service_facility: Provider | None = None
    payer: Payer
    subscriber: Subscriber
    patient: Person | None = Field(
        default=None, description="Absent when the patient is the subscriber"
    )
    relationship: Relationship = Relationship.SELF
    diagnoses: tuple[str, ...] = Field(
        default=(), description="ICD-10-CM codes, principal first, without the dot"
    )
    admitting_diagnosis: str | None = None
    drg: str | None = Field(default=None, description="Institutional: DRG code (HI*DR)")
    admission_date: date | None = None
    admission_type: str | None = None
    admission_source: str | None = None
    discharge_status: str | None = None
    statement_from: date | None = None
    statement_to: date | None = None
    onset_date: date | None = None
    prior_authorization: str | None = None
    referral_number: str | None = None
    accept_assignment: bool = True
    signature_on_file: bool = True
    other_payers: tuple[OtherPayer, ...] = ()
    lines: tuple[ServiceLine, ...] = Field(min_length=1)
    received_at: date | None = Field(default=None, description="Date the office received it")

    @property
    def patient_person(self) -> Person:
        """The patient: the subscriber themselves when no separate patient is given."""
        return self.patient if self.patient is not None else self.subscriber

    @property
    def line_total(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal("0.00"))

    @property
    def first_service_date(self) -> date | None:
        dates = [line.service_date for line in self.lines if line.service_date]
        if self.statement_from:
            dates.append(self.statement_from)
        return min(dates) if dates else None


ClaimSnapshotV1 = Claim
"""The name the event modules use for this version's claim."""


def snapshot_v1(claim: LiveClaim) -> ClaimSnapshotV1:
    """The v1 snapshot of a live claim.

    Absent (None) values are left out, so a newer optional field nobody filled in does not
    matter; a field v1 does not know that carries a value is refused (extra="forbid"): that
    claim needs a newer snapshot version, never a silent drop.
    """
    return ClaimSnapshotV1.model_validate(claim.model_dump(mode="json", exclude_none=True))


def claim_from_snapshot(snapshot: ClaimSnapshotV1) -> LiveClaim:
    """The live claim model for a recorded snapshot (to scrub it or write it as an 837)."""
    from shared.claim_model import Claim as LiveClaim

    return LiveClaim.model_validate(snapshot.model_dump(mode="json"))
