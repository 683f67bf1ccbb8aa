"""The intake claim: one model for a professional or institutional claim, from any source.

JSON, FHIR and X12 837 inputs are all translated to this model at the intake edge; the
scrubber judges it, the 837 writers write it, and `claim.created` carries it. It checks
structure only: types, money as two-place Decimal, required identity, and bounds that keep
every value inside the X12 element it becomes and the read-model column that stores it
(docs/api-limits.md). Business rules (valid NPI, billable ICD-10 code, lines summing to the
total) are the scrubber's edits, so a claim with such problems is still accepted and held
with a named reason, never lost.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from shared.ids import CLAIM_ID_PATTERN, ORGANIZATION_ID_PATTERN

# The one money type of the code base (shared.money), re-exported for the claim's users.
from shared.money import CENT as CENT
from shared.money import Money as Money
from shared.money import to_money as to_money

# --- bounds ------------------------------------------------------------------------------------
# Every bound below is the smaller of the X12 element the value becomes (005010X222A1 /
# X223A2: "AN 1/60" is NM103) and the read-model column that stores it, so whatever intake
# accepts can be projected and written as an 837. The reasons are in docs/api-limits.md.

MAX_AMOUNT = Decimal("9999999999.99")
MAX_AMOUNT_FLOAT = float(MAX_AMOUNT)
"""Largest amount of any money field: X12 R 1/18 carries more; the read model's NUMERIC(14,2)
holds 12 integer digits, and 10 leave room for an account's sum over many claims."""

MAX_LINES = {"professional": 50, "institutional": 999}
"""Service lines per claim: loop 2400 repeats 50 times in 837P, 999 in 837I."""

MAX_DIAGNOSES = 25
"""837I: principal (ABK) + two HI of 12 ABF; 837P's 12 is the scrubber's edit (DX011)."""

MAX_HI_CODES = 24  # two HI segments of 12 codes each (occurrence, span, value, condition)
MAX_OTHER_PROCEDURES = 24  # two HI segments of 12 BBQ codes
MAX_LINE_NUMBER = 999_999  # LX01 is N0 1/6
MAX_OTHER_PAYERS = 10  # loop 2320 repeats 10 times
MAX_ADJUSTMENTS = 30  # five CAS segments (one per group code) of six triples
EARLIEST_DATE = date(1900, 1, 1)  # D8 is CCYYMMDD; older dates are typing errors
LATEST_DATE = date(2099, 12, 31)

X12_DELIMITERS = "~*:^"
"""Segment, element, component and repetition separators our 837 writers use."""


def x12_text(value: str) -> str:
    """A value an X12 element can carry: printable ASCII without our delimiters.

    Messages name the rule, never the value (it may be patient data).
    """
    if value.isascii() and value.isprintable() and not any(ch in X12_DELIMITERS for ch in value):
        return value  # the common case, checked at C speed
    for ch in value:
        if ch < " " or "\x7f" <= ch <= "\x9f":
            raise ValueError("must not contain control characters (such as NUL or line breaks)")
        if "\ud800" <= ch <= "\udfff":
            raise ValueError("must be valid Unicode text (no lone surrogate code points)")
        if ch in X12_DELIMITERS:
            raise ValueError(f"must not contain the X12 delimiters {' '.join(X12_DELIMITERS)}")
        if not ch.isascii():
            raise ValueError(
                "must be ASCII, the X12 character set (spell accented letters without accents)"
            )
    return value


_TEXT = AfterValidator(x12_text)
# What the OpenAPI says of every text field: printable ASCII without the delimiters, so a
# client (or a schema-driven fuzzer) knows before sending what `x12_text` will accept.
_TEXT_SCHEMA = Field(json_schema_extra={"pattern": r"^[ -)+-9;-\]_-}]*$"})

