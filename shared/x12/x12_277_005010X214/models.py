"""277CA Health Care Claim Acknowledgment (005010X214): loops named as the guide names them."""

from __future__ import annotations

from shared.x12.claim_status import (
    LevelSpec,
    StatusClaimLoop,
    StatusServiceLoop,
    StatusTransaction,
    status_hierarchy,
)
from shared.x12.loops import Loop

TRANSACTION_SET_ID = "277"
IMPLEMENTATION = "005010X214"

# The guide's levels; the loop classes (Loop2000A, Loop2100A, Loop2200A...) are made from it.
LEVELS = (
    LevelSpec(
        "A",
        "20",
        "Information Source Level",
        "Payer Name",
        "Transmission Receipt Control Identifier",
    ),
    LevelSpec(
        "B",
        "21",
        "Information Receiver Level",
        "Information Receiver Name",
        "Transmission Receipt Control Identifier",
    ),
    LevelSpec(
        "C",
        "19",
        "Billing Provider of Service Level",
        "Billing Provider Name",
        "Provider of Service Information Trace Identifier",
    ),
    LevelSpec("D", "PT", "Patient Level", "Patient Name", "Claim Status Tracking Number", True),
)
LOOPS = status_hierarchy(LEVELS, StatusClaimLoop, StatusServiceLoop, "2220")
globals().update(LOOPS)


class Transaction277CA(StatusTransaction):
    """One 277CA (ST..SE): the HL levels down to claims and service lines."""

    NAME = "Health Care Claim Acknowledgment"
    CHILDREN = {"HL": [(3, frozenset({"20"}), LOOPS["2000A"], "sources")]}
    sources: list[Loop]


__all__ = ["IMPLEMENTATION", "LEVELS", "LOOPS", "Transaction277CA", *LOOPS]
