"""The claims service on real Kafka and PostgreSQL.

- The readiness process (issue 8 point 8) as the claims worker runs it: `claim.created` on
  the topic -> `claim.ready` appended by the claims service (caused by the creation) for a
  clean claim, nothing for one intake held; a redelivery appends nothing twice. The claims
  index projection, fed the new events from the topic, lists the claim as ready.
- The next-payer process on Kafka: a primary `claim.paid` (remit) with a secondary coverage
  -> `claim.secondary_created` and the secondary stream opened, once even when redelivered.
- Submission killed with kill -9 after the batch and its `claim.submitted` events were
  committed and before the file went out, or after the file went out and before it was
  recorded sent: the next run sends what is missing, and every claim is in exactly one
  file, submitted once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from kafka import KafkaProducer

from services.claims.bootstrap import prepare_database
from services.claims.config import ClaimsSettings
from services.claims.tables import claims_index
from services.claims.worker import run_worker
from shared.db import create_db_engine
from shared.events.claims import ClaimReady
from shared.events.envelope import EventEnvelope
from shared.events.registry import to_envelopes
from shared.eventstore.migrations import upgrade
from shared.eventstore.sql import SqlEventStore
from testsupport.claim_events import claim_created, claim_scrub_failed

REPO = Path(__file__).resolve().parents[3]
WRAPPER = Path(__file__).with_name("submit_once.py")
ORG = "org-kafka"


@pytest.fixture(scope="module")
def store(postgres_url: str) -> Iterator[SqlEventStore]:
    upgrade(postgres_url)
    store = SqlEventStore(create_db_engine(postgres_url))
    prepare_database(store.engine)
    yield store
    store.engine.dispose()


def produce(bootstrap: str, topic: str, envelopes: Sequence[EventEnvelope]) -> None:
    """What the relay does: each event keyed by its stream."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    try:
        for e in envelopes:
            producer.send(topic, key=e.stream_id.encode(), value=e.model_dump_json().encode())
        producer.flush(timeout=30)
    finally:
        producer.close()


def intake_appends(store: SqlEventStore, claim_id: str, pcn: str, *, held: bool) -> None:
    events = [claim_created(claim_id, organization_id=ORG, patient_control_number=pcn)]
    if held:
        events.append(claim_scrub_failed(claim_id))
    store.append(
        claim_id,
        0,
        to_envelopes(
            events,
            expected_version=0,
            occurred_at=datetime(2026, 3, 11, 9, tzinfo=UTC),
            organization_id=ORG,
            producer="intake",
        ),
    )


def work(
    postgres_url: str, bootstrap: str, names: Sequence[str], topic: str, dlq: str, group: str
) -> None:
    settings = ClaimsSettings(database_url=postgres_url, kafka_bootstrap_servers=bootstrap)
    run_worker(
        names,
        settings,
        schedule=False,
        topics=[topic],
        group_id=group,
        dead_letter_topic=dlq,
        idle_polls_before_exit=4,
    )


def test_the_readiness_process_marks_clean_claims_ready_on_kafka_once(
    store: SqlEventStore, postgres_url: str, kafka_bootstrap_servers: str, new_topic
) -> None:
    topic, dlq = new_topic(partitions=3), new_topic(partitions=1)
    clean = [f"clm_kready_{n:02d}" for n in range(6)]
    intake_appends(store, "clm_kheld_00", "PCN-HELD", held=True)
    for n, claim_id in enumerate(clean):
        intake_appends(store, claim_id, f"PCN-K{n}", held=False)
    produce(kafka_bootstrap_servers, topic, store.read_all(limit=1000))

    group = f"claims-{uuid.uuid4().hex[:8]}"
    work(postgres_url, kafka_bootstrap_servers, ["claims.readiness"], topic, dlq, group)
    for claim_id in clean:
        stream = store.load(claim_id)
        assert [(e.type, e.producer) for e in stream] == [
            ("claim.created", "intake"),
            ("claim.ready", "claims"),
        ]
        assert stream[1].causation_id == stream[0].event_id
    assert [e.type for e in store.load("clm_kheld_00")] == ["claim.created", "claim.scrub_failed"]

    # Everything delivered again to a new group: the tracking rows make it a no-op.
    work(postgres_url, kafka_bootstrap_servers, ["claims.readiness"], topic, dlq, group + "-again")
    ready = Counter(e.stream_id for e in store.iter_all() if e.type == "claim.ready")
    assert ready == Counter({claim_id: 1 for claim_id in clean})

    # The relay publishes the new events; the claims index follows the topic.
    produce(kafka_bootstrap_servers, topic, store.read_all(limit=1000))
    work(postgres_url, kafka_bootstrap_servers, ["claims.index"], topic, dlq, group + "-index")
    with store.engine.connect() as conn:
        statuses = dict(
            conn.execute(
                sa.select(claims_index.c.claim_id, claims_index.c.status).where(
                    claims_index.c.organization_id == ORG
                )
            ).all()
        )
    assert {statuses[c] for c in clean} == {"ready"}
    assert statuses["clm_kheld_00"] == "held"


