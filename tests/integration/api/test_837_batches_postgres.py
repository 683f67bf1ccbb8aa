"""837 batches on real PostgreSQL and Kafka (issue 11 points 2 and 7): a batch's claims are
created once, held ones with their findings, relayed to Kafka and projected for follow-up;
the same file sent again creates nothing new; its report reads back."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.api.support import Pipeline, bearer
from tests.unit.intake.test_837_batches import claim, dirty, file_837

pytestmark = pytest.mark.integration

X12 = {"Content-Type": "application/edi-x12"}


def test_a_batch_is_created_once_relayed_and_projected_and_a_retry_creates_nothing(
    pipeline: Pipeline,
) -> None:
    client = pipeline.client
    headers = {**bearer("st-elsewhere"), **X12}
    tag = uuid.uuid4().hex[:8].upper()  # the database may hold other runs' claims
    text = file_837(claim(f"B{tag}1"), dirty(f"B{tag}2"))

    first = client.post("/v1/batches/837", content=text, headers=headers)
    assert first.status_code == 201, first.text
    body = first.json()
    assert [c["status"] for c in body["claims"]] == ["created", "held"]
    assert "IK5*A~" in body["ack_999"]

    again = client.post("/v1/batches/837", content=text, headers=headers)
    assert again.status_code == 201, again.text
    assert [c["status"] for c in again.json()["claims"]] == ["duplicate", "duplicate"]
    assert [c["claim_id"] for c in again.json()["claims"]] == [
        c["claim_id"] for c in body["claims"]
    ]

    # claim.created twice, claim.scrub_failed once: nothing more for the retry.
    assert pipeline.relay() == 3
    stats = pipeline.project()
    assert all(s.dead_lettered == 0 for s in stats.values()), stats
    created, held = body["claims"]
    view = client.get(f"/v1/claims/{held['claim_id']}", headers=bearer("st-elsewhere"))
    assert view.status_code == 200, view.text
    assert view.json()["status"] == "held"
    clean = client.get(f"/v1/claims/{created['claim_id']}", headers=bearer("st-elsewhere"))
    assert clean.status_code == 200 and clean.json()["status"] != "held"

    later = client.get(f"/v1/batches/{body['batch_id']}", headers=bearer("st-elsewhere"))
    assert later.status_code == 200 and later.json() == body
