"""Submission groups ready claims into 837 files within the set limit, with unique persisted
control numbers, and routes a payer no one configured by its payer id (embedded default)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from revcycle.embedded import EmbeddedApp, build_embedded_app
from shared.auth import ROLE_CLAIMS_READ, ROLE_CLAIMS_WRITE, issue_token
from shared.config import BaseServiceSettings
from shared.x12.pyx12_judge import judge
from testsupport.claims import _payer, professional_claim

ORG = "org-a"


@pytest.fixture
def served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[EmbeddedApp, TestClient, dict[str, str]]]:
    monkeypatch.setenv("CLAIMS_MAX_CLAIMS_PER_SET", "2")
    settings = BaseServiceSettings(data_dir=tmp_path, organization_id=ORG)
    embedded = build_embedded_app(settings, run_subscriptions=True)
    token = issue_token(
        subject="biller-1",
        organization_id=ORG,
        roles=[ROLE_CLAIMS_WRITE, ROLE_CLAIMS_READ],
        secret=settings.auth_jwt_secret,
    )
    with TestClient(embedded.app) as client:
        yield embedded, client, {"Authorization": f"Bearer {token}"}
    embedded.embedded.close()


def _post(client: TestClient, headers: dict[str, str], pcn: str, payer_id: str) -> str:
    payer = _payer().model_copy(update={"payer_id": payer_id, "name": f"Payer {payer_id}"})
    body = professional_claim(patient_control_number=pcn, payer=payer).model_dump(
        mode="json", exclude={"claim_id", "organization_id"}
    )
    answer = client.post("/v1/claims", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["claim_id"])


def _segments(text: str) -> list[str]:
    return [s.strip() for s in text.split("~") if s.strip()]


def test_ready_claims_are_grouped_by_payer_within_the_set_limit_with_unique_numbers(
    served: tuple[EmbeddedApp, TestClient, dict[str, str]], tmp_path: Path
) -> None:
    embedded, client, headers = served
    for n in range(3):
        _post(client, headers, f"PCN-A{n}", "87726")
    for n in range(2):
        _post(client, headers, f"PCN-U{n}", "ZZ123")  # configured nowhere
    run = client.post("/v1/submissions", headers=headers).json()
    assert run["submitted"] == 5
    by_payer = sorted((b["payer_id"], b["claims"]) for b in run["batches"])
    assert by_payer == [("87726", 1), ("87726", 2), ("ZZ123", 2)]
    outbound = tmp_path / "exchange" / "outbound"
    texts = [(outbound / b["file"]).read_text() for b in run["batches"]]
    for text in texts:
        verdict = judge(text)
        assert verdict.ok, verdict
        assert sum(s.startswith("CLM*") for s in _segments(text)) <= 2
    numbers = [(b["interchange_control_number"], b["group_control_number"]) for b in run["batches"]]
    assert len({isa for isa, _ in numbers}) == 3 and len(set(numbers)) == 3
    [unconfigured] = [
        t for t, b in zip(texts, run["batches"], strict=True) if b["payer_id"] == "ZZ123"
    ]
    segments = _segments(unconfigured)
    assert any(s.startswith("NM1*PR*2*Payer ZZ123*****PI*ZZ123") for s in segments)
    assert segments[0].split("*")[8].strip() == "CLEARINGHOUSE", "the default receiver"

    # Control numbers are persisted: a later run continues after the earlier ones.
    _post(client, headers, "PCN-A9", "87726")
    [later] = client.post("/v1/submissions", headers=headers).json()["batches"]
    assert int(later["interchange_control_number"]) > max(int(isa) for isa, _ in numbers)
