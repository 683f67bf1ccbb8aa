"""277 Health Care Claim Status Response (005010X212): loops named as the guide names them."""

from __future__ import annotations

from collections.abc import Iterator

from shared.x12.claim837 import BhtSegment
from shared.x12.claim_status import StatusSvcSegment, StcSegment
from shared.x12.common import (
    AmtSegment,
    DmgSegment,
    DtpSegment,
    HlSegment,
    N3Segment,
    N4Segment,
    Nm1Segment,
    PerSegment,
    QtySegment,
    RefSegment,
    TrnSegment,
)
from shared.x12.loops import Loop
from shared.x12.segments import Segment

TRANSACTION_SET_ID = "277"
IMPLEMENTATION = "005010X212"


class Loop2220E(Loop):
    """Service Line Information."""

    LOOP_ID = "2220E"
    NAME = "Service Line Information"
    TRIGGER = "SVC"
    FIELDS = {
        "SVC": ("svc", False, StatusSvcSegment.read),
        "REF": ("references", True, RefSegment.read),
        "DTP": ("dates", True, DtpSegment.read),
        "STC": ("statuses", True, StcSegment.read),
    }
    svc: StatusSvcSegment
    references: list[RefSegment]
    dates: list[DtpSegment]
    statuses: list[StcSegment]


class Loop2200E(Loop):
    """Claim Status Tracking Number."""

    LOOP_ID = "2200E"
    NAME = "Claim Status Tracking Number"
    TRIGGER = "TRN"
    FIELDS = {
        "TRN": ("trn", False, TrnSegment.read),
        "REF": ("references", True, RefSegment.read),
        "AMT": ("amounts", True, AmtSegment.read),
        "DTP": ("dates", True, DtpSegment.read),
        "QTY": ("quantities", True, QtySegment.read),
        "STC": ("statuses", True, StcSegment.read),
    }
    CHILDREN = {"SVC": [(0, None, Loop2220E, "service_lines")]}
    trn: TrnSegment
    references: list[RefSegment]
    amounts: list[AmtSegment]
    dates: list[DtpSegment]
    statuses: list[StcSegment]
    service_lines: list[Loop2220E]

    def reference(self, qualifier: str) -> str | None:
        """REF02 of the first REF with this qualifier (1K payer claim no., EJ patient account)."""
        for ref in self.references:
            if ref.qualifier == qualifier:
                return ref.value
        return None


class Loop2100E(Loop):
    """Dependent Name."""

    LOOP_ID = "2100E"
    NAME = "Dependent Name"
    TRIGGER = "NM1"
    FIELDS = {
        "NM1": ("nm1", False, Nm1Segment.read),
        "N3": ("n3", False, N3Segment.read),
        "N4": ("n4", False, N4Segment.read),
        "PER": ("contacts", True, PerSegment.read),
        "REF": ("references", True, RefSegment.read),
    }
    nm1: Nm1Segment
    references: list[RefSegment]
    contacts: list[PerSegment]


class Loop2000E(Loop):
    """Dependent Level."""

    LOOP_ID = "2000E"
    NAME = "Dependent Level"
    TRIGGER = "HL"
    FIELDS = {"HL": ("hl", False, HlSegment.read), "DMG": ("dmg", False, DmgSegment.read)}
    CHILDREN = {
        "NM1": [(0, None, Loop2100E, "names")],
        "TRN": [(0, None, Loop2200E, "claims")],
    }
    hl: HlSegment
    dmg: DmgSegment | None
    names: list[Loop2100E]
    claims: list[Loop2200E]


class Loop2220D(Loop):
    """Service Line Information."""

    LOOP_ID = "2220D"
    NAME = "Service Line Information"
    TRIGGER = "SVC"
    FIELDS = {
        "SVC": ("svc", False, StatusSvcSegment.read),
        "REF": ("references", True, RefSegment.read),
        "DTP": ("dates", True, DtpSegment.read),
        "STC": ("statuses", True, StcSegment.read),
    }
    svc: StatusSvcSegment
    references: list[RefSegment]
    dates: list[DtpSegment]
    statuses: list[StcSegment]


class Loop2200D(Loop):
    """Claim Status Tracking Number."""

    LOOP_ID = "2200D"
    NAME = "Claim Status Tracking Number"
    TRIGGER = "TRN"
    FIELDS = {
        "TRN": ("trn", False, TrnSegment.read),
        "REF": ("references", True, RefSegment.read),
        "AMT": ("amounts", True, AmtSegment.read),
        "DTP": ("dates", True, DtpSegment.read),
        "QTY": ("quantities", True, QtySegment.read),
        "STC": ("statuses", True, StcSegment.read),
    }
    CHILDREN = {"SVC": [(0, None, Loop2220D, "service_lines")]}
    trn: TrnSegment
    references: list[RefSegment]
    amounts: list[AmtSegment]
    dates: list[DtpSegment]
    statuses: list[StcSegment]
    service_lines: list[Loop2220D]

    def reference(self, qualifier: str) -> str | None:
        """REF02 of the first REF with this qualifier (1K payer claim no., EJ patient account)."""
        for ref in self.references:
            if ref.qualifier == qualifier:
                return ref.value
        return None


