"""The thin claim slice through the API on the embedded path: intake, projection, reads, auth."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from revcycle.embedded import EmbeddedApp
from shared.auth import audit_log

TokenFactory = Callable[..., dict[str, str]]
BodyFactory = Callable[..., dict[str, Any]]


def _events(embedded: EmbeddedApp) -> list[str]:
    return [e.type for e in embedded.store.read_all()]


def test_a_posted_claim_is_created_and_shows_in_claims_and_balances(
    client: TestClient,
    embedded: EmbeddedApp,
    auth: TokenFactory,
    claim_body: BodyFactory,
) -> None:
    response = client.post("/v1/claims", json=claim_body(), headers=auth())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["claim_id"].startswith("clm_")
    assert body["account_id"] == "st-elsewhere:ACCT-1001"
    assert response.headers["Location"] == body["links"]["self"]

    [event] = embedded.store.read_all()
    # A clean claim: its claim.created is followed by nothing else from intake.
    assert (event.type, event.version, event.stream_id) == ("claim.created", 3, body["claim_id"])
    assert event.submitted_by == "biller-7"  # the token's subject, in the envelope
    assert body["status"] == "created" and body["findings"] == []
    assert event.organization_id == "st-elsewhere"
    assert event.data["claim"]["claim_id"] == body["claim_id"]

    embedded.project()
    claim = client.get(body["links"]["self"], headers=auth()).json()
    assert claim["status"] == "ready"  # clean: the claims process marked it ready
    assert claim["total_charge"] == "250.00"
    assert claim["payer"] == {"payer_id": "60054", "name": "Fictional Mutual Health"}
    assert [(ln["procedure_code"], ln["charge"]) for ln in claim["lines"]] == [
        ("99214", "180.00"),
        ("36415", "70.00"),
    ]
    account = client.get(body["links"]["account"], headers=auth()).json()
    assert account["charges"] == "250.00"
    assert account["insurance_ar"] == "250.00"
    assert account["patient_ar"] == "0.00"
    assert account["balance"] == "250.00"
    assert account["claim_ids"] == [body["claim_id"]]


def test_two_claims_on_one_account_add_up_to_the_cent(
    client: TestClient,
    embedded: EmbeddedApp,
    auth: TokenFactory,
    claim_body: BodyFactory,
) -> None:
    first = claim_body(
        total_charge="0.10", lines=[{"line_number": 1, "procedure_code": "A", "charge": "0.10"}]
    )
    second = claim_body(
        total_charge="0.20", lines=[{"line_number": 1, "procedure_code": "B", "charge": "0.20"}]
    )
    links = [
        client.post("/v1/claims", json=b, headers=auth()).json()["links"] for b in (first, second)
    ]
    embedded.project()
    account = client.get(links[0]["account"], headers=auth()).json()
    assert account["charges"] == "0.30"  # a float column would say 0.30000000000000004
    assert account["claim_count"] == 2


def test_without_a_valid_token_the_api_answers_401(
    client: TestClient,
    auth: TokenFactory,
    claim_body: BodyFactory,
) -> None:
    assert client.post("/v1/claims", json=claim_body()).status_code == 401
    assert client.get("/v1/claims/clm_x").status_code == 401
    garbage = {"Authorization": "Bearer not-a-jwt"}
    assert client.post("/v1/claims", json=claim_body(), headers=garbage).status_code == 401
    expired = auth(lifetime=timedelta(minutes=-5))
    response = client.post("/v1/claims", json=claim_body(), headers=expired)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    forged = auth(secret="some-other-secret-0123456789abcdef0123")
    assert client.get("/v1/accounts/x", headers=forged).status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_token_without_the_role_gets_403(
    client: TestClient,
    embedded: EmbeddedApp,
    auth: TokenFactory,
    claim_body: BodyFactory,
) -> None:
    reader = auth(roles=("claims:read",))
    response = client.post("/v1/claims", json=claim_body(), headers=reader)
    assert response.status_code == 403
    assert _events(embedded) == []
    writer_only = auth(roles=("claims:write",))
    assert client.get("/v1/claims/clm_x", headers=writer_only).status_code == 403
    assert client.get("/v1/accounts/x", headers=writer_only).status_code == 403


def test_another_organizations_claim_and_account_are_404_and_audited(
    client: TestClient,
    embedded: EmbeddedApp,
    auth: TokenFactory,
    claim_body: BodyFactory,
) -> None:
    created = client.post("/v1/claims", json=claim_body(), headers=auth()).json()
    embedded.project()
    stranger = auth(org="county-general", subject="nosy-1")
    assert client.get(created["links"]["self"], headers=stranger).status_code == 404
    assert client.get(created["links"]["account"], headers=stranger).status_code == 404
    assert client.get("/v1/claims/clm_unknown", headers=auth()).status_code == 404
    assert client.get(created["links"]["self"], headers=auth()).status_code == 200

    with embedded.engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                audit_log.c.subject,
                audit_log.c.organization_id,
                audit_log.c.resource_type,
                audit_log.c.resource_id,
                audit_log.c.outcome,
            ).order_by(audit_log.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("nosy-1", "county-general", "claim", created["claim_id"], "not_found"),
        ("nosy-1", "county-general", "account", created["account_id"], "not_found"),
        ("biller-7", "st-elsewhere", "claim", "clm_unknown", "not_found"),
        ("biller-7", "st-elsewhere", "claim", created["claim_id"], "ok"),
    ]


def test_invalid_claims_get_422_naming_the_field_and_append_nothing(
    client: TestClient,
    embedded: EmbeddedApp,
    auth: TokenFactory,
    claim_body: BodyFactory,
) -> None:
    body = claim_body()
    del body["payer"]
    response = client.post("/v1/claims", json=body, headers=auth())
    assert response.status_code == 422
    assert ["body", "payer"] in [e["loc"] for e in response.json()["detail"]]

    bad_money = claim_body(
        lines=[{"line_number": 1, "procedure_code": "99213", "charge": "twelve"}]
    )
    response = client.post("/v1/claims", json=bad_money, headers=auth())
    assert response.status_code == 422
    assert ["body", "lines", 0, "charge"] in [e["loc"] for e in response.json()["detail"]]

    no_lines = claim_body(lines=[])
    response = client.post("/v1/claims", json=no_lines, headers=auth())
    assert response.status_code == 422
    assert ["body", "lines"] in [e["loc"] for e in response.json()["detail"]]

    other_org = claim_body(organization_id="county-general")
    response = client.post("/v1/claims", json=other_org, headers=auth())
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "organization_id"]
    assert _events(embedded) == []


def test_an_idempotency_key_replay_returns_the_first_answer_and_appends_nothing(
    client: TestClient,
    embedded: EmbeddedApp,
    auth: TokenFactory,
    claim_body: BodyFactory,
) -> None:
    headers = auth(**{"Idempotency-Key": "batch-77-claim-3"})
    first = client.post("/v1/claims", json=claim_body(), headers=headers)
    again = client.post("/v1/claims", json=claim_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.text == first.text  # byte for byte, not just equal JSON
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _events(embedded) == ["claim.created"]


def test_an_idempotency_key_reused_with_another_body_is_422(
    client: TestClient,
    embedded: EmbeddedApp,
    auth: TokenFactory,
    claim_body: BodyFactory,
) -> None:
    headers = auth(**{"Idempotency-Key": "batch-77-claim-3"})
    assert client.post("/v1/claims", json=claim_body(), headers=headers).status_code == 201
    changed = claim_body(patient_control_number="ACCT-2002")
    response = client.post("/v1/claims", json=changed, headers=headers)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["header", "Idempotency-Key"]
    assert "different request body" in error["msg"]
    assert _events(embedded) == ["claim.created"]


def test_idempotency_keys_are_scoped_to_the_organization(
    client: TestClient,
    embedded: EmbeddedApp,
    auth: TokenFactory,
    claim_body: BodyFactory,
) -> None:
    key = {"Idempotency-Key": "k-1"}
    a = client.post("/v1/claims", json=claim_body(), headers=auth(**key)).json()
    b = client.post("/v1/claims", json=claim_body(), headers=auth(org="county-general", **key))
    assert b.status_code == 201
    assert b.json()["claim_id"] != a["claim_id"]


def test_a_duplicate_submission_without_a_key_is_a_new_claim(
    client: TestClient,
    embedded: EmbeddedApp,
    auth: TokenFactory,
    claim_body: BodyFactory,
) -> None:
    a = client.post("/v1/claims", json=claim_body(), headers=auth()).json()
    b = client.post("/v1/claims", json=claim_body(), headers=auth()).json()
    assert a["claim_id"] != b["claim_id"]
    assert _events(embedded) == ["claim.created", "claim.created"]


def test_the_served_app_projects_in_the_background(
    settings: Any, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    import time

    from revcycle.embedded import build_embedded_app

    served = build_embedded_app(settings, run_subscriptions=True)
    try:
        with TestClient(served.app) as client:  # the context runs the lifespan: runner on
            created = client.post("/v1/claims", json=claim_body(), headers=auth()).json()
            deadline = time.monotonic() + 10
            status = 404
            while status == 404 and time.monotonic() < deadline:
                time.sleep(0.05)
                status = client.get(created["links"]["self"], headers=auth()).status_code
            assert status == 200
    finally:
        served.engine.dispose()


def test_a_client_chosen_claim_id_is_refused_naming_client_reference(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    response = client.post("/v1/claims", json=claim_body(claim_id="ENGINE-000123"), headers=auth())
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "claim_id"]
    assert "client_reference" in error["msg"]
    assert _events(embedded) == []


def test_a_client_reference_is_kept_unique_per_organization_and_leads_to_the_claim(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    body = claim_body(client_reference="ENGINE/000123")
    first = client.post("/v1/claims", json=body, headers=auth())
    assert first.status_code == 201, first.text
    created = first.json()
    assert created["client_reference"] == "ENGINE/000123"
    assert created["claim_id"].startswith("clm_")

    again = client.post("/v1/claims", json=body, headers=auth())
    assert again.status_code == 409
    assert created["claim_id"] in again.json()["detail"]  # the caller's own claim: no secret

    # Another organization using the same reference just gets its own claim: nothing tells
    # it that the reference exists elsewhere.
    stranger = client.post("/v1/claims", json=body, headers=auth(org="county-general"))
    assert stranger.status_code == 201
    assert stranger.json()["claim_id"] != created["claim_id"]

    found = client.get("/v1/client-references/ENGINE%2F000123", headers=auth())
    assert found.status_code == 200, found.text
    assert found.json()["claim_id"] == created["claim_id"]
    embedded.project()
    assert client.get(found.json()["links"]["self"], headers=auth()).status_code == 200
    unknown = client.get("/v1/client-references/NOPE-1", headers=auth())
    assert unknown.status_code == 404
    intake_events = [e.type for e in embedded.store.read_all() if e.producer == "intake"]
    assert intake_events == ["claim.created", "claim.created"]
