"""Posting an 835 claim payment to a claim, pure: the claim as remit sees it, apply, decide.

The claim's stream is shared (intake creates it, claims submits it, remit posts to it,
follow-up appeals it); remit folds what it needs: the billed content (lines, charge,
payer, other payers), the payer's claim numbers, and its own standing postings, so that a
reversal can undo one exactly and a payment delivered twice is posted once.

`decide(state, PostClaimPayment, now)` turns one CLP into events:

- CLP02 = 22 (reversal): `claim.reversed` of the standing posting it reverses (same payer
  claim number, every amount negated); its `ledger` is exactly that posting's, negated.
  None standing: `ReversalWithoutPosting` (the payment is kept unmatched, never guessed).
- otherwise every CAS triple gets its effect: group PR moves to the patient's balance;
  a contractual write-down or cost share listed as a payment adjustment in the denial
  table reduces what is owed; OA-23 of a later payer on the same claim moves nothing
  (the earlier payer's part); anything else is denied and stays open in the insurance
  balance (never written off here), filed under its category and follow-up queue.
  CLP02 = 4, or nothing paid with a denial, is `claim.denied`; something paid with a
  denial is `claim.partially_paid`; the rest `claim.paid`. Then `claim.underpaid` when
  the fee schedule expected more (by more than the tolerance).
- `next_payer` says what follows a primary (or secondary) adjudication that leaves a
  patient share while the claim names a next payer: bill it, or, when the payer crossed the
  claim over (CLP02 19-21, NM1*TT, MA18/N89), expect its 835 without billing.

No I/O, no clock (`now` is unused: payment dates come from the 835), no random.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from services.remit.commands import ClaimCommand, Contract, PostClaimPayment
from services.remit.denials import DenialTable
from services.remit.matching_lines import OurLine, match_lines
from shared.events.base import Event
from shared.events.claim_snapshot import ClaimSnapshotV1
from shared.events.claim_snapshot_v2 import ClaimSnapshotV2
from shared.events.claims import (
    ClaimAccepted,
    ClaimAmended,
    ClaimCorrected,
    ClaimCreated,
    ClaimSecondaryCreated,
    ClaimSecondaryOpened,
    ClaimSubmitted,
    ClaimVoided,
)
from shared.events.remittance import (
    Adjustment,
    AdjustmentEffect,
    AdjustmentGroup,
    CasEntry,
    ClaimDenied,
    ClaimPaid,
    ClaimPartiallyPaid,
    ClaimPaymentRecord,
    ClaimPosting,
    ClaimReversed,
    ClaimUnderpaid,
    DenialReason,
    LedgerMove,
    LinePayment,
    NextPayer,
    NextPayerAction,
    PayerRef,
    PostingRef,
    UnderpaidLine,
)
from shared.kernel import Aggregate, DomainError

ZERO = Decimal("0.00")
CROSSOVER_STATUSES = frozenset({"19", "20", "21"})
CROSSOVER_REMARKS = frozenset({"MA18", "N89", "MA07"})
SECONDARY_STATUSES = frozenset({"2", "3", "20", "21"})
PREDETERMINATION = "25"
REVERSAL = "22"
DENIED = "4"
RANKS = "PSTABCDEFGH"


class ClaimNotCreated(DomainError):
    def __init__(self, claim_id: str) -> None:
        super().__init__("claim", f"claim {claim_id!r} has no claim.created: nothing to post to")


class ReversalWithoutPosting(DomainError):
    """A reversal (CLP02 22) whose amounts match no standing posting of the claim."""

    def __init__(self, claim_id: str, payer_claim_number: str | None, paid: Decimal) -> None:
        super().__init__(
            "reversal",
            f"claim {claim_id}: no standing posting of payer claim number "
            f"{payer_claim_number or '(none)'} pays {-paid}: the reversal undoes nothing here",
        )


class ChargeMismatch(DomainError):
    """A payment matched by hand to a claim billed for another charge (CLP03): a person's
    match must agree on the money billed, or the payment is someone else's."""

    def __init__(self, claim_id: str, claim_charge: Decimal, payment_charge: Decimal) -> None:
        self.claim_charge = claim_charge
        self.payment_charge = payment_charge
        super().__init__(
            "charge",
            f"claim {claim_id} was billed {claim_charge} but the payment (CLP03) is for "
            f"{payment_charge}: not posted to it",
        )


class NotAPayment(DomainError):
    """A predetermination (CLP02 25): the payer says what it would pay; no money moves."""

    def __init__(self) -> None:
        super().__init__("predetermination", "a predetermination of benefits moves no money")


