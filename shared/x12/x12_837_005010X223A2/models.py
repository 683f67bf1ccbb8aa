"""837 Institutional claim (005010X223A2): service-line segments and loops, named as the guide."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shared.x12.claim837 import (
    ClaimInContext,
    ClaimLoop,
    ClaimTransaction,
    ServiceLineLoop,
    claim_levels,
    provider_loops,
    segment_fields,
)
from shared.x12.claim837 import (
    Loop2320 as BaseLoop2320,
)
from shared.x12.common import ProcedureCode
from shared.x12.loops import LoopContext, to_decimal
from shared.x12.segments import Segment

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


_LINE_PROVIDERS = provider_loops(
    "2420:ABCD",
    (
        "Operating Physician Name",
        "Other Operating Physician Name",
        "Rendering Provider Name",
        "Referring Provider Name",
    ),
    ("72", "ZZ", "82", "DN"),
    "line_providers",
)
_CLAIM_PROVIDERS = provider_loops(
    "2310:ABCDEF",
    (
        "Attending Provider Name",
        "Operating Physician Name",
        "Other Operating Physician Name",
        "Rendering Provider Name",
        "Service Facility Location Name",
        "Referring Provider Name",
    ),
    ("71", "72", "ZZ", "82", "77", "DN"),
    "claim_providers",
)


_OTHER_PAYER_PROVIDERS = provider_loops(
    "2330:CDEFGHI",
    (
        "Other Payer Attending Provider",
        "Other Payer Operating Physician",
        "Other Payer Other Operating Physician",
        "Other Payer Service Facility Location",
        "Other Payer Rendering Provider",
        "Other Payer Referring Provider",
        "Other Payer Billing Provider",
    ),
    ("71", "72", "ZZ", "77", "82", "DN", "85"),
    "other_payer_providers",
)
Loop2320 = BaseLoop2320.with_providers(_OTHER_PAYER_PROVIDERS)


class Loop2400(ServiceLineLoop):
    """Service Line Number."""

    FIELDS = segment_fields(
        "LX", ("SV2", ("sv2", False, Sv2Segment.read)), "PWK", "DTP", "REF", "AMT", "NTE", "HCP"
    )
    CHILDREN = ServiceLineLoop.child_loops(_LINE_PROVIDERS)
    sv2: Sv2Segment

    @property
    def charge(self) -> Decimal | None:
        return self.sv2.charge if self.sv2 is not None else None


class Loop2300(ClaimLoop):
    """Claim Information."""

    FIELDS = segment_fields(
        "CLM", "DTP", ("CL1", ("cl1", False, Cl1Segment.read)), "PWK", "CN1", "AMT", "REF",
        "K3", "NTE", "CRC", "HI", "HCP",
    )  # fmt: skip
    CHILDREN = ClaimLoop.child_loops(_CLAIM_PROVIDERS, Loop2400, Loop2320)
    cl1: Cl1Segment | None
    service_lines: list[Loop2400]  # type: ignore[assignment]


Loop2000A, Loop2000B, Loop2000C = claim_levels(Loop2300)


class Transaction837I(ClaimTransaction):
    """Header of one 837 Institutional (ST..SE): submitter, receiver, billing provider levels."""

    NAME = "Health Care Claim: Institutional"
    CHILDREN = ClaimTransaction.child_loops(Loop2000A)


__all__ = ["ClaimInContext", "Loop2000A", "Loop2000B", "Loop2000C", "Loop2300", "Loop2400"]
