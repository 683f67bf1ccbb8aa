"""The eligibility process as a Kafka worker on real Kafka and PostgreSQL.

The claim events are appended to PostgreSQL and put on a fresh topic as the relay would,
twice (a redelivery of everything); the worker's consumer sends one 270 per request and,
after the simulated payer's 271 is ingested, the claim carries its answer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from eligibility_helpers import (  # type: ignore[import-not-found]
    UNKNOWN_MEMBER,
    claim_for,
    create_requiring_eligibility,
    events_of,
    ingest,
    payer_answers,
)
from kafka import KafkaProducer  # type: ignore[import-untyped]

from revcycle.embedded import Embedded
from services.intake.eligibility.config import eligibility_settings
from services.intake.eligibility.worker import eligibility_consumer
from shared.config import BaseServiceSettings, KafkaSettings
from shared.events.eligibility import (
    ClaimEligibilityFailed,
    ClaimEligibilityVerifiedV2,
)
from shared.messaging.worker import run_consumers

pytestmark = pytest.mark.integration


def test_the_worker_checks_each_request_once_from_kafka(
    services: Embedded,
    settings: BaseServiceSettings,
    kafka_bootstrap_servers: str,
    new_topic: Callable[..., str],
    tmp_path: Path,
) -> None:
    topic, dead_letters = new_topic(3), new_topic(1)
    create_requiring_eligibility(services, "clm_kafka_ok", claim_for(pcn="K-1"))
    create_requiring_eligibility(services, "clm_kafka_unknown", claim_for(UNKNOWN_MEMBER, "K-2"))
    envelopes = services.store.read_all(limit=100)
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap_servers, acks="all")
    try:
        for envelope in [*envelopes, *envelopes]:  # everything delivered twice
            value = envelope.model_dump_json().encode()
            producer.send(topic, key=envelope.stream_id.encode(), value=value)
        producer.flush(timeout=30)
    finally:
        producer.close()

    kafka = KafkaSettings(
        database_url=settings.database_url, kafka_bootstrap_servers=kafka_bootstrap_servers
    )
    consumer = eligibility_consumer(
        services.engine,
        eligibility_settings(settings),
        kafka,
        topics=[topic],
        group_id=f"{topic}.eligibility",
        dead_letter_topic=dead_letters,
    )
    (stats,) = run_consumers([consumer], idle_polls_before_exit=6, handle_signals=False).values()
    assert stats.dead_lettered == 0

    outbound = settings.data_dir / "exchange" / "outbound"
    assert len(list(outbound.glob("*.270"))) == 2
    for answer in payer_answers(outbound, tmp_path / "answers"):
        ingest(services, answer)
    verified = events_of(services, "clm_kafka_ok")[-1]
    assert isinstance(verified, ClaimEligibilityVerifiedV2) and verified.coverage_active
    failed = events_of(services, "clm_kafka_unknown")[-1]
    assert isinstance(failed, ClaimEligibilityFailed)
    assert [p.code for p in failed.problems] == ["75"]