@dataclass(frozen=True)
class Posting:
    """One standing posting on the claim (what a reversal can undo)."""

    remittance_id: str
    claim_index: int | None
    trace_number: str | None
    event_type: str
    payer_id: str
    payer_claim_number: str | None
    claim_status_code: str
    charge: Decimal
    paid: Decimal
    ledger: LedgerMove
    reversed: bool = False


@dataclass(frozen=True)
class ClaimState:
    claim_id: str
    content: ClaimSnapshotV1 | ClaimSnapshotV2 | None = None
    status: str = "not_created"
    payer_claim_numbers: tuple[str, ...] = ()
    postings: tuple[Posting, ...] = ()
    seen: frozenset[tuple[str, int | None]] = field(default_factory=frozenset)
    """(remittance id, claim index) of every posting and reversal on the claim."""

    @classmethod
    def empty(cls, claim_id: str) -> ClaimState:
        return cls(claim_id)

    @property
    def standing(self) -> tuple[Posting, ...]:
        return tuple(p for p in self.postings if not p.reversed)

    @property
    def lines(self) -> list[OurLine]:
        if self.content is None:
            return []
        return [
            OurLine(
                line_number=line.line_number,
                procedure_code=line.procedure_code,
                modifiers=tuple(line.modifiers),
                revenue_code=line.revenue_code,
                units=line.units,
                charge=line.charge,
                service_date=line.service_date,
            )
            for line in self.content.lines
        ]


# --- apply -----------------------------------------------------------------------------------


def apply(state: ClaimState, event: Event) -> ClaimState:
    """Fold one event of the claim's stream (types remit does not need leave it as it is)."""
    match event:
        case (
            ClaimCreated(claim=claim)
            | ClaimAmended(claim=claim)
            | ClaimSecondaryOpened(claim=claim)
        ):
            # A secondary claim's stream begins with its content (billed to the next payer).
            return replace(state, content=claim, status="created")
        case ClaimCorrected(corrected_claim=claim):
            return replace(state, content=claim, status="corrected")
        case ClaimSubmitted():
            return replace(state, status="submitted")
        case ClaimAccepted(payer_claim_number=number):
            numbers = state.payer_claim_numbers
            if number and number not in numbers:
                numbers = (*numbers, number)
            return replace(state, status="accepted", payer_claim_numbers=numbers)
        case ClaimVoided():
            return replace(state, status="voided")
        case ClaimSecondaryCreated():
            return state
        case ClaimReversed():
            return _apply_reversal(state, event)
        case ClaimPaid() | ClaimPartiallyPaid() | ClaimDenied():
            return _apply_posting(state, event)
    return state


def _apply_posting(state: ClaimState, event: ClaimPosting) -> ClaimState:
    posting = Posting(
        remittance_id=event.remittance_id,
        claim_index=event.claim_index,
        trace_number=event.trace_number,
        event_type=event.event_type,
        payer_id=event.payer_id,
        payer_claim_number=event.payer_claim_number,
        claim_status_code=event.claim_status_code,
        charge=event.charge_amount,
        paid=event.paid_amount,
        ledger=event.ledger,
    )
    numbers = state.payer_claim_numbers
    if event.payer_claim_number and event.payer_claim_number not in numbers:
        numbers = (*numbers, event.payer_claim_number)
    return replace(
        state,
        status=event.event_type.removeprefix("claim."),
        postings=(*state.postings, posting),
        payer_claim_numbers=numbers,
        seen=state.seen | {(event.remittance_id, event.claim_index)},
    )


def _apply_reversal(state: ClaimState, event: ClaimReversed) -> ClaimState:
    target = event.reverses
    postings = list(state.postings)
    if target is not None:
        for i in range(len(postings) - 1, -1, -1):
            p = postings[i]
            if (
                not p.reversed
                and p.remittance_id == target.remittance_id
                and p.claim_index == target.claim_index
            ):
                postings[i] = replace(p, reversed=True)
                break
    return replace(
        state,
        status="reversed",
        postings=tuple(postings),
        seen=state.seen | {(event.remittance_id, event.claim_index)},
    )


# --- decide ----------------------------------------------------------------------------------


def decide(state: ClaimState, command: ClaimCommand, now: datetime) -> list[Event]:
    """The events one claim payment produces on this claim, or a DomainError naming the rule."""
    match command:
        case PostClaimPayment():
            return _post(state, command)
    raise TypeError(f"not a remit claim command: {command!r}")


