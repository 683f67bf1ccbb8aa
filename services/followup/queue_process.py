"""The queue process: applies the rule table to every event, opening and closing work items.

A process (not a projection): what it decides is appended as `work_item.opened` /
`work_item.closed` on each item's own stream, in the same transaction as its tracking row,
so a redelivered event opens nothing twice, and the work-queue topic carries every item to
outside vendors. Its own tables: each claim's facts (the ledger fold, so rules see the
claim as of the event) and an index of open items per subject and queue (a hint: the item's
stream decides, so an item a person resolved is not closed again, and a new one may open).

It is applied a batch per transaction (`BatchedProcess`: one Kafka poll or runner step),
not one event per transaction as other processes are: most events only move a claim's
facts, and the per-transaction work (tracking, stream versions, offsets, commit) was most
of its cost.

Item ids are derived from the opening event (uuid5), so the same log opens the same items.
Events appended here take the time of the event that caused them: replaying a month of
events opens items dated in that month, not today.

`sweep(...)` is the clock's part: claims that have waited too long for a payer, appeals
whose deadline draws near. It appends `claim.follow_up_due` on the claim (once per
submission or remittance), and the rule table opens the item from that event like any other.
Deposits likewise: the process keeps the deposits remit received and has not matched, and the
sweep appends `deposit_follow_up.due` (on follow-up's own stream for the deposit) for one
still unmatched `deposit_match_days` after its date (once); `unmatched-deposits` opens on it
and closes on remit's `deposit.matched`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection

from services.followup import ledger
from services.followup.batch_cache import TransactionCache
from services.followup.claim_commands import FOLLOWUP_CLAIM, FlagFollowUp
from services.followup.deposit_commands import FOLLOWUP_DEPOSIT, FlagUnmatchedDeposit
from services.followup.ledger import ClaimFacts
from services.followup.payer_rules import PayerRules
from services.followup.queue_rules import (
    ACCOUNT,
    CLAIM,
    DENIALS,
    RULES,
    Context,
    QueueRule,
    reference_of,
    rule_event_types,
)
from services.followup.tables import MoneyColumn
from services.followup.work_items import OPEN, WORK_ITEM, Close, Open
from shared.events.envelope import EventEnvelope
from shared.events.followup_claims import FollowUpReason
from shared.events.followup_deposits import follow_up_stream
from shared.eventstore.interface import EventStore
from shared.kernel import UnitOfWork
from shared.messaging.process import Process

QUEUE_PROCESS = "followup.queue_rules"
PRODUCER = "followup"
ITEM_NAMESPACE = uuid.UUID("6f1d2c62-3a47-4e0b-9a51-0c1f61c0e5a1")

queue_metadata = sa.MetaData()

queue_facts = sa.Table(
    "followup_queue_facts",
    queue_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("claim_id", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.String(200), nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("patient_balance", MoneyColumn(), nullable=False),
    sa.Column("facts", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
    sa.Index("ix_followup_queue_facts_account", "organization_id", "account_id"),
    sa.Index("ix_followup_queue_facts_status", "organization_id", "status"),
)

open_items = sa.Table(
    "followup_queue_open",
    queue_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("subject", sa.String(220), primary_key=True),  # claim:<id>, account:<id>, ...
    sa.Column("queue", sa.String(80), primary_key=True),
    sa.Column("item_id", sa.String(64), nullable=False),
)

waiting_deposits = sa.Table(
    "followup_queue_deposits",
    queue_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("deposit_id", sa.String(64), primary_key=True),
    sa.Column("deposit_date", sa.Date, nullable=False),
    sa.Column("trace_number", sa.String(80), nullable=False),
    sa.Column("amount", MoneyColumn(), nullable=False),
    sa.Column("payer_id", sa.String(80), nullable=True),
    sa.Column("matched", sa.Boolean, nullable=False),
    sa.Index("ix_followup_queue_deposits_waiting", "organization_id", "matched", "deposit_date"),
)

DEPOSIT_TYPES = frozenset({"deposit.received", "deposit.matched"})

HANDLED_TYPES = frozenset(
    {t for t in ledger.RULES} | set(ledger.STATUS_AFTER) | rule_event_types() | DEPOSIT_TYPES
)


def item_id_for(organization_id: str, queue: str, subject: str, cause: EventEnvelope) -> str:
    """The item an event opens: the same log always opens the same ids."""
    key = f"{organization_id}|{queue}|{subject}|{cause.event_id}"
    return f"wi-{uuid.uuid5(ITEM_NAMESPACE, key).hex}"


def load_facts(conn: Connection, organization_id: str, claim_id: str) -> ClaimFacts | None:
    document = conn.execute(
        sa.select(queue_facts.c.facts).where(
            queue_facts.c.organization_id == organization_id, queue_facts.c.claim_id == claim_id
        )
    ).scalar_one_or_none()
    return ClaimFacts.model_validate(document) if document is not None else None


def _save_facts(conn: Connection, before: ClaimFacts | None, facts: ClaimFacts) -> None:
    values = {
        "account_id": facts.account_id,
        "status": facts.status,
        "patient_balance": facts.patient_balance,
        "facts": facts.model_dump(mode="json"),
    }
    if before is None:
        conn.execute(
            queue_facts.insert().values(
                organization_id=facts.organization_id, claim_id=facts.claim_id, **values
            )
        )
    else:
        conn.execute(
            queue_facts.update()
            .where(
                queue_facts.c.organization_id == facts.organization_id,
                queue_facts.c.claim_id == facts.claim_id,
            )
            .values(**values)
        )


# The facts this transaction last wrote per claim (services/followup/batch_cache.py).
_folded: TransactionCache[tuple[str, str], ClaimFacts] = TransactionCache()


@dataclass
class QueueProcess:
    """The process's handler, with the store and the payer rules it needs."""

    store: EventStore
    payer_rules: Callable[[], PayerRules]

    def handle(self, conn: Connection, event: Any, envelope: EventEnvelope) -> None:
        org = envelope.organization_id
        facts: ClaimFacts | None = None
        if envelope.type.startswith("claim."):
            folded = _folded.of(conn)
            key = (org, envelope.stream_id)
            before = folded[key] if key in folded else load_facts(conn, org, envelope.stream_id)
            if before is None and envelope.type not in ledger.OPENING_TYPES:
                # Not ours to judge (a claim made before follow-up ran): the ledger says why.
                raise ledger.LedgerInconsistency(
                    f"{envelope.type} before claim.created for {envelope.stream_id}"
                )
            facts, _ = ledger.fold(before, event, envelope)
            _save_facts(conn, before, facts)
            folded[key] = facts
        elif envelope.type in DEPOSIT_TYPES:
            _track_deposit(conn, event, envelope)
        elif envelope.type == "deposit_follow_up.due" and _deposit_matched(conn, org, event):
            return  # remit matched it after the sweep read it: no work to open
        closing = [r for r in RULES if envelope.type in r.closes_on]
        opening = [r for r in RULES if envelope.type in r.opens_on]
        if not closing and not opening:
            return  # the facts were all this event changed
        payer = (
            self.payer_rules().for_claim(facts.payer_id, facts.filing_indicator)
            if facts is not None
            else None
        )
        ctx = Context(event=event, envelope=envelope, facts=facts, payer=payer)
        closing = [r for r in closing if r.close_when(ctx)]
        opening = [r for r in opening if r.when(ctx)]
        if not closing and not opening:
            return
        # One read of the subjects' open items serves every rule of this event.
        subjects = {self._subject(rule, ctx)[0] for rule in (*closing, *opening)}
        items = OpenItems.load(conn, org, subjects)
        # The cause's time: replaying the log opens the same items with the same dates.
        uow = UnitOfWork(self.store, producer=PRODUCER, clock=lambda: envelope.occurred_at)
        bound = uow.bound(conn)
        for rule in closing:
            self._close(conn, bound, items, rule, ctx)
        for rule in opening:
            self._open(conn, bound, items, rule, ctx)

    def _subject(self, rule: QueueRule, ctx: Context) -> tuple[str, str | None, str | None]:
        """(subject key, claim id, account id) of the item a rule opens or closes."""
        if rule.subject == CLAIM:
            return f"claim:{ctx.claim.claim_id}", ctx.claim.claim_id, ctx.claim.account_id
        if rule.subject == ACCOUNT:
            account = str(ctx.event.account_id)
            return f"account:{account}", None, account
        return f"ref:{reference_of(ctx.event, ctx.envelope)}", None, None

    def _open(
        self,
        conn: Connection,
        uow: UnitOfWork[Any],
        items: OpenItems,
        rule: QueueRule,
        ctx: Context,
    ) -> None:
        org = ctx.envelope.organization_id
        subject, claim_id, account_id = self._subject(rule, ctx)
        queue = rule.name_for(ctx)
        existing = items.get(subject, queue)
        if existing is not None:
            if uow.load(WORK_ITEM, existing).state.status == OPEN:
                return  # one open item per subject and queue
            items.remove(conn, subject, queue)
        item_id = item_id_for(org, queue, subject, ctx.envelope)
        amount = rule.amount(ctx)
        uow.run(
            WORK_ITEM,
            item_id,
            Open(
                queue=queue,
                claim_id=claim_id,
                account_id=account_id,
                payer_id=ctx.facts.payer_id
                if ctx.facts is not None
                else getattr(ctx.event, "payer_id", None),
                reference=None if claim_id or account_id else subject.removeprefix("ref:"),
                amount_at_stake=amount,
                risk_of_loss=rule.risk_of_loss,
                age_from=rule.age_from(ctx),
                deadline=rule.deadline(ctx),
                reason=rule.reason(ctx),
                opened_by_event=ctx.envelope.type,
            ),
            organization_id=org,
            cause=ctx.envelope,
        )
        items.add(conn, subject, queue, item_id)

    def _close(
        self,
        conn: Connection,
        uow: UnitOfWork[Any],
        items: OpenItems,
        rule: QueueRule,
        ctx: Context,
    ) -> None:
        subject, _, _ = self._subject(rule, ctx)
        for queue, item_id in items.of(subject, rule.queue, family=rule.family):
            uow.run(
                WORK_ITEM,
                item_id,
                Close(closed_by_event=ctx.envelope.type, reason=_closing_reason(ctx)),
                cause=ctx.envelope,
            )
            items.remove(conn, subject, queue)


