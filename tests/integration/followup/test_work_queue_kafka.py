"""An outside vendor works follow-up's queues from Kafka and answers through the API.

On real PostgreSQL and Kafka: the office's morning (stand-in events as intake, claims and
remit append them) runs through the follow-up subscriptions, which open work items; the
outbox relay publishes them on `revcycle.work-queue.v1`; an independent consumer (the
vendor) reads the opened items with their claim, amount at stake, deadline and priority,
resolves one through `POST /v1/work-items/{id}/resolve`, and the resolution and the item's
closing arrive on the topic after it; the reporting copy of the same items carries no
account number.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from kafka import KafkaConsumer, TopicPartition

from revcycle.embedded import EmbeddedApp, build_embedded_app
from shared.auth import ROLE_ACCOUNTS_READ, ROLE_CLAIMS_READ, issue_token
from shared.config import BaseServiceSettings
from shared.events.topics import ALL_TOPICS, REPORTING_EVENTS, WORK_QUEUE
from shared.messaging.kafka import delete_topics, ensure_topics, make_producer, topic_name
from shared.messaging.relay import Relay, RelayConfig
from testsupport.followup import StandIns, office_morning

ORG = "org-riverbend"
SECRET = "work-queue-kafka-test-secret-0123456789abcdef"
KEY = b"work-queue-kafka-test-pseudonym-key-0123456789"


@pytest.fixture
def prefix(kafka_bootstrap_servers: str) -> Iterator[str]:
    p = f"test.workq.{uuid.uuid4().hex[:8]}."
    ensure_topics(kafka_bootstrap_servers, partitions=3, prefix=p)
    yield p
    delete_topics(kafka_bootstrap_servers, [topic_name(t, p) for t in ALL_TOPICS])


@pytest.fixture
def office(postgres_url: str, tmp_path: Path) -> Iterator[EmbeddedApp]:
    settings = BaseServiceSettings(
        data_dir=tmp_path, database_url=postgres_url, organization_id=ORG, auth_jwt_secret=SECRET
    )
    built = build_embedded_app(settings, run_subscriptions=False)
    yield built
    built.embedded.close()


def read(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=3000,
    )
    try:
        partitions = [
            TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        return [json.loads(record.value) for record in consumer]
    finally:
        consumer.close()


def test_a_vendor_reads_the_work_queue_topic_and_answers_through_the_api(
    office: EmbeddedApp, prefix: str, kafka_bootstrap_servers: str
) -> None:
    events = StandIns(office.store, ORG, settle=office.project)
    office_morning(events, datetime.now(UTC).date())
    office.project()
    producer = make_producer(kafka_bootstrap_servers)
    relay = Relay(
        office.store,
        producer,
        RelayConfig(
            topic_names={t.name: topic_name(t, prefix) for t in ALL_TOPICS}, pseudonym_key=KEY
        ),
    )
    try:
        assert relay.run_once() > 0
        work_topic = topic_name(WORK_QUEUE, prefix)
        opened = [
            e for e in read(kafka_bootstrap_servers, work_topic) if e["type"] == "work_item.opened"
        ]
        by_queue = {e["data"]["queue"]: e for e in opened}
        assert {"held", "rejections", "denials.authorization", "underpayments"} <= set(by_queue)
        rejection = by_queue["rejections"]
        assert rejection["data"]["claim_id"] == "clm-b"
        assert Decimal(rejection["data"]["amount_at_stake"]) == Decimal("145.00")
        assert Decimal(rejection["data"]["priority"]) == Decimal("72.50")  # 145.00 x 0.50
        assert rejection["data"]["deadline"]
        assert rejection["stream_id"] == rejection["data"]["item_id"]

        vendor = {
            "Authorization": "Bearer "
            + issue_token(
                subject="vendor-acme",
                organization_id=ORG,
                roles=[ROLE_CLAIMS_READ, ROLE_ACCOUNTS_READ, "followup:work"],
                secret=SECRET,
            )
        }
        with TestClient(office.app) as client:
            item_id = rejection["data"]["item_id"]
            answered = client.post(
                f"/v1/work-items/{item_id}/resolve",
                json={"outcome": "corrected", "note": "member id corrected by the vendor"},
                headers=vendor,
            )
            assert answered.status_code == 200, answered.text
        office.project()
        relay.run_once()
        stream = [
            e["type"]
            for e in read(kafka_bootstrap_servers, work_topic)
            if e["stream_id"] == item_id
        ]
        assert stream == ["work_item.opened", "work_item.resolved"]
        resolved = next(
            e
            for e in read(kafka_bootstrap_servers, work_topic)
            if e["type"] == "work_item.resolved" and e["stream_id"] == item_id
        )
        assert (
            resolved["data"]["outcome"] == "corrected" and resolved["data"]["by"] == "vendor-acme"
        )

        reporting = read(kafka_bootstrap_servers, topic_name(REPORTING_EVENTS, prefix))
        public = [e for e in reporting if e["type"].startswith("work_item.")]
        assert len(public) >= len(opened) + 1
        assert all(f"{ORG}:PCN-" not in json.dumps(e) for e in public)
    finally:
        producer.close()
