"""Segments shared by several 005010 guides (names, addresses, references, dates, HL, amounts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from shared.x12.loops import LoopContext, code, components, to_date, to_decimal
from shared.x12.segments import Segment

# Padding appended to a segment's elements so readers can index without bounds checks.
PAD: list[str] = [""] * 24


def padded(s: Segment) -> list[str]:
    """The segment's elements plus PAD: hot-path readers index this instead of calling get()."""
    return s.elements + PAD  # type: ignore[return-value]


__all__ = [
    "CAS01",
    "Adjustment",
    "BHT02",
    "BHT06",
    "BhtSegment",
    "CasSegment",
    "ClaimAdjustmentGroupCode",
    "ProcedureCode",
    "PAD",
    "padded",
    "AmtSegment",
    "DmgSegment",
    "DtmSegment",
    "DtpSegment",
    "EntityTypeQualifier",
    "HlSegment",
    "N3Segment",
    "N4Segment",
    "Nm1Segment",
    "PerSegment",
    "PrvSegment",
    "QtySegment",
    "RefSegment",
    "TrnSegment",
    "first",
]


class EntityTypeQualifier(StrEnum):
    """NM102: 1 person, 2 non-person entity."""

    PERSON = "1"
    NON_PERSON = "2"


@dataclass(slots=True)
class Nm1Segment:
    """Individual or Organizational Name.

    Example:
        NM1*QC*1*SMITH*JOHN****MI*123456789~
    """

    entity_identifier: str  # NM101 (QC patient, IL insured, PR payer, 85 billing provider...)
    entity_type: str  # NM102
    last_or_organization_name: str  # NM103
    first_name: str  # NM104
    middle_name: str  # NM105
    suffix: str  # NM107
    id_qualifier: str  # NM108 (XX = NPI, MI = member id, PI = payer id...)
    identifier: str  # NM109
    position: int

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> Nm1Segment:
        e = padded(s)  # hot path: index a padded copy instead of calling get()
        return cls(e[0], e[1], e[2], e[3], e[4], e[6], e[7], e[8], s.position)

    def __repr__(self) -> str:  # names are patient data: keep them out of reprs and logs
        return f"Nm1Segment({self.entity_identifier}, position={self.position})"


@dataclass(slots=True)
class N3Segment:
    """Address Information.

    Example:
        N3*123 MAIN STREET*SUITE 5~
    """

    address_1: str
    address_2: str

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> N3Segment:
        return cls(s.get(1), s.get(2))

    def __repr__(self) -> str:
        return "N3Segment(<address>)"


@dataclass(slots=True)
class N4Segment:
    """Geographic Location.

    Example:
        N4*KANSAS CITY*MO*64108~
    """

    city: str
    state: str
    postal_code: str
    country: str

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> N4Segment:
        e = padded(s)
        return cls(e[0], e[1], e[2], e[3])

    def __repr__(self) -> str:
        return "N4Segment(<address>)"


@dataclass(slots=True)
class RefSegment:
    """Reference Information.

    Example:
        REF*EI*123456789~
    """

    qualifier: str  # REF01
    value: str  # REF02
    description: str  # REF03

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> RefSegment:
        e = padded(s)
        return cls(e[0], e[1], e[2])


@dataclass(slots=True)
class DtmSegment:
    """Date/Time Reference (835 style, CCYYMMDD in DTM02).

    Example:
        DTM*405*20190314~
    """

    qualifier: str
    date: date | None
    raw: str

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> DtmSegment:
        e = padded(s)
        raw: str = e[1]
        return cls(e[0], to_date(raw), raw)


@dataclass(slots=True)
class DtpSegment:
    """Date or Time or Period (D8 = one date, RD8 = a range CCYYMMDD-CCYYMMDD).

    Example:
        DTP*472*RD8*20190301-20190305~
    """

    qualifier: str  # DTP01 (472 service, 434 statement, 431 onset...)
    format: str  # DTP02: D8 or RD8
    start: date | None
    end: date | None
    raw: str

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> DtpSegment:
        e = padded(s)
        fmt: str = e[1]
        raw: str = e[2]
        if fmt == "RD8" and "-" in raw:
            a, _, b = raw.partition("-")
            return cls(e[0], fmt, to_date(a), to_date(b), raw)
        d = to_date(raw)
        return cls(e[0], fmt, d, d, raw)


@dataclass(slots=True)
class PerSegment:
    """Administrative Communications Contact.

    Example:
        PER*IC*JOHN SMITH*TE*8005551212~
    """

    function: str
    name: str
    contacts: list[tuple[str, str]]

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> PerSegment:
        contacts = [(s.get(i), s.get(i + 1)) for i in (3, 5, 7) if s.get(i)]
        return cls(s.get(1), s.get(2), contacts)


@dataclass(slots=True)
class HlSegment:
    """Hierarchical Level.

    Example:
        HL*2*1*22*0~
    """

    id: str  # HL01
    parent_id: str  # HL02
    level_code: str  # HL03 (20 information source, 21 receiver, 22 subscriber, 23 dependent...)
    has_children: str  # HL04
    position: int

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> HlSegment:
        e = padded(s)
        return cls(e[0], e[1], e[2], e[3], s.position)


