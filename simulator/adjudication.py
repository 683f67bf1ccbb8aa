"""How a payer prices and pays one claim: pure functions over a claim, a payer, a member.

No clock, no randomness, no I/O here: the decision of *what* happens to a claim (denied,
underpaid...) is taken by `simulator.decisions` from seeded draws and rules, and the
member's running totals for the plan year come in as an `Accumulator` and go out updated.

Arithmetic that every remittance line obeys (the 835 writer checks it again):
- a line: charge - paid = sum of its CAS amounts; paid = allowed - patient responsibility;
- a claim: charge - paid = sum of its lines' CAS; patient responsibility = its PR amounts;
- a reversal negates every amount of the claim payment it reverses.

Primary payers: allowed = the fee schedule (never more than billed; less when underpaid),
CO-45 for the rest of the charge, then per plan year the copay (PR-3, once per visit date
for the listed procedures), the deductible (PR-1) and coinsurance (PR-2), capped by the
out-of-pocket maximum. Secondary payers pay on the balance the prior payer left (its
2320/2430 adjudication): OA-23 for what the prior payer paid or wrote off, then either the
whole balance (`remaining_balance`, Medigap-like) or the lesser of the balance and what the
payer would pay as primary (`standard`); what stays unpaid is the patient's (PR).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from shared.money import CENT, ZERO
from simulator.inbound import Adjustment, PriorPayer, SubmittedClaim, SubmittedLine
from simulator.profile import PayerBehaviour

__all__ = [
    "Accumulator",
    "LineAdjudication",
    "ClaimAdjudication",
    "DenialCode",
    "price_primary",
    "price_secondary",
    "deny_claim",
    "negate",
    "HUNDRED",
]

HUNDRED = Decimal(100)


def _cents(value: Decimal) -> Decimal:
    # Coinsurance and reductions are computed to the cent, rounding half up, as payers do.
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _total(adjustments: Sequence[Adjustment], group: str, reason: str | None) -> Decimal:
    return sum(
        (a.amount for a in adjustments if a.group == group and reason in (None, a.reason)),
        ZERO,
    )


@dataclass(frozen=True, slots=True)
class Accumulator:
    """A member's running totals with one payer for one plan year."""

    deductible_met: Decimal = ZERO
    out_of_pocket_met: Decimal = ZERO

    def plus(self, deductible: Decimal, out_of_pocket: Decimal) -> Accumulator:
        return Accumulator(self.deductible_met + deductible, self.out_of_pocket_met + out_of_pocket)


@dataclass(frozen=True, slots=True)
class DenialCode:
    """A denying adjustment: CAS group, CARC and its RARCs."""

    group: str
    reason: str
    remarks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LineAdjudication:
    """One service line as the payer adjudicated it (an 835 loop 2110)."""

    line: SubmittedLine
    charge: Decimal
    allowed: Decimal
    expected_allowed: Decimal  # what the fee schedule says (differs when underpaid)
    paid: Decimal
    adjustments: tuple[Adjustment, ...]
    remarks: tuple[str, ...] = ()

    @property
    def adjusted(self) -> Decimal:
        return sum((a.amount for a in self.adjustments), ZERO)

    def amount(self, group: str, reason: str | None = None) -> Decimal:
        """The sum of its adjustments of `group` (and `reason`, when given)."""
        return _total(self.adjustments, group, reason)


@dataclass(frozen=True, slots=True)
class ClaimAdjudication:
    """One claim payment (an 835 CLP with its lines)."""

    status: str  # CLP02: 1, 2, 3, 4, 19, 22
    payer_claim_number: str
    charge: Decimal
    lines: tuple[LineAdjudication, ...]
    claim_adjustments: tuple[Adjustment, ...] = ()
    claim_remarks: tuple[str, ...] = ()  # MOA (professional) / MIA (institutional) remarks
    crossover_to: tuple[str, str] | None = None  # (payer id, name): NM1*TT

    @property
    def paid(self) -> Decimal:
        return sum((line.paid for line in self.lines), ZERO)

    @property
    def adjustments(self) -> tuple[Adjustment, ...]:
        return self.claim_adjustments + tuple(a for line in self.lines for a in line.adjustments)

    @property
    def patient_responsibility(self) -> Decimal:
        return sum((a.amount for a in self.adjustments if a.group == "PR"), ZERO)

    def amount(self, group: str, reason: str | None = None) -> Decimal:
        """The sum of its adjustments of `group` (and `reason`, when given)."""
        return _total(self.adjustments, group, reason)

    def check(self) -> None:
        """Raise if the payment does not balance (a simulator bug, never the input's)."""
        for line in self.lines:
            if line.charge - line.paid != line.adjusted:
                raise AssertionError(f"line {line.line.line_number} does not balance")
        total = sum((a.amount for a in self.adjustments), ZERO)
        if self.charge - self.paid != total:
            raise AssertionError(f"claim {self.payer_claim_number} does not balance")


