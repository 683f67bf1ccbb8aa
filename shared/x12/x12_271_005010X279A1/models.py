"""271 Eligibility, Coverage or Benefit Information (005010X279A1): segments, codes, loops."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from shared.x12.common import (
    DtpSegment,
    N3Segment,
    N4Segment,
    Nm1Segment,
    PerSegment,
    ProcedureCode,
    PrvSegment,
    RefSegment,
)
from shared.x12.eligibility import (
    EligibilityTransaction,
    LevelLoop,
    NameLoop,
    PersonLevelLoop,
)
from shared.x12.loops import Loop, LoopContext, code, to_decimal
from shared.x12.segments import Segment

TRANSACTION_SET_ID = "271"
IMPLEMENTATION = "005010X279A1"


class EB01(StrEnum):
    """Eligibility or Benefit Information Code (the common ones)."""

    ACTIVE_COVERAGE = "1"
    ACTIVE_FULL_RISK_CAPITATION = "2"
    ACTIVE_SERVICES_CAPITATED = "3"
    ACTIVE_SERVICES_CAPITATED_TO_PCP = "4"
    ACTIVE_PENDING_INVESTIGATION = "5"
    INACTIVE = "6"
    INACTIVE_PENDING_ELIGIBILITY_UPDATE = "7"
    INACTIVE_PENDING_INVESTIGATION = "8"
    CO_INSURANCE = "A"
    CO_PAYMENT = "B"
    DEDUCTIBLE = "C"
    BENEFIT_DESCRIPTION = "D"
    EXCLUSIONS = "E"
    LIMITATIONS = "F"
    OUT_OF_POCKET = "G"
    UNLIMITED = "H"
    NON_COVERED = "I"
    COST_CONTAINMENT = "J"
    RESERVE = "K"
    PRIMARY_CARE_PROVIDER = "L"
    PRE_EXISTING_CONDITION = "M"
    SERVICES_RESTRICTED_TO_PROVIDER = "MC"
    NOT_DEEMED_MEDICAL_NECESSITY = "N"
    BENEFIT_DISCLAIMER = "O"
    SECOND_SURGICAL_OPINION_REQUIRED = "P"
    OTHER_SOURCE_OF_DATA = "R"
    CAPITATED = "S"
    CONTACT_FOLLOWING_ENTITY = "U"
    CANNOT_PROCESS = "V"
    OTHER_SOURCE_OF_DATA_W = "W"
    HEALTH_CARE_FACILITY = "X"
    SPEND_DOWN = "Y"


EligibilityOrBenefitInformationCode = EB01


@dataclass(slots=True)
class EbSegment:
    """Eligibility or Benefit Information.

    Example:
        EB*1*FAM*1^33^35^47^86^88^98^AL^MH^UC*HM*GOLD 123 PLAN~
    """

    information: EB01 | str  # EB01
    coverage_level: str  # EB02 (IND, FAM, EMP...)
    service_types: list[str]  # EB03 (repeating)
    insurance_type: str  # EB04
    plan_description: str  # EB05
    time_period: str  # EB06
    amount: Decimal | None  # EB07
    percent: Decimal | None  # EB08
    quantity_qualifier: str  # EB09
    quantity: Decimal | None  # EB10
    authorization_required: str  # EB11
    in_plan_network: str  # EB12
    procedure: ProcedureCode | None  # EB13

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> EbSegment:
        raw = s.get(3)
        types = raw.split(ctx.repetition) if ctx.repetition and raw else ([raw] if raw else [])
        proc = s.get(13)
        return cls(
            code(EB01, s.get(1)),
            s.get(2),
            types,
            s.get(4),
            s.get(5),
            s.get(6),
            to_decimal(s.get(7)),
            to_decimal(s.get(8)),
            s.get(9),
            to_decimal(s.get(10)),
            s.get(11),
            s.get(12),
            ProcedureCode.of(proc, ctx) if proc else None,
        )


@dataclass(slots=True)
class AaaSegment:
    """Request Validation (why a request could not be answered).

    Example:
        AAA*N**72*C~
    """

    valid_request: str  # AAA01 (Y/N)
    reject_reason: str  # AAA03
    follow_up_action: str  # AAA04

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> AaaSegment:
        return cls(s.get(1), s.get(3), s.get(4))


class Loop2120C(Loop):
    """Subscriber Benefit Related Entity Name (inside LS/LE)."""

    LOOP_ID = "2120C"
    NAME = "Subscriber Benefit Related Entity Name"
    TRIGGER = "NM1"
    FIELDS = {
        "NM1": ("nm1", False, Nm1Segment.read),
        "N3": ("n3", False, N3Segment.read),
        "N4": ("n4", False, N4Segment.read),
        "PER": ("contacts", True, PerSegment.read),
        "PRV": ("prv", False, PrvSegment.read),
    }
    nm1: Nm1Segment


class Loop2120D(Loop2120C):
    LOOP_ID = "2120D"
    NAME = "Dependent Benefit Related Entity Name"


class Loop2115C(Loop):
    """Subscriber Eligibility or Benefit Additional Information (one III each)."""

    LOOP_ID = "2115C"
    NAME = "Subscriber Eligibility or Benefit Additional Information"
    TRIGGER = "III"
    FIELDS = {"III": ("iii", False, None)}


class Loop2115D(Loop2115C):
    LOOP_ID = "2115D"
    NAME = "Dependent Eligibility or Benefit Additional Information"


class Loop2110C(Loop):
    """Subscriber Eligibility or Benefit Information."""

    LOOP_ID = "2110C"
    NAME = "Subscriber Eligibility or Benefit Information"
    TRIGGER = "EB"
    FIELDS = {
        "EB": ("eb", False, EbSegment.read),
        "HSD": ("delivery", True, None),
        "REF": ("references", True, RefSegment.read),
        "DTP": ("dates", True, DtpSegment.read),
        "AAA": ("requests_rejected", True, AaaSegment.read),
        "MSG": ("messages", True, None),
        "LS": ("ls", False, None),
        "LE": ("le", False, None),
    }
    # The guide's 2115C (III) comes before LS; 2120C (NM1) sits between LS and LE.
    CHILDREN = {
        "III": [(0, None, Loop2115C, "additional_information")],
        "NM1": [(0, None, Loop2120C, "related_entities")],
    }
    eb: EbSegment
    references: list[RefSegment]
    dates: list[DtpSegment]
    requests_rejected: list[AaaSegment]
    additional_information: list[Loop2115C]
    related_entities: list[Loop2120C]


class Loop2110D(Loop2110C):
    LOOP_ID = "2110D"
    NAME = "Dependent Eligibility or Benefit Information"
    CHILDREN = {
        "III": [(0, None, Loop2115D, "additional_information")],
        "NM1": [(0, None, Loop2120D, "related_entities")],
    }


class _NameLoop271(NameLoop):
    FIELDS = {**NameLoop.FIELDS, "AAA": ("requests_rejected", True, AaaSegment.read)}
    requests_rejected: list[AaaSegment]


class Loop2100A(_NameLoop271):
    LOOP_ID = "2100A"
    NAME = "Information Source Name"


class Loop2100B(_NameLoop271):
    LOOP_ID = "2100B"
    NAME = "Information Receiver Name"


class Loop2100C(_NameLoop271):
    LOOP_ID = "2100C"
    NAME = "Subscriber Name"
    CHILDREN = {"EB": [(0, None, Loop2110C, "benefits")]}
    benefits: list[Loop2110C]


class Loop2100D(_NameLoop271):
    LOOP_ID = "2100D"
    NAME = "Dependent Name"
    CHILDREN = {"EB": [(0, None, Loop2110D, "benefits")]}
    benefits: list[Loop2110D]


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
    FIELDS = {**LevelLoop.FIELDS, "AAA": ("requests_rejected", True, AaaSegment.read)}
    CHILDREN = {
        "NM1": [(0, None, Loop2100A, "source_name")],
        "HL": [(3, frozenset({"21"}), Loop2000B, "receivers")],
    }
    requests_rejected: list[AaaSegment]
    source_name: list[Loop2100A]
    receivers: list[Loop2000B]


class Transaction271(EligibilityTransaction):
    """One 271 (ST..SE): source, receiver, subscribers and dependents with their benefits."""

    NAME = "Eligibility, Coverage or Benefit Information"
    CHILDREN = {"HL": [(3, frozenset({"20"}), Loop2000A, "sources")]}
    sources: list[Loop2000A]

    def subscribers(self) -> Iterator[Loop2000C]:
        for source in self.sources:
            for receiver in source.receivers:
                yield from receiver.subscribers
