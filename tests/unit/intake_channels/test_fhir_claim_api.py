"""POST /fhir/Claim and POST /fhir: R4 claims from a hospital's FHIR server (embedded path)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from channel_helpers import ORG, bearer, fhir_example, fhir_text  # type: ignore[import-not-found]
from fastapi.testclient import TestClient

from revcycle.embedded import EmbeddedApp
from shared.auth import audit_log
from shared.events.claim_snapshot import claim_from_snapshot
from shared.events.claims import ClaimChannel, ClaimCreated
from shared.events.registry import decode

FHIR = {"Content-Type": "application/fhir+json"}


def _created(embedded: EmbeddedApp) -> list[ClaimCreated]:
    events = [decode(e) for e in embedded.store.read_all() if e.type == "claim.created"]
    return [e for e in events if isinstance(e, ClaimCreated)]


def _expressions(response: Any) -> set[str]:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome", body
    return {e for issue in body["issue"] for e in issue.get("expression", [])}


def test_a_professional_r4_claim_is_created_and_read_back_as_received(
    client: TestClient, embedded: EmbeddedApp
) -> None:
    response = client.post(
        "/fhir/Claim", content=fhir_text("claim-professional.json"), headers={**bearer(), **FHIR}
    )
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    [created] = _created(embedded)
    assert response.headers["Location"] == f"/fhir/Claim/{created.claim_id}"
    assert created.source is ClaimChannel.FHIR
    claim = claim_from_snapshot(created.claim)
    assert claim.patient_control_number == "PCN-100150"
    assert claim.total_charge == Decimal("167.35")
    assert claim.diagnoses == ("J029", "R509")
    first, second = claim.lines
    assert (first.procedure_code, first.modifiers, first.diagnosis_pointers) == (
        "99213",
        ("25",),
        (1, 2),
    )
    assert (first.place_of_service, str(first.service_date)) == ("11", "2026-10-14")
    assert second.charge == Decimal("32.35") and second.diagnosis_pointers == (1,)
    assert claim.place_of_service == "11"
    assert claim.billing_provider is not None and claim.billing_provider.npi == "1234567893"
    assert claim.billing_provider.tax_id == "123456789"
    assert claim.rendering_provider is not None and claim.rendering_provider.npi == "1987654328"
    assert (claim.payer.payer_id, claim.subscriber.member_id) == ("60054", "ZZX000000001")
    assert claim.subscriber.group_number == "GRP-4410"
    assert claim.prior_authorization == "AUTH-7781"

    read = client.get(response.headers["Location"], headers=bearer())
    assert read.status_code == 200, read.text
    sent = json.loads(fhir_text("claim-professional.json"), parse_float=Decimal)
    stored = json.loads(read.text, parse_float=Decimal)
    assert stored["id"] == created.claim_id
    assert {k: v for k, v in stored.items() if k != "id"} == {
        k: v for k, v in sent.items() if k != "id"
    }
    assert '"value":135.00' in read.text  # the sender's digits, never through a float
    assert json.loads(response.text)["id"] == created.claim_id


def test_an_institutional_r4_claim_maps_its_hospital_fields(
    client: TestClient, embedded: EmbeddedApp
) -> None:
    response = client.post(
        "/fhir/Claim", content=fhir_text("claim-institutional.json"), headers={**bearer(), **FHIR}
    )
    assert response.status_code == 201, response.text
    [created] = _created(embedded)
    claim = claim_from_snapshot(created.claim)
    assert claim.kind.value == "institutional"
    assert (claim.type_of_bill, claim.admission_type, claim.admission_source) == ("0111", "1", "7")
    assert claim.discharge_status == "01" and str(claim.admission_date) == "2026-09-02"
    assert claim.diagnoses == ("J189", "E119") and claim.admitting_diagnosis == "R0602"
    assert claim.drg == "194"
    assert (str(claim.statement_from), str(claim.statement_to)) == ("2026-09-02", "2026-09-05")
    assert claim.payer.claim_filing_indicator == "MA"  # Source of Payment 1: Medicare, Part A
    assert claim.attending_provider is not None and claim.attending_provider.npi == "1765432103"
    room, drug, lab = claim.lines
    assert (room.revenue_code, room.procedure_code, room.units) == ("0120", None, Decimal("3"))
    assert (str(room.service_date), str(room.service_date_end)) == ("2026-09-02", "2026-09-04")
    assert (drug.revenue_code, drug.procedure_code) == ("0250", "J0696")
    assert (lab.revenue_code, lab.procedure_code, lab.charge) == ("0300", "85025", Decimal("96.00"))
    [secondary] = claim.other_payers
    assert (secondary.payer.payer_id, secondary.responsibility) == ("GAP77", "S")


def _bundle() -> dict[str, Any]:
    claim = fhir_example("claim-professional.json")
    contained = {r["id"]: r for r in claim.pop("contained")}
    for resource in contained.values():
        resource.pop("id")
    urls = {
        name: f"urn:uuid:00000000-0000-4000-8000-00000000000{i}"
        for i, name in enumerate(["patient", "payer", "coverage", "billing", "rendering"], 1)
    }
    text = json.dumps(claim, default=str)
    for name, url in urls.items():
        text = text.replace(f'"#{name}"', f'"{url}"')
    coverage = json.dumps(contained["coverage"])
    for name, url in urls.items():
        coverage = coverage.replace(f'"#{name}"', f'"{url}"')
    contained["coverage"] = json.loads(coverage)
    entries = [
        {
            "fullUrl": urls[name],
            "resource": contained[name],
            "request": {"method": "POST", "url": contained[name]["resourceType"]},
        }
        for name in urls
    ]
    entries.append(
        {
            "fullUrl": "urn:uuid:00000000-0000-4000-8000-0000000000ff",
            "resource": json.loads(text),
            "request": {"method": "POST", "url": "Claim"},
        }
    )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def test_a_transaction_bundle_resolves_the_claims_references_among_its_entries(
    client: TestClient, embedded: EmbeddedApp
) -> None:
    response = client.post("/fhir", content=json.dumps(_bundle()), headers={**bearer(), **FHIR})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "transaction-response"
    [created] = _created(embedded)
    statuses = [e["response"]["status"] for e in body["entry"]]
    assert statuses == ["200 OK"] * 5 + ["201 Created"]
    assert body["entry"][-1]["response"]["location"] == f"Claim/{created.claim_id}"
    claim = claim_from_snapshot(created.claim)
    assert claim.subscriber.member_id == "ZZX000000001"
    assert claim.billing_provider is not None and claim.billing_provider.npi == "1234567893"
    assert client.get(f"/fhir/Claim/{created.claim_id}", headers=bearer()).status_code == 200


def test_a_transaction_with_one_bad_claim_creates_none_of_its_claims(
    client: TestClient, embedded: EmbeddedApp
) -> None:
    bundle = _bundle()
    good = bundle["entry"][-1]
    bad = json.loads(json.dumps(good))
    bad["fullUrl"] = "urn:uuid:00000000-0000-4000-8000-0000000000fe"
    bad["resource"]["patient"] = {"reference": "urn:uuid:nowhere"}
    bundle["entry"].append(bad)
    response = client.post("/fhir", content=json.dumps(bundle), headers={**bearer(), **FHIR})
    assert response.status_code == 422, response.text
    assert "Bundle.entry[6].resource.patient.reference" in _expressions(response)
    assert _created(embedded) == []


def test_malformed_json_is_a_400_operation_outcome(
    client: TestClient, embedded: EmbeddedApp
) -> None:
    response = client.post(
        "/fhir/Claim", content=b'{"resourceType": "Claim",', headers={**bearer(), **FHIR}
    )
    assert response.status_code == 400
    assert response.json()["issue"][0]["code"] == "structure"
    assert "line 1" in response.json()["issue"][0]["diagnostics"]
    assert _created(embedded) == []


def test_invalid_fhir_names_every_failing_path(client: TestClient, embedded: EmbeddedApp) -> None:
    claim = fhir_example("claim-professional.json")
    del claim["status"]
    claim["use"] = "bill"
    claim["created"] = "2026-13-40"
    del claim["insurance"][0]["sequence"]
    claim["item"][0]["net"]["value"] = "lots"
    claim["item"][1]["colour"] = "blue"
    claim["contained"][0]["gender"] = "robot"
    claim["contained"].append({"resourceType": "Spaceship", "id": "x"})
    del claim["diagnosis"][1]["diagnosisCodeableConcept"]
    response = client.post(
        "/fhir/Claim", content=json.dumps(claim, default=str), headers={**bearer(), **FHIR}
    )
    assert response.status_code == 400, response.text
    assert {
        "Claim.status",
        "Claim.use",
        "Claim.created",
        "Claim.insurance[0].sequence",
        "Claim.item[0].net.value",
        "Claim.item[1].colour",
        "Claim.contained[0].gender",
        "Claim.contained[5].resourceType",
        "Claim.diagnosis[1].diagnosis",
    } <= _expressions(response)
    assert "robot" not in response.text and "lots" not in response.text  # values are not echoed
    assert _created(embedded) == []


def test_valid_fhir_that_cannot_be_billed_is_a_422_naming_each_element(
    client: TestClient, embedded: EmbeddedApp
) -> None:
    claim = fhir_example("claim-professional.json")
    claim["contained"][2].pop("subscriberId")
    claim["item"][0]["diagnosisSequence"] = [1, 7]
    claim["item"][1]["net"]["currency"] = "EUR"
    claim["item"][1]["productOrService"]["coding"][0]["system"] = "http://snomed.info/sct"
    claim["provider"] = {"reference": "#nobody"}
    claim["identifier"] = []
    response = client.post(
        "/fhir/Claim", content=json.dumps(claim, default=str), headers={**bearer(), **FHIR}
    )
    assert response.status_code == 422, response.text
    assert {
        "Claim.contained[2].subscriberId",
        "Claim.item[0].diagnosisSequence[1]",
        "Claim.item[1].net.currency",
        "Claim.item[1].productOrService",
        "Claim.provider.reference",
        "Claim.identifier",
    } <= _expressions(response)
    assert _created(embedded) == []


def test_a_value_too_long_for_its_x12_element_is_named_at_the_fhir_element(
    client: TestClient, embedded: EmbeddedApp
) -> None:
    claim = fhir_example("claim-professional.json")
    claim["identifier"][0]["value"] = "P" * 39  # CLM01 holds 38
    claim["item"][0]["modifier"][0]["coding"][0]["code"] = "25*"
    response = client.post(
        "/fhir/Claim", content=json.dumps(claim, default=str), headers={**bearer(), **FHIR}
    )
    assert response.status_code == 422, response.text
    assert {"Claim.identifier", "Claim.item[0].modifier"} <= _expressions(response)


def test_auth_and_media_type_failures_are_operation_outcomes(client: TestClient) -> None:
    text = fhir_text("claim-professional.json")
    missing = client.post("/fhir/Claim", content=text, headers=FHIR)
    assert missing.status_code == 401 and missing.json()["resourceType"] == "OperationOutcome"
    reader = client.post(
        "/fhir/Claim", content=text, headers={**bearer(roles=("claims:read",)), **FHIR}
    )
    assert reader.status_code == 403 and reader.json()["issue"][0]["code"] == "forbidden"
    xml = client.post(
        "/fhir/Claim", content=text, headers={**bearer(), "Content-Type": "application/fhir+xml"}
    )
    assert xml.status_code == 415 and xml.json()["resourceType"] == "OperationOutcome"


def test_another_organization_gets_404_and_every_read_is_audited(
    client: TestClient, embedded: EmbeddedApp
) -> None:
    response = client.post(
        "/fhir/Claim", content=fhir_text("claim-professional.json"), headers={**bearer(), **FHIR}
    )
    location = response.headers["Location"]
    other = client.get(location, headers=bearer(org="other-hospital"))
    assert other.status_code == 404 and other.json()["resourceType"] == "OperationOutcome"
    assert client.get(location, headers=bearer()).status_code == 200
    assert client.get("/fhir/Claim/clm_unknown", headers=bearer()).status_code == 404
    with embedded.engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                audit_log.c.organization_id, audit_log.c.resource_type, audit_log.c.outcome
            ).order_by(audit_log.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("other-hospital", "fhir_claim", "not_found"),
        (ORG, "fhir_claim", "ok"),
        (ORG, "fhir_claim", "not_found"),
    ]


def test_a_retried_post_with_the_same_idempotency_key_creates_nothing_new(
    client: TestClient, embedded: EmbeddedApp
) -> None:
    headers = {**bearer(), **FHIR, "Idempotency-Key": "epic-outbox-778812"}
    text = fhir_text("claim-professional.json")
    first = client.post("/fhir/Claim", content=text, headers=headers)
    again = client.post("/fhir/Claim", content=text, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.headers["Location"] == again.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(_created(embedded)) == 1


def test_the_claim_reaches_the_followup_view(client: TestClient, embedded: EmbeddedApp) -> None:
    response = client.post(
        "/fhir/Claim", content=fhir_text("claim-professional.json"), headers={**bearer(), **FHIR}
    )
    embedded.project()
    claim_id = response.headers["Location"].rsplit("/", 1)[1]
    view = client.get(f"/v1/claims/{claim_id}", headers=bearer())
    assert view.status_code == 200, view.text
    assert view.json()["total_charge"] == "167.35"


def test_a_factor_of_zero_is_kept_not_read_as_one(
    client: TestClient, embedded: EmbeddedApp
) -> None:
    """Item.factor absent means 1; a factor of 0 makes the line's charge 0.00, never the price."""
    claim = json.loads(fhir_text("claim-professional.json"), parse_float=Decimal)
    item = claim["item"][1]
    item["unitPrice"] = item.pop("net")
    item["factor"] = 0
    body = json.dumps(claim, default=str)
    response = client.post("/fhir/Claim", content=body, headers={**bearer(), **FHIR})
    assert response.status_code == 201, response.text
    [created] = _created(embedded)
    assert claim_from_snapshot(created.claim).lines[1].charge == Decimal("0.00")
