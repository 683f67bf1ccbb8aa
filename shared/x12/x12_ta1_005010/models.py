"""TA1 Interchange Acknowledgment (ISA version 00501): the segment and its code lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum

from shared.x12.loops import code, to_date6, to_time
from shared.x12.segments import Segment


class TA104(StrEnum):
    """Interchange Acknowledgment Code."""

    ACCEPTED = "A"
    ACCEPTED_WITH_ERRORS = "E"
    REJECTED = "R"


InterchangeAcknowledgmentCode = TA104


class TA105(StrEnum):
    """Interchange Note Code (000 no error; 001-031 the ISA/IEA problem found)."""

    NO_ERROR = "000"
    CONTROL_NUMBER_MISMATCH = "001"
    STANDARD_NOT_SUPPORTED = "002"
    VERSION_NOT_SUPPORTED = "003"
    SEGMENT_TERMINATOR_INVALID = "004"
    INVALID_SENDER_ID_QUALIFIER = "005"
    INVALID_SENDER_ID = "006"
    INVALID_RECEIVER_ID_QUALIFIER = "007"
    INVALID_RECEIVER_ID = "008"
    UNKNOWN_RECEIVER_ID = "009"
    INVALID_AUTHORIZATION_QUALIFIER = "010"
    INVALID_AUTHORIZATION_VALUE = "011"
    INVALID_SECURITY_QUALIFIER = "012"
    INVALID_SECURITY_VALUE = "013"
    INVALID_DATE = "014"
    INVALID_TIME = "015"
    INVALID_STANDARDS_IDENTIFIER = "016"
    INVALID_VERSION_ID = "017"
    INVALID_CONTROL_NUMBER = "018"
    INVALID_ACK_REQUESTED = "019"
    INVALID_TEST_INDICATOR = "020"
    INVALID_NUMBER_OF_GROUPS = "021"
    INVALID_CONTROL_STRUCTURE = "022"
    IMPROPER_END_OF_FILE = "023"
    INVALID_INTERCHANGE_CONTENT = "024"
    DUPLICATE_INTERCHANGE_CONTROL_NUMBER = "025"
    INVALID_DATA_ELEMENT_SEPARATOR = "026"
    INVALID_COMPONENT_ELEMENT_SEPARATOR = "027"
    INVALID_DELIVERY_DATE = "028"
    INVALID_DELIVERY_TIME = "029"
    INVALID_DELIVERY_TIME_CODE = "030"
    INVALID_GRADE_OF_SERVICE = "031"


InterchangeNoteCode = TA105


@dataclass(slots=True)
class Ta1Segment:
    """Interchange Acknowledgment.

    Example:
        TA1*000000001*200101*1253*A*000~
    """

    control_number: str  # TA101: the acknowledged ISA13
    interchange_date: date | None  # TA102 (YYMMDD)
    interchange_time: time | None  # TA103 (HHMM)
    acknowledgment: TA104 | str  # TA104
    note: TA105 | str  # TA105
    position: int

    @classmethod
    def from_segment(cls, s: Segment) -> Ta1Segment:
        return cls(
            s.get(1),
            to_date6(s.get(2)),
            to_time(s.get(3)),
            code(TA104, s.get(4)),
            code(TA105, s.get(5)),
            s.position,
        )
