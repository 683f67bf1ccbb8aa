"""270 Eligibility, Coverage or Benefit Inquiry (005010X279A1): segments, code lists and loops."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from shared.x12.common import (
    AmtSegment,
    DtpSegment,
    ProcedureCode,
    RefSegment,
)
from shared.x12.eligibility import EligibilityTransaction, LevelLoop, NameLoop, PersonLevelLoop
from shared.x12.loops import Loop, LoopContext
from shared.x12.segments import Segment

# The level, name and header loops are the same in the 271 (one guide, X279A1): they live in
# shared.x12.eligibility and are re-exported here under their old names.
__all__ = ["EligibilityTransaction", "LevelLoop", "NameLoop", "PersonLevelLoop"]

TRANSACTION_SET_ID = "270"
IMPLEMENTATION = "005010X279A1"


class HL03(StrEnum):
    """Hierarchical Level Code (270/271)."""

    INFORMATION_SOURCE = "20"
    INFORMATION_RECEIVER = "21"
    SUBSCRIBER = "22"
    DEPENDENT = "23"


class EQ01(StrEnum):
    """Service Type Code (the common ones; the guide lists about 200)."""

    MEDICAL_CARE = "1"
    SURGICAL = "2"
    CONSULTATION = "3"
    DIAGNOSTIC_XRAY = "4"
    DIAGNOSTIC_LAB = "5"
    HOSPITAL = "47"
    HOSPITAL_INPATIENT = "48"
    HOSPITAL_OUTPATIENT = "50"
    EMERGENCY_SERVICES = "86"
    PHARMACY = "88"
    HEALTH_BENEFIT_PLAN_COVERAGE = "30"
    DENTAL_CARE = "35"
    VISION_OPTOMETRY = "AL"
    MENTAL_HEALTH = "MH"
    URGENT_CARE = "UC"
    PROFESSIONAL_PHYSICIAN_VISIT_OFFICE = "98"


ServiceTypeCode = EQ01


@dataclass(slots=True)
class EqSegment:
    """Eligibility or Benefit Inquiry.

    Example:
        EQ*30~
    """

    service_types: list[str]  # EQ01 (repeating)
    procedure: ProcedureCode | None  # EQ02
    coverage_level: str  # EQ03

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> EqSegment:
        raw = s.get(1)
        types = raw.split(ctx.repetition) if ctx.repetition and raw else ([raw] if raw else [])
        proc = s.get(2)
        return cls(types, ProcedureCode.of(proc, ctx) if proc else None, s.get(3))


class Loop2110C(Loop):
    """Subscriber Eligibility or Benefit Inquiry."""

    LOOP_ID = "2110C"
    NAME = "Subscriber Eligibility or Benefit Inquiry"
    TRIGGER = "EQ"
    FIELDS = {
        "EQ": ("eq", False, EqSegment.read),
        "AMT": ("amounts", True, AmtSegment.read),
        "III": ("iii", True, None),
        "REF": ("references", True, RefSegment.read),
        "DTP": ("dates", True, DtpSegment.read),
    }
    eq: EqSegment
    amounts: list[AmtSegment]
    references: list[RefSegment]
    dates: list[DtpSegment]


class Loop2110D(Loop2110C):
    LOOP_ID = "2110D"
    NAME = "Dependent Eligibility or Benefit Inquiry"


class Loop2100A(NameLoop):
    LOOP_ID = "2100A"
    NAME = "Information Source Name"


class Loop2100B(NameLoop):
    LOOP_ID = "2100B"
    NAME = "Information Receiver Name"


class Loop2100C(NameLoop):
    LOOP_ID = "2100C"
    NAME = "Subscriber Name"
    CHILDREN = {"EQ": [(0, None, Loop2110C, "inquiries")]}
    inquiries: list[Loop2110C]


class Loop2100D(NameLoop):
    LOOP_ID = "2100D"
    NAME = "Dependent Name"
    CHILDREN = {"EQ": [(0, None, Loop2110D, "inquiries")]}
    inquiries: list[Loop2110D]


class Loop2000D(PersonLevelLoop):
    LOOP_ID = "2000D"
    NAME = "Dependent Level"
    CHILDREN = {"NM1": [(0, None, Loop2100D, "dependent_name")]}
    dependent_name: list[Loop2100D]


class Loop2000C(PersonLevelLoop):
    LOOP_ID = "2000C"
    NAME = "Subscriber Level"
    CHILDREN = {
        "NM1": [(0, None, Loop2100C, "subscriber_name")],
        "HL": [(3, frozenset({"23"}), Loop2000D, "dependents")],
    }
    subscriber_name: list[Loop2100C]
    dependents: list[Loop2000D]


class Loop2000B(LevelLoop):
    LOOP_ID = "2000B"
    NAME = "Information Receiver Level"
    CHILDREN = {
        "NM1": [(0, None, Loop2100B, "receiver_name")],
        "HL": [(3, frozenset({"22"}), Loop2000C, "subscribers")],
    }
    receiver_name: list[Loop2100B]
    subscribers: list[Loop2000C]


class Loop2000A(LevelLoop):
    LOOP_ID = "2000A"
    NAME = "Information Source Level"
    FIELDS = {**LevelLoop.FIELDS, "AAA": ("requests_rejected", True, None)}
    CHILDREN = {
        "NM1": [(0, None, Loop2100A, "source_name")],
        "HL": [(3, frozenset({"21"}), Loop2000B, "receivers")],
    }
    source_name: list[Loop2100A]
    receivers: list[Loop2000B]


class Transaction270(EligibilityTransaction):
    """One 270 (ST..SE): source, receiver, subscribers and dependents with their inquiries."""

    NAME = "Eligibility, Coverage or Benefit Inquiry"
    CHILDREN = {"HL": [(3, frozenset({"20"}), Loop2000A, "sources")]}
    sources: list[Loop2000A]

    def subscribers(self) -> Iterator[Loop2000C]:
        for source in self.sources:
            for receiver in source.receivers:
                yield from receiver.subscribers