def submit(
    postgres_url: str, outbound: Path, crash_at: str | None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": postgres_url, "PYTHONPATH": str(REPO)}
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    args = [sys.executable, str(WRAPPER), "--outbound", str(outbound)]
    if crash_at:
        args += ["--crash-at", crash_at]
    return subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=180)


@pytest.mark.parametrize("crash_at", ["prepared", "sent"])
def test_submission_killed_between_file_and_events_neither_loses_nor_doubles_a_claim(
    store: SqlEventStore,
    postgres_url: str,
    kafka_bootstrap_servers: str,
    new_topic,
    tmp_path: Path,
    crash_at: str,
) -> None:
    ready_now(store, postgres_url, kafka_bootstrap_servers, new_topic, crash_at)
    with store.engine.connect() as conn:
        ready = set(
            conn.execute(
                sa.select(claims_index.c.claim_id).where(claims_index.c.status == "ready")
            ).scalars()
        )
    # The index lags the streams here (no relay runs): what is ready is what the streams say.
    ready = {c for c in ready if store.load(c)[-1].type == "claim.ready"}
    assert len(ready) >= 4
    before = Counter(e.stream_id for e in store.iter_all() if e.type == "claim.submitted")
    outbound = tmp_path / "outbound"

    crashed = submit(postgres_url, outbound, crash_at)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-3000:]
    submitted = Counter(e.stream_id for e in store.iter_all() if e.type == "claim.submitted")
    assert set(submitted - before) == ready, "the claims' events were committed with the batch"
    files = sorted(p for p in outbound.iterdir() if not p.name.startswith("."))
    assert len(files) == (1 if crash_at == "sent" else 0)

    finished = submit(postgres_url, outbound, None)
    assert finished.returncode == 0, finished.stderr[-3000:]
    report = json.loads(finished.stdout.strip().splitlines()[-1])
    assert report["submitted"] == 0, "nothing ready is left: nothing goes out again"
    assert len(report["recovered"]) == 1
    assert report["recovered"][0]["already_sent"] is (crash_at == "sent")
    files = sorted(p for p in outbound.iterdir() if not p.name.startswith("."))
    assert len(files) == 1, "one file, sent once"
    text = files[0].read_text()
    for claim_id in ready:
        pcn = store.load(claim_id)[0].data["claim"]["patient_control_number"]
        assert text.count(f"CLM*{pcn}*") == 1
    again = Counter(e.stream_id for e in store.iter_all() if e.type == "claim.submitted")
    assert again == submitted, "nothing submitted twice"


def ready_now(store: SqlEventStore, postgres_url: str, bootstrap: str, new_topic, tag: str) -> None:
    """Four clean claims created and marked ready, the claims index fed from a topic."""
    topic, dlq = new_topic(partitions=1), new_topic(partitions=1)
    appended = []
    for n in range(4):
        claim_id = f"clm_sub_{tag}_{n}"
        intake_appends(store, claim_id, f"PCN-{tag.upper()}-{n}", held=False)
        created = store.load(claim_id)[0]
        [ready] = to_envelopes(
            [
                ClaimReady(
                    claim_id=claim_id,
                    payer_id="87726",
                    total_charge=created.data["claim"]["total_charge"],
                )
            ],
            expected_version=1,
            occurred_at=datetime(2026, 3, 11, 9, tzinfo=UTC),
            organization_id=ORG,
            producer="claims",
        )
        store.append(claim_id, 1, [ready])
        appended += store.load(claim_id)
    produce(bootstrap, topic, appended)
    work(postgres_url, bootstrap, ["claims.index"], topic, dlq, f"index-{uuid.uuid4().hex[:8]}")


