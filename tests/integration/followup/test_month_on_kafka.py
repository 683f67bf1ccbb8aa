"""A billing office's month on real Kafka and PostgreSQL, checked against the payers' truth.

March 2026: three weekly rounds of claims (200 in all, two payers, dates of service up to
four months back) are created through intake, made ready by the claims service's process,
sent as 837 files to the simulator, acknowledged (999, 277CA with front-end rejections),
then paid two weeks later by the simulator's 835s (denials, partial payments,
underpayments against the contract the office loaded, first payments later reversed and
corrected) posted through remit; the office appeals some denials and patients pay some
balances (one pays more than owed). Every service's subscriptions (claims, remit, intake,
follow-up's queue process and projections) run as Kafka consumers fed by the outbox relay.

At the month's end every queue's count and dollars, every account's balances, the aging
buckets and the month's KPI counts are compared with values computed here from the
simulator's `truth.jsonl` (what each payer decided) and the test's own record of the
office's actions, never from our tables; rebuilding every follow-up projection gives the
same tables; `revcycle audit ledger` passes.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from revcycle.embedded import EmbeddedApp, build_embedded_app
from shared.auth import ROLE_ACCOUNTS_READ, ROLE_CLAIMS_READ, issue_token
from shared.claim_model import Claim, ServiceLine, Subscriber
from shared.config import BaseServiceSettings
from shared.events.patient_account import patient_account_id
from shared.events.topics import ALL_TOPICS
from shared.messaging.kafka import delete_topics, ensure_topics, topic_name
from testsupport.claims import professional_claim
from testsupport.followup import KafkaOffice, followup_tables

D = Decimal
ZERO = D("0.00")
ORG = "org-month"
SECRET = "month-on-kafka-test-secret-0123456789abcdef"
MONTH_START, MONTH_END = date(2026, 3, 1), date(2026, 3, 31)
ROUNDS = (date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16))  # claims go out Mondays
CLAIMS_PER_ROUND = (70, 65, 65)
PAYERS = {"87726": "Sunshine Mutual Health Plan", "60054": "Gulf Coast Benefit Assurance"}
PRICES = {  # procedure: (our charge, the contract's rate: the fee schedule both sides use)
    "99213": (D("145.00"), D("92.50")),
    "99214": (D("210.00"), D("131.00")),
    "36415": (D("25.00"), D("8.50")),
    "85025": (D("38.00"), D("10.50")),
    "80053": (D("60.00"), D("14.00")),
    "93000": (D("80.00"), D("17.00")),
}
# The office's reading of an 835 adjustment (its remit table, restated for the check): the
# patient owes PR; these CO/OA codes belong to an ordinary payment; any other is denied.
PAYMENT_ADJUSTMENTS = {"45", "42", "253", "131", "144", "104", "59", "94", "A7", "23"}
# The denial category of each code the payers below use (docs/denial-categories.md).
CATEGORY = {"50": "medical-necessity", "197": "authorization", "16": "coding", "97": "bundling"}

PROFILE = """
version: 1
clearinghouse: {name: Clearwater Exchange, id: CLEARX}
timing: {ack_999: 0, ack_277ca: 1, remittance_835: 14, reversal_after_835: 14,
         eligibility_271: 0, status_277: 0}
payers:
%s
"""
PAYER = """
  - payer_id: "%(payer_id)s"
    name: %(name)s
    payment_method: ACH
    claim_filing_indicator: "CI"
    timely_filing_days: 365
    fee_schedule:
      percent_of_charge: "60"
      rates: {%(rates)s}
    cost_share:
      deductible: "300.00"
      deductible_met_share: 0.5
      coinsurance_percent: "20"
      copay: "25.00"
      copay_procedures: ["99202-99215"]
    shares: {reject_277ca: 0.05, deny: 0.10, partial_payment: 0.08, underpayment: 0.08,
             reversal: 0.06}
    rejections_277ca:
      - {category: A7, status: "21", entity: IL, message: Subscriber id not on file}
    denials:
      - {group: CO, reason: "50", remarks: [N130], weight: 2}
      - {group: CO, reason: "197", weight: 2}
      - {group: CO, reason: "16", remarks: [M51], weight: 1}
      - {group: PR, reason: "96", remarks: [N130], weight: 1}
    line_denials:
      - {group: CO, reason: "97", remarks: [M15]}
    underpayment: {min_percent: "5", max_percent: "15"}
