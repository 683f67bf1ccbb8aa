"""Loop shapes shared by the 270 and 271 (one guide, 005010X279A1): levels, names, header.

Each transaction's package declares its loops under the guide's names (Loop2100C...); the
level (2000x), name (2100x) and ST..SE header loops, the same in both, are defined here.
"""

from __future__ import annotations

from shared.x12.common import (
    BhtSegment,
    DmgSegment,
    DtpSegment,
    HlSegment,
    N3Segment,
    N4Segment,
    Nm1Segment,
    PerSegment,
    PrvSegment,
    RefSegment,
    TrnSegment,
)
from shared.x12.loops import Loop
from shared.x12.segments import Segment

__all__ = ["EligibilityTransaction", "LevelLoop", "NameLoop", "PersonLevelLoop"]


class NameLoop(Loop):
    """A 2100x loop: NM1 with its address, references, contacts, demographics."""

    TRIGGER = "NM1"
    FIELDS = {
        "NM1": ("nm1", False, Nm1Segment.read),
        "REF": ("references", True, RefSegment.read),
        "N3": ("n3", False, N3Segment.read),
        "N4": ("n4", False, N4Segment.read),
        "PER": ("contacts", True, PerSegment.read),
        "PRV": ("prv", False, PrvSegment.read),
        "DMG": ("dmg", False, DmgSegment.read),
        "INS": ("ins", False, None),
        "HI": ("hi", False, None),
        "DTP": ("dates", True, DtpSegment.read),
        "MPI": ("mpi", False, None),
        "AAA": ("requests_rejected", True, None),
    }
    nm1: Nm1Segment
    references: list[RefSegment]
    n3: N3Segment | None
    n4: N4Segment | None
    dmg: DmgSegment | None
    dates: list[DtpSegment]


class LevelLoop(Loop):
    """A 2000x level of the X279A1 guide (270 and 271): its HL."""

    TRIGGER = "HL"
    FIELDS = {"HL": ("hl", False, HlSegment.read)}
    hl: HlSegment


class PersonLevelLoop(LevelLoop):
    """The subscriber (2000C) or dependent (2000D) level: HL and the inquiry's TRN traces."""

    FIELDS = {**LevelLoop.FIELDS, "TRN": ("traces", True, TrnSegment.read)}
    traces: list[TrnSegment]


class EligibilityTransaction(Loop):
    """ST..SE of a 270 or 271: BHT, then the information source levels (2000A)."""

    LOOP_ID = "HEADER"
    TRIGGER = "ST"
    FIELDS = {
        "ST": ("st", False, None),
        "BHT": ("bht", False, BhtSegment.read),
        "SE": ("se", False, None),
    }
    st: Segment
    bht: BhtSegment | None
    se: Segment | None
