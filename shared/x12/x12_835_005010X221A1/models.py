"""835 Health Care Claim Payment/Advice (005010X221A1): segments, code lists and loops."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from shared.x12.common import (
    CAS01,
    Adjustment,
    AmtSegment,
    CasSegment,
    ClaimAdjustmentGroupCode,
    DtmSegment,
    N3Segment,
    N4Segment,
    Nm1Segment,
    PerSegment,
    ProcedureCode,
    QtySegment,
    RefSegment,
    TrnSegment,
    first,
    padded,
)
from shared.x12.loops import Loop, LoopContext, code, component, components, to_date, to_decimal
from shared.x12.segments import Segment

# CAS01, Adjustment, CasSegment and ProcedureCode live in shared.x12.common (the 837s use
# them too); they are re-exported here under the names the 835 readers always had.
__all__ = [
    "CAS01",
    "Adjustment",
    "CasSegment",
    "ClaimAdjustmentGroupCode",
    "ProcedureCode",
]

TRANSACTION_SET_ID = "835"
IMPLEMENTATION = "005010X221A1"


class BPR01(StrEnum):
    """Transaction Handling Code."""

    REMITTANCE_ONLY = "C"  # payment accompanies remittance (credit)
    DEBIT = "D"
    NOTIFICATION_ONLY = "H"
    REMITTANCE_INFORMATION_ONLY = "I"
    PRENOTIFICATION = "P"
    SPLIT_PAYMENT = "U"
    HANDLING_PARTY_OPTION = "X"


TransactionHandlingCode = BPR01


class BPR04(StrEnum):
    """Payment Method Code."""

    ACH = "ACH"
    BOP = "BOP"  # financial institution option
    CHECK = "CHK"
    FEDWIRE = "FWT"
    NON_PAYMENT = "NON"


PaymentMethodCode = BPR04


class CLP02(StrEnum):
    """Claim Status Code."""

    PRIMARY = "1"
    SECONDARY = "2"
    TERTIARY = "3"
    DENIED = "4"
    PRIMARY_FORWARDED = "19"
    SECONDARY_FORWARDED = "20"
    TERTIARY_FORWARDED = "21"
    REVERSAL = "22"
    NOT_OUR_CLAIM_FORWARDED = "23"
    PREDETERMINATION = "25"


ClaimStatusCode = CLP02


@dataclass(slots=True)
class BprSegment:
    """Financial Information.

    Example:
        BPR*C*150000*C*ACH*CTX*01*999999992*DA*123456*1512345678**01*999988880*DA*98765*20190316~
    """

    transaction_handling: BPR01 | str  # BPR01
    total_payment: Decimal | None  # BPR02
    credit_debit: str  # BPR03 (C credit, D debit)
    payment_method: BPR04 | str  # BPR04
    payment_format: str  # BPR05
    payment_date: date | None  # BPR16
    raw_payment_amount: str

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> BprSegment:
        amount = s.get(2)
        return cls(
            code(BPR01, s.get(1)),
            to_decimal(amount),
            s.get(3),
            code(BPR04, s.get(4)),
            s.get(5),
            to_date(s.get(16)),
            amount,
        )


@dataclass(slots=True)
class N1Segment:
    """Party Identification (payer PR, payee PE).

    Example:
        N1*PR*INSURANCE COMPANY OF TIMBUCKTU~
    """

    entity_identifier: str
    name: str
    id_qualifier: str
    identifier: str

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> N1Segment:
        return cls(s.get(1), s.get(2), s.get(3), s.get(4))


@dataclass(slots=True)
class ClpSegment:
    """Claim Payment Information.

    Example:
        CLP*7722337*1*211366.97*138018.4**12*119932404007801~
    """

    patient_control_number: str  # CLP01: the provider's claim id
    status: CLP02 | str  # CLP02
    total_charge: Decimal | None  # CLP03
    payment: Decimal | None  # CLP04
    patient_responsibility: Decimal | None  # CLP05
    claim_filing_indicator: str  # CLP06
    payer_claim_control_number: str  # CLP07
    facility_type: str  # CLP08
    frequency: str  # CLP09
    drg: str  # CLP11
    position: int

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> ClpSegment:
        e = padded(s)
        return cls(
            e[0],
            code(CLP02, e[1]),
            to_decimal(e[2]),
            to_decimal(e[3]),
            to_decimal(e[4]),
            e[5],
            e[6],
            e[7],
            e[8],
            e[10],
            s.position,
        )


@dataclass(slots=True)
class SvcSegment:
    """Service Payment Information.

    Example:
        SVC*HC:99211*100*80**1~
    """

    procedure: ProcedureCode  # SVC01
    charge: Decimal | None  # SVC02
    payment: Decimal | None  # SVC03
    revenue_code: str  # SVC04
    units_paid: Decimal | None  # SVC05
    original_procedure: ProcedureCode | None  # SVC06
    original_units: Decimal | None  # SVC07
    position: int

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> SvcSegment:
        e = padded(s)
        original: str = e[5]
        return cls(
            ProcedureCode.of(e[0], ctx),
            to_decimal(e[1]),
            to_decimal(e[2]),
            e[3],
            to_decimal(e[4]),
            ProcedureCode.of(original, ctx) if original else None,
            to_decimal(e[6]),
            s.position,
        )


@dataclass(slots=True)
class LqSegment:
    """Health Care Remark Codes (RARC).

    Example:
        LQ*HE*N130~
    """

    qualifier: str
    remark_code: str

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> LqSegment:
        return cls(s.get(1), s.get(2))


@dataclass(slots=True)
class ProviderAdjustment:
    """One PLB adjustment: reason (WO, L6, FB, CV...), its reference, and the amount."""

    reason: str
    reference: str
    amount: Decimal | None


@dataclass(slots=True)
class PlbSegment:
    """Provider Level Adjustment (positive amounts reduce the payment).

    Example:
        PLB*1234567890*20191231*CV:CP*-1.27~
    """

    provider_id: str
    fiscal_period_end: date | None
    adjustments: list[ProviderAdjustment]
    position: int

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> PlbSegment:
        e: list[str] = s.elements  # type: ignore[assignment]  # read segments hold str
        adj = []
        for i in range(2, min(len(e), 14), 2):
            parts = components(e[i], ctx)
            if parts and parts[0]:
                amount = e[i + 1] if i + 1 < len(e) else ""
                adj.append(ProviderAdjustment(parts[0], component(parts, 2), to_decimal(amount)))
        return cls(s.get(1), to_date(s.get(2)), adj, s.position)

    @property
    def total(self) -> Decimal:
        return sum((a.amount for a in self.adjustments if a.amount is not None), Decimal("0"))


@dataclass(slots=True)
class MiaMoaSegment:
    """Inpatient (MIA) or Outpatient (MOA) Adjudication Information, kept as its elements.

    Example:
        MOA***MA01~
    """

    id: str
    elements: list[str]

    @classmethod
    def read(cls, s: Segment, ctx: LoopContext) -> MiaMoaSegment:
        return cls(s.id, [str(v) for v in s.elements])


# -- loops -------------------------------------------------------------------------------


class Loop2110(Loop):
    """Service Payment Information."""

    LOOP_ID = "2110"
    NAME = "Service Payment Information"
    ORDERED = True
    TRIGGER = "SVC"
    FIELDS = {
        "SVC": ("svc", False, SvcSegment.read),
        "DTM": ("dates", True, DtmSegment.read),
        "CAS": ("adjustments", True, CasSegment.read),
        "REF": ("references", True, RefSegment.read),
        "AMT": ("amounts", True, AmtSegment.read),
        "QTY": ("quantities", True, QtySegment.read),
        "LQ": ("remarks", True, LqSegment.read),
    }
    svc: SvcSegment
    dates: list[DtmSegment]
    adjustments: list[CasSegment]
    references: list[RefSegment]
    amounts: list[AmtSegment]
    quantities: list[QtySegment]
    remarks: list[LqSegment]


class Loop2100(Loop):
    """Claim Payment Information."""

    LOOP_ID = "2100"
    NAME = "Claim Payment Information"
    ORDERED = True
    TRIGGER = "CLP"
    FIELDS = {
        "CLP": ("clp", False, ClpSegment.read),
        "CAS": ("adjustments", True, CasSegment.read),
        "NM1": ("names", True, Nm1Segment.read),
        "MIA": ("mia", False, MiaMoaSegment.read),
        "MOA": ("moa", False, MiaMoaSegment.read),
        "REF": ("references", True, RefSegment.read),
        "DTM": ("dates", True, DtmSegment.read),
        "PER": ("contacts", True, PerSegment.read),
        "AMT": ("amounts", True, AmtSegment.read),
        "QTY": ("quantities", True, QtySegment.read),
    }
    CHILDREN = {"SVC": [(0, None, Loop2110, "services")]}
    clp: ClpSegment
    adjustments: list[CasSegment]
    names: list[Nm1Segment]
    mia: MiaMoaSegment | None
    moa: MiaMoaSegment | None
    references: list[RefSegment]
    dates: list[DtmSegment]
    contacts: list[PerSegment]
    amounts: list[AmtSegment]
    quantities: list[QtySegment]
    services: list[Loop2110]

    @property
    def patient(self) -> Nm1Segment | None:
        return first(self.names, "QC")

    @property
    def insured(self) -> Nm1Segment | None:
        return first(self.names, "IL")


class Loop2000(Loop):
    """Header Number (groups claims, e.g. by bill type)."""

    LOOP_ID = "2000"
    NAME = "Header Number"
    ORDERED = True
    TRIGGER = "LX"
    FIELDS = {"LX": ("lx", False, None), "TS3": ("ts3", False, None), "TS2": ("ts2", False, None)}
    CHILDREN = {"CLP": [(0, None, Loop2100, "claims")]}
    lx: Segment
    ts3: Segment | None
    ts2: Segment | None
    claims: list[Loop2100]


class Loop1000A(Loop):
    """Payer Identification."""

    LOOP_ID = "1000A"
    NAME = "Payer Identification"
    ORDERED = True
    TRIGGER = "N1"
    FIELDS = {
        "N1": ("n1", False, N1Segment.read),
        "N3": ("n3", False, N3Segment.read),
        "N4": ("n4", False, N4Segment.read),
        "REF": ("references", True, RefSegment.read),
        "PER": ("contacts", True, PerSegment.read),
    }
    n1: N1Segment
    n3: N3Segment | None
    n4: N4Segment | None
    references: list[RefSegment]
    contacts: list[PerSegment]


class Loop1000B(Loop):
    """Payee Identification."""

    LOOP_ID = "1000B"
    NAME = "Payee Identification"
    ORDERED = True
    TRIGGER = "N1"
    FIELDS = {
        "N1": ("n1", False, N1Segment.read),
        "N3": ("n3", False, N3Segment.read),
        "N4": ("n4", False, N4Segment.read),
        "REF": ("references", True, RefSegment.read),
        "RDM": ("rdm", False, None),
    }
    n1: N1Segment
    n3: N3Segment | None
    n4: N4Segment | None
    references: list[RefSegment]


class Transaction835(Loop):
    """Header and summary of one 835 (ST..SE): payment, payer, payee, claims, PLB."""

    LOOP_ID = "HEADER"
    NAME = "Health Care Claim Payment/Advice"
    ORDERED = True
    TRIGGER = "ST"
    FIELDS = {
        "ST": ("st", False, None),
        "BPR": ("bpr", False, BprSegment.read),
        "TRN": ("trn", False, TrnSegment.read),
        "CUR": ("cur", False, None),
        "REF": ("references", True, RefSegment.read),
        "DTM": ("dates", True, DtmSegment.read),
        "PLB": ("provider_adjustments", True, PlbSegment.read),
        "SE": ("se", False, None),
    }
    CHILDREN = {
        "N1": [
            (1, frozenset({"PR"}), Loop1000A, "payer_loops"),
            (1, None, Loop1000B, "payee_loops"),
        ],
        "LX": [(0, None, Loop2000, "header_numbers")],
        # Tolerance: claims without an LX header number (seen in some payers' files) still read.
        "CLP": [(0, None, Loop2100, "claims_without_header")],
    }
    st: Segment
    bpr: BprSegment | None
    trn: TrnSegment | None
    references: list[RefSegment]
    dates: list[DtmSegment]
    provider_adjustments: list[PlbSegment]
    se: Segment | None
    payer_loops: list[Loop1000A]
    payee_loops: list[Loop1000B]
    header_numbers: list[Loop2000]
    claims_without_header: list[Loop2100]

    @property
    def payer(self) -> Loop1000A | None:
        return self.payer_loops[0] if self.payer_loops else None

    @property
    def payee(self) -> Loop1000B | None:
        return self.payee_loops[0] if self.payee_loops else None

    def claims(self) -> Iterator[Loop2100]:
        """Every claim (2100) in file order."""
        yield from self.claims_without_header
        for header in self.header_numbers:
            yield from header.claims
