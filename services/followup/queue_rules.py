"""The queue rules: one declarative table of which events open and close which work items.

Each `QueueRule` names its queue (a stable identifier integrations rely on: docs/queues.md),
what the item is about (a claim, an account, a remittance or a deposit), the event types
that open an item and those that close it, a filter for each, and how the item's amount at
stake, age, deadline and risk of loss are read. Priority = amount at stake x risk of loss.
The queue process (`services.followup.queue_process`) applies the table to every event;
nothing else decides what is in a queue. Pure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from services.followup import ledger
from services.followup.ledger import ClaimFacts
from services.followup.payer_rules import PayerRule
from shared.codes.sets import load_code_list
from shared.events.envelope import EventEnvelope

CLAIM = "claim"
ACCOUNT = "account"
REFERENCE = "reference"

DENIALS = "denials."


@dataclass(frozen=True)
class Context:
    """What a rule sees: the event, the claim's facts after it, the payer's rule."""

    event: Any
    envelope: EventEnvelope
    facts: ClaimFacts | None
    payer: PayerRule | None
    account_patient_balance: Decimal | None = None

    @property
    def claim(self) -> ClaimFacts:
        assert self.facts is not None, "a claim rule without claim facts"
        return self.facts

    @property
    def day(self) -> date:
        return self.envelope.occurred_at.date()


def _always(ctx: Context) -> bool:
    return True


def _charge(ctx: Context) -> Decimal:
    return ctx.claim.charge


def _insurance_balance(ctx: Context) -> Decimal:
    return max(ctx.claim.insurance_balance, Decimal("0.00"))


def _service_date(ctx: Context) -> date:
    return ctx.claim.service_date or ctx.claim.created_on


def _timely_filing(ctx: Context) -> date | None:
    return ctx.payer.timely_filing_deadline(ctx.claim.service_date) if ctx.payer else None


def _appeal_deadline(ctx: Context) -> date | None:
    facts = ctx.claim
    if ctx.payer is None or facts.last_remittance_on is None:
        return None
    return ctx.payer.appeal_deadline(
        facts.appeals + 1 if facts.appeals < 2 else 2, facts.last_remittance_on
    )


def _codes_text(facts: ClaimFacts) -> str:
    carc = load_code_list("carc")
    parts = [f"{c.group}-{c.code}: {carc.get(c.code, 'unknown CARC')}" for c in facts.denied_codes]
    return "; ".join(dict.fromkeys(parts)) or "no reason codes given"


def _credit(ctx: Context) -> Decimal:
    facts = ctx.claim
    return max(-facts.insurance_balance, Decimal("0.00")) + max(
        -facts.patient_balance, Decimal("0.00")
    )


@dataclass(frozen=True)
class QueueRule:
    """One queue: what opens and closes its items, and how an item is valued."""

    queue: str  # a name, or a family ending in '.' (denials.<category>)
    subject: str  # claim | account | reference
    opens_on: frozenset[str]
    closes_on: frozenset[str]
    risk_of_loss: Decimal
    amount: Callable[[Context], Decimal]
    age_from: Callable[[Context], date]
    deadline: Callable[[Context], date | None]
    reason: Callable[[Context], str]
    description: str
    when: Callable[[Context], bool] = _always
    close_when: Callable[[Context], bool] = _always
    queue_of: Callable[[Context], str] | None = None

    def name_for(self, ctx: Context) -> str:
        return self.queue_of(ctx) if self.queue_of is not None else self.queue

    @property
    def family(self) -> bool:
        return self.queue.endswith(".")


ADJUDICATED = frozenset(ledger.ADJUDICATIONS)
SETTLED = frozenset({"claim.voided", "claim.closed"})


def _rejection_reason(ctx: Context) -> str:
    reasons = getattr(ctx.event, "reasons", ())
    return "; ".join(f"{r.code}: {r.description}" for r in reasons) or "rejected"


def _payload(name: str) -> Callable[[Context], Any]:
    return lambda ctx: getattr(ctx.event, name)


def _payload_day(name: str) -> Callable[[Context], date]:
    def read(ctx: Context) -> date:
        value = getattr(ctx.event, name, None)
        return value if isinstance(value, date) else ctx.day

    return read


RULES: tuple[QueueRule, ...] = (
    QueueRule(
        queue="held",
        subject=CLAIM,
        opens_on=frozenset({"claim.scrub_failed"}),
        closes_on=frozenset({"claim.amended", "claim.ready", "claim.submitted"}) | SETTLED,
        risk_of_loss=Decimal("0.30"),
        amount=_charge,
        age_from=_service_date,
        deadline=_timely_filing,
        reason=lambda ctx: "; ".join(f"{f.code}: {f.message}" for f in ctx.event.findings),
        description="Claims the scrubber held: they cannot go out until corrected.",
    ),
    QueueRule(
        queue="rejections",
        subject=CLAIM,
        opens_on=frozenset({"claim.rejected"}),
        closes_on=frozenset({"claim.submitted", "claim.corrected", "claim.accepted"})
        | ADJUDICATED
        | SETTLED,
        risk_of_loss=Decimal("0.50"),
        amount=_charge,
        age_from=_service_date,
        deadline=_timely_filing,
        reason=_rejection_reason,
        description="Front-end rejections (999, 277CA): the payer has no claim on file.",
    ),
    QueueRule(
        queue=DENIALS,
        subject=CLAIM,
        opens_on=frozenset({"claim.denied", "claim.partially_paid"}),
        closes_on=frozenset(
            {"claim.appealed", "claim.corrected", "claim.paid", "claim.written_off"}
        )
        | SETTLED,
        when=lambda ctx: ctx.claim.denied_amount > 0,
        close_when=lambda ctx: (
            ctx.envelope.type != "claim.written_off" or ctx.claim.insurance_balance <= 0
        ),
        risk_of_loss=Decimal("0.65"),
        amount=lambda ctx: ctx.claim.denied_amount,
        age_from=_service_date,
        deadline=_appeal_deadline,
        reason=lambda ctx: _codes_text(ctx.claim),
        description="Denials, one queue per category of the remit service's denial table.",
        queue_of=lambda ctx: ledger.denial_queue_of(ctx.claim),
    ),
    QueueRule(
        queue="underpayments",
        subject=CLAIM,
        opens_on=frozenset({"claim.underpaid"}),
        closes_on=frozenset({"claim.appealed", "claim.reversed", "claim.written_off"}) | SETTLED,
        risk_of_loss=Decimal("0.40"),
        amount=lambda ctx: ctx.event.difference,
        age_from=_service_date,
        deadline=_appeal_deadline,
        reason=lambda ctx: (
            f"allowed {ctx.event.actual_amount}, contract {ctx.event.expected_amount}: "
            f"short {ctx.event.difference}"
        ),
        description="Payments below the contracted fee schedule.",
    ),
    QueueRule(
        queue="no-response",
        subject=CLAIM,
        opens_on=frozenset({"claim.follow_up_due"}),
        closes_on=ADJUDICATED | frozenset({"claim.rejected", "claim.corrected"}) | SETTLED,
        when=lambda ctx: ctx.event.reason.value == "no_response",
        risk_of_loss=Decimal("0.35"),
        amount=_insurance_balance,
        age_from=lambda ctx: ctx.claim.last_billed_on or ctx.claim.created_on,
        deadline=_timely_filing,
        reason=lambda ctx: ctx.event.detail,
        description="No answer from the payer N days (per payer) after submission.",
    ),
    QueueRule(
        queue="timely-filing",
        subject=CLAIM,
        opens_on=frozenset({"claim.timely_filing_at_risk", "claim.follow_up_due"}),
        when=lambda ctx: (
            ctx.envelope.type != "claim.follow_up_due" or ctx.event.reason.value == "timely_filing"
        ),
        closes_on=ADJUDICATED | frozenset({"claim.accepted", "claim.written_off"}) | SETTLED,
        risk_of_loss=Decimal("0.90"),
        amount=_insurance_balance,
        age_from=_service_date,
        deadline=lambda ctx: getattr(ctx.event, "deadline", None) or _timely_filing(ctx),
        reason=lambda ctx: getattr(ctx.event, "reason", None) or "timely filing limit near",
        description="Claims whose payer's filing limit is near with no accepted claim on file.",
    ),
    QueueRule(
        queue="appeals-due",
        subject=CLAIM,
        opens_on=frozenset({"claim.follow_up_due"}),
        closes_on=frozenset(
            {"claim.appealed", "claim.paid", "claim.written_off", "claim.corrected"}
        )
        | SETTLED,
        when=lambda ctx: ctx.event.reason.value == "appeal_deadline",
        risk_of_loss=Decimal("0.80"),
        amount=lambda ctx: max(ctx.claim.denied_amount, ctx.claim.underpaid_shortfall),
        age_from=lambda ctx: ctx.claim.last_remittance_on or ctx.claim.created_on,
        deadline=lambda ctx: ctx.event.deadline,
        reason=lambda ctx: ctx.event.detail,
        description="Denied or underpaid claims whose appeal deadline is near, not yet appealed.",
    ),
    QueueRule(
        queue="credit-balances",
        subject=CLAIM,
        opens_on=ADJUDICATED
        | frozenset({"claim.reversed", "claim.patient_payment_applied", "claim.written_off"}),
        closes_on=ADJUDICATED
        | frozenset({"claim.reversed", "claim.patient_payment_applied", "claim.written_off"}),
        when=lambda ctx: _credit(ctx) > 0,
        close_when=lambda ctx: _credit(ctx) == 0,
        risk_of_loss=Decimal("0.10"),
        amount=_credit,
        age_from=lambda ctx: ctx.day,
        deadline=lambda ctx: None,
        reason=lambda ctx: f"credit of {_credit(ctx)} to refund (payer or patient overpaid)",
        description="Claims paid more than they owe: listed for refund.",
    ),
    QueueRule(
        queue="patient-balances",
        subject=ACCOUNT,
        opens_on=frozenset({"patient_account.statement_issued"}),
        closes_on=frozenset({"patient_account.payment_received"}),
        when=lambda ctx: ctx.event.dunning_level >= 1 and ctx.event.balance_due > 0,
        close_when=lambda ctx: ctx.event.account_balance_after <= 0,
        risk_of_loss=Decimal("0.50"),
        amount=lambda ctx: ctx.event.balance_due,
        age_from=_payload_day("statement_date"),
        deadline=lambda ctx: ctx.event.due_date,
        reason=lambda ctx: (
            f"statement {ctx.event.statement_number} unpaid; oldest balance "
            f"{ctx.event.oldest_balance_days} days"
        ),
        description="Accounts whose patient balance is past due after a statement.",
    ),
    QueueRule(
        queue="credit-balances",
        subject=ACCOUNT,
        opens_on=frozenset({"patient_account.payment_received"}),
        closes_on=frozenset(),
        when=lambda ctx: ctx.event.unapplied > 0,
        risk_of_loss=Decimal("0.10"),
        amount=_payload("unapplied"),
        age_from=_payload_day("received_on"),
        deadline=lambda ctx: None,
        reason=lambda ctx: f"payment {ctx.event.payment_id}: {ctx.event.unapplied} unapplied",
        description="Patient payments larger than the balance: unapplied credit to refund.",
    ),
    QueueRule(
        queue="unmatched-remittances",
        subject=REFERENCE,
        opens_on=frozenset({"remittance.claim_unmatched"}),
        closes_on=frozenset({"remittance.claim_matched"}),
        risk_of_loss=Decimal("0.25"),
        amount=lambda ctx: abs(ctx.event.payment.paid_amount),
        age_from=_payload_day("payment_date"),
        deadline=lambda ctx: None,
        reason=lambda ctx: (
            f"claim payment {ctx.event.claim_index} "
            f"({ctx.event.payment.patient_control_number}): {ctx.event.reason}"
        ),
        description="Claim payments in an 835 that match no claim of ours.",
    ),
    QueueRule(
        queue="unmatched-deposits",
        subject=REFERENCE,
        opens_on=frozenset({"deposit_follow_up.due"}),
        closes_on=frozenset({"deposit.matched"}),
        risk_of_loss=Decimal("0.25"),
        amount=lambda ctx: abs(ctx.event.amount),
        age_from=_payload_day("deposit_date"),
        deadline=lambda ctx: None,
        reason=lambda ctx: ctx.event.detail,
        description="Bank deposits (EFT, checks) no 835 matched N days after they arrived.",
    ),
)

QUEUE_NAMES: tuple[str, ...] = (
    "held",
    "rejections",
    "denials.<category>",
    "underpayments",
    "no-response",
    "timely-filing",
    "appeals-due",
    "unmatched-remittances",
    "unmatched-deposits",
    "credit-balances",
    "patient-balances",
)


def rule_event_types() -> frozenset[str]:
    """Every event type some rule opens or closes on."""
    types: set[str] = set()
    for rule in RULES:
        types |= rule.opens_on | rule.closes_on
    return frozenset(types)


def reference_of(event: Any, envelope: EventEnvelope) -> str:
    """What a remittance- or deposit-level item is about: one claim payment of a remittance
    (`<remittance id>:<claim index>`, the CLP's place in its 835) or a deposit."""
    index = getattr(event, "claim_index", None)
    if envelope.type.startswith("remittance.") and index is not None:
        return f"{envelope.stream_id}:{index}"
    # Remit's deposit events and follow-up's flag about one share the deposit id.
    return str(getattr(event, "deposit_id", None) or envelope.stream_id)