@dataclass
class OpenItems:
    """The open-item index rows of some subjects, read once per event and kept in step with
    what the event's rules write (so two rules of one event see each other's changes)."""

    organization_id: str
    rows: dict[tuple[str, str], str]  # (subject, queue) -> item id

    @classmethod
    def load(cls, conn: Connection, organization_id: str, subjects: set[str]) -> OpenItems:
        found = conn.execute(
            sa.select(open_items.c.subject, open_items.c.queue, open_items.c.item_id).where(
                open_items.c.organization_id == organization_id,
                open_items.c.subject.in_(sorted(subjects)),
            )
        ).all()
        return cls(organization_id, {(s, q): i for s, q, i in found})

    def get(self, subject: str, queue: str) -> str | None:
        return self.rows.get((subject, queue))

    def of(self, subject: str, queue: str, *, family: bool) -> list[tuple[str, str]]:
        """(queue, item id) of the subject's items in `queue` (or in the family `queue.*`)."""
        return sorted(
            (q, i)
            for (s, q), i in self.rows.items()
            if s == subject and (q.startswith(queue) if family else q == queue)
        )

    def add(self, conn: Connection, subject: str, queue: str, item_id: str) -> None:
        conn.execute(
            open_items.insert().values(
                organization_id=self.organization_id, subject=subject, queue=queue, item_id=item_id
            )
        )
        self.rows[(subject, queue)] = item_id

    def remove(self, conn: Connection, subject: str, queue: str) -> None:
        conn.execute(
            open_items.delete().where(
                (open_items.c.organization_id == self.organization_id)
                & (open_items.c.subject == subject)
                & (open_items.c.queue == queue)
            )
        )
        del self.rows[(subject, queue)]


