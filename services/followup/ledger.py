"""A claim's money and dates as follow-up keeps them: one pure fold over the claim's stream.

`fold(facts, event, envelope) -> (facts, entries)` is the single place where claim events
become balances. The balances projection stores the facts (one row per claim) and the
entries (a journal: every movement of insurance or patient A/R with its posting date, so
any balance, aging bucket or KPI can be computed as of any day); the queue rules read the
same facts. Pure: no I/O, no clock; money is `Decimal`.

How an 835 posts (docs/kpis.md, "Posting"): the remit service decides each adjustment's
effect and carries the sum on the posting (`ledger`: paid, adjustments, patient
responsibility, denied; a reversal carries the negation), and this fold adds it up:
- patient responsibility (PR) moves from insurance A/R to patient A/R;
- contractual adjustments come off insurance A/R;
- a *denied* amount stays in insurance A/R, to be appealed, corrected or written off by a
  person.
So `insurance_balance = charge - prior_payer - payer_paid - contractual -
patient_responsibility - insurance_written_off` and `patient_balance = patient_responsibility
- to_next_payer - patient_paid - patient_written_off`; a negative balance is a credit.

The next payer (coordination of benefits): when the claims service bills a secondary claim
(`claim.secondary_created` on the primary's stream, `claim.secondary_opened` opening the
secondary's own), the primary's patient responsibility moves to the secondary payer
(`to_next_payer` on the primary, a `next_payer` entry off patient A/R) and the secondary
claim opens with that amount in insurance A/R: its charge as billed less what the earlier
payers settled (their payments and non-PR adjustments from 2320/2430, `prior_payer`). The
secondary's 835 repeats the earlier payers' adjudication as CARC 23 ("impact of prior
payer(s) adjudication"); that amount is already booked on the primary, so on a claim with a
prior payer it is not taken off again. The account's money is therefore counted once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.followup.claim_view import STATUS_AFTER as CLAIM_STATUS_AFTER
from shared.events.envelope import EventEnvelope
from shared.money import ZERO

INSURANCE = "insurance"
PATIENT = "patient"


# Write-off codes follow-up appends, and the balance each comes off.
WRITE_OFF_BALANCE: dict[str, str] = {
    "SMALL_BALANCE": PATIENT,
    "BAD_DEBT": PATIENT,
    "CHARITY": PATIENT,
    "HARDSHIP": PATIENT,
    "TIMELY_FILING": INSURANCE,
    "DENIAL": INSURANCE,
    "ADMINISTRATIVE": INSURANCE,
}

ADJUDICATIONS = ("claim.paid", "claim.partially_paid", "claim.denied")
# The events a claim's stream opens with: a claim, or a secondary claim to the next payer.
OPENING_TYPES = frozenset({"claim.created", "claim.secondary_opened"})


class Entry(BaseModel):
    """One movement of a claim's A/R: which side, why, how much (signed), on which day."""

    model_config = ConfigDict(frozen=True)

    bucket: str  # insurance | patient
    kind: (
        str  # charge | payer_payment | contractual | transfer | patient_payment | write_off | void
    )
    amount: Decimal  # signed change of the bucket's balance
    posted_on: date


class DeniedCode(BaseModel):
    model_config = ConfigDict(frozen=True)

    group: str
    code: str
    amount: Decimal = ZERO
    line_number: int | None = None


