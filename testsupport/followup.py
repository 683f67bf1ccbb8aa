"""Stand-in producers for follow-up tests: append claim lifecycle events as their owners would.

Follow-up reads what intake, claims and remit append; until their real flows run in a
test, these helpers append the same event types, as the owning producer, on the dates a
scenario needs (envelope `occurred_at`), so queues, balances and KPIs can be checked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from shared.claim_model import Claim, ServiceLine
from shared.events.base import Event
from shared.events.claim_snapshot import snapshot_v1
from shared.events.claims import (
    AcknowledgmentKind,
    AckProblem,
    ClaimAccepted,
    ClaimCreated,
    ClaimRejected,
    ClaimScrubFailed,
    ClaimSubmitted,
    ScrubFinding,
)
from shared.events.patient_account import patient_account_id
from shared.events.registry import registry, to_envelope
from shared.events.remittance import (
    Adjustment,
    AdjustmentEffect,
    AdjustmentGroup,
    ClaimDenied,
    ClaimPaid,
    ClaimPartiallyPaid,
    ClaimReversed,
    ClaimUnderpaid,
    DenialReason,
    LedgerMove,
    LinePayment,
)
from shared.eventstore.interface import EventStore
from testsupport.claims import professional_claim

# What remit posts as contractual in a denial or partial payment (the rest of a non-PR
# adjustment there is denied and stays open); in a claim paid in full every non-PR
# adjustment is contractual.
CONTRACTUAL_CARCS = frozenset({"45", "42", "59", "94", "131", "144", "172", "253"})


def _effect(group: str, code: str, paid_in_full: bool) -> AdjustmentEffect:
    if group == "PR":
        return AdjustmentEffect.PATIENT
    if paid_in_full or code in CONTRACTUAL_CARCS:
        return AdjustmentEffect.CONTRACTUAL
    return AdjustmentEffect.DENIED


def _ledger(adjustments: Sequence[Adjustment], paid: Decimal) -> LedgerMove:
    def total(effect: AdjustmentEffect) -> Decimal:
        return sum((a.amount for a in adjustments if a.effect is effect), Decimal("0.00"))

    return LedgerMove(
        paid=paid,
        adjustments=total(AdjustmentEffect.CONTRACTUAL),
        patient_responsibility=total(AdjustmentEffect.PATIENT),
        denied=total(AdjustmentEffect.DENIED),
    )


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


class StandIns:
    """Appends events to a store as their owning service, keeping each stream's version."""

    def __init__(
        self,
        store: EventStore,
        organization_id: str,
        settle: Callable[[], object] | None = None,
    ) -> None:
        self.store = store
        self.org = organization_id
        self.submissions = 0
        # Called after claim.created: processes that answer it (claims' readiness) run before
        # the scenario's next event, as they would in the real flow.
        self.settle = settle

    def append(self, event: Event, day: date, hour: int = 9) -> None:
        stream = event.stream_id
        version = len(self.store.load(stream))
        envelope = to_envelope(
            event,
            stream_version=version + 1,
            occurred_at=at(day, hour),
            organization_id=self.org,
            producer=registry.owner(event.event_type).value,
        )
        self.store.append(stream, version, [envelope])

    # -- intake and claims ------------------------------------------------------------------

    def created(self, claim_id: str, claim: Claim, day: date) -> None:
        self.append(
            ClaimCreated(
                claim_id=claim_id,
                account_id=patient_account_id(self.org, claim.patient_control_number),
                organization_id=self.org,
                claim=snapshot_v1(claim),
            ),
            day,
        )
        if self.settle is not None:
            self.settle()

    def scrub_failed(self, claim_id: str, day: date, code: str = "NPI_CHECK_DIGIT") -> None:
        self.append(
            ClaimScrubFailed(
                claim_id=claim_id,
                findings=(ScrubFinding(code=code, message="billing NPI fails the Luhn check"),),
            ),
            day,
        )

    def submitted(self, claim_id: str, payer_id: str, charge: Decimal, day: date) -> None:
        self.submissions += 1
        self.append(
            ClaimSubmitted(
                claim_id=claim_id,
                payer_id=payer_id,
                batch_id=f"bat-{self.submissions:05d}",
                interchange_control_number=f"{self.submissions:09d}",
                total_charge=charge,
            ),
            day,
        )

    def rejected(self, claim_id: str, day: date, code: str = "A7:21", text: str = "bad id") -> None:
        self.append(
            ClaimRejected(
                claim_id=claim_id,
                ack_kind=AcknowledgmentKind.X12_277CA,
                reasons=(AckProblem(code=code, description=text),),
            ),
            day,
        )

    def accepted(self, claim_id: str, day: date, payer_claim_number: str | None = None) -> None:
        self.append(ClaimAccepted(claim_id=claim_id, payer_claim_number=payer_claim_number), day)

    # -- remit ------------------------------------------------------------------------------

    def adjudicated(
        self,
        kind: str,
        claim_id: str,
        *,
        payer_id: str,
        charge: Decimal,
        paid: Decimal,
        adjustments: Sequence[tuple[str, str, Decimal] | tuple[str, str, Decimal, int | None]],
        paid_on: date,
        remarks: Sequence[str] = (),
        denial_category: str | None = None,
        remittance_id: str = "rmt-1",
        payer_claim_number: str = "PCN1",
        status: str = "1",
    ) -> None:
        paid_in_full = kind == "paid"
        claim_level: list[Adjustment] = []
        by_line: dict[int, list[Adjustment]] = {}
        denials: list[DenialReason] = []
        for a in adjustments:
            number = a[3] if len(a) > 3 else None  # type: ignore[misc]
            effect = _effect(a[0], a[1], paid_in_full)
            adjustment = Adjustment(
                group=AdjustmentGroup(a[0]),
                reason_code=a[1],
                amount=a[2],
                effect=effect,
                denial_category=denial_category if effect is AdjustmentEffect.DENIED else None,
            )
            (by_line.setdefault(number, []) if number is not None else claim_level).append(
                adjustment
            )
            if effect is AdjustmentEffect.DENIED:
                category = denial_category or "other"
                denials.append(
                    DenialReason(
                        line_number=number,
                        group=AdjustmentGroup(a[0]),
                        reason_code=a[1],
                        amount=a[2],
                        category=category,
                        queue=f"denials.{category}",
                    )
                )
        every = claim_level + [x for line in by_line.values() for x in line]
        lines = tuple(
            LinePayment(
                line_number=number,
                matched_by="line_number",
                charge=sum((x.amount for x in line), Decimal("0.00")),
                paid=Decimal("0.00"),
                adjustments=tuple(line),
            )
            for number, line in sorted(by_line.items())
        )
        common: dict[str, Any] = dict(
            claim_id=claim_id,
            remittance_id=remittance_id,
            payer_id=payer_id,
            payer_claim_number=payer_claim_number,
            claim_status_code=status,
            charge_amount=charge,
            paid_amount=paid,
            patient_responsibility=_ledger(every, paid).patient_responsibility,
            adjustments=tuple(claim_level),
            lines=lines,
            remark_codes=tuple(remarks),
            paid_on=paid_on,
            ledger=_ledger(every, paid),
        )
        model: Event
        if kind == "paid":
            model = ClaimPaid(**common)
        elif kind == "partially_paid":
            category = denial_category or "other"
            model = ClaimPartiallyPaid(
                **common, denial_category=category, queue=f"denials.{category}", denials=denials
            )
        else:
            model = ClaimDenied(
                **common, denial_category=denial_category or "other", denials=tuple(denials)
            )
        self.append(model, paid_on)

    def underpaid(self, claim_id: str, expected: Decimal, paid: Decimal, day: date) -> None:
        self.append(
            ClaimUnderpaid(
                claim_id=claim_id,
                remittance_id="rmt-1",
                expected_amount=expected,
                actual_amount=paid,
                paid_amount=paid,
                difference=expected - paid,
            ),
            day,
        )

    def reversed(
        self,
        claim_id: str,
        *,
        paid: Decimal,
        patient: Decimal,
        adjustments: Sequence[tuple[str, str, Decimal]],
        day: date,
        payer_claim_number: str = "PCN1",
    ) -> None:
        # v2 carries the reversal's own (negative) amounts; a reversal takes back a payment
        # in full, so its non-PR adjustments were contractual.
        undone = tuple(
            Adjustment(
                group=AdjustmentGroup(g),
                reason_code=c,
                amount=-a,
                effect=_effect(g, c, paid_in_full=True),
            )
            for g, c, a in adjustments
        )
        self.append(
            ClaimReversed(
                claim_id=claim_id,
                remittance_id="rmt-2",
                payer_claim_number=payer_claim_number,
                paid_amount=-paid,
                patient_responsibility=-patient,
                adjustments=undone,
                reversed_on=day,
                ledger=_ledger(undone, -paid),
            ),
            day,
        )


