"""277CA Health Care Claim Acknowledgment (005010X214): loops named as the guide names them."""

from __future__ import annotations

from shared.x12.claim_status import (
    StatusClaimLoop,
    StatusLevelLoop,
    StatusNameLoop,
    StatusServiceLoop,
    StatusTransaction,
)

TRANSACTION_SET_ID = "277"
IMPLEMENTATION = "005010X214"


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
    """Patient Name."""

    LOOP_ID = "2100D"
    NAME = "Patient Name"


class Loop2000D(StatusLevelLoop):
    """Patient Level."""

    LOOP_ID = "2000D"
    NAME = "Patient Level"
    CHILDREN = {
        "NM1": [(0, None, Loop2100D, "names")],
        "TRN": [(0, None, Loop2200D, "claims")],
    }
    names: list[Loop2100D]
    claims: list[Loop2200D]


class Loop2200C(StatusClaimLoop):
    """Provider of Service Information Trace Identifier."""

    LOOP_ID = "2200C"
    NAME = "Provider of Service Information Trace Identifier"


class Loop2100C(StatusNameLoop):
    """Billing Provider Name."""

    LOOP_ID = "2100C"
    NAME = "Billing Provider Name"


class Loop2000C(StatusLevelLoop):
    """Billing Provider of Service Level."""

    LOOP_ID = "2000C"
    NAME = "Billing Provider of Service Level"
    CHILDREN = {
        "NM1": [(0, None, Loop2100C, "names")],
        "TRN": [(0, None, Loop2200C, "claims")],
        "HL": [(3, frozenset(["PT"]), Loop2000D, "children_levels")],
    }
    names: list[Loop2100C]
    claims: list[Loop2200C]
    children_levels: list[Loop2000D]


class Loop2200B(StatusClaimLoop):
    """Transmission Receipt Control Identifier."""

    LOOP_ID = "2200B"
    NAME = "Transmission Receipt Control Identifier"


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
    """Transmission Receipt Control Identifier."""

    LOOP_ID = "2200A"
    NAME = "Transmission Receipt Control Identifier"


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


class Transaction277CA(StatusTransaction):
    """One 277CA (ST..SE): the HL levels down to claims and service lines."""

    NAME = "Health Care Claim Acknowledgment"
    CHILDREN = {"HL": [(3, frozenset({"20"}), Loop2000A, "sources")]}
    sources: list[Loop2000A]
