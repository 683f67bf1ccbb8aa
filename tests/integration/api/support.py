"""The API on real PostgreSQL with the distributed spine behind it: relay to Kafka, follow-up
consumers from Kafka back into PostgreSQL. One helper so every API integration test drives
the same pipeline a deployment runs (the `pipeline` fixture is in conftest.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from revcycle.embedded import EmbeddedApp
from services.followup import bootstrap as followup_bootstrap
from services.followup.config import FollowupSettings
from services.followup.projections import PROJECTIONS
from services.followup.queue_projection import WORK_QUEUES_PROJECTION
from shared.auth import issue_token
from shared.events.topics import CLAIM_EVENTS, REPORTING_EVENTS
from shared.messaging.kafka import make_producer
from shared.messaging.relay import Relay, RelayConfig

SECRET = "api-integration-secret-0123456789abcdef0123"
ALL_ROLES = ("claims:write", "claims:read", "accounts:read")
# The remit service's roles (remittances, deposits, fee schedules), so its routes are reached.
ALL_ROLES += ("remittances:write", "remittances:read", "contracts:write", "contracts:read")


def bearer(org: str = "st-elsewhere", subject: str = "integration-engine") -> dict[str, str]:
    token = issue_token(
        subject=subject,
        organization_id=org,
        roles=ALL_ROLES,
        secret=SECRET,
        now=datetime.now(UTC),
        lifetime=timedelta(hours=1),
    )
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Pipeline:
    """API (intake + follow-up) on PostgreSQL; `relay()` and `project()` move events along."""

    embedded: EmbeddedApp
    client: TestClient
    kafka: str
    claims_topic: str
    reporting_topic: str
    dead_letter_topic: str
    followup: FollowupSettings
    group: str = field(default_factory=lambda: f"api-it-{uuid.uuid4().hex[:8]}")
    relay_name: str = field(default_factory=lambda: f"api-it-{uuid.uuid4().hex[:8]}")

    def relay(self) -> int:
        """Publish every committed event not yet on Kafka; returns how many."""
        producer = make_producer(self.kafka)
        try:
            relay = Relay(
                self.embedded.store,
                producer,
                RelayConfig(
                    name=self.relay_name,
                    topic_names={
                        CLAIM_EVENTS.name: self.claims_topic,
                        REPORTING_EVENTS.name: self.reporting_topic,
                    },
                ),
            )
            total = 0
            while (published := relay.run_once()) > 0:
                total += published
            return total
        finally:
            producer.close()

    def project(self) -> dict[str, Any]:
        """Run each follow-up projection that reads claim events until the topic is drained
        (the work-queue projection reads work_item.* only: nothing here for it)."""
        stats = {}
        for name in PROJECTIONS:
            if name == WORK_QUEUES_PROJECTION:
                continue
            consumer = followup_bootstrap.consumer_for(
                name,
                self.embedded.engine,
                self.followup,
                topics=[self.claims_topic],
                group_id=f"{self.group}.{name}",
                dead_letter_topic=self.dead_letter_topic,
            )
            stats[name] = consumer.run(idle_polls_before_exit=3)
        return stats
