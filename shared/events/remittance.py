"""Remittance events: what payers' 835s did to each claim, and the remittance itself.

Claim outcomes (paid, partially_paid, denied, reversed, underpaid) share the claim's
stream: each carries the remittance (id, trace number, payer), the claim payment's place
in it (`claim_index`, the CLP's 1-based position in its 835), every line with its paid and
allowed amounts and every CAS adjustment (group, CARC, amount, quantity, RARCs), and
`ledger`: how the posting moves the claim's money, so no subscriber has to re-derive it.

The remittance has its own stream (the remittance id): `remittance.received` (header,
totals, provider-level adjustments), `remittance.claim_unmatched` (a claim payment no
claim of ours could be found for, kept whole so it can be posted later), then
`remittance.claim_matched` (matched by hand) and `remittance.posted` (every claim payment
handled: the remittance is complete).

Version 1 of the claim outcomes and of `remittance.received` (published before the remit
service existed) carried no lines, trace number or ledger; they are upcast to version 2
by the `upcast_*_v1_v2` functions at the bottom (registered in `shared.events.registry`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field, model_validator

from shared.events.base import Event, Money, Part
from shared.events.ownership import Service

ZERO = Decimal("0.00")


class AdjustmentGroup(StrEnum):
    """CAS01 claim adjustment group code."""

    CONTRACTUAL = "CO"
    PATIENT_RESPONSIBILITY = "PR"
    OTHER = "OA"
    PAYER_INITIATED = "PI"
    CORRECTION_REVERSAL = "CR"


# --- version 1 (published; kept readable, upcast to version 2) ---------------------------------


class ClaimAdjustment(Part):
    """One CAS triple: group, CARC reason code, amount (negative amounts are allowed by X12)."""

    group: AdjustmentGroup
    reason_code: str = Field(description="CARC, e.g. '45'")
    amount: Money
    line_number: int | None = Field(default=None, description="Service line, None for claim level")


class ClaimAdjudicatedV1(Event):
    """Common shape of an 835 claim payment (CLP + CAS + MOA/MIA remarks), version 1.

    charge_amount = paid_amount + sum(adjustments) when the payer balanced its 835;
    patient_responsibility is CLP05 (the PR adjustments' total).
    """

    stream_field: ClassVar[str] = "claim_id"
    owner: ClassVar[Service] = Service.REMIT

    claim_id: str
    remittance_id: str
    payer_id: str
    payer_claim_number: str = Field(description="CLP07")
    claim_status_code: str = Field(description="CLP02: 1 primary, 2 secondary, 4 denied...")
    charge_amount: Money
    paid_amount: Money
    patient_responsibility: Money = Decimal("0.00")
    adjustments: tuple[ClaimAdjustment, ...] = ()
    remark_codes: tuple[str, ...] = Field(default=(), description="RARCs")
    paid_on: date


class ClaimPaidV1(ClaimAdjudicatedV1):
    """The payer paid the claim in full of what it allows (no further payer money expected)."""

    # Superseded by v2 (lines, trace number, ledger); the docstring above is published.

    event_type: ClassVar[str] = "claim.paid"
    event_version: ClassVar[int] = 1


class ClaimPartiallyPaidV1(ClaimAdjudicatedV1):
    """The payer paid part of the claim and denied or reduced some lines."""

    # Superseded by v2 (lines, denials with queues); the docstring above is published.

    event_type: ClassVar[str] = "claim.partially_paid"
    event_version: ClassVar[int] = 1


class ClaimDeniedV1(ClaimAdjudicatedV1):
    """The payer paid nothing and gave reasons (CARC/RARC)."""

    # Superseded by v2 (which adds the follow-up queue); the docstring above is published.

    event_type: ClassVar[str] = "claim.denied"
    event_version: ClassVar[int] = 1

    denial_category: str = Field(description="e.g. 'eligibility', 'authorization', 'coding'")


class ClaimReversedV1(Event):
    """The payer took back an earlier payment (CLP02 = 22); amounts are the ones reversed."""

    # Superseded by v2 (which names the posting it undoes); the docstring above is published.

    event_type: ClassVar[str] = "claim.reversed"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.REMIT

    claim_id: str
    remittance_id: str
    payer_claim_number: str
    reversed_paid_amount: Money
    reversed_patient_responsibility: Money = Decimal("0.00")
    reversed_adjustments: tuple[ClaimAdjustment, ...] = ()
    reversed_on: date


class ClaimUnderpaidV1(Event):
    """The payment is below the contracted fee schedule's expected amount."""

    # Superseded by v2 (allowed amounts and lines); the docstring above is published.

    event_type: ClassVar[str] = "claim.underpaid"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.REMIT

    claim_id: str
    remittance_id: str
    expected_amount: Money
    paid_amount: Money
    shortfall: Money = Field(gt=0)


class ProviderAdjustment(Part):
    """A PLB adjustment: not tied to one claim (interest, forward balance, recoupment)."""

    # The version 1 shape (remittance.received v1); v2 uses ProviderLevelAdjustment.

    reason_code: str = Field(description="PLB03-1, e.g. 'WO', 'L6', 'FB'")
    reference: str | None = None
    amount: Money


class RemittanceReceivedV1(Event):
    """An 835 arrived and was read: the payment (BPR/TRN) and how many claims it pays."""

    # Superseded by v2 (totals, payee, source file); the docstring above is published.

    event_type: ClassVar[str] = "remittance.received"
    event_version: ClassVar[int] = 1
    stream_field: ClassVar[str] = "remittance_id"
    owner: ClassVar[Service] = Service.REMIT

    remittance_id: str
    organization_id: str
    payer_id: str
    payer_name: str
    payment_method: str = Field(description="BPR04: CHK, ACH, NON...")
    trace_number: str = Field(description="TRN02: check or EFT trace number")
    payment_amount: Money
    payment_date: date
    claim_count: int = Field(ge=0)
    provider_adjustments: tuple[ProviderAdjustment, ...] = ()


# --- version 2: the parts --------------------------------------------------------------------


class AdjustmentEffect(StrEnum):
    """What an adjustment does to the claim's money, decided by remit when it posts."""

    CONTRACTUAL = "contractual"
    """Reduces what anyone owes (CO-45, CO-253, OA-23 on a secondary claim...): `adjustments`."""
    PATIENT = "patient"
    """Group PR (deductible, coinsurance, copay...): moves to the patient's balance."""
    DENIED = "denied"
    """Not paid and not written off: stays open in the insurance balance for follow-up."""
    PRIOR_PAYER = "prior_payer"
    """OA-23 of a later payer posted on the same claim: what the earlier payer already
    covered; it moves nothing."""


class Adjustment(Part):
    """One CAS triple as posted: group, CARC, amount, quantity, and its effect on the money."""

    group: AdjustmentGroup
    reason_code: str = Field(description="CARC (CAS02/05/...), e.g. '45'")
    amount: Money = Field(description="As sent: negative amounts increase what is owed")
    quantity: Decimal | None = Field(default=None, description="CAS04/07/...: units adjusted")
    effect: AdjustmentEffect
    denial_category: str | None = Field(
        default=None,
        description="The denial category (docs/denial-categories.md) when the code is a denial",
    )


class LedgerMove(Part):
    """How one posting moves the claim's money (a reversal carries the negation).

    The claim's totals add these up; its open insurance balance moves by
    -(paid + adjustments + patient_responsibility), so `denied` stays open in it.
    """

    paid: Money
    adjustments: Money
    patient_responsibility: Money
    denied: Money = Field(
        description="Denied and left open in the insurance balance (not in adjustments)"
    )

    def negated(self) -> LedgerMove:
        return LedgerMove(
            paid=-self.paid,
            adjustments=-self.adjustments,
            patient_responsibility=-self.patient_responsibility,
            denied=-self.denied,
        )


class LinePayment(Part):
    """One 835 service line (loop 2110) and the line of our claim it pays."""

    line_number: int | None = Field(
        description="Our claim's line (LX01 of the 837); None when no line of ours matched"
    )
    bundled_line_numbers: tuple[int, ...] = Field(
        default=(), description="Further lines of ours this one covers (the payer bundled them)"
    )
    matched_by: str = Field(
        description="line_control_number, procedure, reordered_modifiers, dropped_modifier, "
        "original_procedure, bundled, unbundled, revenue_code, position or unmatched"
    )
    procedure_qualifier: str = Field(default="HC", description="SVC01-1: HC, NU, AD...")
    procedure_code: str | None = None
    modifiers: tuple[str, ...] = ()
    revenue_code: str | None = None
    original_procedure_code: str | None = Field(
        default=None, description="SVC06: the code billed, when the payer paid another"
    )
    original_modifiers: tuple[str, ...] = ()
    units_paid: Decimal | None = Field(default=None, description="SVC05")
    service_date: date | None = None
    line_control_number: str | None = Field(default=None, description="REF*6R")
    charge: Money
    paid: Money
    allowed: Money | None = Field(default=None, description="AMT*B6")
    adjustments: tuple[Adjustment, ...] = ()
    remark_codes: tuple[str, ...] = Field(default=(), description="RARCs (LQ*HE)")


class DenialReason(Part):
    """One denial on the claim: where, why, and the follow-up queue it belongs to."""

    line_number: int | None = Field(description="None for a claim-level denial")
    group: AdjustmentGroup
    reason_code: str
    remark_codes: tuple[str, ...] = ()
    amount: Money
    category: str = Field(description="e.g. 'medical-necessity' (docs/denial-categories.md)")
    queue: str = Field(description="Follow-up queue, e.g. 'denials.medical-necessity'")


class PayerRef(Part):
    payer_id: str
    name: str | None = None


class NextPayerAction(StrEnum):
    BILL = "bill"
    """Bill the next payer ourselves (a secondary or tertiary claim)."""
    CROSSOVER = "crossover"
    """The payer forwarded the claim (CLP02 19-21, NM1*TT, MA18): expect the next payer's
    835 without billing it."""


class NextPayer(Part):
    """What happens after this adjudication when the claim names another payer."""

    action: NextPayerAction
    payer_id: str
    payer_name: str | None = None
    responsibility: str = Field(description="SBR01 of the next payer: S, T...")
    balance: Money = Field(description="What the next payer may cover: the patient share left")


def _value(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def ledger_of(data: dict[str, Any]) -> dict[str, Any]:
    """The ledger a posting's adjustments say (claim and line level), by their effects."""
    every = list(data.get("adjustments") or ())
    for line in data.get("lines") or ():
        every += list(_value(line, "adjustments") or ())

    def total(effect: AdjustmentEffect) -> Decimal:
        return sum(
            (Decimal(str(_value(a, "amount"))) for a in every if _value(a, "effect") == effect),
            ZERO,
        )

    return {
        "paid": data["paid_amount"],
        "adjustments": total(AdjustmentEffect.CONTRACTUAL),
        "patient_responsibility": total(AdjustmentEffect.PATIENT),
        "denied": total(AdjustmentEffect.DENIED),
    }


class ClaimPosting(Event):
    """Common shape of a claim payment posted from an 835 (CLP, CAS, lines, remarks), v2."""

    stream_field: ClassVar[str] = "claim_id"
    owner: ClassVar[Service] = Service.REMIT

    claim_id: str
    remittance_id: str
    claim_index: int | None = Field(
        default=None, ge=1, description="1-based position of the CLP in its 835 (ST..SE)"
    )
    trace_number: str | None = Field(default=None, description="TRN02 of the 835")
    payer_id: str
    payer_name: str | None = None
    paid_on: date = Field(description="The payment date (BPR16)")
    payment_method: str | None = Field(default=None, description="BPR04: ACH, CHK, NON...")
    patient_control_number: str | None = Field(default=None, description="CLP01")
    payer_claim_number: str | None = Field(default=None, description="CLP07")
    claim_status_code: str = Field(description="CLP02: 1 primary, 2 secondary, 4 denied, 19...")
    charge_amount: Money = Field(description="CLP03")
    paid_amount: Money = Field(description="CLP04")
    patient_responsibility: Money = Field(
        default=ZERO, description="CLP05, or the PR adjustments' total"
    )
    allowed_amount: Money | None = Field(
        default=None, description="Sum of the lines' AMT*B6, when every line has one"
    )
    adjustments: tuple[Adjustment, ...] = Field(default=(), description="Claim-level CAS")
    lines: tuple[LinePayment, ...] = ()
    remark_codes: tuple[str, ...] = Field(default=(), description="Claim RARCs (MOA/MIA)")
    ledger: LedgerMove = Field(
        description="How it moves the claim's money (derived from the adjustments' effects "
        "when not given)"
    )
    matched_by: str | None = Field(
        default=None,
        description="patient_control_number, payer_claim_number, patient_dates_charge or manual",
    )
    crossover_to: PayerRef | None = Field(default=None, description="NM1*TT: forwarded to")
    next_payer: NextPayer | None = None

    @model_validator(mode="before")
    @classmethod
    def _ledger_from_adjustments(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("ledger") is None and "paid_amount" in data:
            data = {**data, "ledger": ledger_of(data)}
        return data


class ClaimPaid(ClaimPosting):
    """The payer adjudicated the claim and denied nothing (what it allows is paid or the
    patient's share); `next_payer` says whether a secondary is to be billed or expected."""

    event_type: ClassVar[str] = "claim.paid"
    event_version: ClassVar[int] = 2


class ClaimPartiallyPaid(ClaimPosting):
    """The payer paid part of the claim and denied some of it (lines or claim-level codes)."""

    event_type: ClassVar[str] = "claim.partially_paid"
    event_version: ClassVar[int] = 2

    denial_category: str = Field(description="The category of the largest denied amount")
    queue: str = Field(description="The follow-up queue of that category: denials.<category>")
    denials: tuple[DenialReason, ...] = Field(min_length=1)


class ClaimDenied(ClaimPosting):
    """The payer paid nothing and gave reasons; the amount stays open (never written off)."""

    event_type: ClassVar[str] = "claim.denied"
    event_version: ClassVar[int] = 2

    denial_category: str = Field(description="The category of the largest denied amount")
    queue: str = Field(description="The follow-up queue of that category: denials.<category>")
    denials: tuple[DenialReason, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _queue_of_category(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("queue") is None and data.get("denial_category"):
            data = {**data, "queue": f"denials.{data['denial_category']}"}
        return data


class PostingRef(Part):
    """Which earlier posting a reversal undoes."""

    remittance_id: str
    claim_index: int | None = None
    trace_number: str | None = None
    event_type: str


class ClaimReversed(Event):
    """The payer took back an earlier payment (CLP02 = 22); `ledger` is exactly the negation
    of the reversed posting's, and the amounts are the reversal's own (negative) CLP."""

    event_type: ClassVar[str] = "claim.reversed"
    event_version: ClassVar[int] = 2
    owner: ClassVar[Service] = Service.REMIT

    claim_id: str
    remittance_id: str
    claim_index: int | None = Field(default=None, ge=1)
    trace_number: str | None = None
    payer_id: str | None = None
    payer_name: str | None = None
    reversed_on: date = Field(description="The payment date (BPR16) of the reversing 835")
    payer_claim_number: str | None = None
    claim_status_code: str = "22"
    charge_amount: Money | None = Field(default=None, description="CLP03 (negative)")
    paid_amount: Money = Field(description="CLP04 (negative: money taken back)")
    patient_responsibility: Money = ZERO
    adjustments: tuple[Adjustment, ...] = ()
    lines: tuple[LinePayment, ...] = ()
    reverses: PostingRef | None = None
    ledger: LedgerMove


class UnderpaidLine(Part):
    line_number: int | None
    procedure_code: str | None
    modifiers: tuple[str, ...] = ()
    units: Decimal
    expected: Money
    actual: Money
    difference: Money


class ClaimUnderpaid(Event):
    """The payer allowed less than the contracted fee schedule by more than the tolerance."""

    event_type: ClassVar[str] = "claim.underpaid"
    event_version: ClassVar[int] = 2
    owner: ClassVar[Service] = Service.REMIT

    claim_id: str
    remittance_id: str
    claim_index: int | None = Field(default=None, ge=1)
    trace_number: str | None = None
    payer_id: str | None = None
    expected_amount: Money = Field(description="Allowed by the fee schedule")
    actual_amount: Money = Field(description="Allowed by the payer (AMT*B6, else paid + PR)")
    difference: Money = Field(gt=0, description="expected - actual")
    paid_amount: Money
    tolerance: Money = ZERO
    lines: tuple[UnderpaidLine, ...] = ()


class ProviderLevelAdjustment(Part):
    """A PLB adjustment: against the remittance and the provider, never a claim."""

    provider_id: str | None = Field(default=None, description="PLB01 (NPI or tax id)")
    fiscal_period_end: date | None = Field(default=None, description="PLB02")
    reason_code: str = Field(description="PLB03-1: WO, L6 interest, FB, 72, CS, CV...")
    reference: str | None = Field(default=None, description="PLB03-2")
    amount: Money = Field(description="Positive reduces the payment, negative adds to it")


class RemittanceTotals(Part):
    claims_paid: Money = Field(description="Sum of CLP04 (reversals negative)")
    charge: Money | None = Field(default=None, description="Sum of CLP03")
    patient_responsibility: Money | None = Field(default=None, description="Sum of CLP05")
    provider_adjustments: Money = Field(default=ZERO, description="Sum of PLB amounts")


class SourceFile(Part):
    name: str | None = None
    sha256: str
    set_index: int = Field(ge=1, description="Which 835 transaction set of the file (1-based)")
    interchange_control_number: str | None = None
    transaction_set_control_number: str | None = None


class RemittanceReceived(Event):
    """An 835 arrived, balanced and was taken: the payment (BPR/TRN), totals and PLB."""

    event_type: ClassVar[str] = "remittance.received"
    event_version: ClassVar[int] = 2
    stream_field: ClassVar[str] = "remittance_id"
    owner: ClassVar[Service] = Service.REMIT

    remittance_id: str
    organization_id: str
    payer_id: str
    payer_name: str
    payer_tax_id: str | None = Field(default=None, description="TRN03 (1 + EIN)")
    payee_name: str | None = None
    payee_npi: str | None = None
    payment_method: str = Field(description="BPR04: CHK, ACH, NON...")
    handling_code: str | None = Field(default=None, description="BPR01: C, D, H, I, P, U, X")
    trace_number: str = Field(description="TRN02: check or EFT trace number")
    payment_amount: Money = Field(description="BPR02")
    payment_date: date = Field(description="BPR16")
    production_date: date | None = Field(default=None, description="DTM*405")
    claim_count: int = Field(ge=0)
    totals: RemittanceTotals
    provider_adjustments: tuple[ProviderLevelAdjustment, ...] = ()
    source: SourceFile | None = None


# --- the remittance stream: claims not matched, matched by hand, the end ---------------------


class CasEntry(Part):
    """A CAS triple as the payer sent it (before remit decides its effect)."""

    group: AdjustmentGroup
    reason_code: str
    amount: Money
    quantity: Decimal | None = None


class ServiceLineRecord(Part):
    """An 835 service line (2110) as sent."""

    procedure_qualifier: str = "HC"
    procedure_code: str | None = None
    modifiers: tuple[str, ...] = ()
    revenue_code: str | None = None
    original_procedure_code: str | None = None
    original_modifiers: tuple[str, ...] = ()
    units_paid: Decimal | None = None
    original_units: Decimal | None = None
    service_date: date | None = None
    service_date_end: date | None = None
    line_control_number: str | None = None
    charge: Money
    paid: Money
    allowed: Money | None = None
    adjustments: tuple[CasEntry, ...] = ()
    remark_codes: tuple[str, ...] = ()


class ClaimPaymentRecord(Part):
    """One 835 claim payment (loop 2100) as sent: enough to post it at any later time."""

    patient_control_number: str = Field(description="CLP01")
    claim_status_code: str = Field(description="CLP02")
    charge_amount: Money
    paid_amount: Money
    patient_responsibility: Money | None = Field(default=None, description="CLP05 as sent")
    claim_filing_indicator: str | None = None
    payer_claim_number: str | None = None
    facility_type_code: str | None = None
    frequency: str | None = None
    last_name: str | None = Field(default=None, description="NM1*QC patient")
    first_name: str | None = None
    member_id: str | None = Field(default=None, description="NM1*QC/IL NM109")
    statement_from: date | None = None
    statement_to: date | None = None
    crossover_to: PayerRef | None = Field(default=None, description="NM1*TT")
    adjustments: tuple[CasEntry, ...] = ()
    remark_codes: tuple[str, ...] = ()
    lines: tuple[ServiceLineRecord, ...] = ()


class RemittanceClaimUnmatched(Event):
    """A claim payment of the remittance matched no claim of ours: kept whole, not posted."""

    event_type: ClassVar[str] = "remittance.claim_unmatched"
    event_version: ClassVar[int] = 1
    stream_field: ClassVar[str] = "remittance_id"
    owner: ClassVar[Service] = Service.REMIT

    remittance_id: str
    claim_index: int = Field(ge=1)
    trace_number: str
    payer_id: str
    payer_name: str | None = None
    payment_date: date
    reason: str = Field(description="Why no claim was found (or why several were)")
    candidate_claim_ids: tuple[str, ...] = ()
    payment: ClaimPaymentRecord


class RemittanceClaimMatched(Event):
    """An unmatched claim payment was matched to a claim by hand and posted to it."""

    event_type: ClassVar[str] = "remittance.claim_matched"
    event_version: ClassVar[int] = 1
    stream_field: ClassVar[str] = "remittance_id"
    owner: ClassVar[Service] = Service.REMIT

    remittance_id: str
    claim_index: int = Field(ge=1)
    claim_id: str
    matched_by: str = Field(description="Who matched it (the token's subject)")
    posted_as: str = Field(description="The claim event it became, e.g. claim.paid")
    paid_amount: Money


class RemittancePosted(Event):
    """Every claim payment of the remittance was handled: posted, unmatched or duplicate."""

    event_type: ClassVar[str] = "remittance.posted"
    event_version: ClassVar[int] = 1
    stream_field: ClassVar[str] = "remittance_id"
    owner: ClassVar[Service] = Service.REMIT

    remittance_id: str
    posted: int = Field(ge=0)
    unmatched: int = Field(ge=0)
    duplicates: int = Field(ge=0)
    not_posted: int = Field(ge=0, description="Predeterminations: no money moves")
    posted_paid: Money = Field(description="Sum of CLP04 posted to claims")
    unmatched_paid: Money
    duplicate_paid: Money = Field(description="Sum of CLP04 already posted from another file")


# --- upcasters (v1 -> v2) --------------------------------------------------------------------


def _effect_v1(group: str, denied: bool) -> str:
    if group == AdjustmentGroup.PATIENT_RESPONSIBILITY:
        return AdjustmentEffect.PATIENT.value
    return (AdjustmentEffect.DENIED if denied else AdjustmentEffect.CONTRACTUAL).value


def _adjustments_v1(data: dict[str, Any], key: str, denied: bool) -> list[dict[str, Any]]:
    """v1 adjustments (claim and line mixed, line numbers optional) as v2 claim-level ones."""
    return [
        {
            "group": adj["group"],
            "reason_code": adj["reason_code"],
            "amount": adj["amount"],
            "effect": _effect_v1(str(adj["group"]), denied),
        }
        for adj in data.get(key, ())
    ]


def _ledger(adjustments: list[dict[str, Any]], paid: Any) -> dict[str, str]:
    def total(effect: AdjustmentEffect) -> Decimal:
        return sum((Decimal(str(a["amount"])) for a in adjustments if a["effect"] == effect), ZERO)

    return {
        "paid": str(Decimal(str(paid))),
        "adjustments": str(total(AdjustmentEffect.CONTRACTUAL)),
        "patient_responsibility": str(total(AdjustmentEffect.PATIENT)),
        "denied": str(total(AdjustmentEffect.DENIED)),
    }


def _posting_v1_v2(data: dict[str, Any], *, denied: bool) -> dict[str, Any]:
    adjustments = _adjustments_v1(data, "adjustments", denied)
    upgraded: dict[str, Any] = {
        key: data[key]
        for key in (
            "claim_id",
            "remittance_id",
            "payer_id",
            "payer_claim_number",
            "claim_status_code",
            "charge_amount",
            "paid_amount",
            "patient_responsibility",
            "remark_codes",
        )
        if key in data
    }
    upgraded["paid_on"] = data["paid_on"]
    upgraded["adjustments"] = adjustments
    upgraded["ledger"] = _ledger(adjustments, data["paid_amount"])
    upgraded.setdefault("patient_responsibility", "0.00")
    return upgraded


def upcast_claim_paid_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2: claim-level adjustments get their effect (PR patient, others contractual)."""
    return _posting_v1_v2(data, denied=False)


def upcast_claim_partially_paid_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2: non-PR adjustments are taken as the denied part; category unknown ('other')."""
    upgraded = _posting_v1_v2(data, denied=True)
    denials = [
        {
            "line_number": adj.get("line_number"),
            "group": adj["group"],
            "reason_code": adj["reason_code"],
            "amount": adj["amount"],
            "category": "other",
            "queue": "denials.other",
        }
        for adj in data.get("adjustments", ())
        if adj["group"] != AdjustmentGroup.PATIENT_RESPONSIBILITY
    ]
    if not denials:
        denials = [
            {
                "line_number": None,
                "group": "CO",
                "reason_code": "",
                "amount": "0.00",
                "category": "other",
                "queue": "denials.other",
            }
        ]
    upgraded.update(denial_category="other", queue="denials.other", denials=denials)
    return upgraded


def upcast_claim_denied_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2: the v1 category kept; its queue is denials.<category>."""
    upgraded = _posting_v1_v2(data, denied=True)
    category = str(data["denial_category"])
    upgraded.update(denial_category=category, queue=f"denials.{category}")
    return upgraded


def upcast_claim_reversed_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2: v1 amounts were the (positive) amounts reversed; v2 carries them negated."""
    adjustments = [
        {
            "group": adj["group"],
            "reason_code": adj["reason_code"],
            "amount": str(-Decimal(str(adj["amount"]))),
            "effect": _effect_v1(str(adj["group"]), False),
        }
        for adj in data.get("reversed_adjustments", ())
    ]
    paid = -Decimal(str(data["reversed_paid_amount"]))
    return {
        "claim_id": data["claim_id"],
        "remittance_id": data["remittance_id"],
        "payer_claim_number": data["payer_claim_number"],
        "reversed_on": data["reversed_on"],
        "paid_amount": str(paid),
        "patient_responsibility": str(
            -Decimal(str(data.get("reversed_patient_responsibility", "0.00")))
        ),
        "adjustments": adjustments,
        "ledger": _ledger(adjustments, paid),
    }


def upcast_claim_underpaid_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2: v1 compared the payment itself with the expected amount."""
    return {
        "claim_id": data["claim_id"],
        "remittance_id": data["remittance_id"],
        "expected_amount": data["expected_amount"],
        "actual_amount": data["paid_amount"],
        "difference": data["shortfall"],
        "paid_amount": data["paid_amount"],
    }


def upcast_remittance_received_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2: the claims' total is BPR02 plus the PLB amounts (the 835 balances)."""
    plb = [
        {
            "reason_code": p["reason_code"],
            "reference": p.get("reference"),
            "amount": p["amount"],
        }
        for p in data.get("provider_adjustments", ())
    ]
    plb_total = sum((Decimal(str(p["amount"])) for p in plb), ZERO)
    upgraded = {k: v for k, v in data.items() if k != "provider_adjustments"}
    upgraded["provider_adjustments"] = plb
    upgraded["totals"] = {
        "claims_paid": str(Decimal(str(data["payment_amount"])) + plb_total),
        "provider_adjustments": str(plb_total),
    }
    return upgraded


UPCASTERS = {
    "claim.paid": upcast_claim_paid_v1_v2,
    "claim.partially_paid": upcast_claim_partially_paid_v1_v2,
    "claim.denied": upcast_claim_denied_v1_v2,
    "claim.reversed": upcast_claim_reversed_v1_v2,
    "claim.underpaid": upcast_claim_underpaid_v1_v2,
    "remittance.received": upcast_remittance_received_v1_v2,
}
"""Event type -> its v1 -> v2 upcaster (registered by `shared.events.registry`)."""