def _track_deposit(conn: Connection, event: Any, envelope: EventEnvelope) -> None:
    """Keep the deposits remit has not matched, for the sweep to find."""
    key = (waiting_deposits.c.organization_id == envelope.organization_id) & (
        waiting_deposits.c.deposit_id == envelope.stream_id
    )
    known = conn.execute(sa.select(waiting_deposits.c.matched).where(key)).first()
    if envelope.type == "deposit.received" and known is None:
        conn.execute(
            waiting_deposits.insert().values(
                organization_id=envelope.organization_id,
                deposit_id=envelope.stream_id,
                deposit_date=event.deposit_date,
                trace_number=event.trace_number,
                amount=event.amount,
                payer_id=event.payer_id,
                matched=False,
            )
        )
    elif envelope.type == "deposit.matched" and known is not None:
        conn.execute(waiting_deposits.update().where(key).values(matched=True))


def _deposit_matched(conn: Connection, organization_id: str, event: Any) -> bool:
    return bool(
        conn.execute(
            sa.select(waiting_deposits.c.matched).where(
                waiting_deposits.c.organization_id == organization_id,
                waiting_deposits.c.deposit_id == event.deposit_id,
            )
        ).scalar_one_or_none()
    )


def _closing_reason(ctx: Context) -> str:
    return {
        "claim.paid": "the payer paid the claim",
        "claim.appealed": "an appeal was filed",
        "claim.submitted": "the claim was submitted again",
        "claim.corrected": "a corrected claim replaced it",
        "claim.accepted": "the payer accepted the claim",
        "claim.voided": "the claim was voided",
        "claim.written_off": "the balance was written off",
        "patient_account.payment_received": "the patient paid the balance",
        "remittance.claim_matched": "the payment was matched to a claim and posted",
        "deposit.matched": "the deposit was matched to its 835s",
    }.get(ctx.envelope.type, ctx.envelope.type.replace("_", " "))