class ClaimFacts(BaseModel):
    """What follow-up knows about one claim's money, dates and first-pass history."""

    model_config = ConfigDict(frozen=True)

    claim_id: str
    organization_id: str
    account_id: str
    patient_control_number: str
    payer_id: str
    payer_name: str
    filing_indicator: str
    kind: str
    status: str = "created"
    charge: Decimal = ZERO
    payer_paid: Decimal = ZERO
    contractual: Decimal = ZERO
    patient_responsibility: Decimal = ZERO
    patient_paid: Decimal = ZERO
    patient_written_off: Decimal = ZERO
    insurance_written_off: Decimal = ZERO
    denied_amount: Decimal = ZERO
    # A secondary (or later) claim: the claim it follows, and what the earlier payers
    # settled (from its 2320/2430).
    primary_claim_id: str | None = None
    prior_payer: Decimal = ZERO
    # A primary: the patient responsibility moved to the next payer's claim.
    to_next_payer: Decimal = ZERO
    service_date: date | None = None
    created_on: date
    first_submitted_on: date | None = None
    last_billed_on: date | None = None
    submissions: int = 0
    scrub_failures: int = 0
    amended: bool = False
    rejections: int = 0
    rejected_before_acceptance: bool = False
    accepted: bool = False
    corrections: int = 0
    adjudications: int = 0
    first_outcome: str | None = None  # paid | partially_paid | denied
    first_adjudicated_on: date | None = None
    first_paid_on: date | None = None
    last_remittance_on: date | None = None
    initial_denied_charge: Decimal = ZERO  # charges of the lines denied at first adjudication
    denial_category: str | None = None
    denial_queue: str | None = None
    denied_codes: tuple[DeniedCode, ...] = ()
    remark_codes: tuple[str, ...] = ()
    adjustments: tuple[DeniedCode, ...] = ()  # every CAS posted, net of reversals (signed)
    overturned: bool = False  # paid after an initial denial
    underpaid_shortfall: Decimal = ZERO
    appeals: int = 0
    open_appeal_id: str | None = None
    appeal_outcome: str | None = None
    voided: bool = False
    lines: tuple[dict[str, Any], ...] = Field(default=())

    @property
    def insurance_balance(self) -> Decimal:
        return (
            self.charge
            - self.prior_payer
            - self.payer_paid
            - self.contractual
            - self.patient_responsibility
            - self.insurance_written_off
        )

    @property
    def patient_balance(self) -> Decimal:
        return (
            self.patient_responsibility
            - self.to_next_payer
            - self.patient_paid
            - self.patient_written_off
        )

    @property
    def adjudicated(self) -> bool:
        return self.adjudications > 0


Rule = Callable[[ClaimFacts | None, Any, EventEnvelope], tuple[ClaimFacts, list[Entry]]]
RULES: dict[str, Rule] = {}

# The claim's status after each event type: the claim view's table, one for the view, the
# claims table and these facts (the queue rules and the sweep read the status from here).
STATUS_AFTER: Mapping[str, str] = CLAIM_STATUS_AFTER


class LedgerInconsistency(ValueError):
    """An event for a claim whose claim.created was never seen (dead-lettered)."""


def rule(event_type: str) -> Callable[[Rule], Rule]:
    def register(function: Rule) -> Rule:
        RULES[event_type] = function
        return function

    return register


def fold(
    facts: ClaimFacts | None, event: Any, envelope: EventEnvelope
) -> tuple[ClaimFacts, list[Entry]]:
    """The facts after one more event of the claim's stream, and the A/R it moved."""
    function = RULES.get(envelope.type)
    if function is not None:
        facts, entries = function(facts, event, envelope)
    elif facts is None:
        raise LedgerInconsistency(f"{envelope.type} before claim.created for {envelope.stream_id}")
    else:
        entries = []
    status = STATUS_AFTER.get(envelope.type)
    if status is not None and facts.status != status:
        facts = facts.model_copy(update={"status": status})
    return facts, entries


def _known(facts: ClaimFacts | None, envelope: EventEnvelope) -> ClaimFacts:
    if facts is None:
        raise LedgerInconsistency(f"{envelope.type} before claim.created for {envelope.stream_id}")
    return facts


def _day(envelope: EventEnvelope) -> date:
    return envelope.occurred_at.date()


def _lines(claim: Any) -> tuple[dict[str, Any], ...]:
    return tuple(
        {
            "line_number": line.line_number,
            "procedure_code": line.procedure_code,
            "revenue_code": line.revenue_code,
            "modifiers": list(line.modifiers),
            "units": format(line.units, "f"),
            "charge": format(line.charge, "f"),
            "service_date": line.service_date.isoformat() if line.service_date else None,
        }
        for line in claim.lines
    )