class Loop2100D(Loop):
    """Subscriber Name."""

    LOOP_ID = "2100D"
    NAME = "Subscriber Name"
    TRIGGER = "NM1"
    FIELDS = {
        "NM1": ("nm1", False, Nm1Segment.read),
        "N3": ("n3", False, N3Segment.read),
        "N4": ("n4", False, N4Segment.read),
        "PER": ("contacts", True, PerSegment.read),
        "REF": ("references", True, RefSegment.read),
    }
    nm1: Nm1Segment
    references: list[RefSegment]
    contacts: list[PerSegment]


class Loop2000D(Loop):
    """Subscriber Level."""

    LOOP_ID = "2000D"
    NAME = "Subscriber Level"
    TRIGGER = "HL"
    FIELDS = {"HL": ("hl", False, HlSegment.read), "DMG": ("dmg", False, DmgSegment.read)}
    CHILDREN = {
        "NM1": [(0, None, Loop2100D, "names")],
        "TRN": [(0, None, Loop2200D, "claims")],
        "HL": [(3, frozenset(["23"]), Loop2000E, "children_levels")],
    }
    hl: HlSegment
    dmg: DmgSegment | None
    names: list[Loop2100D]
    claims: list[Loop2200D]
    children_levels: list[Loop2000E]


class Loop2200C(Loop):
    """Claim Status Tracking Number."""

    LOOP_ID = "2200C"
    NAME = "Claim Status Tracking Number"
    TRIGGER = "TRN"
    FIELDS = {
        "TRN": ("trn", False, TrnSegment.read),
        "REF": ("references", True, RefSegment.read),
        "AMT": ("amounts", True, AmtSegment.read),
        "DTP": ("dates", True, DtpSegment.read),
        "QTY": ("quantities", True, QtySegment.read),
        "STC": ("statuses", True, StcSegment.read),
    }
    trn: TrnSegment
    references: list[RefSegment]
    amounts: list[AmtSegment]
    dates: list[DtpSegment]
    statuses: list[StcSegment]

    def reference(self, qualifier: str) -> str | None:
        """REF02 of the first REF with this qualifier (1K payer claim no., EJ patient account)."""
        for ref in self.references:
            if ref.qualifier == qualifier:
                return ref.value
        return None


class Loop2100C(Loop):
    """Provider Name."""

    LOOP_ID = "2100C"
    NAME = "Provider Name"
    TRIGGER = "NM1"
    FIELDS = {
        "NM1": ("nm1", False, Nm1Segment.read),
        "N3": ("n3", False, N3Segment.read),
        "N4": ("n4", False, N4Segment.read),
        "PER": ("contacts", True, PerSegment.read),
        "REF": ("references", True, RefSegment.read),
    }
    nm1: Nm1Segment
    references: list[RefSegment]
    contacts: list[PerSegment]


class Loop2000C(Loop):
    """Service Provider Level."""

    LOOP_ID = "2000C"
    NAME = "Service Provider Level"
    TRIGGER = "HL"
    FIELDS = {"HL": ("hl", False, HlSegment.read), "DMG": ("dmg", False, DmgSegment.read)}
    CHILDREN = {
        "NM1": [(0, None, Loop2100C, "names")],
        "TRN": [(0, None, Loop2200C, "claims")],
        "HL": [(3, frozenset(["22"]), Loop2000D, "children_levels")],
    }
    hl: HlSegment
    dmg: DmgSegment | None
    names: list[Loop2100C]
    claims: list[Loop2200C]
    children_levels: list[Loop2000D]


class Loop2200B(Loop):
    """Claim Status Tracking Number."""

    LOOP_ID = "2200B"
    NAME = "Claim Status Tracking Number"
    TRIGGER = "TRN"
    FIELDS = {
        "TRN": ("trn", False, TrnSegment.read),
        "REF": ("references", True, RefSegment.read),
        "AMT": ("amounts", True, AmtSegment.read),
        "DTP": ("dates", True, DtpSegment.read),
        "QTY": ("quantities", True, QtySegment.read),
        "STC": ("statuses", True, StcSegment.read),
    }
    trn: TrnSegment
    references: list[RefSegment]
    amounts: list[AmtSegment]
    dates: list[DtpSegment]
    statuses: list[StcSegment]

    def reference(self, qualifier: str) -> str | None:
        """REF02 of the first REF with this qualifier (1K payer claim no., EJ patient account)."""
        for ref in self.references:
            if ref.qualifier == qualifier:
                return ref.value
        return None


