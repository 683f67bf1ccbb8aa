"""999 Implementation Acknowledgment (005010X231A1): segments, code lists and loops."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from shared.x12.loops import Loop, LoopContext, code, component, components
from shared.x12.segments import Segment

TRANSACTION_SET_ID = "999"
IMPLEMENTATION = "005010X231A1"


class IK501(StrEnum):
    """Transaction Set Acknowledgment Code."""

    ACCEPTED = "A"
    ACCEPTED_WITH_ERRORS = "E"
    AUTHENTICATION_FAILED = "M"
    REJECTED = "R"
    VALIDITY_FAILED = "W"
    DECRYPTION_FAILED = "X"


TransactionSetAcknowledgmentCode = IK501


class AK901(StrEnum):
    """Functional Group Acknowledge Code."""

    ACCEPTED = "A"
    ACCEPTED_WITH_ERRORS = "E"
    AUTHENTICATION_FAILED = "M"
    PARTIALLY_ACCEPTED = "P"
    REJECTED = "R"
    VALIDITY_FAILED = "W"
    DECRYPTION_FAILED = "X"


FunctionalGroupAcknowledgeCode = AK901


class IK304(StrEnum):
    """Implementation Segment Syntax Error Code."""

    UNRECOGNIZED_SEGMENT_ID = "1"
    UNEXPECTED_SEGMENT = "2"
    REQUIRED_SEGMENT_MISSING = "3"
    LOOP_OCCURS_OVER_MAXIMUM = "4"
    SEGMENT_EXCEEDS_MAXIMUM_USE = "5"
    SEGMENT_NOT_IN_DEFINED_TRANSACTION_SET = "6"
    SEGMENT_NOT_IN_PROPER_SEQUENCE = "7"
    SEGMENT_HAS_DATA_ELEMENT_ERRORS = "8"
    IMPLEMENTATION_NOT_USED_SEGMENT_PRESENT = "I4"
    IMPLEMENTATION_DEPENDENT_SEGMENT_MISSING = "I6"
    IMPLEMENTATION_LOOP_OCCURS_UNDER_MINIMUM = "I7"
    IMPLEMENTATION_SEGMENT_BELOW_MINIMUM_USE = "I8"
    IMPLEMENTATION_DEPENDENT_NOT_USED_SEGMENT_PRESENT = "I9"


ImplementationSegmentSyntaxErrorCode = IK304


class IK403(StrEnum):
    """Implementation Data Element Syntax Error Code."""

    REQUIRED_ELEMENT_MISSING = "1"
    CONDITIONAL_REQUIRED_ELEMENT_MISSING = "2"
    TOO_MANY_ELEMENTS = "3"
    ELEMENT_TOO_SHORT = "4"
    ELEMENT_TOO_LONG = "5"
    INVALID_CHARACTER = "6"
    INVALID_CODE_VALUE = "7"
    INVALID_DATE = "8"
    INVALID_TIME = "9"
    EXCLUSION_CONDITION_VIOLATED = "10"
    TOO_MANY_REPETITIONS = "12"
    TOO_MANY_COMPONENTS = "13"
    IMPLEMENTATION_NOT_USED_ELEMENT_PRESENT = "I10"
    IMPLEMENTATION_TOO_FEW_REPETITIONS = "I11"
    IMPLEMENTATION_PATTERN_MATCH_FAILURE = "I12"
    IMPLEMENTATION_DEPENDENT_NOT_USED_ELEMENT_PRESENT = "I13"
    CODE_VALUE_NOT_USED_IN_IMPLEMENTATION = "I6"
    IMPLEMENTATION_DEPENDENT_ELEMENT_MISSING = "I9"


ImplementationDataElementSyntaxErrorCode = IK403


@dataclass(slots=True)
class Ak1Segment:
    """Functional Group Response Header.

    Example:
        AK1*HC*17456*005010X222A1~
    """

    functional_id: str  # AK101: GS01 of the acknowledged group
    group_control_number: str  # AK102: its GS06
    version: str  # AK103: its GS08

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> Ak1Segment:
        return cls(s.get(1), s.get(2), s.get(3))


@dataclass(slots=True)
class Ak2Segment:
    """Transaction Set Response Header.

    Example:
        AK2*837*0001*005010X222A1~
    """

    transaction_set_id: str
    control_number: str
    implementation: str

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> Ak2Segment:
        return cls(s.get(1), s.get(2), s.get(3))


@dataclass(slots=True)
class Ik3Segment:
    """Error Identification (a segment in error).

    Example:
        IK3*NM1*17*2010BA*8~
    """

    segment_id: str  # IK301
    position: str  # IK302: position in the transaction set (ST = 1)
    loop_id: str  # IK303
    error: IK304 | str  # IK304

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> Ik3Segment:
        return cls(s.get(1), s.get(2), s.get(3), code(IK304, s.get(4)))


@dataclass(slots=True)
class Ik4Segment:
    """Implementation Data Element Note (an element in error).

    Example:
        IK4*2*782*1~
    """

    element_position: str  # IK401-1
    component_position: str  # IK401-2
    element_reference: str  # IK402
    error: IK403 | str  # IK403
    bad_value: str  # IK404

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> Ik4Segment:
        pos = components(s.get(1), ctx)
        return cls(component(pos, 1), component(pos, 2), s.get(2), code(IK403, s.get(3)), s.get(4))


@dataclass(slots=True)
class Ik5Segment:
    """Transaction Set Response Trailer.

    Example:
        IK5*R*5~
    """

    acknowledgment: IK501 | str
    error_codes: list[str]

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> Ik5Segment:
        return cls(code(IK501, s.get(1)), [c for c in (s.get(i) for i in range(2, 7)) if c])


@dataclass(slots=True)
class Ak9Segment:
    """Functional Group Response Trailer.

    Example:
        AK9*P*3*3*1~
    """

    acknowledgment: AK901 | str
    transaction_sets_included: str
    transaction_sets_received: str
    transaction_sets_accepted: str
    error_codes: list[str]

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> Ak9Segment:
        return cls(
            code(AK901, s.get(1)),
            s.get(2),
            s.get(3),
            s.get(4),
            [c for c in (s.get(i) for i in range(5, 10)) if c],
        )


@dataclass(slots=True)
class CtxSegment:
    """Context (business unit identifier or situational trigger), kept as its elements.

    Example:
        CTX*CLM01:123456789~
    """

    elements: list[str]

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> CtxSegment:
        return cls([str(v) for v in s.elements])


class Loop2110(Loop):
    """Implementation Data Element Note."""

    LOOP_ID = "2110"
    NAME = "Implementation Data Element Note"
    ORDERED = True
    TRIGGER = "IK4"
    FIELDS = {"IK4": ("ik4", False, Ik4Segment.read), "CTX": ("contexts", True, CtxSegment.read)}
    ik4: Ik4Segment
    contexts: list[CtxSegment]


class Loop2100(Loop):
    """Error Identification."""

    LOOP_ID = "2100"
    NAME = "Error Identification"
    ORDERED = True
    TRIGGER = "IK3"
    FIELDS = {"IK3": ("ik3", False, Ik3Segment.read), "CTX": ("contexts", True, CtxSegment.read)}
    CHILDREN = {"IK4": [(0, None, Loop2110, "element_notes")]}
    ik3: Ik3Segment
    contexts: list[CtxSegment]
    element_notes: list[Loop2110]


class Loop2000(Loop):
    """Transaction Set Response Header."""

    LOOP_ID = "2000"
    NAME = "Transaction Set Response Header"
    ORDERED = True
    TRIGGER = "AK2"
    FIELDS = {"AK2": ("ak2", False, Ak2Segment.read), "IK5": ("ik5", False, Ik5Segment.read)}
    CHILDREN = {"IK3": [(0, None, Loop2100, "segment_errors")]}
    ak2: Ak2Segment
    ik5: Ik5Segment | None
    segment_errors: list[Loop2100]


class Transaction999(Loop):
    """One 999 (ST..SE): the acknowledged group (AK1), each transaction's result, AK9."""

    LOOP_ID = "HEADER"
    NAME = "Implementation Acknowledgment"
    ORDERED = True
    TRIGGER = "ST"
    FIELDS = {
        "ST": ("st", False, None),
        "AK1": ("ak1", False, Ak1Segment.read),
        "AK9": ("ak9", False, Ak9Segment.read),
        "SE": ("se", False, None),
    }
    CHILDREN = {"AK2": [(0, None, Loop2000, "transaction_responses")]}
    st: Segment
    ak1: Ak1Segment | None
    ak9: Ak9Segment | None
    se: Segment | None
    transaction_responses: list[Loop2000]

    def responses(self) -> Iterator[Loop2000]:
        yield from self.transaction_responses