def _post(state: ClaimState, command: PostClaimPayment) -> list[Event]:
    if state.content is None:
        raise ClaimNotCreated(state.claim_id)
    if (command.remittance.remittance_id, command.claim_index) in state.seen:
        return []  # delivered again (a resumed file, a retried request): posted once
    status = command.payment.claim_status_code
    if status == PREDETERMINATION:
        raise NotAPayment()
    if status == REVERSAL:
        return [_reverse(state, command)]
    posting = _posting(state, command)
    events: list[Event] = [posting]
    underpaid = _underpayment(state, command, posting)
    if underpaid is not None:
        events.append(underpaid)
    return events


@dataclass
class _Classified:
    adjustments: list[Adjustment]
    denials: list[DenialReason]


def _classify(
    entries: Iterable[CasEntry],
    remarks: Sequence[str],
    table: DenialTable,
    *,
    line_number: int | None,
    same_claim_cob: bool,
) -> _Classified:
    out = _Classified([], [])
    for entry in entries:
        group, carc = entry.group.value, entry.reason_code
        payment = table.is_payment_adjustment(group, carc)
        category = None if payment else table.category_for(carc, group, remarks)
        if entry.group is AdjustmentGroup.PATIENT_RESPONSIBILITY:
            effect = AdjustmentEffect.PATIENT
        elif same_claim_cob and carc == "23":
            effect = AdjustmentEffect.PRIOR_PAYER
        elif payment:
            effect = AdjustmentEffect.CONTRACTUAL
        else:
            effect = AdjustmentEffect.DENIED
        out.adjustments.append(
            Adjustment(
                group=entry.group,
                reason_code=carc,
                amount=entry.amount,
                quantity=entry.quantity,
                effect=effect,
                denial_category=category.name if category else None,
            )
        )
        if category is not None:
            out.denials.append(
                DenialReason(
                    line_number=line_number,
                    group=entry.group,
                    reason_code=carc,
                    remark_codes=tuple(remarks),
                    amount=entry.amount,
                    category=category.name,
                    queue=category.queue,
                )
            )
    return out


def _lines(
    state: ClaimState, payment: ClaimPaymentRecord, table: DenialTable, same_claim_cob: bool
) -> tuple[list[LinePayment], list[DenialReason]]:
    matches = match_lines(state.claim_id, state.lines, payment.lines)
    lines: list[LinePayment] = []
    denials: list[DenialReason] = []
    for line, match in zip(payment.lines, matches, strict=True):
        remarks = (*line.remark_codes, *payment.remark_codes)
        classified = _classify(
            line.adjustments,
            remarks,
            table,
            line_number=match.line_number,
            same_claim_cob=same_claim_cob,
        )
        denials += classified.denials
        lines.append(
            LinePayment(
                line_number=match.line_number,
                bundled_line_numbers=match.bundled,
                matched_by=match.matched_by,
                procedure_qualifier=line.procedure_qualifier,
                procedure_code=line.procedure_code,
                modifiers=line.modifiers,
                revenue_code=line.revenue_code,
                original_procedure_code=line.original_procedure_code,
                original_modifiers=line.original_modifiers,
                units_paid=line.units_paid,
                service_date=line.service_date,
                line_control_number=line.line_control_number,
                charge=line.charge,
                paid=line.paid,
                allowed=line.allowed,
                adjustments=tuple(classified.adjustments),
                remark_codes=line.remark_codes,
            )
        )
    return lines, denials


def _total(adjustments: Iterable[Adjustment], effect: AdjustmentEffect) -> Decimal:
    return sum((a.amount for a in adjustments if a.effect is effect), ZERO)


def _same_claim_cob(state: ClaimState, command: PostClaimPayment) -> bool:
    """A later payer (secondary, tertiary) posting on a claim an earlier payer adjudicated."""
    if command.payment.claim_status_code not in SECONDARY_STATUSES:
        return False
    return any(p.payer_id != command.remittance.payer_id for p in state.standing)


