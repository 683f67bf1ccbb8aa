"""The whole claim cycle as deployed: PostgreSQL, the relay to Kafka, the claims worker's
consumers on Kafka, the claims API and jobs, answered by the simulator's files (issue 12
point 11).

Running all through the test, on threads, as they run in a deployment: the outbox relay
publishing the event store to the claims and claim-batch topics, and the claims worker's
consumers (readiness process, next-payer process, claims index projection) reading the
claims topic back into PostgreSQL. The test plays the intake service (appending
`claim.created`), the worker's scheduler (`run_jobs` with a clock it moves), the billers
(corrections and voids through the claims service's own HTTP app) and the clearinghouse
(the simulator answering each 837 and 276 with 999, 277CA and 277 files, ingested as
`revcycle ingest` does). Every step after a command waits for the claims index, which only
the Kafka consumers write, to show the claim's new state.

The cycle: created -> ready (process on Kafka) -> submitted -> acknowledged (999) ->
accepted (277CA); a 277CA rejection and a 999 rejection, each corrected and accepted as a
new original; two billers voiding one accepted claim at the same moment (one wins, the
other's unit of work reloads and is refused naming state and command), the frequency-8
claim sent and accepted; a silent payer's claim warned of its filing limit with a moved
clock and asked about with a 276, the payer's 277 applied.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from services.claims import handlers
from services.claims.bootstrap import SUBSCRIPTION_NAMES, bootstrap, consumer_for, create_app
from services.claims.config import ClaimsSettings
from services.claims.domain import CLAIM
from services.claims.ingest import ingest_277, ingest_277ca, ingest_999
from services.claims.tables import claims_index
from services.claims.worker import run_jobs
from shared.auth import ROLE_CLAIMS_READ, ROLE_CLAIMS_WRITE, issue_token
from shared.events import to_envelopes
from shared.events.topics import CLAIM_BATCH_EVENTS, CLAIM_EVENTS
from shared.ingest import IngestContext, IngestOutcome
from shared.kernel import Aggregate
from shared.messaging.kafka import make_producer
from shared.messaging.relay import Relay, RelayConfig
from shared.messaging.worker import run_consumers
from shared.x12.pyx12_judge import judge
from simulator.profile import Rule, load_profile
from simulator.respond import respond
from testsupport.claim_events import claim_created
from testsupport.claims import SERVICE_DATE, professional_claim

ORG = "org-kcycle"
SECRET = "claims-kafka-cycle-secret-" + "k" * 32
START = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
WAIT_S = 45.0


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Deployment:
    """The running pipeline and what the test does as intake, scheduler, biller, payer."""

    deps: Any
    client: TestClient
    headers: dict[str, str]
    clock: Clock
    root: Path
    rounds: int = 0
    answered: set[str] = field(default_factory=set)

    @property
    def store(self) -> Any:
        return self.deps.store

    @property
    def outbound(self) -> Path:
        return self.deps.settings.outbound_dir

    def intake_creates(self, claim_id: str, pcn: str) -> None:
        envelopes = to_envelopes(
            [claim_created(claim_id, organization_id=ORG, patient_control_number=pcn)],
            expected_version=0,
            occurred_at=self.clock(),
            organization_id=ORG,
            producer="intake",
        )
        self.store.append(claim_id, 0, envelopes)

    def index(self, claim_id: str) -> str | None:
        with self.deps.engine.connect() as conn:
            found = conn.execute(
                sa.select(claims_index.c.status).where(
                    claims_index.c.organization_id == ORG, claims_index.c.claim_id == claim_id
                )
            ).scalar()
        return None if found is None else str(found)

    def until_indexed(self, expected: dict[str, str]) -> None:
        """Wait until the claims index (written only by the Kafka consumers) shows `expected`."""
        deadline = time.monotonic() + WAIT_S
        while True:
            seen = {claim_id: self.index(claim_id) for claim_id in expected}
            if seen == expected:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"the claims index never showed {expected}; it shows {seen}")
            time.sleep(0.2)

    def types(self, claim_id: str) -> list[str]:
        return [e.type for e in self.store.load(claim_id)]

    def tick(self) -> dict[str, Any]:
        """One tick of the claims worker's schedule: submission, timely filing, 276s."""
        return run_jobs(self.deps)

    def answer(self, rules: list[dict[str, str]] | None = None) -> Path:
        """The clearinghouse and payers answer every file sent since the last round (each
        837 judged by pyx12 first); the answers folder is the payers' memory."""
        self.rounds += 1
        fresh = self.root / f"round{self.rounds}"
        fresh.mkdir()
        for path in sorted(p for p in self.outbound.iterdir() if p.is_file()):
            if path.name in self.answered:
                continue
            self.answered.add(path.name)
            if path.name.startswith("837"):
                judged = judge(path.read_text())
                assert judged.ok, (path.name, judged)
            (fresh / path.name).write_bytes(path.read_bytes())
        answers = self.root / "answers"
        profile = load_profile("clean").model_copy(
            update={"rules": tuple(Rule.model_validate(r) for r in rules or [])}
        )
        respond(fresh, answers, profile=profile, seed=1, as_of=self.clock())
        return answers

    def ingest(self, answers: Path, suffix: str, only: str | None = None) -> list[IngestOutcome]:
        """`revcycle ingest` of this round's answer files of one kind (distributed mode:
        the claims service's dependencies, no embedded runner to settle)."""
        function = {"999": ingest_999, "277ca": ingest_277ca, "277": ingest_277}[suffix]
        context = IngestContext(
            organization_id=ORG,
            submitted_by="biller-1",
            services=SimpleNamespace(claims=self.deps),
        )
        round_files = {p.name for p in (self.root / f"round{self.rounds}").iterdir()}
        paths = [
            p
            for p in sorted(answers.glob(f"*.{suffix}"))
            if p.name.rsplit(".", 1)[0] in round_files and (only is None or only in p.name)
        ]
        assert paths, f"no .{suffix} answer in round {self.rounds}"
        return [function(p, context) for p in paths]

    def correct(self, claim_id: str, pcn: str) -> dict[str, Any]:
        body = professional_claim(patient_control_number=pcn).model_dump(
            mode="json", exclude={"claim_id", "organization_id", "frequency"}
        )
        answer = self.client.post(
            f"/v1/claims/{claim_id}/corrections",
            json={"claim": body, "reason": "fixed what the payer named"},
            headers=self.headers,
        )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())


