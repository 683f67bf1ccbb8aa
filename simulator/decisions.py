"""What a payer decides to do with one claim, before any amount is computed.

The edits a real payer applies come first and are deterministic: a claim its front end
cannot take (`SubmittedClaim.problems`), a void or replacement of a claim it never paid,
a claim past the timely filing limit (CO-29), an exact duplicate of a claim it already
adjudicated (CO-18), a secondary claim without the primary's adjudication (CO-16 + MA04),
a procedure that needs an authorization the claim does not carry (CO-197 on that line).

Then a rule of the profile (matched by CLM01) or the payer's shares choose one outcome:
front-end rejection, denial, partial payment, underpayment, reversal, or payment; a paid
claim naming a next payer may be crossed over. Every draw is seeded by the claim's
identity (see `simulator.draws`), so a claim's fate does not depend on its neighbours. A
claim the front end returned before is taken when it comes back (the office corrected it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from simulator import draws
from simulator.adjudication import Accumulator, DenialCode
from simulator.inbound import SubmittedClaim
from simulator.memory import KnownClaim, Memory
from simulator.profile import (
    Denial,
    Outcome,
    PayerBehaviour,
    RejectionCode,
    Rule,
)
from simulator.profile import DenialCode as DenialChoice

__all__ = ["Rejection", "Decision", "decide", "claim_key", "starting_totals"]


@dataclass(frozen=True, slots=True)
class Rejection:
    """A front-end rejection, as the 277CA carries it (STC01 and STC12)."""

    category: str
    status: str
    entity: str | None
    message: str | None
    cause: str  # problem, rule, drawn, unknown_original


@dataclass(frozen=True, slots=True)
class Decision:
    """The payer's decision about one claim; amounts follow in `simulator.adjudication`."""

    rejection: Rejection | None = None
    denial: DenialCode | None = None  # the whole claim denied
    denied_lines: dict[int, DenialCode] = field(default_factory=dict)
    underpayment_percent: Decimal | None = None
    reversal_percent: Decimal | None = None  # first payment short by this, reversed later
    crossover: bool = False
    replaces: KnownClaim | None = None  # frequency 7 or 8: the earlier claim to reverse
    void: bool = False
    behaviours: tuple[str, ...] = ()  # named for the truth file


def claim_key(claim: SubmittedClaim) -> tuple[str, ...]:
    """The claim's identity for its draws: payer, CLM01, frequency, charge, first date."""
    first = claim.service_from
    return (
        claim.payer_id,
        claim.patient_control_number,
        claim.frequency,
        str(claim.charge),
        first.isoformat() if first else "",
    )


def starting_totals(payer: PayerBehaviour, key: tuple[str, str, int], seed: int) -> Accumulator:
    """A member's totals before the first claim the payer sees this plan year.

    A `deductible_met_share` of members arrive with the deductible met by care billed
    elsewhere (drawn per payer, member and year); the others start from zero.
    """
    share = payer.cost_share
    payer_id, member_id, year = key
    if share.deductible and draws.uniform(seed, payer_id, member_id, str(year), "met") < (
        share.deductible_met_share
    ):
        return Accumulator(share.deductible, share.deductible)
    return Accumulator()


def _denial(choice: DenialChoice) -> DenialCode:
    return DenialCode(choice.group, choice.reason, tuple(choice.remarks))


def _rejection(choice: RejectionCode, cause: str) -> Rejection:
    return Rejection(choice.category, choice.status, choice.entity, choice.message, cause)


def _pick_denial(
    choices: tuple[Denial, ...], seed: int, key: tuple[str, ...], what: str
) -> DenialCode:
    index = draws.choose([c.weight for c in choices], seed, *key, what)
    return _denial(choices[index])


def _drawn_outcome(payer: PayerBehaviour, seed: int, key: tuple[str, ...]) -> Outcome:
    shares = payer.shares
    point = draws.uniform(seed, *key, "outcome")
    for outcome, share in (
        (Outcome.REJECT_277CA, shares.reject_277ca),
        (Outcome.DENY, shares.deny),
        (Outcome.PARTIAL_PAYMENT, shares.partial_payment),
        (Outcome.UNDERPAYMENT, shares.underpayment),
        (Outcome.REVERSAL, shares.reversal),
    ):
        if point < share:
            return outcome
        point -= share
    return Outcome.PAY


