"""The first process end to end on the embedded default: a clean claim becomes ready by itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from revcycle.embedded import EmbeddedApp, build_embedded_app
from shared.auth import ROLE_CLAIMS_READ, ROLE_CLAIMS_WRITE, issue_token
from shared.config import BaseServiceSettings
from testsupport.claims import professional_claim


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[EmbeddedApp, TestClient, dict[str, str]]]:
    settings = BaseServiceSettings(data_dir=tmp_path, organization_id="org-a")
    embedded = build_embedded_app(settings, run_subscriptions=True)
    token = issue_token(
        subject="biller-1",
        organization_id="org-a",
        roles=[ROLE_CLAIMS_WRITE, ROLE_CLAIMS_READ],
        secret=settings.auth_jwt_secret,
    )
    with TestClient(embedded.app) as client:
        yield embedded, client, {"Authorization": f"Bearer {token}"}
    embedded.embedded.close()


def test_a_clean_claim_is_ready_when_the_post_answers(
    served: tuple[EmbeddedApp, TestClient, dict[str, str]],
) -> None:
    embedded, client, headers = served
    body = professional_claim().model_dump(mode="json", exclude={"claim_id", "organization_id"})
    answer = client.post("/v1/claims", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    claim_id = answer.json()["claim_id"]
    # The write settled before answering: the claims process has already reacted.
    stream = embedded.store.load(claim_id)
    assert [(e.type, e.producer) for e in stream] == [
        ("claim.created", "intake"),
        ("claim.ready", "claims"),
    ]
    assert stream[1].causation_id == stream[0].event_id
    # ... and the read model too.
    read = client.get(f"/v1/claims/{claim_id}", headers=headers)
    assert read.status_code == 200 and read.json()["status"] == "ready"


def test_settling_again_appends_nothing(
    served: tuple[EmbeddedApp, TestClient, dict[str, str]],
) -> None:
    embedded, client, headers = served
    body = professional_claim().model_dump(mode="json", exclude={"claim_id", "organization_id"})
    claim_id = client.post("/v1/claims", json=body, headers=headers).json()["claim_id"]
    embedded.embedded.settle()
    embedded.embedded.settle()
    assert [e.type for e in embedded.store.load(claim_id)] == ["claim.created", "claim.ready"]


def test_the_claim_read_tells_its_story_event_by_event(
    served: tuple[EmbeddedApp, TestClient, dict[str, str]],
) -> None:
    _, client, headers = served
    body = professional_claim().model_dump(mode="json", exclude={"claim_id", "organization_id"})
    claim_id = client.post("/v1/claims", json=body, headers=headers).json()["claim_id"]
    claim = client.get(f"/v1/claims/{claim_id}", headers=headers).json()
    assert [(t["version"], t["type"], t["producer"]) for t in claim["timeline"]] == [
        (1, "claim.created", "intake"),
        (2, "claim.ready", "claims"),
    ]
    charge = body["total_charge"]
    assert claim["money"]["charge"] == charge and claim["money"]["insurance_balance"] == charge
    assert claim["money"]["paid"] == "0.00"