def office_claim(today: date, pcn: str, charge: str = "145.00", dos: int = 70) -> Claim:
    line = ServiceLine(
        line_number=1,
        procedure_code="99213",
        charge=Decimal(charge),
        service_date=today - timedelta(days=dos),
    )
    return professional_claim(
        patient_control_number=pcn, total_charge=Decimal(charge), lines=(line,)
    )


def office_morning(events: StandIns, today: date) -> None:
    """Six claims of a billing office's morning (the follow-up office-day tests and the page's
    browser test): A paid with a copay, B rejected, C held by the scrubber, D denied for
    authorization (same account as A), E underpaid, F submitted and never answered."""

    def days_ago(n: int) -> date:
        return today - timedelta(days=n)

    def claim(pcn: str, charge: str = "145.00", dos: int = 70) -> Claim:
        return office_claim(today, pcn, charge, dos)

    # A: paid with a copay owed by the patient.
    events.created("clm-a", claim("PCN-A"), days_ago(65))
    events.submitted("clm-a", "87726", Decimal("145.00"), days_ago(64))
    events.accepted("clm-a", days_ago(63), "PAYER-A")
    events.adjudicated(
        "paid",
        "clm-a",
        payer_id="87726",
        charge=Decimal("145.00"),
        paid=Decimal("92.00"),
        adjustments=[("CO", "45", Decimal("28.00"), 1), ("PR", "3", Decimal("25.00"), 1)],
        paid_on=days_ago(40),
    )
    # B: rejected by the payer's front end.
    events.created("clm-b", claim("PCN-B"), days_ago(40))
    events.submitted("clm-b", "87726", Decimal("145.00"), days_ago(39))
    events.rejected("clm-b", days_ago(38), "A7:21", "Subscriber id not on file")
    # C: held by the scrubber.
    events.created("clm-c", claim("PCN-C"), days_ago(5))
    events.scrub_failed("clm-c", days_ago(5))
    # D (same account as A): denied for authorization.
    events.created("clm-d", claim("PCN-A", "300.00", dos=80), days_ago(75))
    events.submitted("clm-d", "87726", Decimal("300.00"), days_ago(74))
    events.adjudicated(
        "denied",
        "clm-d",
        payer_id="87726",
        charge=Decimal("300.00"),
        paid=Decimal("0.00"),
        adjustments=[("CO", "197", Decimal("300.00"), 1)],
        remarks=["N54"],
        paid_on=days_ago(30),
        denial_category="authorization",
        status="4",
    )
    # E: paid below contract.
    events.created("clm-e", claim("PCN-E", "200.00"), days_ago(60))
    events.submitted("clm-e", "87726", Decimal("200.00"), days_ago(59))
    events.adjudicated(
        "paid",
        "clm-e",
        payer_id="87726",
        charge=Decimal("200.00"),
        paid=Decimal("100.00"),
        adjustments=[("CO", "45", Decimal("90.00")), ("PR", "2", Decimal("10.00"))],
        paid_on=days_ago(35),
    )
    events.underpaid("clm-e", Decimal("120.00"), Decimal("100.00"), days_ago(35))
    # F: submitted and never answered.
    events.created("clm-f", claim("PCN-F", "80.00"), days_ago(50))
    events.submitted("clm-f", "87726", Decimal("80.00"), days_ago(45))


