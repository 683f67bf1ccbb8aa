"""Write 835 (005010X221A1) remittance advice files, balanced, for the payer simulator.

Input is a small set of frozen dataclasses (`Remittance`, `ClaimPayment`,
`ServicePayment`, `ProviderAdjustment`) rather than the reader's loop objects, which hold
raw segments. The writer refuses an unbalanced remittance instead of writing it:
- each service line: SVC02 charge - SVC03 paid = sum of its CAS amounts;
- each claim: CLP03 charge - CLP04 paid = sum of claim-level and line-level CAS amounts;
- the payment: BPR02 = sum of CLP04 - sum of PLB amounts (a positive PLB reduces payment).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from shared.claim_model import Address, Adjustment
from shared.x12.control_numbers import ControlNumberSource
from shared.x12.envelope_writer import DEFAULT_DELIMITERS, Party, TransactionSet, write_interchange
from shared.x12.loops import is_digits
from shared.x12.segments import Delimiters, Segment, segment
from shared.x12.writing import (
    address_segments,
    cas_segments,
    d8,
    member_name,
    money,
    quantity,
)

__all__ = [
    "IMPLEMENTATION",
    "RemitWriteError",
    "ServicePayment",
    "ClaimPayment",
    "ProviderAdjustment",
    "Remittance",
    "build_835_body",
    "write_835",
]

IMPLEMENTATION = "005010X221A1"
ZERO = Decimal("0.00")


class RemitWriteError(ValueError):
    """The remittance cannot be written as a valid, balanced 835 (names claim and amounts)."""


@dataclass(frozen=True, slots=True)
class ServicePayment:
    """Loop 2110: one adjudicated service line."""

    charge: Decimal
    paid: Decimal
    procedure_code: str | None = None
    modifiers: tuple[str, ...] = ()
    revenue_code: str | None = None  # institutional lines: NU qualifier when no procedure
    units: Decimal = Decimal("1")
    service_date: date | None = None
    adjustments: tuple[Adjustment, ...] = ()
    allowed: Decimal | None = None  # AMT*B6
    remarks: tuple[str, ...] = ()  # RARC codes: LQ*HE
    line_control_number: str | None = None  # REF*6R: the 837's line item control number

    @property
    def adjusted(self) -> Decimal:
        return sum((a.amount for a in self.adjustments), ZERO)


@dataclass(frozen=True, slots=True)
class ClaimPayment:
    """Loop 2100: one adjudicated claim (CLP) with its patient and lines."""

    patient_control_number: str  # CLP01 = the 837's CLM01
    status: str  # CLP02: 1 primary, 2 secondary, 3 tertiary, 4 denied, 22 reversal...
    charge: Decimal
    paid: Decimal
    payer_claim_number: str  # CLP07
    patient_last_name: str
    patient_first_name: str | None
    member_id: str
    patient_responsibility: Decimal | None = None  # CLP05; sum of PR adjustments when None
    claim_filing_indicator: str = "12"  # CLP06: 12 PPO, HM HMO, MB Medicare B, MC Medicaid...
    facility_type_code: str | None = "11"  # CLP08 (place of service or bill type digits)
    frequency: str | None = "1"  # CLP09
    adjustments: tuple[Adjustment, ...] = ()  # claim-level CAS
    services: tuple[ServicePayment, ...] = ()
    statement_from: date | None = None
    statement_to: date | None = None
    received_date: date | None = None
    rendering_npi: str | None = None

    @property
    def adjusted(self) -> Decimal:
        return sum((a.amount for a in self.adjustments), ZERO) + sum(
            (s.adjusted for s in self.services), ZERO
        )

    @property
    def responsibility(self) -> Decimal:
        if self.patient_responsibility is not None:
            return self.patient_responsibility
        pr = [a for a in self.adjustments if a.group == "PR"]
        pr += [a for s in self.services for a in s.adjustments if a.group == "PR"]
        return sum((a.amount for a in pr), ZERO)


@dataclass(frozen=True, slots=True)
class ProviderAdjustment:
    """PLB: a provider-level adjustment (positive reduces the payment, negative adds)."""

    reason: str  # PLB03-1: WO overpayment recovery, L6 interest, FB forwarding balance, CS...
    amount: Decimal
    reference: str | None = None  # PLB03-2


@dataclass(frozen=True, slots=True)
class Remittance:
    """One 835: a payment (or notice) from a payer to a payee, with its claims."""

    payer_name: str
    payer_tax_id: str  # 9-digit EIN: TRN03 is '1' followed by it
    payer_address: Address
    payer_contact_phone: str  # PER*BL, digits
    payee_name: str
    payee_npi: str
    payment_date: date  # BPR16
    trace_number: str  # TRN02: check or EFT trace number
    claims: tuple[ClaimPayment, ...]
    payee_address: Address | None = None
    payee_tax_id: str | None = None  # REF*TJ
    payer_id: str | None = None  # REF*2U additional payer id (the clearinghouse payer id)
    payment_method: str = "CHK"  # BPR04: CHK, ACH, NON (no payment), FWT
    provider_adjustments: tuple[ProviderAdjustment, ...] = ()
    fiscal_period_end: date | None = None  # PLB02; Dec 31 of the payment year when None
    production_date: date | None = None  # DTM*405

    @property
    def total_paid(self) -> Decimal:
        """BPR02: claims paid minus provider-level adjustments."""
        return sum((c.paid for c in self.claims), ZERO) - sum(
            (p.amount for p in self.provider_adjustments), ZERO
        )


def _check(remit: Remittance) -> None:
    if not remit.claims and not remit.provider_adjustments:
        raise RemitWriteError("an 835 needs at least one claim or provider adjustment")
    if len(remit.payer_tax_id) != 9 or not is_digits(remit.payer_tax_id):
        raise RemitWriteError("payer tax id must be 9 digits (TRN03 = '1' + EIN)")
    for claim in remit.claims:
        for index, service in enumerate(claim.services, start=1):
            if service.charge - service.paid != service.adjusted:
                raise RemitWriteError(
                    f"claim {claim.patient_control_number} line {index}: charge {service.charge}"
                    f" - paid {service.paid} != adjustments {service.adjusted}"
                )
        if claim.charge - claim.paid != claim.adjusted:
            raise RemitWriteError(
                f"claim {claim.patient_control_number}: charge {claim.charge} - paid {claim.paid}"
                f" != adjustments {claim.adjusted}"
            )
    if remit.total_paid < ZERO:
        raise RemitWriteError(f"BPR02 would be negative ({remit.total_paid})")
    if remit.payment_method == "NON" and remit.total_paid != ZERO:
        raise RemitWriteError("payment method NON needs a zero total")


def _bpr(remit: Remittance) -> Segment:
    total = remit.total_paid
    method = "NON" if total == ZERO else remit.payment_method
    handling = "H" if total == ZERO else "I"  # H: notification only, I: remittance info only
    return segment(
        "BPR", handling, money(total), "C", method,
        None, None, None, None, None, None, None, None, None, None, None,
        d8(remit.payment_date),
    )  # fmt: skip


def _service_segments(service: ServicePayment) -> list[Segment]:
    if service.procedure_code:
        procedure = ["HC", service.procedure_code, *service.modifiers]
    elif service.revenue_code:
        procedure = ["NU", service.revenue_code]
    else:
        raise RemitWriteError("a service line needs a procedure or revenue code (SVC01)")
    out = [
        segment(
            "SVC",
            procedure,
            money(service.charge),
            money(service.paid),
            service.revenue_code if service.procedure_code else None,
            quantity(service.units),
        )
    ]
    if service.service_date is not None:
        out.append(segment("DTM", "472", d8(service.service_date)))
    out += cas_segments(service.adjustments)
    if service.line_control_number:
        out.append(segment("REF", "6R", service.line_control_number))
    if service.allowed is not None:
        out.append(segment("AMT", "B6", money(service.allowed)))
    out += [segment("LQ", "HE", remark) for remark in service.remarks]
    return out


def _claim_segments(claim: ClaimPayment) -> list[Segment]:
    out = [
        segment(
            "CLP",
            claim.patient_control_number,
            claim.status,
            money(claim.charge),
            money(claim.paid),
            money(claim.responsibility) if claim.responsibility else None,
            claim.claim_filing_indicator,
            claim.payer_claim_number,
            claim.facility_type_code,
            claim.frequency,
        ),
        *cas_segments(claim.adjustments),
        member_name("QC", claim.patient_last_name, claim.patient_first_name, claim.member_id),
    ]
    if claim.rendering_npi:
        out.append(
            segment("NM1", "82", "2", None, None, None, None, None, "XX", claim.rendering_npi)
        )
    if claim.statement_from is not None:
        out.append(segment("DTM", "232", d8(claim.statement_from)))
    if claim.statement_to is not None:
        out.append(segment("DTM", "233", d8(claim.statement_to)))
    if claim.received_date is not None:
        out.append(segment("DTM", "050", d8(claim.received_date)))
    for service in claim.services:
        out += _service_segments(service)
    return out


def build_835_body(remit: Remittance) -> list[Segment]:
    """The segments of one 835 transaction set between ST and SE."""
    _check(remit)
    out = [
        _bpr(remit),
        segment("TRN", "1", remit.trace_number, "1" + remit.payer_tax_id),
    ]
    if remit.production_date is not None:
        out.append(segment("DTM", "405", d8(remit.production_date)))
    out.append(segment("N1", "PR", remit.payer_name))
    out += address_segments(remit.payer_address)
    if remit.payer_id:
        out.append(segment("REF", "2U", remit.payer_id))
    out.append(segment("PER", "BL", None, "TE", remit.payer_contact_phone))
    out.append(segment("N1", "PE", remit.payee_name, "XX", remit.payee_npi))
    out += address_segments(remit.payee_address)
    if remit.payee_tax_id:
        out.append(segment("REF", "TJ", remit.payee_tax_id))
    if remit.claims:
        out.append(segment("LX", "1"))
        for claim in remit.claims:
            out += _claim_segments(claim)
    if remit.provider_adjustments:
        period = remit.fiscal_period_end or date(remit.payment_date.year, 12, 31)
        adjustments = list(remit.provider_adjustments)
        # PLB holds up to six adjustments; more go in further PLB segments.
        for start in range(0, len(adjustments), 6):
            values: list[str | list[str] | None] = [remit.payee_npi, d8(period)]
            for adj in adjustments[start : start + 6]:
                reason = [adj.reason, adj.reference] if adj.reference else [adj.reason]
                values += [reason, money(adj.amount)]
            out.append(segment("PLB", *values))
    return out


def write_835(
    remittances: Sequence[Remittance],
    *,
    sender: Party,
    receiver: Party,
    created_at: datetime,
    numbers: ControlNumberSource,
    usage: str = "P",
    delimiters: Delimiters = DEFAULT_DELIMITERS,
) -> str:
    """One interchange, one group, one 835 transaction set per remittance (payment)."""
    if not remittances:
        raise RemitWriteError("nothing to write: no remittance")
    return write_interchange(
        [
            TransactionSet("835", IMPLEMENTATION, build_835_body(r), write_st03=False)
            for r in remittances
        ],
        functional_id="HP",
        sender=sender,
        receiver=receiver,
        created_at=created_at,
        numbers=numbers,
        usage=usage,
        delimiters=delimiters,
    )