"""
# A few claims of the first rounds have their outcome forced, so that each path shows
# whatever the draws give (the rest are drawn by the payers' shares above).
RULES = """
rules:
  - {patient_control_number: MON00001, outcome: deny}
  - {patient_control_number: MON00002, outcome: partial_payment}
  - {patient_control_number: MON00004, outcome: underpayment}
  - {patient_control_number: MON00005, outcome: reversal}
  - {patient_control_number: MON00007, outcome: reject_277ca}
  - {patient_control_number: MON00101, outcome: reversal}
"""
CONTRACT = """
name: %(name)s 2026
tolerance: "0.00"
rates:
%(rates)s
"""


def _profile_text() -> str:
    rates = ", ".join(f'"{code}": "{rate}"' for code, (_, rate) in PRICES.items())
    return (
        PROFILE
        % "".join(
            PAYER % {"payer_id": payer_id, "name": name, "rates": rates}
            for payer_id, name in PAYERS.items()
        )
        + RULES
    )


def _contract_text(name: str) -> str:
    rates = "\n".join(
        f'  - {{procedure: "{code}", rate: "{rate}", effective_from: 2025-01-01}}'
        for code, (_, rate) in PRICES.items()
    )
    return CONTRACT % {"name": name, "rates": rates}


def _claims(round_number: int, sent_on: date) -> list[Claim]:
    codes = list(PRICES)
    out = []
    for i in range(CLAIMS_PER_ROUND[round_number]):
        n = round_number * 100 + i
        # Dates of service from 3 to 120 days before the round: every aging bucket fills.
        served = sent_on - timedelta(days=3 + (n * 37) % 118)
        picks = [codes[n % 2], codes[2 + n % 4]][: 1 + (n % 3 > 0)]
        lines = tuple(
            ServiceLine(
                line_number=k,
                procedure_code=code,
                charge=PRICES[code][0],
                diagnosis_pointers=(1,),
                service_date=served,
            )
            for k, code in enumerate(picks, start=1)
        )
        base = professional_claim(patient_control_number=f"MON{n:05d}", lines=lines)
        payer_id = "60054" if n % 3 == 0 else "87726"
        out.append(
            base.model_copy(
                update={
                    "payer": base.payer.model_copy(
                        update={"payer_id": payer_id, "name": PAYERS[payer_id]}
                    ),
                    "subscriber": Subscriber(
                        **{
                            **base.subscriber.model_dump(),
                            "member_id": f"MBR{n:07d}",
                            "first_name": f"Pat{n}",
                        }
                    ),
                }
            )
        )
    return out


# --- what the truth says -------------------------------------------------------------------------


@dataclass
class Expected:
    """One claim as the truth and the office's own actions make it at a given day."""

    pcn: str
    payer_id: str
    charge: Decimal
    service_date: date
    sent_on: date
    outcome: str
    paid: Decimal = ZERO
    contractual: Decimal = ZERO
    patient: Decimal = ZERO
    denied: Decimal = ZERO
    patient_paid: Decimal = ZERO
    appealed: bool = False
    denial_codes: list[str] = field(default_factory=list)
    underpaid_open: Decimal = ZERO
    first_remittance: Any = None
    payments: list[Any] = field(default_factory=list)

    @property
    def account_id(self) -> str:
        return patient_account_id(ORG, self.pcn)

    @property
    def insurance_balance(self) -> Decimal:
        return self.charge - self.paid - self.contractual - self.patient

    @property
    def patient_balance(self) -> Decimal:
        return self.patient - self.patient_paid

    @property
    def credit(self) -> Decimal:
        return max(-self.insurance_balance, ZERO) + max(-self.patient_balance, ZERO)


def _effects(payment: Any) -> tuple[Decimal, Decimal, Decimal, list[str]]:
    """(contractual, patient, denied, denial CARCs) of one claim payment of the truth."""
    contractual = patient = denied = ZERO
    codes: list[str] = []
    every = [*payment.claim_adjustments, *(a for line in payment.lines for a in line.adjustments)]
    for a in every:
        if a.group == "PR":
            patient += a.amount
        elif a.reason in PAYMENT_ADJUSTMENTS:
            contractual += a.amount
        else:
            denied += a.amount
            codes.append(a.reason)
    return contractual, patient, denied, codes


