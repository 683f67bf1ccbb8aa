"""The intake claim: one model for a professional or institutional claim, from any source.

JSON, FHIR and X12 837 inputs are all translated to this model at the intake edge; the
scrubber judges it, the 837 writers write it, and `claim.created` carries it. It checks
structure only (types, money as two-place Decimal, required identity): business rules
(valid NPI, billable ICD-10 code, lines summing to the total) are the scrubber's edits, so
a claim with such problems is still accepted and held with a named reason, never lost.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

# The one money type of the code base (shared.money), re-exported for the claim's users.
from shared.money import CENT as CENT
from shared.money import Money as Money
from shared.money import to_money as to_money


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
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


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

    @field_validator("modifiers")
    @classmethod
    def _upper_modifiers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(m.upper() for m in value)


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

    @field_validator("diagnoses")
    @classmethod
    def _normalise_diagnoses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(code.replace(".", "").upper() for code in value)

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
