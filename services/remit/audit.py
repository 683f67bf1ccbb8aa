"""The ledger audit: every event replayed, every dollar accounted for (`revcycle audit ledger`).

Independently of the projections (its own fold of the event payloads), it checks:

- each posting balances as recorded (CLP03 = CLP04 + every CAS, the lines add up to the
  claim) and its `ledger` is what its adjustments' effects say;
- each payment of a remittance was posted once (one claim, one posting), and each reversal
  undoes a standing posting of its claim exactly (its ledger is that posting's, negated);
- per claim: charge = paid + adjustments + patient responsibility + open insurance
  balance, where the open balance is what the standing postings left denied (the whole
  charge before any adjudication): money nobody can explain is a difference;
- the claim view follow-up keeps (`followup_claim_views`, when present) shows the same money;
- per remittance: BPR02 = claims paid - PLB; every payment posted, held unmatched or
  recognised as a duplicate adds up to the claims paid; and the claim events' payments from
  it (reversals negative, payments matched by hand included) equal what it says it posted.
  A remittance without `remittance.posted` is unfinished (posting stopped: ingest it again).

`audit_ledger(store, engine)` returns a `LedgerAudit`; `first_difference` names the first
thing that does not add up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shared.events.claims import ClaimAmended, ClaimCorrected, ClaimCreated, ClaimSecondaryOpened
from shared.events.registry import decode
from shared.events.remittance import (
    AdjustmentEffect,
    ClaimDenied,
    ClaimPaid,
    ClaimPartiallyPaid,
    ClaimPosting,
    ClaimReversed,
    LedgerMove,
    RemittanceClaimMatched,
    RemittanceClaimUnmatched,
    RemittancePosted,
    RemittanceReceived,
)
from shared.eventstore.interface import EventStore

ZERO = Decimal("0.00")


@dataclass
class _Posting:
    key: tuple[str, int | None]
    event_type: str
    payer_id: str
    charge: Decimal
    ledger: LedgerMove
    reversed: bool = False


@dataclass
class _Claim:
    claim_id: str
    organization_id: str
    charge: Decimal = ZERO
    paid: Decimal = ZERO
    adjustments: Decimal = ZERO
    patient_responsibility: Decimal = ZERO
    postings: list[_Posting] = field(default_factory=list)
    version: int = 0

    @property
    def standing(self) -> list[_Posting]:
        return [p for p in self.postings if not p.reversed]

    @property
    def insurance_balance(self) -> Decimal:
        return self.charge - self.paid - self.adjustments - self.patient_responsibility

    def add(self, ledger: LedgerMove) -> None:
        self.paid += ledger.paid
        self.adjustments += ledger.adjustments
        self.patient_responsibility += ledger.patient_responsibility


@dataclass
class _Remittance:
    remittance_id: str
    received: RemittanceReceived | None = None
    posted: RemittancePosted | None = None
    claim_events_paid: Decimal = ZERO
    matched_paid: Decimal = ZERO
    unmatched: dict[int, Decimal] = field(default_factory=dict)
    matched: set[int] = field(default_factory=set)


@dataclass
class LedgerAudit:
    """What the audit saw and every difference it found (in event order, then per claim)."""

    events: int = 0
    claims: int = 0
    remittances: int = 0
    posted_payments: Decimal = ZERO
    remittance_payments: Decimal = ZERO
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    @property
    def first_difference(self) -> str | None:
        return self.differences[0] if self.differences else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "claims": self.claims,
            "remittances": self.remittances,
            "posted_payments": format(self.posted_payments, "f"),
            "remittance_payments": format(self.remittance_payments, "f"),
            "first_difference": self.first_difference,
            "differences": self.differences,
        }


def _adjustments_of(event: ClaimPosting | ClaimReversed) -> list[Any]:
    return [*event.adjustments, *(a for line in event.lines for a in line.adjustments)]


def _sum(adjustments: list[Any], effect: AdjustmentEffect | None = None) -> Decimal:
    return sum((a.amount for a in adjustments if effect is None or a.effect is effect), ZERO)


class _Auditor:
    def __init__(self) -> None:
        self.result = LedgerAudit()
        self.claims: dict[str, _Claim] = {}
        self.remittances: dict[str, _Remittance] = {}
        self.posted_where: dict[tuple[str, int | None], str] = {}

    def differ(self, text: str) -> None:
        self.result.differences.append(text)

    def claim(self, claim_id: str, organization_id: str) -> _Claim:
        found = self.claims.get(claim_id)
        if found is None:
            found = self.claims[claim_id] = _Claim(claim_id, organization_id)
        return found

    def remittance(self, remittance_id: str) -> _Remittance:
        found = self.remittances.get(remittance_id)
        if found is None:
            found = self.remittances[remittance_id] = _Remittance(remittance_id)
        return found

    # -- events ---------------------------------------------------------------------------

    def see(self, event: Any, envelope: Any) -> None:
        self.result.events += 1
        organization_id, position = envelope.organization_id, envelope.position
        if envelope.type.startswith("claim."):
            self.claim(envelope.stream_id, organization_id).version = envelope.stream_version
        match event:
            case ClaimCreated(claim=claim) | ClaimAmended(claim=claim):
                self.claim(event.claim_id, organization_id).charge = claim.total_charge
            case ClaimCorrected(corrected_claim=claim):
                self.claim(event.claim_id, organization_id).charge = claim.total_charge
            case ClaimSecondaryOpened(claim=claim):
                # A secondary (or later) claim's stream begins here, not with claim.created.
                self.claim(event.claim_id, organization_id).charge = claim.total_charge
            case ClaimPaid() | ClaimPartiallyPaid() | ClaimDenied():
                self.posting(event, organization_id, position)
            case ClaimReversed():
                self.reversal(event, organization_id, position)
            case RemittanceReceived():
                self.remittance(event.remittance_id).received = event
                expected = event.totals.claims_paid - event.totals.provider_adjustments
                if event.payment_amount != expected:
                    self.differ(
                        f"remittance {event.remittance_id}: BPR02 {event.payment_amount} is not "
                        f"its claims' payments {event.totals.claims_paid} less PLB "
                        f"{event.totals.provider_adjustments} ({expected})"
                    )
            case RemittanceClaimUnmatched():
                remittance = self.remittance(event.remittance_id)
                remittance.unmatched[event.claim_index] = event.payment.paid_amount
            case RemittanceClaimMatched():
                remittance = self.remittance(event.remittance_id)
                remittance.matched.add(event.claim_index)
                remittance.matched_paid += event.paid_amount
            case RemittancePosted():
                self.remittance(event.remittance_id).posted = event

    def posting(self, event: ClaimPosting, organization_id: str, position: int | None) -> None:
        where = f"claim {event.claim_id}: {event.event_type} from remittance {event.remittance_id}"
        if position is not None:
            where += f" (position {position})"
        adjustments = _adjustments_of(event)
        if event.charge_amount != event.paid_amount + _sum(adjustments):
            self.differ(
                f"{where}: charge {event.charge_amount} is not paid {event.paid_amount} + "
                f"adjustments {_sum(adjustments)}"
            )
        if event.lines and sum((line.charge for line in event.lines), ZERO) != event.charge_amount:
            self.differ(f"{where}: its lines' charges do not add up to {event.charge_amount}")
        claim = self.claim(event.claim_id, organization_id)
        expected_patient = _sum(adjustments, AdjustmentEffect.PATIENT)
        if any(a.effect is AdjustmentEffect.PRIOR_PAYER for a in adjustments):
            expected_patient -= sum((p.ledger.patient_responsibility for p in claim.standing), ZERO)
        expected = LedgerMove(
            paid=event.paid_amount,
            adjustments=_sum(adjustments, AdjustmentEffect.CONTRACTUAL),
            patient_responsibility=expected_patient,
            denied=_sum(adjustments, AdjustmentEffect.DENIED),
        )
        if event.ledger != expected:
            self.differ(f"{where}: its ledger {event.ledger!r} is not what its adjustments say")
        key = (event.remittance_id, event.claim_index)
        if key in self.posted_where:
            self.differ(
                f"{where}: payment {event.claim_index} of that remittance was already posted "
                f"to claim {self.posted_where[key]}"
            )
        self.posted_where[key] = event.claim_id
        claim.add(event.ledger)
        claim.postings.append(
            _Posting(key, event.event_type, event.payer_id, event.charge_amount, event.ledger)
        )
        self.remittance(event.remittance_id).claim_events_paid += event.paid_amount
        self.result.posted_payments += event.paid_amount

    def reversal(self, event: ClaimReversed, organization_id: str, position: int | None) -> None:
        where = f"claim {event.claim_id}: claim.reversed from remittance {event.remittance_id}"
        claim = self.claim(event.claim_id, organization_id)
        key = (event.remittance_id, event.claim_index)
        if key in self.posted_where:
            self.differ(f"{where}: payment {event.claim_index} of that remittance was posted twice")
        self.posted_where[key] = event.claim_id
        target = event.reverses
        undone = None
        if target is not None:
            for p in reversed(claim.postings):
                if not p.reversed and p.key == (target.remittance_id, target.claim_index):
                    undone = p
                    break
        if undone is None:
            self.differ(f"{where}: it undoes no standing posting of the claim")
        else:
            undone.reversed = True
            if event.ledger != undone.ledger.negated():
                self.differ(
                    f"{where}: its ledger {event.ledger!r} is not exactly the negation of the "
                    f"posting it undoes ({undone.ledger!r})"
                )
        claim.add(event.ledger)
        self.remittance(event.remittance_id).claim_events_paid += event.paid_amount
        self.result.posted_payments += event.paid_amount

    # -- the end --------------------------------------------------------------------------

    def finish(self, views: dict[tuple[str, str], dict[str, Any]] | None) -> LedgerAudit:
        for claim in self.claims.values():
            self.check_claim(claim, views)
        for remittance in self.remittances.values():
            self.check_remittance(remittance)
        self.result.claims = len(self.claims)
        self.result.remittances = len(self.remittances)
        return self.result

    def check_claim(
        self, claim: _Claim, views: dict[tuple[str, str], dict[str, Any]] | None
    ) -> None:
        standing = claim.standing
        if standing:
            adjudicated = max(p.charge for p in standing)
            expected_open = sum((p.ledger.denied for p in standing), ZERO) + (
                claim.charge - adjudicated
            )
        else:
            expected_open = claim.charge
        balance = claim.insurance_balance
        if balance != expected_open:
            self.differ(
                f"claim {claim.claim_id}: charge {claim.charge} = paid {claim.paid} + adjustments "
                f"{claim.adjustments} + patient responsibility {claim.patient_responsibility} + "
                f"open insurance balance {balance}, but its standing adjudications leave "
                f"{expected_open} open"
            )
        if views is None:
            return
        view = views.get((claim.organization_id, claim.claim_id))
        if view is None or view.get("stream_version") != claim.version:
            return  # not projected yet, or behind (a worker catching up): nothing to compare
        money = view.get("money", {})
        for name, value in (
            ("charge", claim.charge),
            ("paid", claim.paid),
            ("adjustments", claim.adjustments),
            ("patient_responsibility", claim.patient_responsibility),
            ("insurance_balance", balance),
        ):
            shown = Decimal(str(money.get(name, "0")))
            if shown != value:
                self.differ(
                    f"claim {claim.claim_id}: the claim view shows {name} {shown}, the events "
                    f"say {value}"
                )

    def check_remittance(self, remittance: _Remittance) -> None:
        rid = remittance.remittance_id
        received, posted = remittance.received, remittance.posted
        if received is None:
            self.differ(f"remittance {rid}: events without remittance.received")
            return
        self.result.remittance_payments += received.totals.claims_paid
        if posted is None:
            self.differ(
                f"remittance {rid} (trace {received.trace_number}) is unfinished: its posting "
                "stopped; ingest the file again to finish it"
            )
            return
        accounted = posted.posted_paid + posted.unmatched_paid + posted.duplicate_paid
        if accounted != received.totals.claims_paid:
            self.differ(
                f"remittance {rid}: posted {posted.posted_paid} + unmatched "
                f"{posted.unmatched_paid} + duplicate {posted.duplicate_paid} is not its claims' "
                f"payments {received.totals.claims_paid}"
            )
        still = sum(
            (
                paid
                for index, paid in remittance.unmatched.items()
                if index not in remittance.matched
            ),
            ZERO,
        )
        expected = posted.posted_paid + remittance.matched_paid
        if remittance.claim_events_paid != expected:
            self.differ(
                f"remittance {rid}: its claim events pay {remittance.claim_events_paid}, it "
                f"posted {posted.posted_paid} and {remittance.matched_paid} was matched by hand"
            )
        if still + remittance.matched_paid != posted.unmatched_paid:
            self.differ(
                f"remittance {rid}: unmatched payments {still} + matched by hand "
                f"{remittance.matched_paid} are not the {posted.unmatched_paid} held unmatched"
            )


def audit_events(
    envelopes: Any, views: dict[tuple[str, str], dict[str, Any]] | None = None
) -> LedgerAudit:
    """Audit envelopes given in global order (and, optionally, the stored claim views)."""
    auditor = _Auditor()
    for envelope in envelopes:
        if not (envelope.type.startswith("claim.") or envelope.type.startswith("remittance.")):
            continue
        auditor.see(decode(envelope), envelope)
    return auditor.finish(views)


def stored_views(engine: Engine) -> dict[tuple[str, str], dict[str, Any]] | None:
    """Follow-up's claim views, when this database holds them (None otherwise)."""
    inspector = sa.inspect(engine)
    if not inspector.has_table("followup_claim_views"):
        return None
    table = sa.Table("followup_claim_views", sa.MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        return {
            (row.organization_id, row.claim_id): row.view
            for row in conn.execute(
                sa.select(table.c.organization_id, table.c.claim_id, table.c.view)
            )
        }


def audit_ledger(store: EventStore, engine: Engine | None = None) -> LedgerAudit:
    """Replay every event of the store (and compare follow-up's claim views, if any)."""
    views = stored_views(engine) if engine is not None else None
    return audit_events(store.iter_all(), views)
