"""277 Health Care Claim Status Response (005010X212): loops named as the guide names them."""

from __future__ import annotations

from shared.x12.claim_status import (
    StatusClaimLoop,
    StatusLevelLoop,
    StatusNameLoop,
    StatusServiceLoop,
    StatusTransaction,
)

TRANSACTION_SET_ID = "277"
IMPLEMENTATION = "005010X212"


class Loop2220E(StatusServiceLoop):
    """Service Line Information."""

    LOOP_ID = "2220E"
    NAME = "Service Line Information"


class Loop2200E(StatusClaimLoop):
    """Claim Status Tracking Number."""

    LOOP_ID = "2200E"
    NAME = "Claim Status Tracking Number"
    CHILDREN = {"SVC": [(0, None, Loop2220E, "service_lines")]}
    service_lines: list[Loop2220E]


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


class Loop2220D(StatusServiceLoop):
    """Service Line Information."""

    LOOP_ID = "2220D"
    NAME = "Service Line Information"


class Loop2200D(StatusClaimLoop):
    """Claim Status Tracking Number."""

    LOOP_ID = "2200D"
    NAME = "Claim Status Tracking Number"
    CHILDREN = {"SVC": [(0, None, Loop2220D, "service_lines")]}
    service_lines: list[Loop2220D]


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


class Loop2200C(StatusClaimLoop):
    """Claim Status Tracking Number."""

    LOOP_ID = "2200C"
    NAME = "Claim Status Tracking Number"


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
        "TRN": [(0, None, Loop2200C, "claims")],
        "HL": [(3, frozenset(["22"]), Loop2000D, "children_levels")],
    }
    names: list[Loop2100C]
    claims: list[Loop2200C]
    children_levels: list[Loop2000D]


class Loop2200B(StatusClaimLoop):
    """Claim Status Tracking Number."""

    LOOP_ID = "2200B"
    NAME = "Claim Status Tracking Number"


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
        "TRN": [(0, None, Loop2200B, "claims")],
        "HL": [(3, frozenset(["19"]), Loop2000C, "children_levels")],
    }
    names: list[Loop2100B]
    claims: list[Loop2200B]
    children_levels: list[Loop2000C]


class Loop2200A(StatusClaimLoop):
    """Claim Status Tracking Number."""

    LOOP_ID = "2200A"
    NAME = "Claim Status Tracking Number"


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
        "TRN": [(0, None, Loop2200A, "claims")],
        "HL": [(3, frozenset(["21"]), Loop2000B, "children_levels")],
    }
    names: list[Loop2100A]
    claims: list[Loop2200A]
    children_levels: list[Loop2000B]


class Transaction277(StatusTransaction):
    """One 277 (ST..SE): the HL levels down to claims and service lines."""

    NAME = "Health Care Claim Status Response"
    CHILDREN = {"HL": [(3, frozenset({"20"}), Loop2000A, "sources")]}
    sources: list[Loop2000A]