def negate(payment: ClaimAdjudication) -> ClaimAdjudication:
    """The reversal (CLP02 = 22) of `payment`: every amount negated, same payer claim number."""

    def flip(adjustments: Sequence[Adjustment]) -> tuple[Adjustment, ...]:
        return tuple(Adjustment(a.group, a.reason, -a.amount) for a in adjustments)

    return replace(
        payment,
        status="22",
        charge=-payment.charge,
        lines=tuple(
            replace(
                line,
                charge=-line.charge,
                allowed=-line.allowed,
                expected_allowed=-line.expected_allowed,
                paid=-line.paid,
                adjustments=flip(line.adjustments),
            )
            for line in payment.lines
        ),
        claim_adjustments=flip(payment.claim_adjustments),
        crossover_to=None,
    )


def _contractual(charge: Decimal, allowed: Decimal) -> list[Adjustment]:
    return [Adjustment("CO", "45", charge - allowed)] if charge != allowed else []


def _denied_line(line: SubmittedLine, expected: Decimal, denial: DenialCode) -> LineAdjudication:
    return LineAdjudication(
        line=line,
        charge=line.charge,
        allowed=ZERO,
        expected_allowed=expected,
        paid=ZERO,
        adjustments=(Adjustment(denial.group, denial.reason, line.charge),) if line.charge else (),
        remarks=denial.remarks,
    )


def deny_claim(
    claim: SubmittedClaim, payer: PayerBehaviour, denial: DenialCode, payer_claim_number: str
) -> ClaimAdjudication:
    """The whole claim denied (CLP02 = 4): each line's charge adjusted with the denial."""
    lines = tuple(
        _denied_line(
            line, payer.fee_schedule.allowed(line.fee_keys, line.units, line.charge), denial
        )
        for line in claim.lines
    )
    return ClaimAdjudication(
        status="4",
        payer_claim_number=payer_claim_number,
        charge=claim.charge,
        lines=lines,
        claim_remarks=denial.remarks,
    )


def _status(claim: SubmittedClaim) -> str:
    """CLP02 for a processed claim: 1 primary, 2 secondary, 3 tertiary."""
    return {"S": "2", "T": "3"}.get(claim.responsibility, "1")


def price_primary(
    claim: SubmittedClaim,
    payer: PayerBehaviour,
    member: Accumulator,
    payer_claim_number: str,
    *,
    underpayment_percent: Decimal | None = None,
    denied_lines: dict[int, DenialCode] | None = None,
) -> tuple[ClaimAdjudication, Accumulator]:
    """Pay the claim as primary payer; the member's totals after it."""
    share = payer.cost_share
    denied_lines = denied_lines or {}
    deductible_met, out_of_pocket_met = member.deductible_met, member.out_of_pocket_met
    copay_dates: set[object] = set()
    lines = []
    for line in claim.lines:
        expected = payer.fee_schedule.allowed(line.fee_keys, line.units, line.charge)
        denial = denied_lines.get(line.line_number)
        if denial is not None:
            lines.append(_denied_line(line, expected, denial))
            continue
        allowed = expected
        if underpayment_percent:
            allowed = _cents(expected * (HUNDRED - underpayment_percent) / HUNDRED)
        left = allowed
        copay = ZERO
        visit = line.service_date or claim.service_from
        if (
            share.copay
            and visit not in copay_dates
            and share.copay_codes.matches(line.procedure_code)
        ):
            copay = min(share.copay, left)
            copay_dates.add(visit)
        left -= copay
        deductible = min(max(share.deductible - deductible_met, ZERO), left)
        left -= deductible
        coinsurance = _cents(left * share.coinsurance_percent / HUNDRED)
        if share.out_of_pocket_max is not None:
            # Past the out-of-pocket maximum the plan pays in full: trim coinsurance first,
            # then the copay, then the deductible, until the member's share fits the room.
            room = max(share.out_of_pocket_max - out_of_pocket_met, ZERO)
            excess = copay + deductible + coinsurance - room
            if excess > 0:
                cut = min(excess, coinsurance)
                coinsurance, excess = coinsurance - cut, excess - cut
                cut = min(excess, copay)
                copay, excess = copay - cut, excess - cut
                deductible -= min(excess, deductible)
        responsibility = copay + deductible + coinsurance
        deductible_met += deductible
        out_of_pocket_met += responsibility
        adjustments = _contractual(line.charge, allowed)
        for reason, amount in (("1", deductible), ("2", coinsurance), ("3", copay)):
            if amount:
                adjustments.append(Adjustment("PR", reason, amount))
        lines.append(
            LineAdjudication(
                line=line,
                charge=line.charge,
                allowed=allowed,
                expected_allowed=expected,
                paid=allowed - responsibility,
                adjustments=tuple(adjustments),
            )
        )
    all_denied = bool(lines) and all(line.line.line_number in denied_lines for line in lines)
    payment = ClaimAdjudication(
        status="4" if all_denied else _status(claim),
        payer_claim_number=payer_claim_number,
        charge=claim.charge,
        lines=tuple(lines),
    )
    return payment, Accumulator(deductible_met, out_of_pocket_met)


