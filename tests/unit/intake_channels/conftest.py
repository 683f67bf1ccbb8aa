"""Fixtures of the intake channels' tests (FHIR, HL7 v2, eligibility) on the embedded path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from channel_helpers import ORG, SECRET, bearer  # type: ignore[import-not-found]
from fastapi.testclient import TestClient

from revcycle.embedded import EmbeddedApp, build_embedded_app
from shared.config import BaseServiceSettings


@pytest.fixture
def settings(tmp_path: Path) -> BaseServiceSettings:
    return BaseServiceSettings(
        data_dir=tmp_path,
        database_url="",
        kafka_bootstrap_servers="",
        auth_jwt_secret=SECRET,
        organization_id=ORG,
    )


@pytest.fixture
def embedded(settings: BaseServiceSettings) -> Iterator[EmbeddedApp]:
    app = build_embedded_app(settings, run_subscriptions=False)
    yield app
    app.engine.dispose()


@pytest.fixture
def client(embedded: EmbeddedApp) -> TestClient:
    return TestClient(embedded.app)


Headers = Callable[..., dict[str, str]]


@pytest.fixture
def auth() -> Headers:
    def _headers(**kwargs: Any) -> dict[str, str]:
        return {**bearer(**kwargs), "Content-Type": "application/fhir+json"}

    return _headers