@pytest.fixture
def deployment(
    postgres_url: str, kafka_bootstrap_servers: str, new_topic: Callable[..., str], tmp_path: Path
) -> Iterator[Deployment]:
    claims_topic, batch_topic, dlq = new_topic(partitions=3), new_topic(1), new_topic(1)
    clock = Clock()
    settings = ClaimsSettings(
        database_url=postgres_url,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        data_dir=tmp_path / "data",
        exchange_outbound_dir=tmp_path / "outbound",
        exchange_inbound_dir=tmp_path / "inbound",
        organization_id=ORG,
        auth_jwt_secret=SECRET,
    )
    deps = bootstrap(settings, clock=clock)
    stop = threading.Event()
    failures: list[BaseException] = []

    producer = make_producer(kafka_bootstrap_servers)
    relay = Relay(
        deps.store,
        producer,
        RelayConfig(
            name=f"kcycle-{uuid.uuid4().hex[:8]}",
            topic_names={CLAIM_EVENTS.name: claims_topic, CLAIM_BATCH_EVENTS.name: batch_topic},
            publish_reporting=False,
            poll_interval_s=0.1,
        ),
    )
    group = f"kcycle-{uuid.uuid4().hex[:8]}"
    consumers = [
        consumer_for(
            name,
            deps,
            topics=[claims_topic],
            group_id=f"{group}.{name}",
            dead_letter_topic=dlq,
        )
        for name in SUBSCRIPTION_NAMES
    ]

    def guarded(run: Callable[[], object]) -> Callable[[], None]:
        def target() -> None:
            try:
                run()
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                failures.append(exc)

        return target

    threads = [
        threading.Thread(target=guarded(lambda: relay.run(stop)), name="relay"),
        threading.Thread(
            target=guarded(lambda: run_consumers(consumers, handle_signals=False)),
            name="claims-worker",
        ),
    ]
    for thread in threads:
        thread.start()
    token = issue_token(
        subject="biller-1",
        organization_id=ORG,
        roles=[ROLE_CLAIMS_WRITE, ROLE_CLAIMS_READ],
        secret=SECRET,
    )
    try:
        with TestClient(create_app(settings, deps=deps)) as client:
            yield Deployment(deps, client, {"Authorization": f"Bearer {token}"}, clock, tmp_path)
    finally:
        stop.set()
        for consumer in consumers:
            consumer.stop()
        for thread in threads:
            thread.join(timeout=30)
        producer.close()
        deps.engine.dispose()
    assert not failures, failures


