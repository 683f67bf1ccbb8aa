"""Segments shared by claim status (276/277 X212) and claim acknowledgment (277CA X214) guides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from shared.x12.loops import LoopContext, code, component, components, to_date, to_decimal
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