def _shortfall(payment: Any) -> Decimal:
    """The contract's allowed less the payer's, over the lines it did not deny."""
    short = ZERO
    if payment.status == "4":
        return short  # a denial is denial work, never an underpayment
    for line in payment.lines:
        if any(a.group != "PR" and a.reason not in PAYMENT_ADJUSTMENTS for a in line.adjustments):
            continue
        short += line.expected_allowed - line.allowed
    return short


def expected_claims(truth: Any, sent: dict[str, date], as_of: date) -> dict[str, Expected]:
    claims: dict[str, Expected] = {}
    for record in truth.claims:
        claim = Expected(
            pcn=record.patient_control_number,
            payer_id=record.payer_id,
            charge=record.charge,
            service_date=record.service_from,
            sent_on=sent[record.patient_control_number],
            outcome=record.outcome,
        )
        for payment in record.payments:
            if payment.remittance.payment_date > as_of:
                continue  # not received yet
            claim.payments.append(payment)
            contractual, patient, denied, codes = _effects(payment)
            claim.paid += payment.paid
            claim.contractual += contractual
            claim.patient += patient
            claim.denied += denied
            claim.denial_codes += codes
            if payment.role == "reversal":
                claim.underpaid_open = ZERO  # a reversal closes the underpayment's item
            elif not claim.underpaid_open and _shortfall(payment) > 0:
                claim.underpaid_open = _shortfall(payment)
            if claim.first_remittance is None:
                claim.first_remittance = payment
        claims[claim.pcn] = claim
    return claims


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def prefix(kafka_bootstrap_servers: str) -> Iterator[str]:
    p = f"test.month.{uuid.uuid4().hex[:8]}."
    ensure_topics(kafka_bootstrap_servers, partitions=3, prefix=p)
    yield p
    delete_topics(kafka_bootstrap_servers, [topic_name(t, p) for t in ALL_TOPICS])


