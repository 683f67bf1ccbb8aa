"""Fixtures of the API integration tests: the `pipeline` (support.Pipeline) on real servers."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from revcycle.embedded import build_embedded_app
from services.followup.config import FollowupSettings
from shared.config import BaseServiceSettings
from tests.integration.api.support import SECRET, Pipeline

# The organizations these tests send claims for (intake serves only those configured).
SERVED_ORGANIZATIONS = "st-elsewhere,acme,acme:north,bounds-org,schemathesis-org,phi-scan-org"


@pytest.fixture
def pipeline(
    postgres_url: str,
    kafka_bootstrap_servers: str,
    new_topic: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Pipeline]:
    monkeypatch.setenv("INTAKE_ORGANIZATIONS", SERVED_ORGANIZATIONS)
    settings = BaseServiceSettings(
        database_url=postgres_url,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        auth_jwt_secret=SECRET,
    )
    claims_topic, reporting_topic, dlq = new_topic(3), new_topic(1), new_topic(1)
    embedded = build_embedded_app(settings, run_subscriptions=False)
    followup = FollowupSettings.model_validate(
        {**settings.model_dump(), "claims_topic": claims_topic, "dead_letter_topic": dlq}
    )
    try:
        yield Pipeline(
            embedded=embedded,
            client=TestClient(embedded.app),
            kafka=kafka_bootstrap_servers,
            claims_topic=claims_topic,
            reporting_topic=reporting_topic,
            dead_letter_topic=dlq,
            followup=followup,
        )
    finally:
        embedded.engine.dispose()