def _opened(event: Any, envelope: EventEnvelope, **extra: Any) -> ClaimFacts:
    """A claim's first facts, from the event that opens its stream (and `extra` fields)."""
    claim = event.claim
    return ClaimFacts(
        claim_id=event.claim_id,
        organization_id=event.organization_id,
        account_id=event.account_id,
        patient_control_number=claim.patient_control_number,
        payer_id=claim.payer.payer_id,
        payer_name=claim.payer.name,
        filing_indicator=claim.payer.claim_filing_indicator,
        kind=claim.kind.value,
        charge=claim.total_charge,
        service_date=claim.first_service_date,
        created_on=_day(envelope),
        lines=_lines(claim),
        **extra,
    )


@rule("claim.created")
def _created(facts: ClaimFacts | None, event: Any, envelope: EventEnvelope) -> Any:
    claim = event.claim
    created = _opened(event, envelope)
    return created, [
        Entry(bucket=INSURANCE, kind="charge", amount=claim.total_charge, posted_on=_day(envelope))
    ]


def settled_by_earlier_payers(claim: Any) -> Decimal:
    """What the earlier payers of a secondary claim settled: their payments and every
    adjustment that is not the patient's (PR), claim- and line-level (loops 2320/2430)."""
    settled = ZERO
    for other in claim.other_payers:
        if other.paid_amount is None and not other.claim_adjustments:
            continue  # a payer named on the claim that has not adjudicated it
        settled += other.paid_amount if other.paid_amount is not None else ZERO
        adjustments = list(other.claim_adjustments)
        for line in other.line_adjudications:
            adjustments += list(line.adjustments)
        settled += sum((a.amount for a in adjustments if str(a.group) != "PR"), ZERO)
    return settled


@rule("claim.secondary_opened")
def _secondary_opened(facts: ClaimFacts | None, event: Any, envelope: EventEnvelope) -> Any:
    """A secondary claim's stream opens: insurance A/R takes what the primary left to the
    patient (its charge less what the earlier payers settled), moved from the primary."""
    if facts is not None:
        raise LedgerInconsistency(f"claim.secondary_opened on a known claim {facts.claim_id}")
    claim = event.claim
    prior = settled_by_earlier_payers(claim)
    opened = _opened(event, envelope, primary_claim_id=event.primary_claim_id, prior_payer=prior)
    amount = claim.total_charge - prior
    entries = (
        [Entry(bucket=INSURANCE, kind="next_payer", amount=amount, posted_on=_day(envelope))]
        if amount
        else []
    )
    return opened, entries


@rule("claim.secondary_created")
def _secondary_created(facts: ClaimFacts | None, event: Any, envelope: EventEnvelope) -> Any:
    """The primary's patient responsibility not yet moved goes to the secondary's claim
    (a patient who already paid part of it is left with a credit, to be refunded)."""
    known = _known(facts, envelope)
    amount = known.patient_responsibility - known.to_next_payer
    if not amount:
        return known, []
    entry = Entry(bucket=PATIENT, kind="next_payer", amount=-amount, posted_on=_day(envelope))
    return known.model_copy(update={"to_next_payer": known.to_next_payer + amount}), [entry]


def _recharge(facts: ClaimFacts, claim: Any, envelope: EventEnvelope) -> list[Entry]:
    delta = claim.total_charge - facts.charge
    if not delta:
        return []
    return [Entry(bucket=INSURANCE, kind="charge", amount=delta, posted_on=_day(envelope))]


@rule("claim.amended")
def _amended(facts: ClaimFacts | None, event: Any, envelope: EventEnvelope) -> Any:
    known = _known(facts, envelope)
    claim = event.claim
    entries = _recharge(known, claim, envelope)
    return known.model_copy(
        update={
            "amended": True,
            "charge": claim.total_charge,
            "payer_id": claim.payer.payer_id,
            "payer_name": claim.payer.name,
            "filing_indicator": claim.payer.claim_filing_indicator,
            "service_date": claim.first_service_date,
            "lines": _lines(claim),
        }
    ), entries


@rule("claim.corrected")
def _corrected(facts: ClaimFacts | None, event: Any, envelope: EventEnvelope) -> Any:
    known = _known(facts, envelope)
    claim = event.corrected_claim
    entries = _recharge(known, claim, envelope)
    return known.model_copy(
        update={
            "corrections": known.corrections + 1,
            "charge": claim.total_charge,
            "service_date": claim.first_service_date,
            "lines": _lines(claim),
        }
    ), entries


