"""While the database is unreachable the API answers 503 with Retry-After, never a bare 500,
and serves again once it is back: a private PostgreSQL this test stops itself (never the
shared server)."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from devtools import LocalPostgres
from devtools.resolve import unavailable_action
from revcycle.embedded import build_embedded_app
from shared.auth import issue_token
from shared.config import BaseServiceSettings

SECRET = "outage-secret-0123456789abcdef0123456789abcdef"
CLAIM: dict[str, Any] = {
    "patient_control_number": "ACCT-503",
    "total_charge": "99.00",
    "payer": {"payer_id": "60054", "name": "Fictional Mutual Health"},
    "subscriber": {"last_name": "Testperson", "first_name": "Ada", "member_id": "ZZX000000001"},
    "lines": [{"line_number": 1, "procedure_code": "99212", "charge": "99.00"}],
}

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def private_postgres(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalPostgres]:
    monkeypatch.setenv("REVCYCLE_INFRA_DIR", str(tmp_path / "infra"))
    monkeypatch.setenv("REVCYCLE_POSTGRES_PORT", str(_free_port()))
    server = LocalPostgres(lambda _message: None)
    try:
        server.up()
    except Exception as exc:  # noqa: BLE001 - no PostgreSQL binaries here
        if unavailable_action(os.environ) == "fail":
            raise
        pytest.skip(f"cannot start a private PostgreSQL: {exc}")
    try:
        yield server
    finally:
        server.down()
        shutil.rmtree(server.root, ignore_errors=True)


def _headers() -> dict[str, str]:
    token = issue_token(
        subject="engine",
        organization_id="st-elsewhere",
        roles=["claims:write", "claims:read", "accounts:read"],
        secret=SECRET,
        now=datetime.now(UTC),
        lifetime=timedelta(minutes=10),
    )
    return {"Authorization": f"Bearer {token}"}


def test_the_api_answers_503_with_retry_after_while_postgres_is_down(
    private_postgres: LocalPostgres,
) -> None:
    settings = BaseServiceSettings(
        database_url=private_postgres.admin_url,
        kafka_bootstrap_servers="",
        auth_jwt_secret=SECRET,
        http_retry_after_seconds=7,
        organization_id="st-elsewhere",  # the organization intake serves
    )
    embedded = build_embedded_app(settings, run_subscriptions=False)
    client = TestClient(embedded.app)
    try:
        first = client.post("/v1/claims", json=CLAIM, headers=_headers())
        assert first.status_code == 201, first.text

        private_postgres.down()
        for response in (
            client.post("/v1/claims", json=CLAIM, headers=_headers()),
            client.get(first.json()["links"]["self"], headers=_headers()),
            client.get(first.json()["links"]["account"], headers=_headers()),
        ):
            assert response.status_code == 503, response.text
            assert response.headers["Retry-After"] == "7"
            assert "retry" in response.json()["detail"]

        private_postgres.up()
        again = client.post("/v1/claims", json=CLAIM, headers=_headers())
        assert again.status_code == 201, again.text
        # Two claims, each held by the scrubber (CLAIM has no billing provider), nothing lost.
        assert [e.type for e in embedded.store.read_all()] == [
            "claim.created",
            "claim.scrub_failed",
        ] * 2
    finally:
        embedded.engine.dispose()
