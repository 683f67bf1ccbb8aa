"""Every new claim is scrubbed: a dirty one is held with its findings; PUT corrects it before
submission; the payer's configuration asks for eligibility; bad input never ends in a 5xx.
(Embedded path: one SQLite file, the all-in-one app.)"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from revcycle.embedded import EmbeddedApp, build_embedded_app
from shared.config import BaseServiceSettings
from shared.events import to_envelope
from shared.events.claims import ClaimSubmitted
from tests.unit.intake.conftest import TokenFactory

BodyFactory = Callable[..., dict[str, Any]]


def types(embedded: EmbeddedApp, claim_id: str) -> list[str]:
    return [e.type for e in embedded.store.load(claim_id)]


def dirty(claim_body: BodyFactory) -> dict[str, Any]:
    """A claim a payer would reject: the billing provider's NPI fails its check digit."""
    body = claim_body()
    body["billing_provider"] = {**body["billing_provider"], "npi": "1234567890"}
    return body


def test_a_claim_with_errors_is_created_held_and_answered_with_its_findings(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    response = client.post("/v1/claims", json=dirty(claim_body), headers=auth())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "held"
    [finding] = [f for f in body["findings"] if f["severity"] == "error"]
    assert finding["field"] == "billing_provider.npi" and finding["code"].startswith("PV")

    created, held = embedded.store.load(body["claim_id"])
    assert (created.type, held.type) == ("claim.created", "claim.scrub_failed")
    assert created.event_id != held.event_id and held.submitted_by == "biller-7"
    assert [f["code"] for f in held.data["findings"]] == [f["code"] for f in body["findings"]]

    embedded.project()  # the claims process leaves a held claim alone; the view shows why
    view = client.get(body["links"]["self"], headers=auth()).json()
    assert view["status"] == "held"
    assert [f["field"] for f in view["findings"]] == ["billing_provider.npi"]
    assert types(embedded, body["claim_id"]) == ["claim.created", "claim.scrub_failed"]


def test_a_clean_claim_goes_on_to_ready_and_intake_appends_nothing_more(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    claim_id = client.post("/v1/claims", json=claim_body(), headers=auth()).json()["claim_id"]
    embedded.project()
    recorded = embedded.store.load(claim_id)
    assert [(e.type, e.producer) for e in recorded] == [
        ("claim.created", "intake"),
        ("claim.ready", "claims"),
    ]
    assert recorded[1].submitted_by is None  # a reaction to an event: nobody asked


def test_put_with_the_corrected_claim_amends_it_and_it_goes_on_to_ready(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    held = client.post("/v1/claims", json=dirty(claim_body), headers=auth()).json()
    embedded.project()
    corrected = {**claim_body(), "reason": "billing NPI corrected"}
    response = client.put(held["links"]["self"], json=corrected, headers=auth(subject="lead-2"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["findings"], body["claim_id"]) == ("amended", [], held["claim_id"])
    embedded.project()
    recorded = embedded.store.load(held["claim_id"])
    assert [e.type for e in recorded] == [
        "claim.created",
        "claim.scrub_failed",
        "claim.amended",
        "claim.ready",
    ]
    assert (recorded[2].version, recorded[2].submitted_by) == (2, "lead-2")
    assert recorded[2].data["reason"] == "billing NPI corrected"
    view = client.get(held["links"]["self"], headers=auth()).json()
    assert view["status"] == "ready" and view["findings"] == []


def test_a_correction_that_is_still_dirty_is_held_again_with_the_new_findings(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    held = client.post("/v1/claims", json=dirty(claim_body), headers=auth()).json()
    still = dirty(claim_body)
    still["lines"][0] = {**still["lines"][0], "procedure_code": "ABCDE"}
    response = client.put(held["links"]["self"], json=still, headers=auth())
    assert response.status_code == 200 and response.json()["status"] == "held"
    embedded.project()
    assert types(embedded, held["claim_id"]) == [
        "claim.created",
        "claim.scrub_failed",
        "claim.amended",
        "claim.scrub_failed",
    ]
    view = client.get(held["links"]["self"], headers=auth()).json()
    assert view["status"] == "held"
    assert "lines[0].procedure_code" in {f["field"] for f in view["findings"]}


def test_a_claim_already_submitted_is_refused_with_409_naming_its_state(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    created = client.post("/v1/claims", json=claim_body(), headers=auth()).json()
    embedded.project()  # ready
    submitted = ClaimSubmitted(
        claim_id=created["claim_id"],
        payer_id="60054",
        batch_id="bat-1",
        interchange_control_number="000000101",
        total_charge=Decimal("250.00"),
    )
    envelope = to_envelope(
        submitted,
        stream_version=3,
        occurred_at=datetime.now(UTC),
        organization_id="st-elsewhere",
        producer="claims",
    )
    embedded.store.append(created["claim_id"], 2, [envelope])
    response = client.put(created["links"]["self"], json=claim_body(), headers=auth())
    assert response.status_code == 409
    assert response.json()["status"] == "submitted"
    detail = response.json()["detail"]
    assert "submitted" in detail and f"POST /v1/claims/{created['claim_id']}/corrections" in detail
    assert types(embedded, created["claim_id"]) == [
        "claim.created",
        "claim.ready",
        "claim.submitted",
    ]


def test_put_on_an_unknown_or_another_organizations_claim_is_404(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    created = client.post("/v1/claims", json=claim_body(), headers=auth()).json()
    stranger = client.put(
        created["links"]["self"], json=claim_body(), headers=auth(org="county-general")
    )
    unknown = client.put("/v1/claims/clm_0000", json=claim_body(), headers=auth())
    assert (stranger.status_code, unknown.status_code) == (404, 404)
    assert stranger.json() == unknown.json() == {"detail": "claim not found"}
    assert types(embedded, created["claim_id"]) == ["claim.created"]


def test_a_put_replayed_with_its_idempotency_key_amends_once(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    created = client.post("/v1/claims", json=dirty(claim_body), headers=auth()).json()
    key = {"Idempotency-Key": "fix-npi-1"}
    first = client.put(created["links"]["self"], json=claim_body(), headers=auth(**key))
    again = client.put(created["links"]["self"], json=claim_body(), headers=auth(**key))
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert types(embedded, created["claim_id"]).count("claim.amended") == 1
    # The same key on a new claim is another request: refused, naming the header.
    other = client.post("/v1/claims", json=claim_body(), headers=auth(**key))
    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]


# -- organizations and payers -------------------------------------------------------------------


def test_a_token_for_an_organization_intake_does_not_serve_is_403_naming_it(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    response = client.post("/v1/claims", json=claim_body(), headers=auth(org="unknown-clinic"))
    assert response.status_code == 403
    assert "'unknown-clinic' is not served" in response.json()["detail"]
    assert embedded.store.read_all() == []
    # Refused before the body is judged: an invalid body from it is 403 as well.
    assert client.post("/v1/claims", json={}, headers=auth(org="unknown-clinic")).status_code == 403


@pytest.fixture
def configured(
    settings: BaseServiceSettings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[EmbeddedApp]:
    """Intake configured from a file: a second organization, and one payer asking for a 270."""
    config = tmp_path / "intake.yaml"
    config.write_text(
        "version: 1\n"
        "organizations:\n"
        "  - id: county-general\n"
        "    name: County General Hospital\n"
        "payers:\n"
        "  - name: Fictional Mutual Health\n"
        "    match: {payer_id: ['60054']}\n"
        "    eligibility: required\n"
    )
    monkeypatch.setenv("INTAKE_CONFIG_PATH", str(config))
    app = build_embedded_app(settings, run_subscriptions=False)
    yield app
    app.engine.dispose()


def test_a_payer_that_requires_eligibility_gets_a_270_request_with_the_claim(
    configured: EmbeddedApp, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    client = TestClient(configured.app)
    body = client.post("/v1/claims", json=claim_body(), headers=auth(org="county-general")).json()
    assert body["status"] == "created" and body["eligibility_requested"] is True
    recorded = configured.store.load(body["claim_id"])
    assert [e.type for e in recorded] == ["claim.created", "claim.eligibility_requested"]
    assert recorded[1].data["payer_id"] == "60054"
    assert recorded[1].data["member_id"] == "ZZX000000001"


def test_a_payer_nobody_configured_is_accepted_with_the_defaults(
    configured: EmbeddedApp, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    client = TestClient(configured.app)
    other_payer = claim_body(payer={"payer_id": "99999", "name": "Nobody Configured Me Inc"})
    response = client.post("/v1/claims", json=other_payer, headers=auth())
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["eligibility_requested"]) == (
        "created",
        False,
    )


def test_a_broken_intake_configuration_stops_start_up_naming_its_line(
    settings: BaseServiceSettings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from services.intake.configuration import IntakeConfigError

    config = tmp_path / "intake.yaml"
    config.write_text(
        "version: 1\npayers:\n  - name: X\n"
        "    match: {payer_id: ['1']}\n    eligibility: sometimes\n"
    )
    monkeypatch.setenv("INTAKE_CONFIG_PATH", str(config))
    with pytest.raises(IntakeConfigError, match="line 5: payers.0.eligibility"):
        build_embedded_app(settings, run_subscriptions=False)


# -- bad input -----------------------------------------------------------------------------------


def test_malformed_json_is_422_naming_where_it_broke(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory
) -> None:
    response = client.post(
        "/v1/claims",
        content=b'{"patient_control_number": "A1", "total_charge": ',
        headers={**auth(), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["type"] == "json_invalid" and error["loc"][0] == "body"
    assert embedded.store.read_all() == []


def test_every_failing_field_is_named_at_once(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    body = claim_body(total_charge="12.345", kind="dental")
    body["lines"][1] = {**body["lines"][1], "charge": "ten dollars"}
    body["subscriber"] = {**body["subscriber"], "birth_date": "1980-02-30"}
    body["present_on_admission"] = ["Y", "N"]  # two indicators for one diagnosis
    response = client.post("/v1/claims", json=body, headers=auth())
    assert response.status_code == 422
    paths = {tuple(e["loc"]) for e in response.json()["detail"]}
    assert {
        ("body", "total_charge"),
        ("body", "kind"),
        ("body", "lines", 1, "charge"),
        ("body", "subscriber", "birth_date"),
        ("body", "present_on_admission"),
    } <= paths
    assert embedded.store.read_all() == []