# X12 "AN min/max" elements (string lengths after stripping surrounding spaces).
AN1_2 = Annotated[str, StringConstraints(min_length=1, max_length=2), _TEXT, _TEXT_SCHEMA]
AN1_4 = Annotated[str, StringConstraints(min_length=1, max_length=4), _TEXT, _TEXT_SCHEMA]
AN1_10 = Annotated[str, StringConstraints(min_length=1, max_length=10), _TEXT, _TEXT_SCHEMA]
AN1_20 = Annotated[str, StringConstraints(min_length=1, max_length=20), _TEXT, _TEXT_SCHEMA]
AN1_25 = Annotated[str, StringConstraints(min_length=1, max_length=25), _TEXT, _TEXT_SCHEMA]
AN1_30 = Annotated[str, StringConstraints(min_length=1, max_length=30), _TEXT, _TEXT_SCHEMA]
AN1_35 = Annotated[str, StringConstraints(min_length=1, max_length=35), _TEXT, _TEXT_SCHEMA]
AN1_38 = Annotated[str, StringConstraints(min_length=1, max_length=38), _TEXT, _TEXT_SCHEMA]
AN1_48 = Annotated[str, StringConstraints(min_length=1, max_length=48), _TEXT, _TEXT_SCHEMA]
AN1_50 = Annotated[str, StringConstraints(min_length=1, max_length=50), _TEXT, _TEXT_SCHEMA]
AN1_55 = Annotated[str, StringConstraints(min_length=1, max_length=55), _TEXT, _TEXT_SCHEMA]
AN1_60 = Annotated[str, StringConstraints(min_length=1, max_length=60), _TEXT, _TEXT_SCHEMA]
AN2_3 = Annotated[str, StringConstraints(min_length=2, max_length=3), _TEXT, _TEXT_SCHEMA]
AN2_30 = Annotated[str, StringConstraints(min_length=2, max_length=30), _TEXT, _TEXT_SCHEMA]
AN2_80 = Annotated[str, StringConstraints(min_length=2, max_length=80), _TEXT, _TEXT_SCHEMA]
AN3_15 = Annotated[str, StringConstraints(min_length=3, max_length=15), _TEXT, _TEXT_SCHEMA]

# X12 "ID" elements: codes from a code list (the scrubber judges the list itself).
Code1 = Annotated[str, StringConstraints(to_upper=True, pattern=r"^[A-Z0-9]$")]
Code1_2 = Annotated[str, StringConstraints(to_upper=True, pattern=r"^[A-Z0-9]{1,2}$")]
Code2 = Annotated[str, StringConstraints(to_upper=True, pattern=r"^[A-Z0-9]{2}$")]
Code1_5 = Annotated[str, StringConstraints(to_upper=True, pattern=r"^[A-Z0-9]{1,5}$")]

Amount = Annotated[
    Money,
    Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "number",
                    "minimum": -MAX_AMOUNT_FLOAT,
                    "maximum": MAX_AMOUNT_FLOAT,
                    "multipleOf": 0.01,
                },
                {"type": "string", "pattern": r"^-?[0-9]{1,10}(\.[0-9]{1,2})?$"},
            ],
        }
    ),
]
"""Money within what an 837 and the read model carry (the scrubber judges the sign)."""

Quantity = Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=3)]
"""Units (SV104/SV205, R 1/15): at most 15 digits, 3 of them decimals."""

ClaimDate = Annotated[date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]

OrganizationId = Annotated[str, StringConstraints(pattern=ORGANIZATION_ID_PATTERN)]
ClaimId = Annotated[str, StringConstraints(pattern=CLAIM_ID_PATTERN)]


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
    line1: AN1_55 = Field(description="N301")
    line2: AN1_55 | None = Field(default=None, description="N302")
    city: AN2_30 = Field(description="N401")
    state: AN1_2 = Field(description="N402: two-letter state or province code")
    postal_code: AN3_15 = Field(description="N403: ZIP (5 or 9 digits)")
    country: AN2_3 | None = Field(default=None, description="N404")


class Person(_Model):
    last_name: AN1_60 = Field(description="NM103")
    first_name: AN1_35 | None = Field(default=None, description="NM104")
    middle_name: AN1_25 | None = Field(default=None, description="NM105")
    suffix: AN1_10 | None = Field(default=None, description="NM107")
    birth_date: ClaimDate | None = Field(default=None, description="DMG02")
    sex: Sex | None = None
    address: Address | None = None


class Subscriber(Person):
    member_id: AN2_80 = Field(description="Payer's member identifier (NM109, qualifier MI)")
    group_number: AN1_50 | None = Field(default=None, description="SBR03")
    group_name: AN1_60 | None = Field(default=None, description="SBR04")


class Provider(_Model):
    """A billing, rendering, referring, attending or service-facility provider."""

    npi: AN2_80 | None = Field(default=None, description="NM109 (XX); the scrubber checks it")
    organization_name: AN1_60 | None = Field(default=None, description="NM103")
    last_name: AN1_60 | None = Field(default=None, description="NM103")
    first_name: AN1_35 | None = Field(default=None, description="NM104")
    taxonomy: AN1_50 | None = Field(default=None, description="PRV03")
    tax_id: AN1_50 | None = Field(
        default=None, description="REF02: EIN (9 digits) for the billing provider"
    )
    address: Address | None = None


class Payer(_Model):
    payer_id: AN2_80 = Field(
        description="Payer identifier as the clearinghouse knows it (NM109, PI)"
    )
    name: AN1_60 = Field(description="NM103")
    claim_filing_indicator: Code1_2 = Field(
        default="CI", description="SBR09: CI commercial, MB Medicare B, MA Medicare A, MC Medicaid…"
    )
    address: Address | None = None


