"""Segments and loop shapes shared by the claim status (276/277 X212) and 277CA (X214) guides.

Each guide's package still declares every loop under the guide's name (Loop2100A...); the
loops whose segments are the same in all three guides inherit them from a base here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple

from shared.x12.common import (
    AmtSegment,
    BhtSegment,
    DmgSegment,
    DtpSegment,
    HlSegment,
    N3Segment,
    N4Segment,
    Nm1Segment,
    PerSegment,
    ProcedureCode,
    QtySegment,
    RefSegment,
    TrnSegment,
)
from shared.x12.loops import Loop, LoopContext, code, component, components, to_date, to_decimal
from shared.x12.segments import Segment


class STC01_1(StrEnum):
    """Health Care Claim Status Category Code (the A, F, P, E, R families used in practice)."""

    ACK_FORWARDED = "A0"
    ACK_RECEIPT = "A1"
    ACK_ACCEPTED = "A2"
    ACK_RETURNED_UNPROCESSABLE = "A3"
    ACK_NOT_FOUND = "A4"
    ACK_SPLIT = "A5"
    ACK_REJECTED_MISSING_INFO = "A6"
    ACK_REJECTED_INVALID_INFO = "A7"
    ACK_REJECTED_RELATIONAL = "A8"
    DATA_REPORTING_ACKNOWLEDGED = "DR01"
    PENDING = "P0"
    PENDING_IN_PROCESS = "P1"
    PENDING_PAYER_REVIEW = "P2"
    PENDING_PROVIDER_REQUESTED_INFO = "P3"
    PENDING_PATIENT_REQUESTED_INFO = "P4"
    PENDING_PAYER_ADMINISTRATIVE = "P5"
    FINALIZED = "F0"
    FINALIZED_PAYMENT = "F1"
    FINALIZED_DENIAL = "F2"
    FINALIZED_REVISED = "F3"
    FINALIZED_FORWARDED = "F3F"
    FINALIZED_NOT_FORWARDED = "F3N"
    FINALIZED_ADJUDICATION_COMPLETE_NO_PAYMENT = "F4"
    FINALIZED_CANNOT_PROCESS = "F5"
    REQUEST_RETURNED = "R0"
    REQUEST_FOR_INFO = "R1"
    RESPONSE_NOT_POSSIBLE = "E0"
    RESPONSE_NOT_POSSIBLE_SYSTEM = "E1"
    RESPONSE_NOT_POSSIBLE_ERROR = "E2"
    RESPONSE_NOT_POSSIBLE_RESUBMIT = "E3"
    RESPONSE_NOT_POSSIBLE_NOT_FOUND = "E4"
    SEARCHED_NOT_FOUND = "D0"


HealthCareClaimStatusCategoryCode = STC01_1


@dataclass(slots=True)
class ClaimStatus:
    """One STC composite: category, status code, entity, code list qualifier."""

    category: STC01_1 | str
    status: str
    entity: str
    code_list: str


@dataclass(slots=True)
class StcSegment:
    """Status Information.

    Example:
        STC*A2:20*20190101*WQ*150~
    """

    statuses: list[ClaimStatus]  # STC01, STC10, STC11
    effective_date: date | None  # STC02
    action: str  # STC03 (WQ accepted, U rejected...)
    total_charge: Decimal | None  # STC04
    payment: Decimal | None  # STC05
    adjudication_date: date | None  # STC06
    check_number: str  # STC09
    message: str  # STC12
    position: int

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> StcSegment:
        statuses = []
        for index in (1, 10, 11):
            value = s.get(index)
            if value:
                p = components(value, ctx)
                statuses.append(
                    ClaimStatus(
                        code(STC01_1, component(p, 1)),
                        component(p, 2),
                        component(p, 3),
                        component(p, 4),
                    )
                )
        return cls(
            statuses,
            to_date(s.get(2)),
            s.get(3),
            to_decimal(s.get(4)),
            to_decimal(s.get(5)),
            to_date(s.get(6)),
            s.get(9),
            s.get(12),
            s.position,
        )


@dataclass(slots=True)
class StatusSvcSegment:
    """Service Line Information (claim status).

    Example:
        SVC*HC:99203*150*0****1~
    """

    procedure: ProcedureCode
    charge: Decimal | None
    payment: Decimal | None
    revenue_code: str
    units: Decimal | None

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> StatusSvcSegment:
        return cls(
            ProcedureCode.of(s.get(1), ctx),
            to_decimal(s.get(2)),
            to_decimal(s.get(3)),
            s.get(4),
            to_decimal(s.get(7)),
        )


# ---------------------------------------------------------------------------------------------
# Loop shapes: a subclass names the loop (LOOP_ID, NAME) and its children (CHILDREN).


class StatusLevelLoop(Loop):
    """A 2000x hierarchical level: HL, and DMG where the level is a person."""

    TRIGGER = "HL"
    FIELDS = {"HL": ("hl", False, HlSegment.read), "DMG": ("dmg", False, DmgSegment.read)}
    hl: HlSegment
    dmg: DmgSegment | None


class StatusNameLoop(Loop):
    """A 2100x name loop: NM1, with the address, contacts and references that may follow."""

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


class InquiryClaimLoop(Loop):
    """A 276 claim status tracking loop (2200x): TRN, the claim's references, amounts, dates."""

    TRIGGER = "TRN"
    FIELDS = {
        "TRN": ("trn", False, TrnSegment.read),
        "REF": ("references", True, RefSegment.read),
        "AMT": ("amounts", True, AmtSegment.read),
        "DTP": ("dates", True, DtpSegment.read),
        "QTY": ("quantities", True, QtySegment.read),
    }
    trn: TrnSegment
    references: list[RefSegment]
    amounts: list[AmtSegment]
    dates: list[DtpSegment]
    quantities: list[QtySegment]

    def reference(self, qualifier: str) -> str | None:
        """REF02 of the first REF with this qualifier (1K payer claim no., EJ patient account)."""
        for ref in self.references:
            if ref.qualifier == qualifier:
                return ref.value
        return None