def decide(
    claim: SubmittedClaim,
    payer: PayerBehaviour,
    payer_id: str,
    rule: Rule | None,
    seed: int,
    memory: Memory,
    received: date,
) -> Decision:
    """The payer's decision about `claim`, received on `received` (see the module doc).

    `payer_id` is the id the payer answers under (the memory is kept by it).
    """
    key = claim_key(claim)
    if claim.problems:
        problem = claim.problems[0]
        return Decision(
            rejection=Rejection("A7", problem.status, problem.entity, problem.message, "problem")
        )
    replaces: KnownClaim | None = None
    behaviours: list[str] = []
    if claim.frequency in ("7", "8"):
        known = memory.by_payer_claim_number.get(claim.original_payer_claim_number or "")
        if known is not None and (known.payer_id != payer_id or known.payment is None):
            known = None
        if claim.frequency == "8":
            if known is None:
                return Decision(
                    rejection=Rejection(
                        "A7", "21", None, "Void of a claim not on file", "unknown_original"
                    )
                )
            return Decision(void=True, replaces=known, behaviours=("void",))
        if known is not None:
            replaces = known
            behaviours.append("replacement")
    resubmitted = memory.was_rejected(payer_id, claim.patient_control_number)
    if resubmitted:
        behaviours.append("resubmission")

    outcome = rule.outcome if rule is not None and rule.outcome is not None else None
    if outcome is not None:
        behaviours.append("rule")
    else:
        outcome = _drawn_outcome(payer, seed, key)
    if outcome in (Outcome.REJECT_277CA, Outcome.REJECT_999) and resubmitted:
        # The office corrected what the front end returned: the resubmission goes through.
        outcome = Outcome.PAY
    if outcome is Outcome.REJECT_277CA:
        if rule is not None and rule.rejection is not None:
            return Decision(rejection=_rejection(rule.rejection, "rule"))
        choices = payer.rejections_277ca
        index = draws.choose([c.weight for c in choices], seed, *key, "rejection")
        return Decision(rejection=_rejection(choices[index], "rule" if rule else "drawn"))

    # Edits every payer applies, whatever the draw.
    first = claim.service_from
    if (
        payer.timely_filing_days is not None
        and first is not None
        and (received - first).days > payer.timely_filing_days
    ):
        return Decision(
            denial=DenialCode("CO", "29"),
            replaces=replaces,
            behaviours=(*behaviours, "timely_filing"),
        )
    if claim.frequency == "1" and memory.duplicate_of(
        payer_id, claim.patient_control_number, claim.charge, first, claim.service_to
    ):
        return Decision(denial=DenialCode("CO", "18"), behaviours=(*behaviours, "duplicate"))
    if claim.responsibility not in ("P", "U") and claim.prior_payer is None:
        return Decision(
            denial=DenialCode("CO", "16", ("MA04",)),
            replaces=replaces,
            behaviours=(*behaviours, "no_primary_adjudication"),
        )

    if outcome is Outcome.DENY:
        denial = (
            _denial(rule.denial)
            if rule is not None and rule.denial is not None
            else _pick_denial(payer.denials, seed, key, "denial")
        )
        return Decision(denial=denial, replaces=replaces, behaviours=(*behaviours, "denial"))

    secondary = claim.responsibility not in ("P", "U")
    denied_lines: dict[int, DenialCode] = {}
    underpayment: Decimal | None = None
    reversal: Decimal | None = None
    if not secondary:
        if payer.authorization_required and not claim.prior_authorization:
            for line in claim.lines:
                if payer.authorization_codes.matches(line.procedure_code):
                    denied_lines[line.line_number] = DenialCode("CO", "197")
            if denied_lines:
                behaviours.append("authorization")
        if outcome is Outcome.PARTIAL_PAYMENT and (len(claim.lines) > 1 or rule is not None):
            denial = (
                _denial(rule.denial)
                if rule is not None and rule.denial is not None
                else _pick_denial(payer.line_denials, seed, key, "line denial")
            )
            index = int(draws.uniform(seed, *key, "denied line") * len(claim.lines))
            denied_lines.setdefault(claim.lines[index].line_number, denial)
            behaviours.append("partial_payment")
        elif outcome is Outcome.UNDERPAYMENT:
            underpayment = (
                rule.underpayment_percent
                if rule is not None and rule.underpayment_percent is not None
                else draws.percent_between(
                    payer.underpayment.min_percent,
                    payer.underpayment.max_percent,
                    seed,
                    *key,
                    "underpayment",
                )
            )
            behaviours.append("underpayment")
        elif outcome is Outcome.REVERSAL:
            reversal = draws.percent_between(
                payer.underpayment.min_percent,
                payer.underpayment.max_percent,
                seed,
                *key,
                "reversal",
            )
            behaviours.append("reversal")
    crossover = False
    if not secondary and claim.next_payer is not None and outcome is not Outcome.REVERSAL:
        forced = outcome is Outcome.CROSSOVER
        crossover = forced or draws.uniform(seed, *key, "crossover") < payer.shares.crossover
        if crossover:
            behaviours.append("crossover")
    return Decision(
        denied_lines=denied_lines,
        underpayment_percent=underpayment,
        reversal_percent=reversal,
        crossover=crossover,
        replaces=replaces,
        behaviours=tuple(behaviours),
    )
