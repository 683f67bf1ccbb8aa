"""The thin slice, distributed: POST a claim -> event store (PostgreSQL) -> relay -> Kafka ->
follow-up consumers -> GET the claim and the account balance. Real servers, no mocks."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from services.followup import bootstrap as followup_bootstrap
from services.followup.config import FollowupSettings
from services.followup.projections import PROJECTIONS
from services.intake import bootstrap as intake_bootstrap
from services.intake.config import IntakeSettings
from shared.auth import issue_token
from shared.db import create_db_engine
from shared.events.topics import CLAIM_EVENTS, REPORTING_EVENTS
from shared.eventstore.sql import SqlEventStore
from shared.messaging.kafka import make_producer
from shared.messaging.relay import Relay, RelayConfig

SECRET = "e2e-secret-0123456789abcdef0123456789abcdef"
ORG = "st-elsewhere"


def _headers(org: str = ORG, **extra: str) -> dict[str, str]:
    token = issue_token(
        subject="integration-engine",
        organization_id=org,
        roles=["claims:write", "claims:read", "accounts:read"],
        secret=SECRET,
        now=datetime.now(UTC),
        lifetime=timedelta(minutes=10),
    )
    return {"Authorization": f"Bearer {token}", **extra}


_SERVED = (datetime.now(UTC).date() - timedelta(days=7)).isoformat()
_ADDRESS = {"line1": "12 Elm Street", "city": "Tampa", "state": "FL", "postal_code": "336021234"}
CLAIM: dict[str, Any] = {  # clean: the scrubber passes it, so it goes on to ready
    "patient_control_number": "ACCT-7001",
    "total_charge": "412.35",
    "place_of_service": "23",
    "billing_provider": {
        "npi": "1234567893",
        "organization_name": "Fictional Emergency Physicians",
        "tax_id": "591234567",
        "address": _ADDRESS,
    },
    "payer": {"payer_id": "60054", "name": "Fictional Mutual Health"},
    "subscriber": {
        "last_name": "Testperson",
        "first_name": "Ada",
        "member_id": "ZZX000000001",
        "birth_date": "1980-02-03",
        "sex": "F",
        "address": _ADDRESS,
    },
    "diagnoses": ["J06.9"],
    "lines": [
        {"line_number": 1, "procedure_code": "99284", "charge": "380.00", "service_date": _SERVED},
        {"line_number": 2, "procedure_code": "87880", "charge": "32.35", "service_date": _SERVED},
    ],
}


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_db_engine(postgres_url)
    yield engine
    engine.dispose()


def test_a_posted_claim_reaches_the_followup_api_through_relay_and_kafka(
    engine: Engine, postgres_url: str, kafka_bootstrap_servers: str, new_topic: Any
) -> None:
    claims_topic, reporting_topic, dlq = new_topic(3), new_topic(1), new_topic(1)
    common = {
        "database_url": postgres_url,
        "kafka_bootstrap_servers": kafka_bootstrap_servers,
        "auth_jwt_secret": SECRET,
        "organization_id": ORG,
    }
    intake = TestClient(intake_bootstrap.create_app(IntakeSettings(**common)))
    followup_settings = FollowupSettings(**common, claims_topic=claims_topic, dead_letter_topic=dlq)
    followup = TestClient(followup_bootstrap.create_app(followup_settings))

    # 1. Intake: an integration engine posts, then retries with the same Idempotency-Key.
    key = {"Idempotency-Key": f"engine-batch-{uuid.uuid4()}"}
    assert intake.post("/v1/claims", json=CLAIM).status_code == 401
    first = intake.post("/v1/claims", json=CLAIM, headers=_headers(**key))
    retry = intake.post("/v1/claims", json=CLAIM, headers=_headers(**key))
    assert first.status_code == retry.status_code == 201, first.text
    assert retry.json() == first.json()
    created = first.json()
    store = SqlEventStore(engine)
    assert [e.type for e in store.read_all()] == ["claim.created"]

    # 2. Relay: the outbox table to Kafka.
    producer = make_producer(kafka_bootstrap_servers)
    try:
        relay = Relay(
            store,
            producer,
            RelayConfig(
                name=f"e2e-{uuid.uuid4().hex[:8]}",
                topic_names={
                    CLAIM_EVENTS.name: claims_topic,
                    REPORTING_EVENTS.name: reporting_topic,
                },
            ),
        )
        assert relay.run_once() == 1
    finally:
        producer.close()

    # 3. Follow-up consumers: both projections, each its own consumer group.
    group = f"e2e-{uuid.uuid4().hex[:8]}"
    for name in PROJECTIONS:
        consumer = followup_bootstrap.consumer_for(
            name, engine, followup_settings, group_id=f"{group}.{name}"
        )
        stats = consumer.run(idle_polls_before_exit=3)
        assert (stats.applied, stats.dead_lettered) == (1, 0), name

    # 4. Reads through the follow-up API.
    claim = followup.get(created["links"]["self"], headers=_headers())
    assert claim.status_code == 200, claim.text
    assert claim.json()["status"] == "created"
    assert claim.json()["total_charge"] == "412.35"
    account = followup.get(created["links"]["account"], headers=_headers())
    assert account.status_code == 200, account.text
    assert account.json()["charges"] == "412.35"
    assert account.json()["insurance_ar"] == "412.35"
    assert account.json()["claim_ids"] == [created["claim_id"]]
    assert followup.get(created["links"]["self"]).status_code == 401
    assert followup.get(created["links"]["self"], headers=_headers(org="other")).status_code == 404
