"""Idempotency-Key under concurrency, through the API on PostgreSQL: racing retries of one
request create exactly one claim and all get the first answer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.engine import Engine

from services.intake import bootstrap as intake_bootstrap
from services.intake.config import IntakeSettings
from shared.auth import issue_token
from shared.db import create_db_engine
from shared.eventstore.sql import SqlEventStore

SECRET = "e2e-secret-0123456789abcdef0123456789abcdef"
CLAIM = {
    "patient_control_number": "ACCT-9001",
    "total_charge": "99.00",
    "payer": {"payer_id": "60054", "name": "Fictional Mutual Health"},
    "subscriber": {"last_name": "Testperson", "first_name": "Ada", "member_id": "ZZX000000001"},
    "lines": [{"line_number": 1, "procedure_code": "99212", "charge": "99.00"}],
}


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_db_engine(postgres_url)
    yield engine
    engine.dispose()


def test_racing_retries_with_one_key_create_one_claim_and_share_its_answer(
    engine: Engine, postgres_url: str
) -> None:
    app = intake_bootstrap.create_app(
        IntakeSettings(
            database_url=postgres_url, auth_jwt_secret=SECRET, organization_id="st-elsewhere"
        )
    )
    client = TestClient(app)
    token = issue_token(
        subject="engine",
        organization_id="st-elsewhere",
        roles=["claims:write"],
        secret=SECRET,
        now=datetime.now(UTC),
        lifetime=timedelta(minutes=5),
    )
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "retry-storm-1"}
    barrier = threading.Barrier(8)
    responses: list[Response] = []

    def post() -> None:
        barrier.wait()
        responses.append(client.post("/v1/claims", json=CLAIM, headers=headers))

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
    assert len({r.text for r in responses}) == 1
    assert sum("Idempotent-Replayed" not in r.headers for r in responses) == 1
    # One claim (held: CLAIM lacks what a payer needs, e.g. a billing provider).
    assert [e.type for e in SqlEventStore(engine).read_all()] == [
        "claim.created",
        "claim.scrub_failed",
    ]

    changed = {**CLAIM, "patient_control_number": "ACCT-9002"}
    reused = client.post("/v1/claims", json=changed, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