@rule("claim.scrub_failed")
def _scrub_failed(facts: ClaimFacts | None, event: Any, envelope: EventEnvelope) -> Any:
    known = _known(facts, envelope)
    return known.model_copy(update={"scrub_failures": known.scrub_failures + 1}), []


@rule("claim.submitted")
def _submitted(facts: ClaimFacts | None, event: Any, envelope: EventEnvelope) -> Any:
    known = _known(facts, envelope)
    day = _day(envelope)
    return known.model_copy(
        update={
            "submissions": known.submissions + 1,
            "first_submitted_on": known.first_submitted_on or day,
            "last_billed_on": day,
        }
    ), []


@rule("claim.rejected")
def _rejected(facts: ClaimFacts | None, event: Any, envelope: EventEnvelope) -> Any:
    known = _known(facts, envelope)
    return known.model_copy(
        update={
            "rejections": known.rejections + 1,
            "rejected_before_acceptance": known.rejected_before_acceptance or not known.accepted,
        }
    ), []


@rule("claim.accepted")
def _accepted(facts: ClaimFacts | None, event: Any, envelope: EventEnvelope) -> Any:
    return _known(facts, envelope).model_copy(update={"accepted": True}), []


def _every_adjustment(event: Any) -> list[tuple[Any, int | None]]:
    """Claim-level CAS, then each line's (with its line number), as remit posted them."""
    found: list[tuple[Any, int | None]] = [(a, None) for a in event.adjustments]
    for line in getattr(event, "lines", ()):
        found += [(a, line.line_number) for a in line.adjustments]
    return found


def _posting(
    known: ClaimFacts, event: Any, envelope: EventEnvelope
) -> tuple[dict[str, Any], list[Entry], Decimal]:
    """Money of one claim payment, or of a reversal (whose ledger is the negation of the
    posting it undoes): updates, entries, denied amount. The remit service says how each
    posting moves the money (`ledger`, from each adjustment's effect); we add it up."""
    move = event.ledger
    paid, patient = move.paid, move.patient_responsibility
    contractual, denied = move.adjustments, move.denied
    if known.prior_payer:
        # CARC 23 on a secondary claim repeats the earlier payers' adjudication, already
        # booked on the primary and in this claim's opening balance (module docstring).
        contractual -= sum(
            (
                a.amount
                for a, _ in _every_adjustment(event)
                if a.reason_code == "23" and str(a.effect) == "contractual"
            ),
            ZERO,
        )
    posted_on = event.paid_on if hasattr(event, "paid_on") else event.reversed_on
    entries = [
        Entry(bucket=INSURANCE, kind="payer_payment", amount=-paid, posted_on=posted_on),
        Entry(bucket=INSURANCE, kind="contractual", amount=-contractual, posted_on=posted_on),
        Entry(bucket=INSURANCE, kind="transfer", amount=-patient, posted_on=posted_on),
        Entry(bucket=PATIENT, kind="transfer", amount=patient, posted_on=posted_on),
    ]
    posted = tuple(
        DeniedCode(group=str(a.group), code=a.reason_code, amount=a.amount, line_number=number)
        for a, number in _every_adjustment(event)
    )
    updates = {
        "adjustments": known.adjustments + posted,
        "payer_paid": known.payer_paid + paid,
        "contractual": known.contractual + contractual,
        "patient_responsibility": known.patient_responsibility + patient,
        "denied_amount": known.denied_amount + denied,
        "last_remittance_on": posted_on,
    }
    return updates, [e for e in entries if e.amount], denied


