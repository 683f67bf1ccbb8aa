"""837 Professional claim (005010X222A1): service-line segments and loops, named as the guide."""

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
from shared.x12.common import ProcedureCode, padded
from shared.x12.loops import LoopContext, components, to_decimal
from shared.x12.segments import Segment

TRANSACTION_SET_ID = "837"
IMPLEMENTATION = "005010X222A1"


@dataclass(slots=True)
class Sv1Segment:
    """Professional Service.

    Example:
        SV1*HC:99213:25*40*UN*1***1:2~
    """

    procedure: ProcedureCode  # SV101
    charge: Decimal | None  # SV102
    unit_basis: str  # SV103 (UN units, MJ minutes)
    units: Decimal | None  # SV104
    place_of_service: str  # SV105
    diagnosis_pointers: list[str]  # SV107
    emergency: str  # SV109
    position: int

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> Sv1Segment:
        e = padded(s)  # hot path: index a padded copy instead of calling get()
        return cls(
            ProcedureCode.of(e[0], ctx),
            to_decimal(e[1]),
            e[2],
            to_decimal(e[3]),
            e[4],
            [p for p in components(e[6], ctx) if p],
            e[8],
            s.position,
        )


_LINE_PROVIDERS = provider_loops(
    "2420:ABCDEFGH",
    (
        "Rendering Provider Name",
        "Purchased Service Provider Name",
        "Service Facility Location Name",
        "Supervising Provider Name",
        "Ordering Provider Name",
        "Referring Provider Name",
        "Ambulance Pick-up Location",
        "Ambulance Drop-off Location",
    ),
    ("82", "QB", "77", "DQ", "DK", "DN P3", "PW", "45"),
    "line_providers",
)
_CLAIM_PROVIDERS = provider_loops(
    "2310:ABCDEF",
    (
        "Referring Provider Name",
        "Rendering Provider Name",
        "Service Facility Location Name",
        "Supervising Provider Name",
        "Ambulance Pick-up Location",
        "Ambulance Drop-off Location",
    ),
    ("DN P3", "82", "77", "DQ", "PW", "45"),
    "claim_providers",
)


class Loop2400(ServiceLineLoop):
    """Service Line Number."""

    FIELDS = segment_fields(
        "LX", ("SV1", ("sv1", False, Sv1Segment.read)), "PWK", "CR1", "CR3", "CRC", "DTP",
        "QTY", "MEA", "CN1", "REF", "AMT", "K3", "NTE", "PS1", "HCP",
    )  # fmt: skip
    CHILDREN = ServiceLineLoop.child_loops(_LINE_PROVIDERS)
    sv1: Sv1Segment

    @property
    def charge(self) -> Decimal | None:
        return self.sv1.charge if self.sv1 is not None else None


class Loop2300(ClaimLoop):
    """Claim Information."""

    FIELDS = segment_fields(
        "CLM", "DTP", "PWK", "CN1", "AMT", "REF", "K3", "NTE", "CR1", "CR2", "CRC", "HI", "HCP"
    )
    CHILDREN = ClaimLoop.child_loops(_CLAIM_PROVIDERS, Loop2400)
    service_lines: list[Loop2400]  # type: ignore[assignment]


Loop2000A, Loop2000B, Loop2000C = claim_levels(Loop2300)


class Transaction837P(ClaimTransaction):
    """Header of one 837 Professional (ST..SE): submitter, receiver, billing provider levels."""

    NAME = "Health Care Claim: Professional"
    CHILDREN = ClaimTransaction.child_loops(Loop2000A)


__all__ = ["ClaimInContext", "Loop2000A", "Loop2000B", "Loop2000C", "Loop2300", "Loop2400"]