class Loop2100B(Loop):
    """Information Receiver Name."""

    LOOP_ID = "2100B"
    NAME = "Information Receiver Name"
    TRIGGER = "NM1"
    FIELDS = {
        "NM1": ("nm1", False, Nm1Segment.read),
        "N3": ("n3", False, N3Segment.read),
        "N4": ("n4", False, N4Segment.read),
        "PER": ("contacts", True, PerSegment.read),
        "REF": ("references", True, RefSegment.read),
    }
    nm1: Nm1Segment
    references: list[RefSegment]
    contacts: list[PerSegment]


class Loop2000B(Loop):
    """Information Receiver Level."""

    LOOP_ID = "2000B"
    NAME = "Information Receiver Level"
    TRIGGER = "HL"
    FIELDS = {"HL": ("hl", False, HlSegment.read), "DMG": ("dmg", False, DmgSegment.read)}
    CHILDREN = {
        "NM1": [(0, None, Loop2100B, "names")],
        "TRN": [(0, None, Loop2200B, "claims")],
        "HL": [(3, frozenset(["19"]), Loop2000C, "children_levels")],
    }
    hl: HlSegment
    dmg: DmgSegment | None
    names: list[Loop2100B]
    claims: list[Loop2200B]
    children_levels: list[Loop2000C]


class Loop2200A(Loop):
    """Claim Status Tracking Number."""

    LOOP_ID = "2200A"
    NAME = "Claim Status Tracking Number"
    TRIGGER = "TRN"
    FIELDS = {
        "TRN": ("trn", False, TrnSegment.read),
        "REF": ("references", True, RefSegment.read),
        "AMT": ("amounts", True, AmtSegment.read),
        "DTP": ("dates", True, DtpSegment.read),
        "QTY": ("quantities", True, QtySegment.read),
        "STC": ("statuses", True, StcSegment.read),
    }
    trn: TrnSegment
    references: list[RefSegment]
    amounts: list[AmtSegment]
    dates: list[DtpSegment]
    statuses: list[StcSegment]

    def reference(self, qualifier: str) -> str | None:
        """REF02 of the first REF with this qualifier (1K payer claim no., EJ patient account)."""
        for ref in self.references:
            if ref.qualifier == qualifier:
                return ref.value
        return None


class Loop2100A(Loop):
    """Payer Name."""

    LOOP_ID = "2100A"
    NAME = "Payer Name"
    TRIGGER = "NM1"
    FIELDS = {
        "NM1": ("nm1", False, Nm1Segment.read),
        "N3": ("n3", False, N3Segment.read),
        "N4": ("n4", False, N4Segment.read),
        "PER": ("contacts", True, PerSegment.read),
        "REF": ("references", True, RefSegment.read),
    }
    nm1: Nm1Segment
    references: list[RefSegment]
    contacts: list[PerSegment]


class Loop2000A(Loop):
    """Information Source Level."""

    LOOP_ID = "2000A"
    NAME = "Information Source Level"
    TRIGGER = "HL"
    FIELDS = {"HL": ("hl", False, HlSegment.read), "DMG": ("dmg", False, DmgSegment.read)}
    CHILDREN = {
        "NM1": [(0, None, Loop2100A, "names")],
        "TRN": [(0, None, Loop2200A, "claims")],
        "HL": [(3, frozenset(["21"]), Loop2000B, "children_levels")],
    }
    hl: HlSegment
    dmg: DmgSegment | None
    names: list[Loop2100A]
    claims: list[Loop2200A]
    children_levels: list[Loop2000B]


class Transaction277(Loop):
    """One 277 (ST..SE): the HL levels down to claims and service lines."""

    LOOP_ID = "HEADER"
    NAME = "Health Care Claim Status Response"
    TRIGGER = "ST"
    FIELDS = {
        "ST": ("st", False, None),
        "BHT": ("bht", False, BhtSegment.read),
        "SE": ("se", False, None),
    }
    CHILDREN = {"HL": [(3, frozenset({"20"}), Loop2000A, "sources")]}
    st: Segment
    bht: BhtSegment | None
    se: Segment | None
    sources: list[Loop2000A]

    def claims(self) -> Iterator[Loop]:
        """Every claim-level (2200x) loop in file order."""
        for loop in self.walk():
            if loop.LOOP_ID.startswith("2200"):
                yield loop