def _posting(state: ClaimState, command: PostClaimPayment) -> ClaimPosting:
    payment, table, remittance = command.payment, command.denials, command.remittance
    cob = _same_claim_cob(state, command)
    claim_level = _classify(
        payment.adjustments, payment.remark_codes, table, line_number=None, same_claim_cob=cob
    )
    lines, line_denials = _lines(state, payment, table, cob)
    every = [*claim_level.adjustments, *(a for line in lines for a in line.adjustments)]
    patient = _total(every, AdjustmentEffect.PATIENT)
    if cob:
        # The later payer restates what the patient owes after it: that replaces the share
        # the earlier payers left (their PR), it does not add to it.
        patient -= sum((p.ledger.patient_responsibility for p in state.standing), ZERO)
    ledger = LedgerMove(
        paid=payment.paid_amount,
        adjustments=_total(every, AdjustmentEffect.CONTRACTUAL),
        patient_responsibility=patient,
        denied=_total(every, AdjustmentEffect.DENIED),
    )
    allowed = [line.allowed for line in lines]
    common = dict(
        claim_id=state.claim_id,
        remittance_id=remittance.remittance_id,
        claim_index=command.claim_index,
        trace_number=remittance.trace_number,
        payer_id=remittance.payer_id,
        payer_name=remittance.payer_name,
        paid_on=remittance.payment_date,
        payment_method=remittance.payment_method,
        patient_control_number=payment.patient_control_number,
        payer_claim_number=payment.payer_claim_number,
        claim_status_code=payment.claim_status_code,
        charge_amount=payment.charge_amount,
        paid_amount=payment.paid_amount,
        patient_responsibility=(
            payment.patient_responsibility
            if payment.patient_responsibility is not None
            else _total(every, AdjustmentEffect.PATIENT)
        ),
        allowed_amount=(
            sum((a for a in allowed if a is not None), ZERO)
            if allowed and all(a is not None for a in allowed)
            else None
        ),
        adjustments=tuple(claim_level.adjustments),
        lines=tuple(lines),
        remark_codes=payment.remark_codes,
        ledger=ledger,
        matched_by=command.matched_by,
        crossover_to=payment.crossover_to,
    )
    denials = [*claim_level.denials, *line_denials]
    if payment.claim_status_code == DENIED or (payment.paid_amount == 0 and denials):
        category, queue = _main_denial(denials, table)
        return ClaimDenied(
            **common,
            denial_category=category,
            queue=queue,
            denials=tuple(denials),
            next_payer=None,
        )
    next_payer = _next_payer(state, payment, patient_share=_total(every, AdjustmentEffect.PATIENT))
    if denials:
        category, queue = _main_denial(denials, table)
        return ClaimPartiallyPaid(
            **common,
            denial_category=category,
            queue=queue,
            denials=tuple(denials),
            next_payer=next_payer,
        )
    return ClaimPaid(**common, next_payer=next_payer)


def _main_denial(denials: Sequence[DenialReason], table: DenialTable) -> tuple[str, str]:
    """The category of the largest denied amount (the first of equals)."""
    if not denials:
        return table.default.name, table.default.queue
    largest = max(denials, key=lambda d: abs(d.amount))
    return largest.category, largest.queue


# --- the next payer --------------------------------------------------------------------------


def own_responsibility(content: ClaimSnapshotV1 | ClaimSnapshotV2) -> str:
    """SBR01 of the payer this claim is billed to: the rank after its other payers'."""
    taken = {o.responsibility for o in content.other_payers}
    return next((rank for rank in RANKS if rank not in taken), "U")


def _next_payer(
    state: ClaimState, payment: ClaimPaymentRecord, *, patient_share: Decimal
) -> NextPayer | None:
    content = state.content
    assert content is not None
    own = own_responsibility(content)
    following = RANKS[RANKS.index(own) + 1] if own in RANKS[:-1] else None
    candidates = [
        o
        for o in content.other_payers
        if o.responsibility == following and o.paid_amount is None and not o.line_adjudications
    ]
    remarks = set(payment.remark_codes) | {r for line in payment.lines for r in line.remark_codes}
    crossed = (
        payment.claim_status_code in CROSSOVER_STATUSES
        or payment.crossover_to is not None
        or bool(remarks & CROSSOVER_REMARKS)
    )
    if crossed:
        target = payment.crossover_to or (
            PayerRef(payer_id=candidates[0].payer.payer_id, name=candidates[0].payer.name)
            if candidates
            else None
        )
        if target is None:
            return None
        return NextPayer(
            action=NextPayerAction.CROSSOVER,
            payer_id=target.payer_id,
            payer_name=target.name,
            responsibility=following or "S",
            balance=patient_share,
        )
    if not candidates or patient_share <= 0:
        return None
    nxt = candidates[0]
    return NextPayer(
        action=NextPayerAction.BILL,
        payer_id=nxt.payer.payer_id,
        payer_name=nxt.payer.name,
        responsibility=nxt.responsibility,
        balance=patient_share,
    )


# --- reversals -------------------------------------------------------------------------------


