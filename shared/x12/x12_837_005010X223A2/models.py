"""837 Institutional claim (005010X223A2): service-line segments and loops, named as the guide."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from shared.x12.claim837 import (
    BhtSegment,
    ClmSegment,
    HiSegment,
    Loop1000A,
    Loop1000B,
    Loop2010AA,
    Loop2010AB,
    Loop2010AC,
    Loop2010BA,
    Loop2010BB,
    Loop2010CA,
    Loop2320,
    Loop2410,
    Loop2430,
    Loop2440,
    PatSegment,
    SbrSegment,
    line_provider_loop,
)
from shared.x12.common import AmtSegment, DtpSegment, HlSegment, PrvSegment, RefSegment
from shared.x12.loops import Loop, LoopContext, to_decimal
from shared.x12.segments import Segment
from shared.x12.x12_835_005010X221A1.models import ProcedureCode

TRANSACTION_SET_ID = "837"
IMPLEMENTATION = "005010X223A2"


@dataclass(slots=True)
class Sv2Segment:
    """Institutional Service Line.

    Example:
        SV2*0300*HC:81003*8.25*UN*1~
    """

    revenue_code: str  # SV201
    procedure: ProcedureCode | None  # SV202
    charge: Decimal | None  # SV203
    unit_basis: str  # SV204 (UN units, DA days)
    units: Decimal | None  # SV205
    non_covered_charge: Decimal | None  # SV207
    position: int

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> Sv2Segment:
        proc = s.get(2)
        return cls(
            s.get(1),
            ProcedureCode.of(proc, ctx) if proc else None,
            to_decimal(s.get(3)),
            s.get(4),
            to_decimal(s.get(5)),
            to_decimal(s.get(7)),
            s.position,
        )


@dataclass(slots=True)
class Cl1Segment:
    """Institutional Claim Code.

    Example:
        CL1*1*7*30~
    """

    admission_type: str  # CL101
    admission_source: str  # CL102
    patient_status: str  # CL103

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> Cl1Segment:
        return cls(s.get(1), s.get(2), s.get(3))


Loop2420A = line_provider_loop("2420A", "Operating Physician Name")
Loop2420B = line_provider_loop("2420B", "Other Operating Physician Name")
Loop2420C = line_provider_loop("2420C", "Rendering Provider Name")
Loop2420D = line_provider_loop("2420D", "Referring Provider Name")
_LINE_PROVIDERS: list[tuple[int, frozenset[str] | None, type[Loop], str]] = [
    (1, frozenset({"72"}), Loop2420A, "line_providers"),
    (1, frozenset({"ZZ"}), Loop2420B, "line_providers"),
    (1, frozenset({"82"}), Loop2420C, "line_providers"),
    (1, frozenset({"DN"}), Loop2420D, "line_providers"),
]


class Loop2400(Loop):
    """Service Line Number."""

    LOOP_ID = "2400"
    NAME = "Service Line Number"
    ORDERED = True
    TRIGGER = "LX"
    FIELDS = {
        "LX": ("lx", False, None),
        "SV2": ("sv2", False, Sv2Segment.read),
        "PWK": ("paperwork", True, None),
        "DTP": ("dates", True, DtpSegment.read),
        "REF": ("references", True, RefSegment.read),
        "AMT": ("amounts", True, AmtSegment.read),
        "NTE": ("notes", True, None),
        "HCP": ("hcp", False, None),
    }
    CHILDREN = {
        "LIN": [(0, None, Loop2410, "drugs")],
        "NM1": _LINE_PROVIDERS,
        "SVD": [(0, None, Loop2430, "line_adjudications")],
        "LQ": [(0, None, Loop2440, "forms")],
    }
    lx: Segment
    sv2: Sv2Segment
    dates: list[DtpSegment]
    references: list[RefSegment]
    amounts: list[AmtSegment]
    drugs: list[Loop2410]
    line_providers: list[Loop]
    line_adjudications: list[Loop2430]

    @property
    def charge(self) -> Decimal | None:
        return self.sv2.charge if self.sv2 is not None else None


Loop2310A = line_provider_loop("2310A", "Attending Provider Name")
Loop2310B = line_provider_loop("2310B", "Operating Physician Name")
Loop2310C = line_provider_loop("2310C", "Other Operating Physician Name")
Loop2310D = line_provider_loop("2310D", "Rendering Provider Name")
Loop2310E = line_provider_loop("2310E", "Service Facility Location Name")
Loop2310F = line_provider_loop("2310F", "Referring Provider Name")
_CLAIM_PROVIDERS: list[tuple[int, frozenset[str] | None, type[Loop], str]] = [
    (1, frozenset({"71"}), Loop2310A, "claim_providers"),
    (1, frozenset({"72"}), Loop2310B, "claim_providers"),
    (1, frozenset({"ZZ"}), Loop2310C, "claim_providers"),
    (1, frozenset({"82"}), Loop2310D, "claim_providers"),
    (1, frozenset({"77"}), Loop2310E, "claim_providers"),
    (1, frozenset({"DN"}), Loop2310F, "claim_providers"),
]


class Loop2300(Loop):
    """Claim Information."""

    LOOP_ID = "2300"
    NAME = "Claim Information"
    ORDERED = True
    TRIGGER = "CLM"
    FIELDS = {
        "CLM": ("clm", False, ClmSegment.read),
        "DTP": ("dates", True, DtpSegment.read),
        "CL1": ("cl1", False, Cl1Segment.read),
        "PWK": ("paperwork", True, None),
        "CN1": ("cn1", False, None),
        "AMT": ("amounts", True, AmtSegment.read),
        "REF": ("references", True, RefSegment.read),
        "K3": ("k3", True, None),
        "NTE": ("notes", True, None),
        "CRC": ("conditions", True, None),
        "HI": ("health_care_codes", True, HiSegment.read),
        "HCP": ("hcp", False, None),
    }
    CHILDREN = {
        "NM1": _CLAIM_PROVIDERS,
        "SBR": [(0, None, Loop2320, "other_subscribers")],
        "LX": [(0, None, Loop2400, "service_lines")],
    }
    clm: ClmSegment
    cl1: Cl1Segment | None
    dates: list[DtpSegment]
    amounts: list[AmtSegment]
    references: list[RefSegment]
    health_care_codes: list[HiSegment]
    claim_providers: list[Loop]
    other_subscribers: list[Loop2320]
    service_lines: list[Loop2400]

    def reference(self, qualifier: str) -> str | None:
        """REF02 of the first REF with this qualifier (F8 = payer claim control number)."""
        for ref in self.references:
            if ref.qualifier == qualifier:
                return ref.value
        return None


class Loop2000C(Loop):
    """Patient Hierarchical Level (patient is not the subscriber)."""

    LOOP_ID = "2000C"
    NAME = "Patient Hierarchical Level"
    TRIGGER = "HL"
    FIELDS = {"HL": ("hl", False, HlSegment.read), "PAT": ("pat", False, PatSegment.read)}
    CHILDREN = {
        "NM1": [(1, frozenset({"QC"}), Loop2010CA, "patient_name")],
        "CLM": [(0, None, Loop2300, "claims")],
    }
    hl: HlSegment
    pat: PatSegment | None
    patient_name: list[Loop2010CA]
    claims: list[Loop2300]


class Loop2000B(Loop):
    """Subscriber Hierarchical Level."""

    LOOP_ID = "2000B"
    NAME = "Subscriber Hierarchical Level"
    TRIGGER = "HL"
    FIELDS = {
        "HL": ("hl", False, HlSegment.read),
        "SBR": ("sbr", False, SbrSegment.read),
        "PAT": ("pat", False, PatSegment.read),
    }
    CHILDREN = {
        "NM1": [
            (1, frozenset({"IL"}), Loop2010BA, "subscriber_name"),
            (1, frozenset({"PR"}), Loop2010BB, "payer_name"),
        ],
        "CLM": [(0, None, Loop2300, "claims")],
        "HL": [(3, frozenset({"23"}), Loop2000C, "patients")],
    }
    hl: HlSegment
    sbr: SbrSegment | None
    pat: PatSegment | None
    subscriber_name: list[Loop2010BA]
    payer_name: list[Loop2010BB]
    claims: list[Loop2300]
    patients: list[Loop2000C]


class Loop2000A(Loop):
    """Billing Provider Hierarchical Level."""

    LOOP_ID = "2000A"
    NAME = "Billing Provider Hierarchical Level"
    TRIGGER = "HL"
    FIELDS = {
        "HL": ("hl", False, HlSegment.read),
        "PRV": ("prv", False, PrvSegment.read),
        "CUR": ("cur", False, None),
    }
    CHILDREN = {
        "NM1": [
            (1, frozenset({"85"}), Loop2010AA, "billing_provider_name"),
            (1, frozenset({"87"}), Loop2010AB, "pay_to_address"),
            (1, frozenset({"PE"}), Loop2010AC, "pay_to_plan"),
        ],
        "HL": [(3, frozenset({"22"}), Loop2000B, "subscribers")],
    }
    hl: HlSegment
    prv: PrvSegment | None
    billing_provider_name: list[Loop2010AA]
    pay_to_address: list[Loop2010AB]
    pay_to_plan: list[Loop2010AC]
    subscribers: list[Loop2000B]


@dataclass(slots=True)
class ClaimInContext:
    """A claim (2300) with the billing provider, subscriber and patient levels above it."""

    billing_provider: Loop2000A | None
    subscriber: Loop2000B | None
    patient: Loop2000C | None
    claim: Loop2300


class Transaction837I(Loop):
    """Header of one 837 Institutional (ST..SE): submitter, receiver, billing provider levels."""

    LOOP_ID = "HEADER"
    NAME = "Health Care Claim: Institutional"
    TRIGGER = "ST"
    FIELDS = {
        "ST": ("st", False, None),
        "BHT": ("bht", False, BhtSegment.read),
        "REF": ("references", True, RefSegment.read),
        "SE": ("se", False, None),
    }
    CHILDREN = {
        "NM1": [
            (1, frozenset({"41"}), Loop1000A, "submitter"),
            (1, frozenset({"40"}), Loop1000B, "receiver"),
        ],
        "HL": [(3, frozenset({"20"}), Loop2000A, "billing_providers")],
    }
    st: Segment
    bht: BhtSegment | None
    se: Segment | None
    submitter: list[Loop1000A]
    receiver: list[Loop1000B]
    billing_providers: list[Loop2000A]

    def claims(self) -> Iterator[ClaimInContext]:
        """Every claim in file order, with its billing provider, subscriber and patient."""
        for billing in self.billing_providers:
            for sub in billing.subscribers:
                for claim in sub.claims:
                    yield ClaimInContext(billing, sub, None, claim)
                for pat in sub.patients:
                    for claim in pat.claims:
                        yield ClaimInContext(billing, sub, pat, claim)