class Adjustment(_Model):
    """A CAS triple: group (CO/PR/OA/PI/CR), CARC reason, amount (and units)."""

    group: Annotated[str, StringConstraints(to_upper=True, pattern=r"^(CO|CR|OA|PI|PR)$")]
    reason: Code1_5
    amount: Amount
    quantity: Quantity | None = None


class PriorLineAdjudication(_Model):
    """Loop 2430: what a prior payer did with one service line."""

    line_number: int = Field(ge=1, le=MAX_LINE_NUMBER)
    procedure_code: AN1_20
    paid_amount: Amount
    paid_units: Quantity = Decimal("1")
    adjudication_date: ClaimDate
    adjustments: tuple[Adjustment, ...] = Field(default=(), max_length=MAX_ADJUSTMENTS)


class OtherPayer(_Model):
    """Loops 2320/2330: another payer on the claim, and (for COB) what it already paid."""

    payer: Payer
    responsibility: Annotated[
        str, StringConstraints(to_upper=True, pattern=r"^[ABCDEFGHPSTU]$")
    ] = Field(default="P", description="SBR01 of that payer: P, S, T…")
    subscriber: Subscriber
    relationship: Relationship = Relationship.SELF
    paid_amount: Amount | None = None
    adjudication_date: ClaimDate | None = None
    claim_adjustments: tuple[Adjustment, ...] = Field(default=(), max_length=MAX_ADJUSTMENTS)
    line_adjudications: tuple[PriorLineAdjudication, ...] = Field(
        default=(), max_length=MAX_LINES["institutional"]
    )


class ServiceLine(_Model):
    line_number: int = Field(ge=1, le=MAX_LINE_NUMBER, description="LX01")
    procedure_code: AN1_20 | None = Field(
        default=None, description="CPT/HCPCS code (SV101-2/SV202-2)"
    )
    modifiers: tuple[Code2, ...] = Field(default=(), max_length=4, description="SV101-3..6")
    revenue_code: AN1_10 | None = Field(default=None, description="Institutional only (SV201)")
    units: Quantity = Decimal("1")
    unit_type: Code2 = Field(default="UN", description="UN units, MJ minutes (anesthesia)")
    charge: Amount
    diagnosis_pointers: tuple[Annotated[int, Field(ge=1, le=12)], ...] = Field(
        default=(1,), max_length=4, description="SV107: positions in the claim's diagnoses"
    )
    service_date: ClaimDate | None = None
    service_date_end: ClaimDate | None = None
    place_of_service: Code1_2 | None = Field(default=None, description="SV105")
    ndc: AN1_48 | None = Field(default=None, description="LIN03")
    rendering_provider: Provider | None = None


class IcdProcedure(_Model):
    """An inpatient procedure (ICD-10-PCS) and the day it was performed (837I HI BBR/BBQ)."""

    code: AN1_30 = Field(description="ICD-10-PCS code, 7 characters, without a dot (HI0x-2)")
    date: ClaimDate | None = Field(default=None, description="Date performed (HI0x-4, D8)")


class OccurrenceCode(_Model):
    """A UB-04 occurrence code and its date (FL 31-34; 837I HI BH)."""

    code: AN1_30 = Field(description="NUBC occurrence code, e.g. '11' onset of symptoms")
    date: ClaimDate = Field(description="HI0x-4 (D8)")


class OccurrenceSpan(_Model):
    """A UB-04 occurrence span code and its period (FL 35-36; 837I HI BI)."""

    code: AN1_30 = Field(description="NUBC occurrence span code, e.g. '74' non-covered level")
    start: ClaimDate = Field(description="HI0x-4 (RD8) from")
    end: ClaimDate = Field(description="HI0x-4 (RD8) through")


class ValueCode(_Model):
    """A UB-04 value code and its amount (FL 39-41; 837I HI BE)."""

    code: AN1_30 = Field(description="NUBC value code, two characters, e.g. '80' covered days")
    amount: Amount = Field(description="HI0x-5: money, or a count for day and unit codes")


POA_CODES = frozenset({"Y", "N", "U", "W"})
"""Present-on-admission indicators of 005010X223A2 (HI0x-9); blank means exempt."""