@dataclass(frozen=True)
class BatchedProcess(Process):
    """A process whose events are applied a batch (one Kafka poll, one runner step) per
    transaction, like a projection's, instead of one transaction per event.

    The queue process folds nearly every claim event into its facts and appends for few of
    them: one transaction per event spent most of its time on the transaction itself
    (tracking row, stream version, offsets, commit: bench/results/followup.md). The price:
    the work items it appends hold the event store's append lock from the batch's first
    append to its commit, so other appenders wait for up to one batch. Redelivery stays a
    no-op (tracking rows commit with the batch); a failing or conflicting event makes the
    runtime redo the batch one event per transaction, as for any projection.
    """

    one_event_per_transaction: ClassVar[bool] = False


def queue_process(store: EventStore, payer_rules: Callable[[], PayerRules]) -> Process:
    process = QueueProcess(store, payer_rules)
    return BatchedProcess(
        QUEUE_PROCESS, {t: process.handle for t in sorted(HANDLED_TYPES)}, metadata=queue_metadata
    )


# --- the sweep: what time alone makes due ------------------------------------------------------

NO_RESPONSE_STATUSES = ("submitted", "acknowledged", "accepted")
# Not yet on file with the payer (never accepted, never adjudicated): the filing limit runs.
UNFILED_STATUSES = (
    "created",
    "held",
    "amended",
    "ready",
    "submitted",
    "acknowledged",
    "rejected",
    "filing_limit_passed",  # still unfiled: the claims service flagged it, nothing went out
)
APPEAL_STATUSES = ("denied", "partially_paid", "paid", "underpaid")


@dataclass
class SweepResult:
    no_response: int = 0
    appeals_due: int = 0
    timely_filing: int = 0
    unmatched_deposits: int = 0


