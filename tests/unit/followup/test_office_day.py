"""A billing office's day through the follow-up API (embedded default, SQLite).

Claims arrive, are rejected, denied, underpaid, paid (stand-in events appended as intake,
claims and remit would); specialists work the queues, a supervisor assigns, an appeal is
filed and decided, a patient pays, statements go out, the manager reads aging, KPIs and
the FHIR status.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from shared.auth import ROLE_ACCOUNTS_READ, ROLE_CLAIMS_READ, issue_token
from shared.config import DEV_JWT_SECRET
from testsupport.followup import StandIns, office_morning

ORG = "org-riverbend"
TODAY = datetime.now(UTC).date()
D = Decimal


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def token(subject: str, *roles: str) -> dict[str, str]:
    jwt = issue_token(
        subject=subject,
        organization_id=ORG,
        roles=[ROLE_CLAIMS_READ, ROLE_ACCOUNTS_READ, *roles],
        secret=DEV_JWT_SECRET,
    )
    return {"Authorization": f"Bearer {jwt}"}


SPECIALIST = token("specialist-1", "followup:work")
OTHER = token("specialist-2", "followup:work")
SUPERVISOR = token("supervisor-1", "followup:supervise")


def morning(events: StandIns) -> None:
    office_morning(events, TODAY)


def counts(client: TestClient) -> dict[str, tuple[int, str]]:
    response = client.get("/v1/queues", headers=SPECIALIST)
    assert response.status_code == 200, response.text
    return {q["name"]: (q["open"], q["dollars"]) for q in response.json()}


def test_the_queues_fill_from_the_days_events_and_empty_as_people_work_them(office: Any) -> None:
    built, client, events = office
    morning(events)
    built.project()

    found = counts(client)
    assert found["held"] == (1, "145.00")
    assert found["rejections"] == (1, "145.00")
    assert found["denials.authorization"] == (1, "300.00")
    assert found["underpayments"] == (1, "20.00")
    assert found["no-response"] == (0, "0.00")
    assert list(found)[:3] == ["held", "rejections", "denials.authorization"]

    # The clock's part: F has waited 45 days, past the payer's 30.
    swept = client.post("/v1/followup/sweep", json={"as_of": TODAY.isoformat()}, headers=SUPERVISOR)
    assert swept.status_code == 200 and swept.json()["no_response"] == 1
    built.project()
    assert counts(client)["no-response"] == (1, "80.00")

    # Work the rejection: claim it; nobody else can act while it is held.
    page = client.get("/v1/queues/rejections/items", headers=SPECIALIST).json()
    assert page["total"] == 1
    [item] = page["items"]
    assert item["claim_id"] == "clm-b" and item["reason"] == "A7:21: Subscriber id not on file"
    assert Decimal(item["priority"]) == D("145.00") * D("0.50")
    item_id = item["item_id"]
    assert client.post(f"/v1/work-items/{item_id}/claim", headers=SPECIALIST).status_code == 200
    refused = client.post(
        f"/v1/work-items/{item_id}/note", json={"note": "mine now"}, headers=OTHER
    )
    assert refused.status_code == 409 and refused.json()["detail"]["rule"] == "held"
    noted = client.post(
        f"/v1/work-items/{item_id}/note", json={"note": "member id fixed"}, headers=SPECIALIST
    )
    assert noted.status_code == 200
    resolved = client.post(
        f"/v1/work-items/{item_id}/resolve",
        json={"outcome": "resubmitted", "note": "sent again"},
        headers=SPECIALIST,
    )
    assert resolved.json()["recorded"] == ["work_item.resolved"]
    built.project()
    assert counts(client)["rejections"] == (0, "0.00")
    again = client.post(f"/v1/work-items/{item_id}/claim", headers=SPECIALIST)
    assert again.status_code == 409
    history = client.get(f"/v1/work-items/{item_id}", headers=SPECIALIST).json()["history"]
    assert [h["type"] for h in history] == [
        "work_item.opened",
        "work_item.claimed",
        "work_item.noted",
        "work_item.resolved",
    ]
    claim_b = client.get("/v1/claims/clm-b", headers=SPECIALIST).json()
    assert [w["type"] for w in claim_b["work"]][-1] == "work_item.resolved"

    # A supervisor gives the held claim to specialist-2: specialist-1 no longer sees it.
    [held] = client.get("/v1/queues/held/items", headers=SUPERVISOR).json()["items"]
    assigned = client.post(
        f"/v1/work-items/{held['item_id']}/assign",
        json={"assignee": "specialist-2"},
        headers=SUPERVISOR,
    )
    assert assigned.status_code == 200
    assert (
        client.post(
            f"/v1/work-items/{held['item_id']}/assign", json={"assignee": "x"}, headers=SPECIALIST
        ).status_code
        == 403
    )
    built.project()
    assert client.get("/v1/queues/held/items", headers=SPECIALIST).json()["total"] == 0
    assert client.get("/v1/queues/held/items", headers=OTHER).json()["total"] == 1
    snoozed = client.post(
        f"/v1/work-items/{held['item_id']}/snooze",
        json={"until": (TODAY + timedelta(days=3)).isoformat()},
        headers=OTHER,
    )
    assert snoozed.status_code == 200
    built.project()
    assert client.get("/v1/queues/held/items", headers=OTHER).json()["total"] == 0
    assert client.get("/v1/queues/held/items?snoozed=true", headers=OTHER).json()["total"] == 1


def test_an_appeal_closes_the_denial_item_and_its_letter_names_the_codes(office: Any) -> None:
    built, client, events = office
    morning(events)
    built.project()
    late = client.post("/v1/claims/clm-a/appeals", json={"reason": "x"}, headers=SPECIALIST)
    assert late.status_code == 409  # paid in full: nothing to appeal
    filed = client.post(
        "/v1/claims/clm-d/appeals",
        json={"level": 1, "reason": "Authorization 8812 was on file", "justification": "See auth."},
        headers=SPECIALIST,
    )
    assert filed.status_code == 201, filed.text
    appeal = filed.json()
    assert appeal["deadline"] == (days_ago(30) + timedelta(days=180)).isoformat()
    assert appeal["denied_codes"][0]["code"] == "197"
    built.project()
    assert "denials.authorization" not in counts(client)  # no open item: not listed
    letter = client.get(appeal["letter"], headers=SPECIALIST)
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")
    timeline = client.get("/v1/claims/clm-d", headers=SPECIALIST).json()["timeline"]
    assert timeline[-1]["type"] == "claim.appealed"
    decided = client.post(
        f"/v1/appeals/{appeal['appeal_id']}/decision",
        json={"outcome": "overturned", "amount_awarded": "300.00", "decided_on": TODAY.isoformat()},
        headers=SPECIALIST,
    )
    assert decided.status_code == 200 and decided.json()["decision"]["outcome"] == "overturned"
    built.project()
    after = client.get("/v1/claims/clm-d", headers=SPECIALIST).json()["timeline"]
    assert after[-1]["type"] == "claim.appeal_decided"
    twice = client.post(
        f"/v1/appeals/{appeal['appeal_id']}/decision",
        json={"outcome": "upheld", "amount_awarded": "0.00", "decided_on": TODAY.isoformat()},
        headers=SPECIALIST,
    )
    assert twice.status_code == 409


def test_a_patient_payment_goes_oldest_first_and_the_rest_is_a_credit(office: Any) -> None:
    built, client, events = office
    morning(events)
    built.project()
    account = f"{ORG}:PCN-A"
    paid = client.post(
        f"/v1/accounts/{account}/payments",
        json={
            "amount": "30.00",
            "method": "card",
            "received_on": TODAY.isoformat(),
            "payment_id": "pay-1",
        },
        headers=SPECIALIST,
    )
    assert paid.status_code == 201, paid.text
    body = paid.json()
    assert body["allocations"] == [{"claim_id": "clm-a", "amount": "25.00"}]
    assert body["unapplied"] == "5.00"
    replay = client.post(
        f"/v1/accounts/{account}/payments",
        json={
            "amount": "30.00",
            "method": "card",
            "received_on": TODAY.isoformat(),
            "payment_id": "pay-1",
        },
        headers=SPECIALIST,
    )
    assert replay.json()["replayed"] is True
    built.project()
    balances = client.get(f"/v1/accounts/{account}", headers=SPECIALIST).json()
    assert balances["patient_ar"] == "0.00"
    assert balances["credit"] == "5.00"
    assert balances["insurance_ar"] == "300.00"  # D's denial stays in A/R until worked
    assert balances["patient_payments"] == "30.00"
    assert counts(client)["credit-balances"] == (1, "5.00")
    unknown = client.post(
        f"/v1/accounts/{ORG}:NOPE/payments",
        json={"amount": "1.00", "method": "cash", "received_on": TODAY.isoformat()},
        headers=SPECIALIST,
    )
    assert unknown.status_code == 404
    bad = client.post(
        f"/v1/accounts/{account}/payments",
        json={"amount": "1.001", "method": "cash", "received_on": TODAY.isoformat()},
        headers=SPECIALIST,
    )
    assert bad.status_code == 422 and "amount" in bad.text


def test_statements_aging_kpis_exports_and_fhir(office: Any) -> None:
    built, client, events = office
    morning(events)
    built.project()
    run = client.post("/v1/statements/runs", json={"as_of": TODAY.isoformat()}, headers=SUPERVISOR)
    assert run.status_code == 200, run.text
    issued = {s["account_id"]: s for s in run.json()["statements"]}
    built.project()
    assert issued[f"{ORG}:PCN-A"]["balance_due"] == "25.00"
    assert issued[f"{ORG}:PCN-E"]["balance_due"] == "10.00"
    pdf = client.get(issued[f"{ORG}:PCN-A"]["pdf"], headers=SPECIALIST)
    assert pdf.content.startswith(b"%PDF")
    assert issued[f"{ORG}:PCN-A"]["dunning_level"] == 1  # the copay is 40 days old

    aging = client.get(f"/v1/reports/aging?as_of={TODAY}", headers=SPECIALIST).json()
    total = aging["total"]["buckets"]
    # A/R: insurance B 145 + C 145 + D 300 + F 80; patient A 25 + E 10 (all 61-90 days).
    assert total["61-90"] == "705.00"
    assert aging["total"]["total"] == "705.00"
    # Per payer: insurance A/R under its payer, patient A/R under "patient".
    by_payer = {
        r["payer_id"]: (r["buckets"]["61-90"], r["total"], r["claims"]) for r in aging["rows"]
    }
    assert by_payer == {"87726": ("670.00", "670.00", 4), "patient": ("35.00", "35.00", 2)}
    by_bill = client.get(
        f"/v1/reports/aging?as_of={TODAY}&basis=last_bill", headers=SPECIALIST
    ).json()
    assert by_bill["total"]["total"] == "705.00"
    assert by_bill["total"]["buckets"]["0-30"] == "145.00"  # C, never billed: its creation

    kpis = client.get(
        f"/v1/reports/kpis?from={days_ago(90)}&to={TODAY}", headers=SPECIALIST
    ).json()["total"]
    assert kpis["initial_denial_rate"] == "33.33"  # D of A, D, E
    assert kpis["clean_claim_rate"] == "80.00"  # B was rejected; A, D, E, F clean
    assert kpis["first_pass_resolution_rate"] == "66.67"
    csv = client.get(
        f"/v1/reports/kpis?from={days_ago(90)}&to={TODAY}&format=csv", headers=SPECIALIST
    )
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("payer_id,month,days_in_ar")
    xlsx = client.get(f"/v1/reports/aging?as_of={TODAY}&format=xlsx", headers=SPECIALIST)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.cell(1, 1).value == "payer_id"
    queue_csv = client.get("/v1/queues/held/items?format=csv", headers=SPECIALIST)
    assert "clm-c" in queue_csv.text

    from fhir.resources.R4B.bundle import Bundle

    response = client.get("/fhir/ClaimResponse?request=Claim/clm-a", headers=SPECIALIST)
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate_json(response.content)
    resource = bundle.entry[0].resource
    assert resource.outcome == "complete" and resource.payment.amount.value == D("92.00")
    eob = client.get("/fhir/ExplanationOfBenefit?claim=Claim/clm-d", headers=SPECIALIST).json()
    assert eob["entry"][0]["resource"]["outcome"] == "partial"
    none = client.get("/fhir/ClaimResponse?request=Claim/nope", headers=SPECIALIST).json()
    assert none["total"] == 0

    claim_a = client.get("/v1/claims/clm-a", headers=SPECIALIST).json()
    meanings = {a["code"]: a["meaning"] for a in claim_a["adjustments"]}
    assert meanings["45"].startswith("Charge exceeds fee schedule")
    assert claim_a["balance"]["patient_balance"] == "25.00"