def test_the_next_payer_process_bills_the_secondary_on_kafka(
    store: SqlEventStore, postgres_url: str, kafka_bootstrap_servers: str, new_topic
) -> None:
    from shared.claim_model import OtherPayer, Relationship
    from shared.events.claim_snapshot import snapshot_v1
    from shared.events.claims import ClaimAccepted, ClaimCreated, ClaimSubmitted
    from shared.events.remittance import (
        Adjustment,
        AdjustmentEffect,
        AdjustmentGroup,
        ClaimPaid,
        LinePayment,
    )
    from testsupport.claims import _secondary_payer, _subscriber, professional_claim

    claim_id = "clm_kcob_01"
    medigap = OtherPayer(
        payer=_secondary_payer(),
        responsibility="S",
        subscriber=_subscriber(member_id="GCB0045512"),
        relationship=Relationship.SELF,
    )
    claim = professional_claim(patient_control_number="PCN-KCOB", other_payers=(medigap,))
    created = ClaimCreated(
        claim_id=claim_id,
        account_id=f"{ORG}:PCN-KCOB",
        organization_id=ORG,
        claim=snapshot_v1(claim.model_copy(update={"claim_id": claim_id, "organization_id": ORG})),
    )
    at = datetime(2026, 4, 2, 9, tzinfo=UTC)
    store.append(
        claim_id,
        0,
        to_envelopes(
            [created], expected_version=0, occurred_at=at, organization_id=ORG, producer="intake"
        ),
    )
    claims_events = [
        ClaimReady(claim_id=claim_id, payer_id="87726", total_charge=Decimal("145.00")),
        ClaimSubmitted(
            claim_id=claim_id,
            payer_id="87726",
            batch_id="bat-k1",
            interchange_control_number="000000901",
            total_charge=Decimal("145.00"),
        ),
        ClaimAccepted(claim_id=claim_id, payer_claim_number="ICN-K1", batch_id="bat-k1"),
    ]
    store.append(
        claim_id,
        1,
        to_envelopes(
            claims_events,
            expected_version=1,
            occurred_at=at,
            organization_id=ORG,
            producer="claims",
        ),
    )
    paid = ClaimPaid(
        claim_id=claim_id,
        remittance_id="rmt-k1",
        payer_id="87726",
        payer_claim_number="ICN-K1",
        claim_status_code="1",
        charge_amount=Decimal("145.00"),
        paid_amount=Decimal("100.00"),
        patient_responsibility=Decimal("20.00"),
        lines=(
            LinePayment(
                line_number=1,
                matched_by="position",
                procedure_code=claim.lines[0].procedure_code,
                charge=Decimal("145.00"),
                paid=Decimal("100.00"),
                adjustments=(
                    Adjustment(
                        group=AdjustmentGroup.CONTRACTUAL,
                        reason_code="45",
                        amount=Decimal("25.00"),
                        effect=AdjustmentEffect.CONTRACTUAL,
                    ),
                    Adjustment(
                        group=AdjustmentGroup.PATIENT_RESPONSIBILITY,
                        reason_code="2",
                        amount=Decimal("20.00"),
                        effect=AdjustmentEffect.PATIENT,
                    ),
                ),
            ),
        ),
        paid_on=date(2026, 4, 2),
    )
    [posted] = to_envelopes(
        [paid], expected_version=4, occurred_at=at, organization_id=ORG, producer="remit"
    )
    store.append(claim_id, 4, [posted])

    topic, dlq = new_topic(partitions=3), new_topic(partitions=1)
    produce(kafka_bootstrap_servers, topic, store.load(claim_id))
    group = f"next-{uuid.uuid4().hex[:8]}"
    work(postgres_url, kafka_bootstrap_servers, ["claims.next_payer"], topic, dlq, group)
    types = [e.type for e in store.load(claim_id)]
    assert types[-1] == "claim.secondary_created"
    secondary = store.load(f"{claim_id}-s")
    assert [e.type for e in secondary] == ["claim.secondary_opened"]
    opened = secondary[0].data["claim"]
    assert opened["payer"]["payer_id"] == _secondary_payer().payer_id
    [prior] = opened["other_payers"]
    assert Decimal(prior["paid_amount"]) == Decimal("100.00")
    assert secondary[0].causation_id == posted.event_id

    # Redelivered to a new group: nothing billed twice.
    work(postgres_url, kafka_bootstrap_servers, ["claims.next_payer"], topic, dlq, group + "-again")
    assert [e.type for e in store.load(claim_id)].count("claim.secondary_created") == 1
    assert len(store.load(f"{claim_id}-s")) == 1