class ClaimFields(_Model):
    """A claim's content: what a sender submits (`ClaimCreate` at the API) and `Claim` holds.

    The bounds here hold for every source (JSON, FHIR, 837): they keep values inside the
    X12 elements and read-model columns. Rules a payer would apply (line count of the
    claim's guide, codes, repeated line numbers, type of bill format) are the scrubber's
    edits, so such a claim is still accepted and held with the reason; the API additionally
    refuses more lines than the claim's guide carries (`ClaimCreate`).
    """

    organization_id: OrganizationId | None = None
    kind: ClaimKind = ClaimKind.PROFESSIONAL
    patient_control_number: AN1_38 = Field(description="CLM01")
    frequency: Frequency = Frequency.ORIGINAL
    original_payer_claim_number: AN1_50 | None = Field(
        default=None, description="REF*F8: required for replacement (7) and void (8)"
    )
    total_charge: Amount = Field(description="CLM02: must equal the sum of line charges")
    place_of_service: Code1_2 | None = Field(default=None, description="Professional: CLM05-1")
    type_of_bill: AN1_4 | None = Field(
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
    diagnoses: tuple[AN1_30, ...] = Field(
        default=(),
        max_length=MAX_DIAGNOSES,
        description="ICD-10-CM codes, principal first, without the dot (HI)",
    )
    admitting_diagnosis: AN1_30 | None = None
    drg: AN1_30 | None = Field(default=None, description="Institutional: DRG code (HI*DR)")
    admission_date: ClaimDate | None = None
    admission_hour: time | None = Field(
        default=None,
        description="Institutional: hour (and minute) of admission (DTP*435 format DT, FL 13)",
    )
    admission_type: Code1 | None = Field(default=None, description="CL101")
    admission_source: Code1 | None = Field(default=None, description="CL102")
    discharge_status: Code1_2 | None = Field(
        default=None, description="CL103: patient status (discharge status), FL 17"
    )
    discharge_hour: time | None = Field(
        default=None, description="Institutional: hour (and minute) of discharge (DTP*096, FL 16)"
    )
    present_on_admission: tuple[Code1 | None, ...] | None = Field(
        default=None,
        max_length=MAX_DIAGNOSES,
        description=(
            "Institutional: one present-on-admission indicator per diagnosis, in the order of "
            "`diagnoses` (Y, N, U, W; null where exempt) (HI0x-9)"
        ),
    )
    principal_procedure: IcdProcedure | None = Field(
        default=None, description="Institutional: principal ICD-10-PCS procedure (HI*BBR)"
    )
    other_procedures: tuple[IcdProcedure, ...] | None = Field(
        default=None,
        max_length=MAX_OTHER_PROCEDURES,
        description="Institutional: other ICD-10-PCS procedures (HI*BBQ, up to 24)",
    )
    occurrence_codes: tuple[OccurrenceCode, ...] | None = Field(
        default=None, max_length=MAX_HI_CODES, description="Institutional: HI*BH (up to 24)"
    )
    occurrence_spans: tuple[OccurrenceSpan, ...] | None = Field(
        default=None, max_length=MAX_HI_CODES, description="Institutional: HI*BI (up to 24)"
    )
    value_codes: tuple[ValueCode, ...] | None = Field(
        default=None, max_length=MAX_HI_CODES, description="Institutional: HI*BE (up to 24)"
    )
    condition_codes: tuple[AN1_30, ...] | None = Field(
        default=None, max_length=MAX_HI_CODES, description="Institutional: HI*BG (up to 24)"
    )
    operating_provider: Provider | None = Field(
        default=None, description="Institutional: operating physician (2310B NM1*72)"
    )
    other_operating_provider: Provider | None = Field(
        default=None, description="Institutional: other operating physician (2310C NM1*ZZ)"
    )
    statement_from: ClaimDate | None = None
    statement_to: ClaimDate | None = None
    onset_date: ClaimDate | None = None
    prior_authorization: AN1_50 | None = Field(default=None, description="REF*G1")
    referral_number: AN1_50 | None = Field(default=None, description="REF*9F")
    accept_assignment: bool = True
    signature_on_file: bool = True
    other_payers: tuple[OtherPayer, ...] = Field(default=(), max_length=MAX_OTHER_PAYERS)
    lines: tuple[ServiceLine, ...] = Field(min_length=1, max_length=MAX_LINES["institutional"])
    received_at: ClaimDate | None = Field(default=None, description="Date the office received it")

    @field_validator("diagnoses")
    @classmethod
    def _normalise_diagnoses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(code.replace(".", "").upper() for code in value)

    @field_validator("present_on_admission")
    @classmethod
    def _one_indicator_per_diagnosis(
        cls, value: tuple[str | None, ...] | None, info: ValidationInfo
    ) -> tuple[str | None, ...] | None:
        # Parallel to `diagnoses`: an indicator without its diagnosis would be read as
        # another diagnosis's, so a list of another length is refused, never guessed at.
        diagnoses = info.data.get("diagnoses")
        if value is not None and diagnoses is not None and len(value) != len(diagnoses):
            raise ValueError(
                f"{len(value)} indicators for {len(diagnoses)} diagnoses: one per diagnosis, "
                "in the same order (null where exempt)"
            )
        return value

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


class Claim(ClaimFields):
    """One claim as intake holds it, before scrubbing: its content and the id intake gave it."""

    claim_id: ClaimId | None = Field(default=None, description="Our id; assigned at intake")
