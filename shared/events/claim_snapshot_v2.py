"""Claim snapshot v2: the claim as `claim.created` v3 and `claim.amended` v2 carry it.

v1 (`shared.events.claim_snapshot`, frozen, never edited) could not say what hospitals put
on an inpatient bill. v2 is v1 plus the institutional fields of the UB-04 / 837I: admission
and discharge hours, present-on-admission indicators, principal and other ICD-10-PCS
procedures with dates, occurrence codes and spans, value and condition codes, operating
physicians. Every v1 claim is a valid v2 claim (each new field is optional), so the
upcasters from `claim.created` v2 and `claim.amended` v1 pass the snapshot through as is.

The parts v2 did not change (addresses, people, payer, lines, other payers) are v1's own
classes, reused: they are frozen already. Like v1, this module is a contract: a claim with
yet more fields travels in a v3 snapshot, in a new module, and this file is not edited.

Intake builds one with `snapshot_v2(claim)`; `claim_from_snapshot_v2(snapshot)` gives the
live model back (to scrub it or write it as an 837).
"""

from __future__ import annotations

import datetime as dt
from datetime import date, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.events.claim_snapshot import (
    ClaimKind,
    ClaimSnapshotV1,
    Frequency,
    OtherPayer,
    Payer,
    Person,
    Provider,
    Relationship,
    ServiceLine,
    Subscriber,
)
from shared.money import Money

if TYPE_CHECKING:
    from shared.claim_model import Claim as LiveClaim


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IcdProcedure(_Model):
    """An inpatient procedure (ICD-10-PCS) and the day it was performed."""

    code: str
    date: dt.date | None = None  # the field's name hides the type here: dt.date


class OccurrenceCode(_Model):
    """A UB-04 occurrence code and its date."""

    code: str
    date: dt.date


class OccurrenceSpan(_Model):
    """A UB-04 occurrence span code and its period."""

    code: str
    start: date
    end: date


class ValueCode(_Model):
    """A UB-04 value code and its amount."""

    code: str
    amount: Money


class Claim(_Model):
    """One claim as intake received it (v2: with the institutional claim's UB-04 fields)."""

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
    operating_provider: Provider | None = Field(
        default=None, description="Institutional: operating physician (NM1*72)"
    )
    other_operating_provider: Provider | None = Field(
        default=None, description="Institutional: other operating physician (NM1*ZZ)"
    )
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
    present_on_admission: tuple[str | None, ...] | None = Field(
        default=None,
        description="One indicator per diagnosis, in the order of `diagnoses` (null: exempt)",
    )
    admitting_diagnosis: str | None = None
    drg: str | None = Field(default=None, description="Institutional: DRG code (HI*DR)")
    principal_procedure: IcdProcedure | None = Field(
        default=None, description="Institutional: principal ICD-10-PCS procedure (HI*BBR)"
    )
    other_procedures: tuple[IcdProcedure, ...] | None = Field(
        default=None, description="Institutional: other ICD-10-PCS procedures (HI*BBQ)"
    )
    occurrence_codes: tuple[OccurrenceCode, ...] | None = None
    occurrence_spans: tuple[OccurrenceSpan, ...] | None = None
    value_codes: tuple[ValueCode, ...] | None = None
    condition_codes: tuple[str, ...] | None = None
    admission_date: date | None = None
    admission_hour: time | None = Field(default=None, description="Hour and minute of admission")
    admission_type: str | None = None
    admission_source: str | None = None
    discharge_status: str | None = Field(default=None, description="Patient status (CL103)")
    discharge_hour: time | None = Field(default=None, description="Hour and minute of discharge")
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

    @model_validator(mode="before")
    @classmethod
    def _from_v1(cls, data: Any) -> Any:
        # A v1 snapshot is a v2 snapshot without the new fields (what the upcasters rely
        # on), so code that still builds one with `snapshot_v1` gets a valid v2 claim.
        if isinstance(data, ClaimSnapshotV1):
            return data.model_dump(mode="json", exclude_none=True)
        return data

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


ClaimSnapshotV2 = Claim
"""The name the event modules use for this version's claim."""


def snapshot_v2(claim: LiveClaim) -> ClaimSnapshotV2:
    """The v2 snapshot of a live claim.

    Absent (None) values are left out, so a newer optional field nobody filled in does not
    matter; a field v2 does not know that carries a value is refused (extra="forbid"): that
    claim needs a newer snapshot version, never a silent drop.
    """
    return ClaimSnapshotV2.model_validate(claim.model_dump(mode="json", exclude_none=True))


def claim_from_snapshot_v2(snapshot: ClaimSnapshotV2 | ClaimSnapshotV1) -> LiveClaim:
    """The live claim model for a recorded snapshot of either version."""
    from shared.claim_model import Claim as LiveClaim

    return LiveClaim.model_validate(snapshot.model_dump(mode="json", exclude_none=True))
