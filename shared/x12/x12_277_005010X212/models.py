"""277 Health Care Claim Status Response (005010X212): loops named as the guide names them."""

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
IMPLEMENTATION = "005010X212"

# The guide's levels; the loop classes (Loop2000A, Loop2100A, Loop2200A...) are made from it.
LEVELS = (
    LevelSpec("A", "20", "Information Source Level", "Payer Name", "Claim Status Tracking Number"),
    LevelSpec(
        "B",
        "21",
        "Information Receiver Level",
        "Information Receiver Name",
        "Claim Status Tracking Number",
    ),
    LevelSpec("C", "19", "Service Provider Level", "Provider Name", "Claim Status Tracking Number"),
    LevelSpec(
        "D", "22", "Subscriber Level", "Subscriber Name", "Claim Status Tracking Number", True
    ),
    LevelSpec("E", "23", "Dependent Level", "Dependent Name", "Claim Status Tracking Number", True),
)
LOOPS = status_hierarchy(LEVELS, StatusClaimLoop, StatusServiceLoop, "2220")
globals().update(LOOPS)


class Transaction277(StatusTransaction):
    """One 277 (ST..SE): the HL levels down to claims and service lines."""

    NAME = "Health Care Claim Status Response"
    CHILDREN = {"HL": [(3, frozenset({"20"}), LOOPS["2000A"], "sources")]}
    sources: list[Loop]


__all__ = ["IMPLEMENTATION", "LEVELS", "LOOPS", "Transaction277", *LOOPS]