def _prior_balance(
    claim: SubmittedClaim, prior: PriorPayer
) -> list[tuple[Decimal, dict[str, Decimal]]]:
    """Per line: what the prior payer left unpaid and not written off, and its PR by reason.

    From the line adjudications (2430) when the claim has them, else the claim-level paid
    amount and adjustments (2320) spread over the lines in proportion to their charges.
    """
    out: list[tuple[Decimal, dict[str, Decimal]]] = []
    if any(p.payer_id == prior.payer_id for line in claim.lines for p in line.prior):
        for line in claim.lines:
            paid = ZERO
            written_off = ZERO
            patient: dict[str, Decimal] = {}
            for prior_line in (p for p in line.prior if p.payer_id == prior.payer_id):
                paid += prior_line.paid
                for adj in prior_line.adjustments:
                    if adj.group == "PR":
                        patient[adj.reason] = patient.get(adj.reason, ZERO) + adj.amount
                    else:
                        written_off += adj.amount
            balance = min(max(line.charge - paid - written_off, ZERO), line.charge)
            out.append((balance, patient))
        return out
    paid = prior.paid or ZERO
    written_off = sum((a.amount for a in prior.adjustments if a.group != "PR"), ZERO)
    total = min(max(claim.charge - paid - written_off, ZERO), claim.charge)
    charges = [line.charge for line in claim.lines]
    spread = _spread(total, charges)
    return [(amount, {}) for amount in spread]


def _spread(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """`total` split over `weights` in proportion, to the cent, the remainder on the last."""
    whole = sum(weights, ZERO)
    if not weights:
        return []
    if whole == 0:
        return [ZERO] * (len(weights) - 1) + [total]
    parts = [min(_cents(total * weight / whole), weight) for weight in weights[:-1]]
    parts.append(total - sum(parts, ZERO))
    return parts


def price_secondary(
    claim: SubmittedClaim,
    payer: PayerBehaviour,
    prior: PriorPayer,
    payer_claim_number: str,
) -> ClaimAdjudication:
    """Pay the balance the prior payer left (loops 2320/2430 of the claim)."""
    coinsurance = payer.cost_share.coinsurance_percent
    lines = []
    for line, (balance, prior_patient) in zip(
        claim.lines, _prior_balance(claim, prior), strict=True
    ):
        expected = payer.fee_schedule.allowed(line.fee_keys, line.units, line.charge)
        if payer.secondary_method == "remaining_balance":
            paid = balance
        else:
            normal = _cents(expected * (HUNDRED - coinsurance) / HUNDRED)
            paid = min(balance, normal)
        adjustments = []
        if line.charge - balance:
            adjustments.append(Adjustment("OA", "23", line.charge - balance))
        left = balance - paid
        # What stays unpaid is the patient's, under the prior payer's reasons: the copay
        # first (secondary plans rarely pay it), then coinsurance, then deductible.
        for reason in ("3", "2", "1"):
            amount = min(left, prior_patient.get(reason, ZERO))
            if amount:
                adjustments.append(Adjustment("PR", reason, amount))
                left -= amount
        if left:
            adjustments.append(Adjustment("PR", "2", left))
        lines.append(
            LineAdjudication(
                line=line,
                charge=line.charge,
                allowed=balance,
                expected_allowed=expected,
                paid=paid,
                adjustments=tuple(_merge(adjustments)),
            )
        )
    return ClaimAdjudication(
        status=_status(claim),
        payer_claim_number=payer_claim_number,
        charge=claim.charge,
        lines=tuple(lines),
    )


def _merge(adjustments: list[Adjustment]) -> list[Adjustment]:
    """One entry per group and reason (two PR-2 amounts become one)."""
    merged: dict[tuple[str, str], Decimal] = {}
    for adj in adjustments:
        key = (adj.group, adj.reason)
        merged[key] = merged.get(key, ZERO) + adj.amount
    return [Adjustment(group, reason, amount) for (group, reason), amount in merged.items()]