def _reverse(state: ClaimState, command: PostClaimPayment) -> ClaimReversed:
    payment, remittance = command.payment, command.remittance
    number = payment.payer_claim_number
    candidates = [
        p
        for p in reversed(state.standing)
        if p.paid == -payment.paid_amount
        and p.charge == -payment.charge_amount
        and (not number or not p.payer_claim_number or p.payer_claim_number == number)
    ]
    candidates.sort(key=lambda p: p.payer_id != remittance.payer_id)  # same payer first
    if not candidates:
        raise ReversalWithoutPosting(state.claim_id, number, payment.paid_amount)
    target = candidates[0]
    table = command.denials
    claim_level = _classify(
        payment.adjustments, payment.remark_codes, table, line_number=None, same_claim_cob=False
    )
    lines, _ = _lines(state, payment, table, False)
    return ClaimReversed(
        claim_id=state.claim_id,
        remittance_id=remittance.remittance_id,
        claim_index=command.claim_index,
        trace_number=remittance.trace_number,
        payer_id=remittance.payer_id,
        payer_name=remittance.payer_name,
        reversed_on=remittance.payment_date,
        payer_claim_number=number,
        claim_status_code=payment.claim_status_code,
        charge_amount=payment.charge_amount,
        paid_amount=payment.paid_amount,
        patient_responsibility=(
            payment.patient_responsibility
            if payment.patient_responsibility is not None
            else -target.ledger.patient_responsibility
        ),
        adjustments=tuple(claim_level.adjustments),
        lines=tuple(lines),
        reverses=PostingRef(
            remittance_id=target.remittance_id,
            claim_index=target.claim_index,
            trace_number=target.trace_number,
            event_type=target.event_type,
        ),
        ledger=target.ledger.negated(),
    )


# --- underpayments ---------------------------------------------------------------------------


def _underpayment(
    state: ClaimState, command: PostClaimPayment, posting: ClaimPosting
) -> ClaimUnderpaid | None:
    contract = command.contract
    if contract is None or isinstance(posting, ClaimDenied):
        return None
    if posting.claim_status_code in SECONDARY_STATUSES:
        return None  # a fee schedule is the primary contract; secondaries pay what is left
    assert state.content is not None
    ours = {line.line_number: line for line in state.lines}
    first_date = state.content.first_service_date
    rows: list[UnderpaidLine] = []
    for line in posting.lines:
        if line.line_number is None or line.line_number not in ours:
            continue
        if any(a.effect is AdjustmentEffect.DENIED for a in line.adjustments):
            continue  # a denied line is follow-up's denial work, not an underpayment
        billed = ours[line.line_number]
        members = [billed, *(ours[n] for n in line.bundled_line_numbers if n in ours)]
        expected = _expected(contract, members, line.service_date or first_date)
        if expected is None:
            continue
        actual = (
            line.allowed
            if line.allowed is not None
            else line.paid + _total(line.adjustments, AdjustmentEffect.PATIENT)
        )
        rows.append(
            UnderpaidLine(
                line_number=line.line_number,
                procedure_code=billed.procedure_code or billed.revenue_code,
                modifiers=billed.modifiers,
                units=billed.units,
                expected=expected,
                actual=actual,
                difference=expected - actual,
            )
        )
    if not rows:
        return None
    expected_total = sum((r.expected for r in rows), ZERO)
    actual_total = sum((r.actual for r in rows), ZERO)
    difference = expected_total - actual_total
    if difference <= contract.tolerance or difference <= 0:
        return None
    return ClaimUnderpaid(
        claim_id=state.claim_id,
        remittance_id=posting.remittance_id,
        claim_index=posting.claim_index,
        trace_number=posting.trace_number,
        payer_id=posting.payer_id,
        expected_amount=expected_total,
        actual_amount=actual_total,
        difference=difference,
        paid_amount=posting.paid_amount,
        tolerance=contract.tolerance,
        lines=tuple(r for r in rows if r.difference != 0),
    )


def _expected(contract: Contract, lines: Sequence[OurLine], on: date | None) -> Decimal | None:
    if on is None:
        return None
    total = ZERO
    for line in lines:
        amount = contract.schedule.expected(
            procedure=line.procedure_code,
            modifiers=line.modifiers,
            revenue_code=line.revenue_code,
            units=line.units,
            charge=line.charge,
            on=line.service_date or on,
        )
        if amount is None:
            return None
        total += amount
    return total


CLAIM: Aggregate[ClaimState, ClaimCommand] = Aggregate(
    name="remit.claim", initial=ClaimState.empty, apply=apply, decide=decide
)
