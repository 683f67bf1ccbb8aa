"""Segments, code lists and loops shared by the 837P (X222A1) and 837I (X223A2) guides."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from shared.x12.common import (
    BHT02,
    BHT06,
    CAS01,
    PAD,
    AmtSegment,
    BhtSegment,
    CasSegment,
    DmgSegment,
    DtpSegment,
    HlSegment,
    N3Segment,
    N4Segment,
    Nm1Segment,
    PerSegment,
    ProcedureCode,
    PrvSegment,
    RefSegment,
    padded,
)
from shared.x12.loops import Loop, LoopContext, code, component, components, to_decimal
from shared.x12.segments import Segment


class HL03(StrEnum):
    """Hierarchical Level Code (837)."""

    BILLING_PROVIDER = "20"
    SUBSCRIBER = "22"
    DEPENDENT = "23"


class SBR01(StrEnum):
    """Payer Responsibility Sequence Number Code."""

    PRIMARY = "P"
    SECONDARY = "S"
    TERTIARY = "T"
    PAYER_4 = "A"
    PAYER_5 = "B"
    PAYER_6 = "C"
    PAYER_7 = "D"
    PAYER_8 = "E"
    PAYER_9 = "F"
    PAYER_10 = "G"
    PAYER_11 = "H"
    UNKNOWN = "U"


PayerResponsibilitySequenceNumberCode = SBR01


class SBR09(StrEnum):
    """Claim Filing Indicator Code."""

    OTHER_NON_FEDERAL = "11"
    PPO = "12"
    POS = "13"
    EPO = "14"
    INDEMNITY = "15"
    HMO_MEDICARE_RISK = "16"
    DENTAL_MAINTENANCE = "17"
    AUTOMOBILE_MEDICAL = "AM"
    BLUE_CROSS_BLUE_SHIELD = "BL"
    CHAMPUS = "CH"
    COMMERCIAL = "CI"
    DISABILITY = "DS"
    FEP = "FI"
    HMO = "HM"
    LIABILITY_MEDICAL = "LM"
    MEDICARE_PART_A = "MA"
    MEDICARE_PART_B = "MB"
    MEDICAID = "MC"
    OTHER_FEDERAL = "OF"
    TITLE_V = "TV"
    VETERANS_AFFAIRS = "VA"
    WORKERS_COMPENSATION = "WC"
    MUTUALLY_DEFINED = "ZZ"


ClaimFilingIndicatorCode = SBR09


class CLM05_3(StrEnum):
    """Claim Frequency Type Code (CLM05-3)."""

    ORIGINAL = "1"
    INTERIM_FIRST = "2"
    INTERIM_CONTINUING = "3"
    INTERIM_LAST = "4"
    LATE_CHARGES = "5"
    REPLACEMENT = "7"
    VOID = "8"


ClaimFrequencyTypeCode = CLM05_3


class HI01_1(StrEnum):
    """Code List Qualifier Codes of the HI composites used by the claim readers."""

    ICD10_PRINCIPAL = "ABK"
    ICD10_DIAGNOSIS = "ABF"
    ICD10_ADMITTING = "ABJ"
    ICD10_REASON_FOR_VISIT = "APR"
    ICD10_EXTERNAL_CAUSE = "ABN"
    ICD9_PRINCIPAL = "BK"
    ICD9_DIAGNOSIS = "BF"
    ICD9_ADMITTING = "BJ"
    ICD9_REASON_FOR_VISIT = "PR"
    ICD9_EXTERNAL_CAUSE = "BN"
    DRG = "DR"
    OCCURRENCE = "BH"
    OCCURRENCE_SPAN = "BI"
    VALUE = "BE"
    CONDITION = "BG"
    ICD10_PRINCIPAL_PROCEDURE = "BBR"
    ICD10_PROCEDURE = "BBQ"
    ICD9_PRINCIPAL_PROCEDURE = "BR"
    ICD9_PROCEDURE = "BQ"
    TREATMENT = "TC"


DIAGNOSIS_QUALIFIERS = frozenset({"ABK", "ABF", "BK", "BF"})


@dataclass(slots=True)
class SbrSegment:
    """Subscriber Information.

    Example:
        SBR*P*18*12312-A******HM~
    """

    payer_responsibility: SBR01 | str  # SBR01
    relationship: str  # SBR02 (18 = self)
    group_number: str  # SBR03
    group_name: str  # SBR04
    insurance_type: str  # SBR05
    claim_filing_indicator: SBR09 | str  # SBR09

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> SbrSegment:
        e = padded(s)
        return cls(code(SBR01, e[0]), e[1], e[2], e[3], e[4], code(SBR09, e[8]))


@dataclass(slots=True)
class ClmSegment:
    """Claim Information.

    Example:
        CLM*26463774*100***11:B:1*Y*A*Y*I~
    """

    patient_control_number: str  # CLM01: the provider's claim id
    total_charge: Decimal | None  # CLM02
    facility_code: str  # CLM05-1: place of service (837P) or facility type (837I)
    facility_code_qualifier: str  # CLM05-2
    frequency: CLM05_3 | str  # CLM05-3
    provider_signature: str  # CLM06
    assignment: str  # CLM07
    benefits_assignment: str  # CLM08
    release_of_information: str  # CLM09
    patient_signature_source: str  # CLM10
    related_causes: list[str]  # CLM11
    position: int

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> ClmSegment:
        e = padded(s)
        loc = components(e[4], ctx) + PAD
        return cls(
            e[0],
            to_decimal(e[1]),
            loc[0],
            loc[1],
            code(CLM05_3, loc[2]),
            e[5],
            e[6],
            e[7],
            e[8],
            e[9],
            [c for c in components(e[10], ctx) if c],
            s.position,
        )


@dataclass(slots=True)
class HealthCareCode:
    """One HI composite: qualifier (ABK, BF, BE...), code, and for value codes an amount."""

    qualifier: str
    code: str
    date_format: str
    date: str
    amount: Decimal | None


@dataclass(slots=True)
class HiSegment:
    """Health Care Information Codes (diagnoses, procedures, occurrence/value/condition codes).

    Example:
        HI*ABK:I10*ABF:E119~
    """

    codes: list[HealthCareCode]
    position: int

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> HiSegment:
        out = []
        for value in s.elements:
            if not value:
                continue
            p = components(value, ctx)  # type: ignore[arg-type]
            out.append(
                HealthCareCode(
                    component(p, 1),
                    component(p, 2),
                    component(p, 3),
                    component(p, 4),
                    to_decimal(component(p, 5)),
                )
            )
        return cls(out, s.position)


@dataclass(slots=True)
class PatSegment:
    """Patient Information (relationship, death, weight, pregnancy).

    Example:
        PAT*19~
    """

    relationship: str

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> PatSegment:
        return cls(s.get(1))


@dataclass(slots=True)
class SvdSegment:
    """Line Adjudication Information (prior payer's payment of one line).

    Example:
        SVD*43*55*HC:84550**3~
    """

    payer_id: str
    paid: Decimal | None
    procedure: ProcedureCode
    revenue_code: str
    units: Decimal | None
    bundled_line: str

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> SvdSegment:
        return cls(
            s.get(1),
            to_decimal(s.get(2)),
            ProcedureCode.of(s.get(3), ctx),
            s.get(4),
            to_decimal(s.get(5)),
            s.get(6),
        )


@dataclass(slots=True)
class LinSegment:
    """Drug Identification (NDC).

    Example:
        LIN**N4*01234567891~
    """

    qualifier: str
    ndc: str

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> LinSegment:
        return cls(s.get(2), s.get(3))


@dataclass(slots=True)
class CtpSegment:
    """Drug Quantity.

    Example:
        CTP****2*UN~
    """

    quantity: Decimal | None
    unit: str

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> CtpSegment:
        return cls(to_decimal(s.get(4)), components(s.get(5), ctx)[0] if s.get(5) else "")


def _nm1_loop_fields(
    extra: dict[str, tuple[str, bool, Any]] | None = None,
) -> dict[str, tuple[str, bool, Any]]:
    fields_: dict[str, tuple[str, bool, Any]] = {
        "NM1": ("nm1", False, Nm1Segment.read),
        "N3": ("n3", False, N3Segment.read),
        "N4": ("n4", False, N4Segment.read),
        "REF": ("references", True, RefSegment.read),
        "PER": ("contacts", True, PerSegment.read),
        "PRV": ("prv", False, PrvSegment.read),
    }
    if extra:
        fields_.update(extra)
    return fields_


class NameLoop(Loop):
    """A loop that starts with NM1 (name, address, references, contacts)."""

    TRIGGER = "NM1"
    FIELDS = _nm1_loop_fields()
    nm1: Nm1Segment
    n3: N3Segment | None
    n4: N4Segment | None
    prv: PrvSegment | None
    references: list[RefSegment]
    contacts: list[PerSegment]


class Loop1000A(NameLoop):
    LOOP_ID = "1000A"
    NAME = "Submitter Name"


class Loop1000B(NameLoop):
    LOOP_ID = "1000B"
    NAME = "Receiver Name"


class Loop2010AA(NameLoop):
    LOOP_ID = "2010AA"
    NAME = "Billing Provider Name"


class Loop2010AB(NameLoop):
    LOOP_ID = "2010AB"
    NAME = "Pay-to Address Name"


class Loop2010AC(NameLoop):
    LOOP_ID = "2010AC"
    NAME = "Pay-to Plan Name"


class Loop2010BA(NameLoop):
    LOOP_ID = "2010BA"
    NAME = "Subscriber Name"
    FIELDS = _nm1_loop_fields({"DMG": ("dmg", False, DmgSegment.read)})
    dmg: DmgSegment | None


class Loop2010BB(NameLoop):
    LOOP_ID = "2010BB"
    NAME = "Payer Name"


class Loop2010CA(NameLoop):
    LOOP_ID = "2010CA"
    NAME = "Patient Name"
    FIELDS = _nm1_loop_fields({"DMG": ("dmg", False, DmgSegment.read)})
    dmg: DmgSegment | None


class Loop2330A(NameLoop):
    LOOP_ID = "2330A"
    NAME = "Other Subscriber Name"


class Loop2330B(NameLoop):
    LOOP_ID = "2330B"
    NAME = "Other Payer Name"
    FIELDS = _nm1_loop_fields({"DTP": ("dates", True, DtpSegment.read)})
    dates: list[DtpSegment]


class Loop2330C(NameLoop):
    LOOP_ID = "2330C"
    NAME = "Other Payer Referring/Attending Provider"


class Loop2330D(NameLoop):
    LOOP_ID = "2330D"
    NAME = "Other Payer Rendering/Operating Provider"


class Loop2330E(NameLoop):
    LOOP_ID = "2330E"
    NAME = "Other Payer Service Facility Location / Other Operating Provider"


class Loop2330F(NameLoop):
    LOOP_ID = "2330F"
    NAME = "Other Payer Supervising / Service Facility"


class Loop2330G(NameLoop):
    LOOP_ID = "2330G"
    NAME = "Other Payer Billing Provider"


class Loop2320(Loop):
    """Other Subscriber Information (coordination of benefits, prior payer adjudication)."""

    LOOP_ID = "2320"
    NAME = "Other Subscriber Information"
    TRIGGER = "SBR"
    FIELDS = {
        "SBR": ("sbr", False, SbrSegment.read),
        "CAS": ("adjustments", True, CasSegment.read),
        "AMT": ("amounts", True, AmtSegment.read),
        "OI": ("oi", False, None),
        "MIA": ("mia", False, None),
        "MOA": ("moa", False, None),
    }
    # The 837P's other payer provider loops; the 837I names its own (`other_payer_children`).
    CHILDREN = {
        "NM1": [
            (1, frozenset({"IL"}), Loop2330A, "other_subscriber"),
            (1, frozenset({"PR"}), Loop2330B, "other_payer"),
            (1, frozenset({"DN", "P3"}), Loop2330C, "other_payer_providers"),
            (1, frozenset({"82"}), Loop2330D, "other_payer_providers"),
            (1, frozenset({"77"}), Loop2330E, "other_payer_providers"),
            (1, frozenset({"DQ"}), Loop2330F, "other_payer_providers"),
            (1, frozenset({"85"}), Loop2330G, "other_payer_providers"),
        ]
    }
    sbr: SbrSegment
    adjustments: list[CasSegment]
    amounts: list[AmtSegment]
    other_subscriber: list[Loop2330A]
    other_payer: list[Loop2330B]
    other_payer_providers: list[Loop]

    @classmethod
    def with_providers(
        cls, providers: list[tuple[int, frozenset[str] | None, type[Loop], str]]
    ) -> type[Loop2320]:
        """A guide's 2320 whose 2330C.. loops are `providers` (the 837I names seven)."""
        children = {"NM1": cls.CHILDREN["NM1"][:2] + providers}
        return type("Loop2320", (cls,), {"CHILDREN": children})


class Loop2410(Loop):
    LOOP_ID = "2410"
    NAME = "Drug Identification"
    TRIGGER = "LIN"
    FIELDS = {
        "LIN": ("lin", False, LinSegment.read),
        "CTP": ("ctp", False, CtpSegment.read),
        "REF": ("references", True, RefSegment.read),
    }
    lin: LinSegment
    ctp: CtpSegment | None
    references: list[RefSegment]


class Loop2420(NameLoop):
    """Line-level provider or location (rendering, facility, ordering, referring...)."""

    LOOP_ID = "2420"
    NAME = "Line Provider"


class Loop2430(Loop):
    LOOP_ID = "2430"
    NAME = "Line Adjudication Information"
    TRIGGER = "SVD"
    FIELDS = {
        "SVD": ("svd", False, SvdSegment.read),
        "CAS": ("adjustments", True, CasSegment.read),
        "DTP": ("dates", True, DtpSegment.read),
        "AMT": ("amounts", True, AmtSegment.read),
    }
    svd: SvdSegment
    adjustments: list[CasSegment]
    dates: list[DtpSegment]
    amounts: list[AmtSegment]


class Loop2440(Loop):
    LOOP_ID = "2440"
    NAME = "Form Identification Code"
    TRIGGER = "LQ"
    FIELDS = {"LQ": ("lq", False, None), "FRM": ("frm", True, None)}


def line_provider_loop(loop_id: str, name: str) -> type[Loop2420]:
    """A 2420x class named as the guide names it (2420A rendering, 2420C facility...)."""
    return type(f"Loop{loop_id}", (Loop2420,), {"LOOP_ID": loop_id, "NAME": name})


# ---------------------------------------------------------------------------------------------
# The claim hierarchy both guides share: billing provider (2000A), subscriber (2000B), patient
# (2000C), claim (2300), service line (2400). A guide names its 2300/2400 segments in guide
# order (`segment_fields`), its 2310x/2420x provider loops, and gets the levels from
# `claim_levels`.

# Every segment the 2300 and 2400 loops of either guide hold: id -> (attribute, repeats, reader).
SEGMENT_FIELDS: dict[str, tuple[str, bool, Any]] = {
    "LX": ("lx", False, None),
    "CLM": ("clm", False, ClmSegment.read),
    "DTP": ("dates", True, DtpSegment.read),
    "PWK": ("paperwork", True, None),
    "CN1": ("cn1", False, None),
    "AMT": ("amounts", True, AmtSegment.read),
    "REF": ("references", True, RefSegment.read),
    "K3": ("k3", True, None),
    "NTE": ("notes", True, None),
    "CR1": ("cr1", False, None),
    "CR2": ("cr2", False, None),
    "CR3": ("cr3", False, None),
    "CRC": ("conditions", True, None),
    "HI": ("health_care_codes", True, HiSegment.read),
    "HCP": ("hcp", False, None),
    "QTY": ("quantities", True, None),
    "MEA": ("measurements", True, None),
    "PS1": ("ps1", False, None),
}


def segment_fields(
    *ids: str | tuple[str, tuple[str, bool, Any]],
) -> dict[str, tuple[str, bool, Any]]:
    """FIELDS in the guide's order: shared segment ids, or (id, spec) for a guide's own."""
    out: dict[str, tuple[str, bool, Any]] = {}
    for item in ids:
        if isinstance(item, tuple):
            out[item[0]] = item[1]
        else:
            out[item] = SEGMENT_FIELDS[item]
    return out


class ServiceLineLoop(Loop):
    """Loop 2400 of either guide; the guide gives FIELDS (SV1 or SV2 first) and CHILDREN."""

    LOOP_ID = "2400"
    NAME = "Service Line Number"
    ORDERED = True
    TRIGGER = "LX"
    lx: Segment
    dates: list[DtpSegment]
    references: list[RefSegment]
    amounts: list[AmtSegment]
    drugs: list[Loop2410]
    line_providers: list[Loop]
    line_adjudications: list[Loop2430]

    @staticmethod
    def child_loops(providers: list[tuple[int, frozenset[str] | None, type[Loop], str]]) -> Any:
        """CHILDREN of a 2400: drug (2410), the guide's line providers (2420x), 2430, 2440."""
        return {
            "LIN": [(0, None, Loop2410, "drugs")],
            "NM1": providers,
            "SVD": [(0, None, Loop2430, "line_adjudications")],
            "LQ": [(0, None, Loop2440, "forms")],
        }


class ClaimLoop(Loop):
    """Loop 2300 of either guide; the guide gives FIELDS and CHILDREN (`children`)."""

    LOOP_ID = "2300"
    NAME = "Claim Information"
    ORDERED = True
    TRIGGER = "CLM"
    clm: ClmSegment
    dates: list[DtpSegment]
    amounts: list[AmtSegment]
    references: list[RefSegment]
    health_care_codes: list[HiSegment]
    claim_providers: list[Loop]
    other_subscribers: list[Loop2320]
    service_lines: list[ServiceLineLoop]

    @staticmethod
    def child_loops(
        providers: list[tuple[int, frozenset[str] | None, type[Loop], str]],
        line: type[ServiceLineLoop],
        other_subscriber: type[Loop2320] = Loop2320,
    ) -> Any:
        """CHILDREN of a 2300: the guide's providers (2310x), other payers (2320), lines."""
        return {
            "NM1": providers,
            "SBR": [(0, None, other_subscriber, "other_subscribers")],
            "LX": [(0, None, line, "service_lines")],
        }

    def reference(self, qualifier: str) -> str | None:
        """REF02 of the first REF with this qualifier (F8 = payer claim control number)."""
        for ref in self.references:
            if ref.qualifier == qualifier:
                return ref.value
        return None


def provider_loops(
    loop_ids: str, names: tuple[str, ...], codes: tuple[str, ...], attribute: str
) -> list[tuple[int, frozenset[str] | None, type[Loop], str]]:
    """CHILDREN entries for 2310x/2420x: loop letter i is named names[i], opened by NM101 in
    codes[i] ('DN P3': either). `loop_ids` is the prefix ('2310') and letters ('ABCDEF')."""
    prefix, letters = loop_ids.split(":")
    return [
        (1, frozenset(code.split()), line_provider_loop(prefix + letter, name), attribute)
        for letter, name, code in zip(letters, names, codes, strict=True)
    ]


class PatientLevel(Loop):
    """Patient Hierarchical Level (2000C: the patient is not the subscriber)."""

    LOOP_ID = "2000C"
    NAME = "Patient Hierarchical Level"
    TRIGGER = "HL"
    FIELDS = {"HL": ("hl", False, HlSegment.read), "PAT": ("pat", False, PatSegment.read)}
    hl: HlSegment
    pat: PatSegment | None
    patient_name: list[Loop2010CA]
    claims: list[ClaimLoop]


class SubscriberLevel(Loop):
    """Subscriber Hierarchical Level (2000B)."""

    LOOP_ID = "2000B"
    NAME = "Subscriber Hierarchical Level"
    TRIGGER = "HL"
    FIELDS = {
        "HL": ("hl", False, HlSegment.read),
        "SBR": ("sbr", False, SbrSegment.read),
        "PAT": ("pat", False, PatSegment.read),
    }
    hl: HlSegment
    sbr: SbrSegment | None
    pat: PatSegment | None
    subscriber_name: list[Loop2010BA]
    payer_name: list[Loop2010BB]
    claims: list[ClaimLoop]
    patients: list[PatientLevel]


class BillingProviderLevel(Loop):
    """Billing Provider Hierarchical Level (2000A)."""

    LOOP_ID = "2000A"
    NAME = "Billing Provider Hierarchical Level"
    TRIGGER = "HL"
    FIELDS = {
        "HL": ("hl", False, HlSegment.read),
        "PRV": ("prv", False, PrvSegment.read),
        "CUR": ("cur", False, None),
    }
    hl: HlSegment
    prv: PrvSegment | None
    billing_provider_name: list[Loop2010AA]
    pay_to_address: list[Loop2010AB]
    pay_to_plan: list[Loop2010AC]
    subscribers: list[SubscriberLevel]


def claim_levels(
    claim: type[ClaimLoop],
) -> tuple[type[BillingProviderLevel], type[SubscriberLevel], type[PatientLevel]]:
    """The guide's 2000A, 2000B and 2000C classes, each holding its `claim` (2300) loops."""
    patient = type(
        "Loop2000C",
        (PatientLevel,),
        {
            "CHILDREN": {
                "NM1": [(1, frozenset({"QC"}), Loop2010CA, "patient_name")],
                "CLM": [(0, None, claim, "claims")],
            }
        },
    )
    subscriber = type(
        "Loop2000B",
        (SubscriberLevel,),
        {
            "CHILDREN": {
                "NM1": [
                    (1, frozenset({"IL"}), Loop2010BA, "subscriber_name"),
                    (1, frozenset({"PR"}), Loop2010BB, "payer_name"),
                ],
                "CLM": [(0, None, claim, "claims")],
                "HL": [(3, frozenset({"23"}), patient, "patients")],
            }
        },
    )
    billing = type(
        "Loop2000A",
        (BillingProviderLevel,),
        {
            "CHILDREN": {
                "NM1": [
                    (1, frozenset({"85"}), Loop2010AA, "billing_provider_name"),
                    (1, frozenset({"87"}), Loop2010AB, "pay_to_address"),
                    (1, frozenset({"PE"}), Loop2010AC, "pay_to_plan"),
                ],
                "HL": [(3, frozenset({"22"}), subscriber, "subscribers")],
            }
        },
    )
    return billing, subscriber, patient


@dataclass(slots=True)
class ClaimInContext:
    """A claim (2300) with the billing provider, subscriber and patient levels above it."""

    billing_provider: BillingProviderLevel | None
    subscriber: SubscriberLevel | None
    patient: PatientLevel | None
    claim: ClaimLoop


class ClaimTransaction(Loop):
    """Header of one 837 (ST..SE): submitter, receiver, billing provider levels."""

    LOOP_ID = "HEADER"
    TRIGGER = "ST"
    FIELDS = {
        "ST": ("st", False, None),
        "BHT": ("bht", False, BhtSegment.read),
        "REF": ("references", True, RefSegment.read),
        "SE": ("se", False, None),
    }
    st: Segment
    bht: BhtSegment | None
    se: Segment | None
    submitter: list[Loop1000A]
    receiver: list[Loop1000B]
    billing_providers: list[BillingProviderLevel]

    @staticmethod
    def child_loops(billing: type[BillingProviderLevel]) -> Any:
        """CHILDREN of the header: submitter (1000A), receiver (1000B), the guide's 2000A."""
        return {
            "NM1": [
                (1, frozenset({"41"}), Loop1000A, "submitter"),
                (1, frozenset({"40"}), Loop1000B, "receiver"),
            ],
            "HL": [(3, frozenset({"20"}), billing, "billing_providers")],
        }

    def claims(self) -> Iterator[ClaimInContext]:
        """Every claim in file order, with its billing provider, subscriber and patient."""
        for billing in self.billing_providers:
            for sub in billing.subscribers:
                for claim in sub.claims:
                    yield ClaimInContext(billing, sub, None, claim)
                for pat in sub.patients:
                    for claim in pat.claims:
                        yield ClaimInContext(billing, sub, pat, claim)


__all__ = [name for name in dir() if not name.startswith("_")] + [
    "BHT02",
    "BHT06",
    "BhtSegment",
    "CAS01",
    "CasSegment",
    "ProcedureCode",
]