class StatusClaimLoop(InquiryClaimLoop):
    """A 277/277CA claim status tracking loop (2200x): the 276's, plus the claim's STC."""

    FIELDS = {**InquiryClaimLoop.FIELDS, "STC": ("statuses", True, StcSegment.read)}
    statuses: list[StcSegment]


class InquiryServiceLoop(Loop):
    """A 276 service line loop (2210x): SVC with its references and dates."""

    TRIGGER = "SVC"
    FIELDS = {
        "SVC": ("svc", False, StatusSvcSegment.read),
        "REF": ("references", True, RefSegment.read),
        "DTP": ("dates", True, DtpSegment.read),
    }
    svc: StatusSvcSegment
    references: list[RefSegment]
    dates: list[DtpSegment]


class StatusServiceLoop(InquiryServiceLoop):
    """A 277/277CA service line loop (2220x): the 276's, plus the line's STC."""

    FIELDS = {**InquiryServiceLoop.FIELDS, "STC": ("statuses", True, StcSegment.read)}
    statuses: list[StcSegment]


class StatusTransaction(Loop):
    """ST..SE of a 276/277/277CA: BHT, then the HL levels down to claims and service lines."""

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

    def claims(self) -> Iterator[Loop]:
        """Every claim-level (2200x) loop in file order."""
        for loop in self.walk():
            if loop.LOOP_ID.startswith("2200"):
                yield loop


class LevelSpec(NamedTuple):
    """One hierarchical level of a claim status guide, as the guide names it."""

    letter: str  # A..E: 2000A, 2100A, 2200A...
    hl03: str  # HL03 level code (20, 21, 19, 22, 23, PT)
    level: str  # 2000x name
    name: str  # 2100x name
    claim: str | None  # 2200x name, None where the level holds no claim loop
    services: bool = False  # True where the claim loop holds service lines


def status_hierarchy(
    levels: Sequence[LevelSpec],
    claim: type[InquiryClaimLoop],
    service: type[InquiryServiceLoop],
    service_loop: str,
) -> dict[str, type[Loop]]:
    """Every 2000x/2100x/2200x/22x0x loop class of one guide, named as the guide names them.

    Levels nest in order (A holds B, B holds C...); each level holds its name loop and, where
    the guide has one, its claim loop (with service lines `service_loop` + letter).
    """
    loops: dict[str, type[Loop]] = {}
    below: tuple[str, type[Loop]] | None = None
    for spec in reversed(levels):
        x = spec.letter
        name = _named(StatusNameLoop, "2100" + x, spec.name)
        children: dict[str, list[tuple[int, frozenset[str] | None, type[Loop], str]]] = {
            "NM1": [(0, None, name, "names")]
        }
        loops[name.LOOP_ID] = name
        if spec.claim is not None:
            claim_children = {}
            if spec.services:
                line = _named(service, service_loop + x, "Service Line Information")
                loops[line.LOOP_ID] = line
                claim_children = {"SVC": [(0, None, line, "service_lines")]}
            claim_loop = _named(claim, "2200" + x, spec.claim, claim_children)
            loops[claim_loop.LOOP_ID] = claim_loop
            children["TRN"] = [(0, None, claim_loop, "claims")]
        if below is not None:
            children["HL"] = [(3, frozenset([below[0]]), below[1], "children_levels")]
        level = _named(StatusLevelLoop, "2000" + x, spec.level, children)
        loops[level.LOOP_ID] = level
        below = (spec.hl03, level)
    return dict(sorted(loops.items()))


def _named(
    base: type[Loop], loop_id: str, name: str, children: dict[str, Any] | None = None
) -> type[Loop]:
    attrs: dict[str, Any] = {"LOOP_ID": loop_id, "NAME": name, "__doc__": name + "."}
    if children is not None:
        attrs["CHILDREN"] = children
    return type("Loop" + loop_id, (base,), attrs)
