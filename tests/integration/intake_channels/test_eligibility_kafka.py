"""The eligibility process as a Kafka worker on real Kafka and PostgreSQL.

The claim events are appended to PostgreSQL and put on a fresh topic as the relay would,
twice (a redelivery of everything); the worker's consumer sends one 270 per request and,
after the simulated payer's 271 is ingested, the claim carries its answer.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kafka import KafkaProducer  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).parents[2] / "unit" / "intake_channels"))

from channel_helpers import SECRET  # type: ignore[import-not-found]  # noqa: E402
from eligibility_helpers import (  # type: ignore[import-not-found]  # noqa: E402
    UNKNOWN_MEMBER,
    claim_for,
    create_requiring_eligibility,
    events_of,
    ingest,
    payer_answers,
)

from revcycle.embedded import Embedded, build_embedded_app  # noqa: E402
from services.intake.eligibility.config import eligibility_settings  # noqa: E402
from services.intake.eligibility.worker import eligibility_consumer  # noqa: E402
from shared.config import BaseServiceSettings, KafkaSettings  # noqa: E402
from shared.events.eligibility import (  # noqa: E402
    ClaimEligibilityFailed,
    ClaimEligibilityVerifiedV2,
)
from shared.messaging.worker import run_consumers  # noqa: E402

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(postgres_url: str, tmp_path: Path) -> BaseServiceSettings:
    return BaseServiceSettings(
        data_dir=tmp_path,
        database_url=postgres_url,
        kafka_bootstrap_servers="",
        auth_jwt_secret=SECRET,
    )


@pytest.fixture
def services(settings: BaseServiceSettings) -> Iterator[Embedded]:
    app = build_embedded_app(settings, run_subscriptions=False)
    yield app.embedded
    app.engine.dispose()


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