def followup_tables(engine: Any) -> dict[str, list[tuple[str, ...]]]:
    """Every follow-up table's rows (as text, sorted): what a rebuild must give back."""
    import sqlalchemy as sa

    names = sorted(n for n in sa.inspect(engine).get_table_names() if n.startswith("followup_"))
    with engine.connect() as conn:
        return {
            name: sorted(
                tuple(str(v) for v in row)
                for row in conn.execute(sa.text(f'SELECT * FROM "{name}"'))
            )
            for name in names
        }


class KafkaOffice:
    """Every service's subscriptions applied from real Kafka topics, as the workers do.

    The embedded composition on PostgreSQL with `KAFKA_BOOTSTRAP_SERVERS` set does not run
    its subscriptions (`Embedded.settles` is False): this stands in for the deployment's
    relay and workers. `settle()` publishes the event table with the outbox relay, then has
    each subscription's consumer (one consumer group each, topics under `prefix`) apply what
    its topics hold, and repeats while the processes append more, so the next step of a
    scenario sees everything, as the embedded default's `settle()` promises.

    Consumers take their partitions directly (no group rebalance to wait for) and poll with
    a short timeout, each on its own thread while catching up; "caught up" is read from the
    broker's end offsets, not from an empty poll, so a slow fetch is never taken for the
    end of the topic.
    """

    def __init__(self, embedded: Any, bootstrap_servers: str, prefix: str) -> None:
        from kafka import KafkaConsumer

        from revcycle.embedded import _subscriptions
        from services.followup.projections import decode_payload
        from shared.events.topics import ALL_TOPICS, DEAD_LETTER, topic_for
        from shared.messaging.consumer import ConsumerConfig, SubscriptionConsumer
        from shared.messaging.kafka import make_producer, topic_name
        from shared.messaging.relay import Relay, RelayConfig

        self.prefix = prefix
        names = {t.name: topic_name(t, prefix) for t in ALL_TOPICS}
        self._producer = make_producer(bootstrap_servers)
        self.relay = Relay(
            embedded.store,
            self._producer,
            RelayConfig(name=f"{prefix}relay", topic_names=names),
        )
        self.consumers: list[Any] = []
        for subscription in _subscriptions(embedded.store, embedded.clock, embedded.settings):
            topics = sorted({names[topic_for(t).name] for t in subscription.event_types})
            config = ConsumerConfig(
                bootstrap_servers=bootstrap_servers,
                topics=topics,
                group_id=f"{prefix}{subscription.name}",
                dead_letter_topic=names[DEAD_LETTER.name],
                client_id=f"{prefix}{subscription.name}",
                poll_timeout_ms=100,
                replay_from_beginning=True,
            )
            consumer = SubscriptionConsumer(config, embedded.engine, subscription, decode_payload)
            consumer.open()
            self.consumers.append(consumer)
        self._offsets = KafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=None)
        self.rounds = 0
        self.seconds: dict[str, float] = {}  # time spent applying, per subscription

    def _ends(self, topics: Sequence[str]) -> int:
        from kafka import TopicPartition

        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(self._offsets.partitions_for_topic(topic) or ())
        ]
        return sum(int(o) for o in self._offsets.end_offsets(partitions).values())

    @staticmethod
    def _handled(consumer: Any) -> int:
        s = consumer.stats
        return int(s.applied + s.skipped + s.ignored + s.dead_lettered + s.held)

    def settle(self, timeout_s: float = 120.0) -> None:
        """Publish, then apply until no subscription has anything left and nothing new was
        appended; raises if that takes longer than `timeout_s`. The consumers catch up at
        the same time, each on a thread of its own, as separate workers would."""
        import time as _time
        from concurrent.futures import ThreadPoolExecutor

        deadline = _time.monotonic() + timeout_s
        self.relay.run_once()
        with ThreadPoolExecutor(max_workers=len(self.consumers)) as pool:
            while True:
                self.rounds += 1
                ends = [(c, self._ends(c.config.topics)) for c in self.consumers]
                caught_up = [pool.submit(self._catch_up, c, end, deadline) for c, end in ends]
                for future in caught_up:
                    future.result()
                if not self.relay.run_once():
                    return

    def _catch_up(self, consumer: Any, end: int, deadline: float) -> None:
        import time as _time

        name = consumer.subscription.name
        while self._handled(consumer) < end:
            if _time.monotonic() > deadline:
                raise TimeoutError(
                    f"{name}: {self._handled(consumer)} of {end} messages handled in time"
                )
            started = _time.perf_counter()
            consumer.poll_once()
            self.seconds[name] = self.seconds.get(name, 0.0) + _time.perf_counter() - started

    def problems(self) -> dict[str, tuple[int, int]]:
        """Subscriptions that dead-lettered or held anything: name -> (dead letters, held)."""
        return {
            c.subscription.name: (c.stats.dead_lettered, c.stats.held)
            for c in self.consumers
            if c.stats.dead_lettered or c.stats.held
        }

    def close(self) -> None:
        import logging

        for consumer in self.consumers:
            name = consumer.subscription.name
            # Where a scenario's time went (pytest shows it with --log-level=INFO).
            logging.getLogger(__name__).info(
                "%s: %s, %.1f s applying", name, consumer.stats, self.seconds.get(name, 0.0)
            )
            consumer.close()
        self._offsets.close()
        self._producer.close()
