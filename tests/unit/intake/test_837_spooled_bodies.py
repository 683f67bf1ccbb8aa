"""`POST /v1/batches/837` takes files larger than the app's body limit (issue 11 point 2).

The body is spooled to a temporary file as it arrives, counted against
`INTAKE_BATCH_MAX_BYTES` (413 naming it past the limit, declared or streamed), while every
other route keeps the app-wide limit. A file up to `INTAKE_BATCH_SYNC_BYTES` is answered
in the request (201); a larger one is answered 202 with `Location` and read on a
background thread, `GET /v1/batches/{id}` showing its progress, then its report. Limits
here are small so the files stay small: app 4 KiB, batch 64 KiB, answered within 16 KiB.
(Embedded path: one SQLite file, the all-in-one app.)
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from revcycle.embedded import EmbeddedApp, build_embedded_app
from services.intake import batches
from shared.config import BaseServiceSettings
from tests.unit.intake.conftest import SECRET, TokenFactory, make_claim_body
from tests.unit.intake.test_837_batches import X12, claim, file_837

APP_LIMIT, BATCH_LIMIT, SYNC_LIMIT = 4_096, 65_536, 16_384


@pytest.fixture
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmbeddedApp]:
    monkeypatch.setenv("INTAKE_ORGANIZATIONS", "county-general")
    monkeypatch.setenv("INTAKE_BATCH_MAX_BYTES", str(BATCH_LIMIT))
    monkeypatch.setenv("INTAKE_BATCH_SYNC_BYTES", str(SYNC_LIMIT))
    settings = BaseServiceSettings(
        data_dir=tmp_path,
        database_url="",
        kafka_bootstrap_servers="",
        auth_jwt_secret=SECRET,
        organization_id="st-elsewhere",
        http_max_body_bytes=APP_LIMIT,
    )
    app = build_embedded_app(settings, run_subscriptions=False)
    yield app
    app.engine.dispose()


def a_file(claims: int, prefix: str = "ACCT-7") -> str:
    return file_837(*(claim(f"{prefix}{n:03d}") for n in range(claims)))


def post(client: TestClient, auth: TokenFactory, body: Any) -> Any:
    return client.post("/v1/batches/837", content=body, headers=auth(**X12))


def wait_for_report(client: TestClient, auth: TokenFactory, batch_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        answer = client.get(f"/v1/batches/{batch_id}", headers=auth())
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        if body.get("status") != "processing":
            return body
        assert time.monotonic() < deadline, f"still processing: {body}"
        time.sleep(0.1)


def test_a_batch_over_the_app_wide_limit_is_taken_while_other_routes_keep_it(
    small: EmbeddedApp, auth: TokenFactory
) -> None:
    client = TestClient(small.app)
    text = a_file(20)
    assert APP_LIMIT < len(text) <= SYNC_LIMIT
    answer = post(client, auth, text)
    assert answer.status_code == 201, answer.text
    assert answer.json()["counts"] == {"created": 20, "held": 0, "duplicate": 0, "rejected": 0}
    # Before: 413 at the app's 4 KiB. Every other route still refuses a body over it.
    big = make_claim_body(client_reference="x" * 100)
    big["lines"] = [
        {"line_number": i, "procedure_code": "99214", "charge": "1.00", "ndc": "0" * 48}
        for i in range(1, 40)
    ]
    assert client.post("/v1/claims", json=big, headers=auth()).status_code == 413


def test_a_batch_over_its_own_limit_is_413_naming_it_declared_or_streamed(
    small: EmbeddedApp, auth: TokenFactory
) -> None:
    client = TestClient(small.app)
    text = a_file(1)
    oversized = (text + " " * BATCH_LIMIT).encode()
    declared = post(client, auth, oversized)
    assert declared.status_code == 413
    assert str(BATCH_LIMIT) in declared.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        for start in range(0, len(oversized), 8_192):
            yield oversized[start : start + 8_192]

    streamed = post(client, auth, chunks())
    assert streamed.status_code == 413
    assert str(BATCH_LIMIT) in streamed.json()["detail"]
    assert small.store.read_all() == []
    blank = post(client, auth, b" \n" * 10)
    assert blank.status_code == 400 and "empty" in blank.json()["detail"]


def test_a_file_over_the_answer_limit_is_202_and_read_in_the_background(
    small: EmbeddedApp, auth: TokenFactory
) -> None:
    client = TestClient(small.app)
    text = a_file(60)
    assert SYNC_LIMIT < len(text) <= BATCH_LIMIT
    answer = post(client, auth, text)
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert answer.headers["Location"] == f"/v1/batches/{job['batch_id']}"
    assert (job["status"], job["bytes"], job["claims_done"]) == ("processing", len(text), 0)
    # Another organization sees no such batch, while it is read and after.
    other = client.get(answer.headers["Location"], headers=auth(org="county-general"))
    assert other.status_code == 404
    report = wait_for_report(client, auth, job["batch_id"])
    assert report["batch_id"] == job["batch_id"]
    assert report["ack_999"].startswith("ISA*") and "IK5*A~" in report["ack_999"]
    assert report["counts"] == {"created": 60, "held": 0, "duplicate": 0, "rejected": 0}
    created = [e for e in small.store.read_all() if e.type == "claim.created"]
    assert len(created) == 60
    assert {e.data["source_reference"] for e in created} == {job["batch_id"]}
    # The temporary file is gone; sent again, the file creates nothing new.
    again = wait_for_report(client, auth, post(client, auth, text).json()["batch_id"])
    assert again["counts"]["duplicate"] == 60


def test_a_background_file_without_an_interchange_header_is_refused_naming_why(
    small: EmbeddedApp, auth: TokenFactory
) -> None:
    client = TestClient(small.app)
    headless = "~".join(a_file(60).split("~")[1:])  # no ISA: nobody to address a 999 to
    answer = post(client, auth, headless)
    assert answer.status_code == 202, answer.text
    job = wait_for_report(client, auth, answer.json()["batch_id"])
    assert job["status"] == "refused"
    assert "ISA" in job["detail"]
    assert small.store.read_all() == []


def test_spooling_keeps_memory_flat_whatever_the_size(tmp_path: Path) -> None:
    chunk = b"ISA*" + b"x" * 65_532

    async def body(size: int) -> AsyncIterator[bytes]:
        for _ in range(size // len(chunk)):
            yield chunk

    def peak(size: int) -> int:
        tracemalloc.start()
        try:
            spooled = asyncio.run(batches.spool(body(size), limit=1 << 30, directory=tmp_path))
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            assert spooled.size == size // len(chunk) * len(chunk) and not spooled.blank
            assert spooled.path.stat().st_size == spooled.size
            spooled.discard()

    small, large = peak(1 << 20), peak(16 << 20)
    # Reading the body whole would add 15 MB here; spooled, the peak is a chunk or two.
    assert large - small < 1 << 20, (small, large)
    assert large < 4 << 20
