"""276 Health Care Claim Status Request (005010X212): loops named as the guide names them."""

from __future__ import annotations

from shared.x12.claim_status import (
    InquiryClaimLoop,
    InquiryServiceLoop,
    StatusLevelLoop,
    StatusNameLoop,
    StatusTransaction,
)

TRANSACTION_SET_ID = "276"
IMPLEMENTATION = "005010X212"


class Loop2210E(InquiryServiceLoop):
    """Service Line Information."""

    LOOP_ID = "2210E"
    NAME = "Service Line Information"


class Loop2200E(InquiryClaimLoop):
    """Claim Status Tracking Number."""

    LOOP_ID = "2200E"
    NAME = "Claim Status Tracking Number"
    CHILDREN = {"SVC": [(0, None, Loop2210E, "service_lines")]}
    service_lines: list[Loop2210E]


class Loop2100E(StatusNameLoop):
    """Dependent Name."""

    LOOP_ID = "2100E"
    NAME = "Dependent Name"


class Loop2000E(StatusLevelLoop):
    """Dependent Level."""

    LOOP_ID = "2000E"
    NAME = "Dependent Level"
    CHILDREN = {
        "NM1": [(0, None, Loop2100E, "names")],
        "TRN": [(0, None, Loop2200E, "claims")],
    }
    names: list[Loop2100E]
    claims: list[Loop2200E]


class Loop2210D(InquiryServiceLoop):
    """Service Line Information."""

    LOOP_ID = "2210D"
    NAME = "Service Line Information"


class Loop2200D(InquiryClaimLoop):
    """Claim Status Tracking Number."""

    LOOP_ID = "2200D"
    NAME = "Claim Status Tracking Number"
    CHILDREN = {"SVC": [(0, None, Loop2210D, "service_lines")]}
    service_lines: list[Loop2210D]


class Loop2100D(StatusNameLoop):
    """Subscriber Name."""

    LOOP_ID = "2100D"
    NAME = "Subscriber Name"


class Loop2000D(StatusLevelLoop):
    """Subscriber Level."""

    LOOP_ID = "2000D"
    NAME = "Subscriber Level"
    CHILDREN = {
        "NM1": [(0, None, Loop2100D, "names")],
        "TRN": [(0, None, Loop2200D, "claims")],
        "HL": [(3, frozenset(["23"]), Loop2000E, "children_levels")],
    }
    names: list[Loop2100D]
    claims: list[Loop2200D]
    children_levels: list[Loop2000E]


class Loop2100C(StatusNameLoop):
    """Provider Name."""

    LOOP_ID = "2100C"
    NAME = "Provider Name"


class Loop2000C(StatusLevelLoop):
    """Service Provider Level."""

    LOOP_ID = "2000C"
    NAME = "Service Provider Level"
    CHILDREN = {
        "NM1": [(0, None, Loop2100C, "names")],
        "HL": [(3, frozenset(["22"]), Loop2000D, "children_levels")],
    }
    names: list[Loop2100C]
    children_levels: list[Loop2000D]


class Loop2100B(StatusNameLoop):
    """Information Receiver Name."""

    LOOP_ID = "2100B"
    NAME = "Information Receiver Name"


class Loop2000B(StatusLevelLoop):
    """Information Receiver Level."""

    LOOP_ID = "2000B"
    NAME = "Information Receiver Level"
    CHILDREN = {
        "NM1": [(0, None, Loop2100B, "names")],
        "HL": [(3, frozenset(["19"]), Loop2000C, "children_levels")],
    }
    names: list[Loop2100B]
    children_levels: list[Loop2000C]


class Loop2100A(StatusNameLoop):
    """Payer Name."""

    LOOP_ID = "2100A"
    NAME = "Payer Name"


class Loop2000A(StatusLevelLoop):
    """Information Source Level."""

    LOOP_ID = "2000A"
    NAME = "Information Source Level"
    CHILDREN = {
        "NM1": [(0, None, Loop2100A, "names")],
        "HL": [(3, frozenset(["21"]), Loop2000B, "children_levels")],
    }
    names: list[Loop2100A]
    children_levels: list[Loop2000B]


class Transaction276(StatusTransaction):
    """One 276 (ST..SE): the HL levels down to claims and service lines."""

    NAME = "Health Care Claim Status Request"
    CHILDREN = {"HL": [(3, frozenset({"20"}), Loop2000A, "sources")]}
    sources: list[Loop2000A]