def racing_claim(decisions: int) -> tuple[Aggregate[Any, Any], threading.Barrier]:
    """The claim aggregate whose first `decisions` decisions wait for one another, so that
    both billers have decided on the same version before either appends."""
    barrier = threading.Barrier(decisions)
    lock = threading.Lock()
    count = [0]

    def decide(state: Any, command: Any, now: datetime) -> Any:
        events = CLAIM.decide(state, command, now)
        with lock:
            count[0] += 1
            waits = count[0] <= decisions
        if waits:
            barrier.wait(timeout=30)
        return events

    return Aggregate(CLAIM.name, CLAIM.initial, CLAIM.apply, decide), barrier


def test_the_claim_cycle_through_acknowledgements_on_kafka(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = deployment
    ok, front_end, syntax, silent = "clm_kc_ok", "clm_kc_277", "clm_kc_999", "clm_kc_silent"

    # -- created -> ready (the readiness process on Kafka) -> submitted -> 999 -> 277CA ------
    d.intake_creates(ok, "PCN-KC-OK")
    d.intake_creates(front_end, "PCN-KC-277")
    d.until_indexed({ok: "ready", front_end: "ready"})
    assert d.types(ok) == ["claim.created", "claim.ready"]
    done = d.tick()
    assert done["submitted"] == 2 and done["batches"] == 1, done
    d.until_indexed({ok: "submitted", front_end: "submitted"})
    answers = d.answer([{"patient_control_number": "PCN-KC-277", "outcome": "reject_277ca"}])
    [ack] = d.ingest(answers, "999")
    assert ack.ok, ack.summary
    d.until_indexed({ok: "acknowledged", front_end: "acknowledged"})
    [receipt] = d.ingest(answers, "277ca")
    assert receipt.report["counts"] == {"accepted": 1, "rejected": 1}, receipt.report
    d.until_indexed({ok: "accepted", front_end: "rejected"})
    assert d.types(ok) == [
        "claim.created",
        "claim.ready",
        "claim.submitted",
        "claim.acknowledged",
        "claim.accepted",
    ]
    [rejected] = [e for e in d.store.load(front_end) if e.type == "claim.rejected"]
    assert rejected.data["reasons"][0]["category"] == "A7", rejected.data
    assert rejected.data["reasons"][0]["description"]
    [again] = d.ingest(answers, "277ca")
    assert again.report.get("duplicate") is True, "the same file twice changes nothing"

    # -- a 999 rejection (its own file: a 999 rejects a whole transaction set) ---------------
    d.intake_creates(syntax, "PCN-KC-999")
    d.until_indexed({syntax: "ready"})
    assert d.tick()["submitted"] == 1
    answers = d.answer([{"patient_control_number": "PCN-KC-999", "outcome": "reject_999"}])
    [ack] = d.ingest(answers, "999")
    assert ack.ok, ack.summary
    d.until_indexed({syntax: "rejected"})
    [rejected] = [e for e in d.store.load(syntax) if e.type == "claim.rejected"]
    assert rejected.data["reasons"], "the 999's IK5/AK9 or IK3/IK4 are named"

    # -- both corrected: new originals, ready again on Kafka, sent, accepted -----------------
    for claim_id, pcn in ((front_end, "PCN-KC-277"), (syntax, "PCN-KC-999")):
        assert d.correct(claim_id, pcn)["frequency"] == "1", "front-end rejection: new original"
    d.until_indexed({front_end: "ready", syntax: "ready"})
    done = d.tick()
    assert done["submitted"] == 2 and done["batches"] == 1, done
    answers = d.answer()
    assert all(o.ok for o in d.ingest(answers, "999"))
    d.until_indexed({front_end: "acknowledged", syntax: "acknowledged"})
    assert all(o.ok for o in d.ingest(answers, "277ca"))
    d.until_indexed({front_end: "accepted", syntax: "accepted"})
    for claim_id in (front_end, syntax):
        types = d.types(claim_id)
        assert types.count("claim.submitted") == 2 and types.count("claim.corrected") == 1
        assert types[-1] == "claim.accepted"

    # -- two billers void the accepted claim at once: one wins, one is refused clearly -------
    racing, barrier = racing_claim(2)
    monkeypatch.setattr(handlers, "CLAIM", racing)
    answers_by_biller: dict[str, Any] = {}

    def biller(reason: str) -> None:
        answers_by_biller[reason] = d.client.post(
            f"/v1/claims/{ok}/void", json={"reason": reason}, headers=d.headers
        )

    billers = [threading.Thread(target=biller, args=(r,)) for r in ("duplicate", "wrong payer")]
    for thread in billers:
        thread.start()
    for thread in billers:
        thread.join(timeout=60)
    monkeypatch.setattr(handlers, "CLAIM", CLAIM)
    assert not barrier.broken, "both decided on the same version before either appended"
    codes = sorted(a.status_code for a in answers_by_biller.values())
    assert codes == [200, 409], {r: a.text for r, a in answers_by_biller.items()}
    [refused] = [a.json() for a in answers_by_biller.values() if a.status_code == 409]
    assert refused["state"] == "void_pending" and refused["command"] == "void", refused
    assert d.types(ok).count("claim.voided") == 1
    d.until_indexed({ok: "void_pending"})
    done = d.tick()
    assert done["submitted"] == 1, done
    [voiding] = [p for p in d.outbound.iterdir() if p.is_file() and p.name not in d.answered]
    text = voiding.read_text()
    assert re.search(r"^CLM\*PCN-KC-OK\*[0-9.]+\*\*\*11:B:8\*", text, re.M), text
    accepted = next(e for e in d.store.load(ok) if e.type == "claim.accepted")
    assert f"REF*F8*{accepted.data['payer_claim_number']}~" in text
    answers = d.answer()
    assert all(o.ok for o in d.ingest(answers, "999"))
    assert all(o.ok for o in d.ingest(answers, "277ca"))
    d.until_indexed({ok: "voided"})

    # -- a silent payer: a filing-limit warning with a moved clock, a 276, the 277 applied ---
    d.intake_creates(silent, "PCN-KC-SILENT")
    d.until_indexed({silent: "ready"})
    assert d.tick()["submitted"] == 1
    answers = d.answer()
    assert all(o.ok for o in d.ingest(answers, "999"))  # the 277CA never comes
    d.until_indexed({silent: "acknowledged"})
    deadline = SERVICE_DATE + timedelta(days=365)  # the shipped default filing limit
    d.clock.now = datetime.combine(deadline - timedelta(days=10), datetime.min.time(), UTC)
    done = d.tick()
    assert done["timely_filing_events"] >= 1 and done["status_inquiries"] >= 1, done
    [at_risk] = [e for e in d.store.load(silent) if e.type == "claim.timely_filing_at_risk"]
    assert at_risk.data["deadline"] == deadline.isoformat() and at_risk.data["days_left"] == 10
    assert "claim.status_requested" in d.types(silent)
    inquiries = [p for p in d.outbound.iterdir() if p.name.startswith("276-")]
    assert inquiries and any("PCN-KC-SILENT" in p.read_text() for p in inquiries)
    answers = d.answer()
    outcomes = d.ingest(answers, "277")
    assert all(o.ok for o in outcomes), [o.summary for o in outcomes]
    assert d.types(silent)[-1] == "claim.status_received"
    [received] = [e for e in d.store.load(silent) if e.type == "claim.status_received"]
    # The clean payer decided long ago (it pays 14 days after receipt): finalized.
    assert received.data["answer"] == "finalized", received.data
    d.until_indexed({silent: "finalized"})

    # Nothing dead-lettered, nothing sent twice: each claim in exactly the files it should be.
    for claim_id, submissions in ((ok, 2), (front_end, 2), (syntax, 2), (silent, 1)):
        assert d.types(claim_id).count("claim.submitted") == submissions, claim_id
