"""Remit in distributed mode on real Kafka and PostgreSQL: its claim index is fed from the
claim-events topic by its own consumer, then an 835 posts to the claims it indexed.

The claims' events are in the store (as intake and claims appended them) and on a topic
(as the relay published them); remit's `remit.claim_index` consumer applies them once and
commits its offsets after the database; the 835 is then posted against that index.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from kafka import KafkaProducer

from services.remit.audit import audit_ledger
from services.remit.bootstrap import bootstrap, consumer_for
from services.remit.config import RemitSettings
from services.remit.handlers import RemitDeps, post_remittance_file
from services.remit.projections import CLAIM_INDEX_PROJECTION
from shared.db import create_db_engine
from shared.events.claim_snapshot_v2 import snapshot_v2
from shared.events.claims import ClaimCreated, ClaimSubmitted
from shared.events.envelope import EventEnvelope
from shared.events.patient_account import patient_account_id
from shared.events.registry import to_envelopes
from testsupport.claims import random_professional_claims
from testsupport.remit import x12_835
from testsupport.remittances import claim_payment, remittance

AT = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
CLAIMS = 12


@pytest.fixture
def deps(postgres_url: str, kafka_bootstrap_servers: str) -> Iterator[RemitDeps]:
    settings = RemitSettings(
        database_url=postgres_url, kafka_bootstrap_servers=kafka_bootstrap_servers
    )
    engine = create_db_engine(postgres_url)
    try:
        yield bootstrap(settings, engine=engine, clock=lambda: AT)
    finally:
        engine.dispose()


def _claims_in_store(deps: RemitDeps, organization: str) -> list[EventEnvelope]:
    claims = list(random_professional_claims(CLAIMS, seed=31))
    with deps.store.transaction() as conn:
        for claim in claims:
            claim_id = f"clm_{uuid.uuid4().hex}"
            created = ClaimCreated(
                claim_id=claim_id,
                account_id=patient_account_id(organization, claim.patient_control_number),
                organization_id=organization,
                claim=snapshot_v2(claim),
            )
            submitted = ClaimSubmitted(
                claim_id=claim_id,
                payer_id=claim.payer.payer_id,
                batch_id="bat_kafka",
                interchange_control_number="000000101",
                total_charge=claim.total_charge,
            )
            envelopes = to_envelopes(
                [created],
                expected_version=0,
                occurred_at=AT,
                organization_id=organization,
                producer="intake",
            ) + to_envelopes(
                [submitted],
                expected_version=1,
                occurred_at=AT,
                organization_id=organization,
                producer="claims",
            )
            deps.store.append_in(conn, claim_id, 0, envelopes)
    return [e for e in deps.store.iter_all() if e.organization_id == organization]


def test_the_claim_index_consumed_from_kafka_lets_an_835_post_every_claim(
    deps: RemitDeps, kafka_bootstrap_servers: str, new_topic, tmp_path
) -> None:
    organization = f"org-{uuid.uuid4().hex[:10]}"
    envelopes = _claims_in_store(deps, organization)
    topic, dlq = new_topic(partitions=3), new_topic(partitions=1)
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap_servers, acks="all")
    try:
        for e in envelopes:
            producer.send(topic, key=e.stream_id.encode(), value=e.model_dump_json().encode())
        producer.flush(timeout=30)
    finally:
        producer.close()

    consumer = consumer_for(
        CLAIM_INDEX_PROJECTION,
        deps.engine,
        deps.settings,
        topics=[topic],
        group_id=f"remit-{uuid.uuid4().hex[:8]}",
        dead_letter_topic=dlq,
    )
    stats = consumer.run(idle_polls_before_exit=4)
    assert stats.applied == len(envelopes) == 2 * CLAIMS

    claims = list(random_professional_claims(CLAIMS, seed=31))
    path = tmp_path / "kafka.835"
    path.write_text(x12_835(remittance([claim_payment(c) for c in claims], trace_number="KAFKA1")))
    report = post_remittance_file(deps, path, organization_id=organization, submitted_by="tests")
    assert report.ok and report.counts() == {"posted": CLAIMS}, report.to_dict()
    paid = [
        e
        for e in deps.store.iter_all()
        if e.organization_id == organization and e.type == "claim.paid"
    ]
    assert len({e.stream_id for e in paid}) == len(paid) == CLAIMS
    assert all(e.producer == "remit" for e in paid)
    result = audit_ledger(deps.store)
    assert result.ok, result.first_difference