def sweep(
    engine: sa.Engine,
    store: EventStore,
    payer_rules: PayerRules,
    as_of: date,
    *,
    appeal_warning_days: int = 30,
    timely_filing_warning_days: int = 30,
    deposit_match_days: int = 5,
    organization_id: str | None = None,
    clock: Callable[[], datetime] | None = None,
) -> SweepResult:
    """Append `claim.follow_up_due` for claims the payer left unanswered or whose appeal
    deadline is within `appeal_warning_days` of `as_of` (each once per submission/remittance),
    or whose payer's filing limit is within `timely_filing_warning_days` with no claim
    accepted (once per claim); `deposit_follow_up.due` for deposits no 835 matched within
    `deposit_match_days` of their date (once per deposit)."""
    result = SweepResult()
    query = sa.select(
        queue_facts.c.organization_id, queue_facts.c.claim_id, queue_facts.c.facts
    ).where(
        queue_facts.c.status.in_(
            set(NO_RESPONSE_STATUSES) | set(APPEAL_STATUSES) | set(UNFILED_STATUSES)
        )
    )
    if organization_id is not None:
        query = query.where(queue_facts.c.organization_id == organization_id)
    with engine.connect() as conn:
        candidates = [
            (org, cid, ClaimFacts.model_validate(doc)) for org, cid, doc in conn.execute(query)
        ]
    at = clock or (lambda: datetime.combine(as_of, datetime.min.time()).astimezone())
    for org, claim_id, facts in candidates:
        payer = payer_rules.for_claim(facts.payer_id, facts.filing_indicator)
        commands: list[FlagFollowUp] = []
        filing_limit = payer.timely_filing_deadline(facts.service_date)
        if (
            facts.status in UNFILED_STATUSES
            and filing_limit is not None
            and filing_limit - timedelta(days=timely_filing_warning_days) <= as_of
        ):
            assert facts.service_date is not None
            commands.append(
                FlagFollowUp(
                    reason=FollowUpReason.TIMELY_FILING,
                    as_of=as_of,
                    since=facts.service_date,
                    deadline=filing_limit,
                    detail=(
                        f"{payer.name} accepts claims {payer.timely_filing_days} days from the "
                        f"date of service: file by {filing_limit.isoformat()} (now {facts.status})"
                    ),
                )
            )
        command: FlagFollowUp | None = None
        if facts.status in NO_RESPONSE_STATUSES and facts.last_billed_on is not None:
            waited = (as_of - facts.last_billed_on).days
            if waited >= payer.no_response_days:
                command = FlagFollowUp(
                    reason=FollowUpReason.NO_RESPONSE,
                    as_of=as_of,
                    since=facts.last_billed_on,
                    deadline=payer.timely_filing_deadline(facts.service_date),
                    detail=(
                        f"no answer from {facts.payer_name} {waited} days after submission "
                        f"(payer's limit {payer.no_response_days})"
                    ),
                )
        elif (
            facts.status in APPEAL_STATUSES
            and facts.open_appeal_id is None
            and facts.last_remittance_on is not None
            and (
                (facts.denied_amount > 0 and facts.insurance_balance > 0)
                or (facts.underpaid_shortfall > 0 and facts.appeals == 0)
            )
        ):
            level = min(facts.appeals + 1, 2)
            deadline = payer.appeal_deadline(level, facts.last_remittance_on)
            if deadline - timedelta(days=appeal_warning_days) <= as_of:
                command = FlagFollowUp(
                    reason=FollowUpReason.APPEAL_DEADLINE,
                    as_of=as_of,
                    since=facts.last_remittance_on,
                    deadline=deadline,
                    detail=f"{payer.describe_appeal(level)}: file by {deadline.isoformat()}",
                )
        if command is not None:
            commands.append(command)
        for flag in commands:
            uow = UnitOfWork(store, producer=PRODUCER, clock=at)
            with uow:
                appended = uow.run(FOLLOWUP_CLAIM, claim_id, flag, organization_id=org)
            if appended.events:
                if flag.reason is FollowUpReason.NO_RESPONSE:
                    result.no_response += 1
                elif flag.reason is FollowUpReason.TIMELY_FILING:
                    result.timely_filing += 1
                else:
                    result.appeals_due += 1
    result.unmatched_deposits = _sweep_deposits(
        engine, store, as_of, deposit_match_days, organization_id, at
    )
    return result


def _sweep_deposits(
    engine: sa.Engine,
    store: EventStore,
    as_of: date,
    match_days: int,
    organization_id: str | None,
    at: Callable[[], datetime],
) -> int:
    query = sa.select(waiting_deposits).where(
        waiting_deposits.c.matched.is_(False),
        waiting_deposits.c.deposit_date <= as_of - timedelta(days=match_days),
    )
    if organization_id is not None:
        query = query.where(waiting_deposits.c.organization_id == organization_id)
    with engine.connect() as conn:
        waiting = conn.execute(query).all()
    flagged = 0
    for row in waiting:
        waited = (as_of - row.deposit_date).days
        flag = FlagUnmatchedDeposit(
            deposit_id=row.deposit_id,
            trace_number=row.trace_number,
            amount=row.amount,
            deposit_date=row.deposit_date,
            payer_id=row.payer_id,
            as_of=as_of,
            detail=(
                f"no 835 matched this deposit {waited} days after it arrived "
                f"(limit {match_days}): check the trace number and the payer's ERA"
            ),
        )
        uow = UnitOfWork(store, producer=PRODUCER, clock=at)
        with uow:
            appended = uow.run(
                FOLLOWUP_DEPOSIT,
                follow_up_stream(row.deposit_id),
                flag,
                organization_id=row.organization_id,
            )
        flagged += bool(appended.events)
    return flagged


__all__ = ["DENIALS", "QUEUE_PROCESS", "queue_process", "sweep"]
