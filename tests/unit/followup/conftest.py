"""The office fixture of the follow-up tests: the embedded app (SQLite) with stand-in producers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from revcycle.embedded import EmbeddedApp, build_embedded_app
from shared.config import BaseServiceSettings
from testsupport.followup import StandIns

ORG = "org-riverbend"


@pytest.fixture
def office(tmp_path: Path) -> Iterator[tuple[EmbeddedApp, TestClient, StandIns]]:
    settings = BaseServiceSettings(data_dir=tmp_path, organization_id=ORG)
    built = build_embedded_app(settings, run_subscriptions=False)
    events = StandIns(built.store, ORG, settle=built.project)
    with TestClient(built.app) as client:
        yield built, client, events
    built.embedded.close()
