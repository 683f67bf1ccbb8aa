"""Segments and loop shapes shared by the claim status (276/277 X212) and 277CA (X214) guides.

Each guide's package still declares every loop under the guide's name (Loop2100A...); the
loops whose segments are the same in all three guides inherit them from a base here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from shared.x12.claim837 import BhtSegment
from shared.x12.common import (
    AmtSegment,
    DmgSegment,
    DtpSegment,
    HlSegment,
    N3Segment,
    N4Segment,
    Nm1Segment,
    PerSegment,
    QtySegment,
    RefSegment,
    TrnSegment,
)
from shared.x12.loops import Loop, LoopContext, code, component, components, to_date, to_decimal
from shared.x12.segments import Segment
from shared.x12.x12_835_005010X221A1.models import ProcedureCode


class STC01_1(StrEnum):
    """Health Care Claim Status Category Code (the A, F, P, E, R families used in practice)."""

    ACK_FORWARDED = "A0"
    ACK_RECEIPT = "A1"
    ACK_ACCEPTED = "A2"
    ACK_RETURNED_UNPROCESSABLE = "A3"
    ACK_NOT_FOUND = "A4"
    ACK_SPLIT = "A5"
    ACK_REJECTED_MISSING_INFO = "A6"
    ACK_REJECTED_INVALID_INFO = "A7"
    ACK_REJECTED_RELATIONAL = "A8"
    DATA_REPORTING_ACKNOWLEDGED = "DR01"
    PENDING = "P0"
    PENDING_IN_PROCESS = "P1"
    PENDING_PAYER_REVIEW = "P2"
    PENDING_PROVIDER_REQUESTED_INFO = "P3"
    PENDING_PATIENT_REQUESTED_INFO = "P4"
    PENDING_PAYER_ADMINISTRATIVE = "P5"
    FINALIZED = "F0"
    FINALIZED_PAYMENT = "F1"
    FINALIZED_DENIAL = "F2"
    FINALIZED_REVISED = "F3"
    FINALIZED_FORWARDED = "F3F"
    FINALIZED_NOT_FORWARDED = "F3N"
    FINALIZED_ADJUDICATION_COMPLETE_NO_PAYMENT = "F4"
    FINALIZED_CANNOT_PROCESS = "F5"
    REQUEST_RETURNED = "R0"
    REQUEST_FOR_INFO = "R1"
    RESPONSE_NOT_POSSIBLE = "E0"
    RESPONSE_NOT_POSSIBLE_SYSTEM = "E1"
    RESPONSE_NOT_POSSIBLE_ERROR = "E2"
    RESPONSE_NOT_POSSIBLE_RESUBMIT = "E3"
    RESPONSE_NOT_POSSIBLE_NOT_FOUND = "E4"
    SEARCHED_NOT_FOUND = "D0"


HealthCareClaimStatusCategoryCode = STC01_1


@dataclass(slots=True)
class ClaimStatus:
    """One STC composite: category, status code, entity, code list qualifier."""

    category: STC01_1 | str
    status: str
    entity: str
    code_list: str


@dataclass(slots=True)
class StcSegment:
    """Status Information.

    Example:
        STC*A2:20*20190101*WQ*150~
    """

    statuses: list[ClaimStatus]  # STC01, STC10, STC11
    effective_date: date | None  # STC02
    action: str  # STC03 (WQ accepted, U rejected...)
    total_charge: Decimal | None  # STC04
    payment: Decimal | None  # STC05
    adjudication_date: date | None  # STC06
    check_number: str  # STC09
    message: str  # STC12
    position: int

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> StcSegment:
        statuses = []
        for index in (1, 10, 11):
            value = s.get(index)
            if value:
                p = components(value, ctx)
                statuses.append(
                    ClaimStatus(
                        code(STC01_1, component(p, 1)),
                        component(p, 2),
                        component(p, 3),
                        component(p, 4),
                    )
                )
        return cls(
            statuses,
            to_date(s.get(2)),
            s.get(3),
            to_decimal(s.get(4)),
            to_decimal(s.get(5)),
            to_date(s.get(6)),
            s.get(9),
            s.get(12),
            s.position,
        )


@dataclass(slots=True)
class StatusSvcSegment:
    """Service Line Information (claim status).

    Example:
        SVC*HC:99203*150*0****1~
    """

    procedure: ProcedureCode
    charge: Decimal | None
    payment: Decimal | None
    revenue_code: str
    units: Decimal | None

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> StatusSvcSegment:
        return cls(
            ProcedureCode.of(s.get(1), ctx),
            to_decimal(s.get(2)),
            to_decimal(s.get(3)),
            s.get(4),
            to_decimal(s.get(7)),
        )


# ---------------------------------------------------------------------------------------------
# Loop shapes: a subclass names the loop (LOOP_ID, NAME) and its children (CHILDREN).


class StatusLevelLoop(Loop):
    """A 2000x hierarchical level: HL, and DMG where the level is a person."""

    TRIGGER = "HL"
    FIELDS = {"HL": ("hl", False, HlSegment.read), "DMG": ("dmg", False, DmgSegment.read)}
    hl: HlSegment
    dmg: DmgSegment | None


class StatusNameLoop(Loop):
    """A 2100x name loop: NM1, with the address, contacts and references that may follow."""

    TRIGGER = "NM1"
    FIELDS = {
        "NM1": ("nm1", False, Nm1Segment.read),
        "N3": ("n3", False, N3Segment.read),
        "N4": ("n4", False, N4Segment.read),
        "PER": ("contacts", True, PerSegment.read),
        "REF": ("references", True, RefSegment.read),
    }
    nm1: Nm1Segment
    references: list[RefSegment]
    contacts: list[PerSegment]


class InquiryClaimLoop(Loop):
    """A 276 claim status tracking loop (2200x): TRN, the claim's references, amounts, dates."""

    TRIGGER = "TRN"
    FIELDS = {
        "TRN": ("trn", False, TrnSegment.read),
        "REF": ("references", True, RefSegment.read),
        "AMT": ("amounts", True, AmtSegment.read),
        "DTP": ("dates", True, DtpSegment.read),
        "QTY": ("quantities", True, QtySegment.read),
    }
    trn: TrnSegment
    references: list[RefSegment]
    amounts: list[AmtSegment]
    dates: list[DtpSegment]
    quantities: list[QtySegment]

    def reference(self, qualifier: str) -> str | None:
        """REF02 of the first REF with this qualifier (1K payer claim no., EJ patient account)."""
        for ref in self.references:
            if ref.qualifier == qualifier:
                return ref.value
        return None


