"""276 Health Care Claim Status Request (005010X212): loops named as the guide names them."""

from __future__ import annotations

from shared.x12.claim_status import (
    InquiryClaimLoop,
    InquiryServiceLoop,
    LevelSpec,
    StatusTransaction,
    status_hierarchy,
)
from shared.x12.loops import Loop

TRANSACTION_SET_ID = "276"
IMPLEMENTATION = "005010X212"

# The guide's levels; the loop classes (Loop2000A, Loop2100A, Loop2200A...) are made from it.
LEVELS = (
    LevelSpec("A", "20", "Information Source Level", "Payer Name", None),
    LevelSpec("B", "21", "Information Receiver Level", "Information Receiver Name", None),
    LevelSpec("C", "19", "Service Provider Level", "Provider Name", None),
    LevelSpec(
        "D", "22", "Subscriber Level", "Subscriber Name", "Claim Status Tracking Number", True
    ),
    LevelSpec("E", "23", "Dependent Level", "Dependent Name", "Claim Status Tracking Number", True),
)
LOOPS = status_hierarchy(LEVELS, InquiryClaimLoop, InquiryServiceLoop, "2210")
globals().update(LOOPS)


class Transaction276(StatusTransaction):
    """One 276 (ST..SE): the HL levels down to claims and service lines."""

    NAME = "Health Care Claim Status Request"
    CHILDREN = {"HL": [(3, frozenset({"20"}), LOOPS["2000A"], "sources")]}
    sources: list[Loop]


__all__ = ["IMPLEMENTATION", "LEVELS", "LOOPS", "Transaction276", *LOOPS]