class Clock:
    def __init__(self, day: date) -> None:
        self.now = datetime.combine(day, time(9), tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def to(self, day: date, hour: int = 9) -> None:
        self.now = datetime.combine(day, time(hour), tzinfo=UTC)


@dataclass
class Month:
    built: EmbeddedApp
    kafka: KafkaOffice
    clock: Clock
    root: Path
    client: TestClient
    headers: dict[str, str]
    ingested: set[str] = field(default_factory=set)
    sent: dict[str, date] = field(default_factory=dict)
    claim_ids: dict[str, str] = field(default_factory=dict)

    @property
    def answers(self) -> Path:
        return self.root / "answers"

    def context(self) -> Any:
        from shared.ingest import IngestContext

        return IngestContext(
            organization_id=ORG, submitted_by="biller-1", services=self.built.embedded
        )

    def create_and_send(self, round_number: int, day: date) -> None:
        from services.claims.submission import submit_ready_claims
        from services.intake.commands import CreateClaim
        from services.intake.handlers import create_claim
        from simulator.profile import parse_profile
        from simulator.respond import respond

        self.clock.to(day, 8)
        intake = self.built.embedded.intake
        for claim in _claims(round_number, day):
            command = CreateClaim(claim=claim, organization_id=ORG, submitted_by="biller-1")
            result = create_claim(intake.unit_of_work(), command, intake.policy)
            self.claim_ids[claim.patient_control_number] = result.claim_id
            self.sent[claim.patient_control_number] = day
        self.kafka.settle()  # the readiness process marks them ready
        claims = self.built.embedded.claims
        report = submit_ready_claims(claims, organization_id=ORG)
        assert report.submitted == CLAIMS_PER_ROUND[round_number], report
        self.kafka.settle()
        fresh = self.root / f"round{round_number}"
        fresh.mkdir()
        for batch in report.batches:
            path = claims.settings.outbound_dir / batch["file"]
            (fresh / path.name).write_bytes(path.read_bytes())
        received = datetime.combine(day, time(10), tzinfo=UTC)
        profile = parse_profile(_profile_text(), "the month's payers")
        respond(fresh, self.answers, profile=profile, seed=2026, as_of=received)

    def receive(self, day: date) -> None:
        """The answers due by `day` arrive and are ingested (999, 277CA, then 835s)."""
        from services.claims.ingest import ingest_277ca, ingest_999
        from services.remit.ingest import ingest_835
        from simulator.truth import load_truth

        self.clock.to(day, 11)
        truth = load_truth(self.answers / "truth.jsonl")
        # 999s answer the day the file arrives, 277CAs a day later, 835s on their date.
        due = {r.file: r.payment_date for r in truth.remittances}
        for record in truth.files:
            for name in record.answers:
                late = 1 if name.endswith(".277ca") else 0
                due.setdefault(name, record.received_at.date() + timedelta(days=late))
        for suffix, ingest in (("999", ingest_999), ("277ca", ingest_277ca), ("835", ingest_835)):
            arrived = [
                path
                for path in sorted(self.answers.glob(f"*.{suffix}"))
                if path.name not in self.ingested and due[path.name] <= day
            ]
            for path in arrived:
                outcome = ingest(path, self.context())
                assert outcome.ok, (path.name, outcome.report)
                self.ingested.add(path.name)
            if arrived:
                # The workers catch up before the next kind: 835s match accepted claims.
                self.kafka.settle()


@pytest.fixture
def month(
    postgres_url: str, kafka_bootstrap_servers: str, prefix: str, tmp_path: Path
) -> Iterator[Month]:
    settings = BaseServiceSettings(
        data_dir=tmp_path,
        database_url=postgres_url,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        organization_id=ORG,
        auth_jwt_secret=SECRET,
    )
    clock = Clock(ROUNDS[0])
    built = build_embedded_app(settings, run_subscriptions=False, clock=clock)
    kafka = KafkaOffice(built.embedded, kafka_bootstrap_servers, prefix)
    token = issue_token(
        subject="manager-1",
        organization_id=ORG,
        roles=[ROLE_CLAIMS_READ, ROLE_ACCOUNTS_READ, "followup:supervise", "followup:work"],
        secret=SECRET,
    )
    try:
        with TestClient(built.app) as client:
            yield Month(built, kafka, clock, tmp_path, client, {"Authorization": f"Bearer {token}"})
    finally:
        kafka.close()
        built.embedded.close()


# --- the month -----------------------------------------------------------------------------------

APPEALS_ON, PAYMENTS_ON = date(2026, 3, 25), date(2026, 3, 27)
# The office's payer rules (services/followup/rules/payer_rules.yaml), restated for the sweep.
FILING_DAYS = {"87726": 365, "60054": 180}
APPEAL_DAYS, NO_RESPONSE_DAYS, WARNING_DAYS = 180, 30, 30


def test_a_month_on_kafka_and_postgresql_matches_the_payers_truth(
    month: Month, postgres_url: str
) -> None:
    from services.followup.handlers import file_appeal
    from services.remit.fee_schedules import parse_fee_schedule, save_fee_schedule
    from simulator.truth import load_truth

    embedded = month.built.embedded
    with embedded.engine.begin() as conn:  # the office's contracts, as it loads them
        for payer_id, name in PAYERS.items():
            contract = parse_fee_schedule(_contract_text(name), f"contract {payer_id}")
            save_fee_schedule(
                conn, ORG, payer_id, contract, updated_by="manager-1", at=month.clock()
            )

    appealed: set[str] = set()
    paid_by_patients: dict[str, tuple[Decimal, Decimal]] = {}  # pcn: (applied, unapplied)
    day = MONTH_START
    while day <= MONTH_END:
        if day in ROUNDS:
            month.create_and_send(ROUNDS.index(day), day)
        month.receive(day)
        if day == APPEALS_ON:
            truth = load_truth(month.answers / "truth.jsonl")
            now = expected_claims(truth, month.sent, day)
            denied = sorted(p for p, c in now.items() if c.outcome == "denied" and c.denied > 0)
            for pcn in denied[:3]:
                file_appeal(
                    embedded.followup.context,
                    ORG,
                    month.claim_ids[pcn],
                    level=1,
                    reason="The visit notes support the service.",
                    justification="Notes enclosed.",
                    filed_by="specialist-1",
                )
                appealed.add(pcn)
            month.kafka.settle()
        if day == PAYMENTS_ON:
            truth = load_truth(month.answers / "truth.jsonl")
            now = expected_claims(truth, month.sent, day)
            owing = sorted(p for p, c in now.items() if c.patient > 0)
            for k, pcn in enumerate(owing[::3]):
                due = now[pcn].patient
                amount = due + (D("10.00") if k == 0 else ZERO)  # one pays more than owed
                answer = month.client.post(
                    f"/v1/accounts/{now[pcn].account_id}/payments",
                    json={"amount": str(amount), "method": "card", "received_on": str(day)},
                    headers=month.headers,
                )
                assert answer.status_code == 201, answer.text
                paid_by_patients[pcn] = (due, amount - due)
            month.kafka.settle()
        day += timedelta(days=1)
    month.clock.to(MONTH_END, 18)
    swept = month.client.post(
        "/v1/followup/sweep", json={"as_of": str(MONTH_END)}, headers=month.headers
    )
    assert swept.status_code == 200, swept.text
    month.kafka.settle()
    assert month.kafka.problems() == {}  # nothing dead-lettered, nothing held

    # What the payers decided (and what the office did), as of the month's end.
    truth = load_truth(month.answers / "truth.jsonl")
    claims = expected_claims(truth, month.sent, MONTH_END)
    assert len(claims) == sum(CLAIMS_PER_ROUND)
    for pcn, (applied, _) in paid_by_patients.items():
        claims[pcn].patient_paid = applied
    for pcn in appealed:
        claims[pcn].appealed = True
    outcomes = {c.outcome for c in claims.values()}
    assert {"paid", "denied", "partially_paid", "rejected_277ca"} <= outcomes, outcomes
    assert any(c.underpaid_open for c in claims.values())
    assert any(p.role == "reversal" for c in claims.values() for p in c.payments)

    _check_queues(month, claims, paid_by_patients)
    _check_accounts(month, claims, paid_by_patients)
    _check_aging(month, claims)
    _check_kpis(month, claims, paid_by_patients)

    # Rebuilding every follow-up projection from the log gives the same tables.
    from services.followup.projections import PROJECTIONS
    from services.followup.rebuild import rebuild_embedded

    live = followup_tables(embedded.engine)
    assert live["followup_work_items"]
    for name in sorted(PROJECTIONS):
        result = rebuild_embedded(embedded.store, embedded.engine, name)
        assert result.applied > 0, name
        assert followup_tables(embedded.engine) == live, name

    # The books balance: remit's audit over the whole log and follow-up's claim views.
    import os
    import subprocess
    import sys

    audit = subprocess.run(
        [str(Path(sys.executable).with_name("revcycle")), "audit", "ledger"],
        env={**os.environ, "DATABASE_URL": postgres_url, "KAFKA_BOOTSTRAP_SERVERS": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "ledger balances" in audit.stdout


def _check_queues(
    month: Month, claims: dict[str, Expected], paid: dict[str, tuple[Decimal, Decimal]]
) -> None:
    expected: dict[str, list[Decimal]] = defaultdict(lambda: [D(0), ZERO])

    def add(queue: str, amount: Decimal) -> None:
        expected[queue][0] += 1
        expected[queue][1] += amount

    for c in claims.values():
        if c.outcome.startswith("rejected"):
            add("rejections", c.charge)
            limit = c.service_date + timedelta(days=FILING_DAYS[c.payer_id])
            if limit - timedelta(days=WARNING_DAYS) <= MONTH_END:
                add("timely-filing", c.charge)
            continue
        if not c.payments and (MONTH_END - c.sent_on).days >= NO_RESPONSE_DAYS:
            add("no-response", c.charge)
        if c.denied > 0 and not c.appealed:
            add(f"denials.{CATEGORY[c.denial_codes[0]]}", c.denied)
        if c.underpaid_open > 0 and not c.appealed:
            add("underpayments", c.underpaid_open)
        if c.credit > 0:
            add("credit-balances", c.credit)
        last = max((p.remittance.payment_date for p in c.payments), default=None)
        open_work = (c.denied > 0 and c.insurance_balance > 0) or c.underpaid_open > 0
        if last and open_work and not c.appealed:
            if last + timedelta(days=APPEAL_DAYS - WARNING_DAYS) <= MONTH_END:
                add("appeals-due", max(c.denied, c.underpaid_open))
    for _, unapplied in paid.values():
        if unapplied > 0:
            add("credit-balances", unapplied)
    answer = month.client.get("/v1/queues", headers=month.headers)
    assert answer.status_code == 200, answer.text
    found = {q["name"]: (q["open"], D(q["dollars"])) for q in answer.json() if q["open"]}
    assert found == {q: (int(n), amount) for q, (n, amount) in expected.items()}


def _check_accounts(
    month: Month, claims: dict[str, Expected], paid: dict[str, tuple[Decimal, Decimal]]
) -> None:
    for pcn, c in sorted(claims.items()):
        answer = month.client.get(f"/v1/accounts/{c.account_id}", headers=month.headers)
        assert answer.status_code == 200, answer.text
        unapplied = paid.get(pcn, (ZERO, ZERO))[1]
        body = answer.json()
        got = {k: D(body[k]) for k in EXPECTED_ACCOUNT_FIELDS}
        assert got == {
            "charges": c.charge,
            "insurance_ar": max(c.insurance_balance, ZERO),
            "patient_ar": max(c.patient_balance, ZERO),
            "payer_payments": c.paid,
            "patient_payments": c.patient_paid + unapplied,
            "adjustments": c.contractual,
            "write_offs": ZERO,
            "credit": c.credit + unapplied,
        }, (pcn, c.outcome)


EXPECTED_ACCOUNT_FIELDS = (
    "charges",
    "insurance_ar",
    "patient_ar",
    "payer_payments",
    "patient_payments",
    "adjustments",
    "write_offs",
    "credit",
)


def _bucket(days: int) -> str:
    for limit, name in ((30, "0-30"), (60, "31-60"), (90, "61-90"), (120, "91-120")):
        if days <= limit:
            return name
    return "120+"


def _check_aging(month: Month, claims: dict[str, Expected]) -> None:
    rows: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    credits = ZERO
    for c in claims.values():
        bucket = _bucket((MONTH_END - c.service_date).days)
        for payer, amount in ((c.payer_id, c.insurance_balance), ("patient", c.patient_balance)):
            if amount > 0:
                rows[payer][bucket] += amount
            else:
                credits -= amount
    answer = month.client.get(
        f"/v1/reports/aging?as_of={MONTH_END}&basis=service", headers=month.headers
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    found = {
        r["payer_id"]: {b: D(v) for b, v in r["buckets"].items() if D(v)} for r in report["rows"]
    }
    assert found == {payer: dict(b) for payer, b in rows.items()}
    assert len({b for b in found.get("87726", {})}) >= 4  # the dates of service spread
    assert D(report["credits"]) == credits


def _check_kpis(
    month: Month, claims: dict[str, Expected], paid: dict[str, tuple[Decimal, Decimal]]
) -> None:
    adjudicated = [c for c in claims.values() if c.first_remittance is not None]
    partial_denied = ZERO
    for c in adjudicated:
        if c.outcome == "partially_paid":
            first = c.first_remittance
            partial_denied += sum(
                (
                    line.charge
                    for line in first.lines
                    if any(a.group != "PR" and a.reason not in PAYMENT_ADJUSTMENTS
                           for a in line.adjustments)
                ),
                start=ZERO,
            )  # fmt: skip
    first_paid = {
        pcn: min(p.remittance.payment_date for p in c.payments if p.paid > 0)
        for pcn, c in claims.items()
        if any(p.paid > 0 for p in c.payments)
    }
    balance = {pcn: max(c.insurance_balance, ZERO) + max(c.patient_balance, ZERO)
               for pcn, c in claims.items()}  # fmt: skip
    expected = {
        "charges": sum((c.charge for c in claims.values()), start=ZERO),
        "payments": sum((c.paid + c.patient_paid for c in claims.values()), start=ZERO),
        "contractual": sum((c.contractual for c in claims.values()), start=ZERO),
        "ar_end": sum(balance.values(), start=ZERO),
        "ar_over_90": sum(
            (b for pcn, b in balance.items() if (MONTH_END - claims[pcn].service_date).days > 90),
            start=ZERO,
        ),
        "days": 31,
        "first_submitted": len(claims),
        "clean": sum(1 for c in claims.values() if not c.outcome.startswith("rejected")),
        "first_adjudicated": len(adjudicated),
        "first_pass_resolved": sum(1 for c in adjudicated if c.outcome == "paid"),
        "denied_count": sum(1 for c in adjudicated if c.outcome == "denied"),
        "adjudicated_charges": sum((c.charge for c in adjudicated), start=ZERO),
        "denied_charges": sum((c.charge for c in adjudicated if c.outcome == "denied"), start=ZERO)
        + partial_denied,
        "initially_denied": sum(
            1 for c in adjudicated if c.outcome in ("denied", "partially_paid")
        ),
        "overturned": 0,
        "paid_claims": len(first_paid),
        "days_to_payment": sum((d - claims[p].sent_on).days for p, d in first_paid.items()),
    }
    answer = month.client.get(
        f"/v1/reports/kpis?from={MONTH_START}&to={MONTH_END}", headers=month.headers
    )
    assert answer.status_code == 200, answer.text
    counts = answer.json()["total"]["counts"]
    assert {k: type(v)(counts[k]) for k, v in expected.items()} == expected
