"""Per-claim continuity on real Kafka: versions 1, 3, 2 of one claim are applied 1, 2, 3.

The claims read model keeps each claim's status and stream version. Applied in arrival
order, 1 (created), 3 (accepted), 2 (submitted) would leave the claim "submitted" at
version 2; the consumer must hold 3 until 2 has been seen. A version that never comes
dead-letters the event after it with "gap".
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from consumer_helpers import ORG, produce, read_topic  # type: ignore[import-not-found]
from sqlalchemy.engine import Engine

from services.followup.bootstrap import consumer_for
from services.followup.config import FollowupSettings
from services.followup.projections import CLAIMS_PROJECTION
from services.followup.tables import claims
from shared.events.claims import ClaimAccepted, ClaimSubmitted
from shared.events.envelope import EventEnvelope
from shared.events.registry import to_envelope
from shared.messaging import tracking
from shared.messaging.consumer import H_ERROR, SubscriptionConsumer
from testsupport.events import claim_created

AT = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)


def lifecycle(claim_id: str) -> list[EventEnvelope]:
    """Versions 1 (created), 2 (submitted), 3 (accepted) of one claim."""
    created = claim_created(
        claim_id, organization_id=ORG, patient_control_number="PCN-132", charge="90.00"
    )
    submitted = ClaimSubmitted(
        claim_id=claim_id,
        payer_id="87726",
        batch_id="b-7",
        interchange_control_number="000000701",
        total_charge=Decimal("90.00"),
    )
    accepted = ClaimAccepted(claim_id=claim_id, payer_claim_number="PCN-9")
    later = [
        to_envelope(e, stream_version=v, occurred_at=AT, organization_id=ORG, producer="claims")
        for v, e in ((2, submitted), (3, accepted))
    ]
    return [created, *later]


def status(engine: Engine, claim_id: str) -> tuple[str, int] | None:
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(claims.c.status, claims.c.stream_version).where(claims.c.claim_id == claim_id)
        ).first()
    return (row[0], row[1]) if row else None


def poll_until(
    consumer: SubscriptionConsumer, done: Callable[[], bool], timeout_s: float = 60
) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, f"not done after {timeout_s} s: {consumer.stats}"
        consumer.poll_once()


def settings(postgres_url: str, bootstrap: str, gap_timeout_s: float) -> FollowupSettings:
    return FollowupSettings(
        database_url=postgres_url,
        kafka_bootstrap_servers=bootstrap,
        subscription_gap_timeout_s=gap_timeout_s,
    )


def test_versions_1_3_2_on_kafka_are_applied_as_1_2_3(
    engine: Engine, postgres_url: str, kafka_bootstrap_servers: str, new_topic
) -> None:
    topic, dlq = new_topic(partitions=1), new_topic(partitions=1)
    v1, v2, v3 = lifecycle("clm-132")
    other = claim_created("clm-other", organization_id=ORG, patient_control_number="P", charge="5")
    produce(kafka_bootstrap_servers, topic, [v1, v3, other])
    consumer = consumer_for(
        CLAIMS_PROJECTION,
        engine,
        settings(postgres_url, kafka_bootstrap_servers, gap_timeout_s=300),
        topics=[topic],
        group_id=f"continuity-{uuid.uuid4().hex[:8]}",
        dead_letter_topic=dlq,
    )
    consumer.open()
    try:
        poll_until(consumer, lambda: consumer.stats.applied >= 2)
        # Version 3 is waiting for 2; the other claim was not held up by it.
        assert status(engine, "clm-132") == ("created", 1)
        assert status(engine, "clm-other") == ("created", 1)
        assert consumer.stats.held == 1
        produce(kafka_bootstrap_servers, topic, [v2])
        poll_until(consumer, lambda: consumer.stats.applied >= 4)
    finally:
        consumer.close()
    assert status(engine, "clm-132") == ("accepted", 3)
    assert consumer.stats.dead_lettered == 0
    with engine.connect() as conn:
        assert tracking.count_held(conn, CLAIMS_PROJECTION) == 0
        assert tracking.count_applied(conn, CLAIMS_PROJECTION) == 4


def test_a_version_that_never_arrives_dead_letters_the_next_with_gap(
    engine: Engine, postgres_url: str, kafka_bootstrap_servers: str, new_topic
) -> None:
    topic, dlq = new_topic(partitions=1), new_topic(partitions=1)
    v1, _, v3 = lifecycle("clm-gap")
    produce(kafka_bootstrap_servers, topic, [v1, v3])
    consumer = consumer_for(
        CLAIMS_PROJECTION,
        engine,
        settings(postgres_url, kafka_bootstrap_servers, gap_timeout_s=1),
        topics=[topic],
        group_id=f"continuity-{uuid.uuid4().hex[:8]}",
        dead_letter_topic=dlq,
    )
    stats = consumer.run(idle_polls_before_exit=8)  # 8 empty polls: 4 s, past the 1 s timeout
    assert (stats.applied, stats.held, stats.dead_lettered) == (1, 1, 1)
    assert status(engine, "clm-gap") == ("created", 1)
    [letter] = read_topic(kafka_bootstrap_servers, dlq, expected=1)
    error = dict(letter.headers)[H_ERROR].decode()
    assert error.startswith("GapError: gap in stream clm-gap: version 3 arrived but version 2")
    value = json.loads(letter.value)
    assert (value["error_type"], value["source_topic"], value["offset"]) == ("GapError", topic, 1)
    assert json.loads(value["value"])["stream_version"] == 3