@dataclass(slots=True)
class AmtSegment:
    """Monetary Amount Information.

    Example:
        AMT*AU*150.00~
    """

    qualifier: str
    amount: Decimal | None

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> AmtSegment:
        return cls(s.get(1), to_decimal(s.get(2)))


@dataclass(slots=True)
class QtySegment:
    """Quantity Information.

    Example:
        QTY*CA*3~
    """

    qualifier: str
    quantity: Decimal | None

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> QtySegment:
        return cls(s.get(1), to_decimal(s.get(2)))


@dataclass(slots=True)
class TrnSegment:
    """Trace (reassociation trace number).

    Example:
        TRN*1*12345*1512345678~
    """

    type_code: str
    reference: str
    originator: str
    supplemental: str

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> TrnSegment:
        return cls(s.get(1), s.get(2), s.get(3), s.get(4))


@dataclass(slots=True)
class DmgSegment:
    """Demographic Information (birth date and gender: patient data, never logged).

    Example:
        DMG*D8*19430917*M~
    """

    format: str
    birth_date: date | None
    gender: str

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> DmgSegment:
        return cls(s.get(1), to_date(s.get(2)), s.get(3))

    def __repr__(self) -> str:
        return "DmgSegment(<demographics>)"


@dataclass(slots=True)
class PrvSegment:
    """Provider Information (taxonomy).

    Example:
        PRV*BI*PXC*203BF0100Y~
    """

    provider_code: str
    qualifier: str
    taxonomy: str

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> PrvSegment:
        return cls(s.get(1), s.get(2), s.get(3))


@dataclass(slots=True)
class CompositeValue:
    """A composite element split into its components."""

    parts: list[str]

    @classmethod
    def of(cls, value: str, ctx: LoopContext) -> CompositeValue:
        return cls(components(value, ctx))


def first(items: list[Nm1Segment], *qualifiers: str) -> Nm1Segment | None:
    """First NM1 whose NM101 is one of `qualifiers`."""
    for item in items:
        if item.entity_identifier in qualifiers:
            return item
    return None


class CAS01(StrEnum):
    """Claim Adjustment Group Code."""

    CONTRACTUAL_OBLIGATIONS = "CO"
    OTHER_ADJUSTMENTS = "OA"
    PAYOR_INITIATED_REDUCTIONS = "PI"
    PATIENT_RESPONSIBILITY = "PR"


ClaimAdjustmentGroupCode = CAS01


@dataclass(slots=True)
class Adjustment:
    """One reason/amount/quantity triple of a CAS segment."""

    reason: str  # CARC
    amount: Decimal | None
    quantity: Decimal | None


@dataclass(slots=True)
class CasSegment:
    """Claims Adjustment (up to six reason triples under one group code).

    Example:
        CAS*CO*45*73348.57~
    """

    group: CAS01 | str  # CAS01
    adjustments: list[Adjustment]
    position: int

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> CasSegment:
        e: list[str] = s.elements  # type: ignore[assignment]  # read segments hold str
        adj = []
        for i in range(1, min(len(e), 19), 3):
            reason = e[i]
            if reason:
                adj.append(
                    Adjustment(
                        reason,
                        to_decimal(e[i + 1]) if i + 1 < len(e) else None,
                        to_decimal(e[i + 2]) if i + 2 < len(e) else None,
                    )
                )
        return cls(code(CAS01, s.get(1)), adj, s.position)

    @property
    def total(self) -> Decimal:
        return sum((a.amount for a in self.adjustments if a.amount is not None), Decimal("0"))


@dataclass(slots=True)
class ProcedureCode:
    """A composite medical procedure identifier (SVC01, SV101, SV202...): HC:99213:25."""

    qualifier: str
    code: str
    modifiers: list[str]
    description: str

    @classmethod
    def of(cls, value: str, ctx: LoopContext) -> ProcedureCode:
        parts = value.split(ctx.component) + PAD if value else PAD
        return cls(parts[0], parts[1], [m for m in parts[2:6] if m], parts[6])


class BHT02(StrEnum):
    """Transaction Set Purpose Code."""

    ORIGINAL = "00"
    REISSUE = "18"


class BHT06(StrEnum):
    """Claim or Encounter Identifier."""

    SUBROGATION_DEMAND = "31"
    CHARGEABLE = "CH"
    REPORTING = "RP"


@dataclass(slots=True)
class BhtSegment:
    """Beginning of Hierarchical Transaction.

    Example:
        BHT*0019*00*244579*20061015*1023*CH~
    """

    structure: str
    purpose: BHT02 | str
    reference: str
    date: date | None
    time: str
    transaction_type: BHT06 | str

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> BhtSegment:
        return cls(
            s.get(1),
            code(BHT02, s.get(2)),
            s.get(3),
            to_date(s.get(4)),
            s.get(5),
            code(BHT06, s.get(6)),
        )