def _adjudicated(facts: ClaimFacts | None, event: Any, envelope: EventEnvelope) -> Any:
    known = _known(facts, envelope)
    outcome = envelope.type.removeprefix("claim.")
    updates, entries, denied = _posting(known, event, envelope)
    first = known.adjudications == 0
    updates["adjudications"] = known.adjudications + 1
    if first:
        updates["first_outcome"] = outcome
        updates["first_adjudicated_on"] = event.paid_on
        if outcome == "denied":
            updates["initial_denied_charge"] = event.charge_amount
        elif outcome == "partially_paid":
            updates["initial_denied_charge"] = denied
    if event.paid_amount > 0 and known.first_paid_on is None:
        updates["first_paid_on"] = event.paid_on
    if event.paid_amount > 0 and known.first_outcome in ("denied", "partially_paid") and not first:
        updates["overturned"] = True
    if outcome in ("denied", "partially_paid"):
        updates["denial_category"] = getattr(event, "denial_category", None) or _category_of(event)
        updates["denial_queue"] = getattr(event, "queue", None)
        updates["denied_codes"] = tuple(
            DeniedCode(group=str(a.group), code=a.reason_code, amount=a.amount, line_number=n)
            for a, n in _every_adjustment(event)
            if str(a.effect) == "denied"
        )
        updates["remark_codes"] = tuple(event.remark_codes)
    return known.model_copy(update=updates), entries


def _category_of(event: Any) -> str | None:
    """A partial payment without a category of its own: the remit service names none yet."""
    return None


for _type in ADJUDICATIONS:
    RULES[_type] = _adjudicated


@rule("claim.reversed")
def _reversed(facts: ClaimFacts | None, event: Any, envelope: EventEnvelope) -> Any:
    known = _known(facts, envelope)
    # A reversal takes back a payment in full: its adjustments were posted with it.
    updates, entries, _ = _posting(known, event, envelope)
    return known.model_copy(update=updates), entries


@rule("claim.underpaid")
def _underpaid(facts: ClaimFacts | None, event: Any, envelope: EventEnvelope) -> Any:
    known = _known(facts, envelope)
    return known.model_copy(
        update={"underpaid_shortfall": known.underpaid_shortfall + event.difference}
    ), []


@rule("claim.voided")
def _voided(facts: ClaimFacts | None, event: Any, envelope: EventEnvelope) -> Any:
    known = _known(facts, envelope)
    balance = known.insurance_balance
    entries = (
        [Entry(bucket=INSURANCE, kind="void", amount=-balance, posted_on=_day(envelope))]
        if balance
        else []
    )
    # The voided amount leaves A/R as a write-off of the insurance balance.
    return known.model_copy(
        update={"voided": True, "insurance_written_off": known.insurance_written_off + balance}
    ), entries


@rule("claim.written_off")
def _written_off(facts: ClaimFacts | None, event: Any, envelope: EventEnvelope) -> Any:
    known = _known(facts, envelope)
    bucket = WRITE_OFF_BALANCE.get(event.reason_code)
    if bucket is None:
        # A code follow-up does not write: the patient's balance first, as v1 write-offs were.
        bucket = PATIENT if known.patient_balance >= event.amount else INSURANCE
    field = "patient_written_off" if bucket == PATIENT else "insurance_written_off"
    entry = Entry(bucket=bucket, kind="write_off", amount=-event.amount, posted_on=_day(envelope))
    return known.model_copy(update={field: getattr(known, field) + event.amount}), [entry]


@rule("claim.patient_payment_applied")
def _patient_paid(facts: ClaimFacts | None, event: Any, envelope: EventEnvelope) -> Any:
    known = _known(facts, envelope)
    entry = Entry(
        bucket=PATIENT, kind="patient_payment", amount=-event.amount, posted_on=event.received_on
    )
    return known.model_copy(update={"patient_paid": known.patient_paid + event.amount}), [entry]


@rule("claim.appealed")
def _appealed(facts: ClaimFacts | None, event: Any, envelope: EventEnvelope) -> Any:
    known = _known(facts, envelope)
    return known.model_copy(
        update={"appeals": known.appeals + 1, "open_appeal_id": event.appeal_id}
    ), []


@rule("claim.appeal_decided")
def _appeal_decided(facts: ClaimFacts | None, event: Any, envelope: EventEnvelope) -> Any:
    known = _known(facts, envelope)
    return known.model_copy(
        update={"open_appeal_id": None, "appeal_outcome": str(event.outcome)}
    ), []


def denial_queue_of(facts: ClaimFacts) -> str:
    """The denial's queue: the remit service's name when it gives one, else by category."""
    if facts.denial_queue:
        return facts.denial_queue
    category = (facts.denial_category or "other").strip().lower().replace("_", "-")
    category = "-".join(part for part in category.replace(" ", "-").split("-") if part)
    return f"denials.{category or 'other'}"