class StatusClaimLoop(InquiryClaimLoop):
    """A 277/277CA claim status tracking loop (2200x): the 276's, plus the claim's STC."""

    FIELDS = {**InquiryClaimLoop.FIELDS, "STC": ("statuses", True, StcSegment.read)}
    statuses: list[StcSegment]


class InquiryServiceLoop(Loop):
    """A 276 service line loop (2210x): SVC with its references and dates."""

    TRIGGER = "SVC"
    FIELDS = {
        "SVC": ("svc", False, StatusSvcSegment.read),
        "REF": ("references", True, RefSegment.read),
        "DTP": ("dates", True, DtpSegment.read),
    }
    svc: StatusSvcSegment
    references: list[RefSegment]
    dates: list[DtpSegment]


class StatusServiceLoop(InquiryServiceLoop):
    """A 277/277CA service line loop (2220x): the 276's, plus the line's STC."""

    FIELDS = {**InquiryServiceLoop.FIELDS, "STC": ("statuses", True, StcSegment.read)}
    statuses: list[StcSegment]


class StatusTransaction(Loop):
    """ST..SE of a 276/277/277CA: BHT, then the HL levels down to claims and service lines."""

    LOOP_ID = "HEADER"
    TRIGGER = "ST"
    FIELDS = {
        "ST": ("st", False, None),
        "BHT": ("bht", False, BhtSegment.read),
        "SE": ("se", False, None),
    }
    st: Segment
    bht: BhtSegment | None
    se: Segment | None

    def claims(self) -> Iterator[Loop]:
        """Every claim-level (2200x) loop in file order."""
        for loop in self.walk():
            if loop.LOOP_ID.startswith("2200"):
                yield loop
