"""What time and the office's rules do over a month: Medicare's 120-day redetermination
deadline and the appeals-due queue, the statement run (small balances written off, dunning,
the print vendor's file, past-due accounts in patient-balances), a claim on an item that
expires, and work items on the work-queue topic for outside vendors."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.followup import work_items as wi
from shared.events.topics import topic_for
from shared.events.work_items import ResolutionOutcome
from shared.kernel import DomainError
from tests.unit.followup.test_office_day import (
    ORG,
    SPECIALIST,
    SUPERVISOR,
    TODAY,
    counts,
    days_ago,
    morning,
)
from testsupport.followup import followup_tables, office_claim

D = Decimal


def claim(pcn: str, charge: str = "145.00", dos: int = 70) -> Any:
    return office_claim(TODAY, pcn, charge, dos)


def medicare_claim(pcn: str, charge: str, dos: int) -> Any:
    base = claim(pcn, charge, dos)
    payer = base.payer.model_copy(
        update={
            "payer_id": "04412",
            "name": "Medicare Part B (Florida)",
            "claim_filing_indicator": "MB",
        }
    )
    return base.model_copy(update={"payer": payer})


def test_medicare_denial_gets_the_120_day_redetermination_deadline_and_surfaces_when_near(
    office: Any,
) -> None:
    built, client, events = office
    events.created("clm-m", medicare_claim("PCN-M", "410.00", dos=130), days_ago(125))
    events.submitted("clm-m", "04412", D("410.00"), days_ago(124))
    events.adjudicated(
        "denied",
        "clm-m",
        payer_id="04412",
        charge=D("410.00"),
        paid=D("0.00"),
        adjustments=[("CO", "50", D("410.00"), 1)],
        paid_on=days_ago(100),
        denial_category="medical-necessity",
        status="4",
    )
    built.project()
    assert counts(client)["denials.medical-necessity"] == (1, "410.00")
    [item] = client.get("/v1/queues/denials.medical-necessity/items", headers=SPECIALIST).json()[
        "items"
    ]
    deadline = days_ago(100) + timedelta(days=120)  # redetermination: 120 days from the RA
    assert item["deadline"] == deadline.isoformat()

    # 50 days before the deadline the sweep leaves it alone; 20 days before, it is due.
    early = client.post(
        "/v1/followup/sweep",
        json={"as_of": (deadline - timedelta(days=50)).isoformat()},
        headers=SUPERVISOR,
    )
    assert early.json()["appeals_due"] == 0
    due = client.post("/v1/followup/sweep", json={"as_of": TODAY.isoformat()}, headers=SUPERVISOR)
    assert due.json()["appeals_due"] == 1
    built.project()
    assert counts(client)["appeals-due"] == (1, "410.00")
    [urgent] = client.get("/v1/queues/appeals-due/items", headers=SPECIALIST).json()["items"]
    assert urgent["deadline"] == deadline.isoformat()
    assert urgent["reason"].startswith("Medicare Part B level 1: 120 days from the remittance")
    # Swept again the same day: nothing new (once per remittance).
    again = client.post("/v1/followup/sweep", json={"as_of": TODAY.isoformat()}, headers=SUPERVISOR)
    assert again.json()["appeals_due"] == 0

    filed = client.post(
        "/v1/claims/clm-m/appeals",
        json={"level": 1, "reason": "Documentation supports medical necessity"},
        headers=SPECIALIST,
    )
    assert filed.status_code == 201, filed.text
    assert filed.json()["deadline"] == deadline.isoformat()
    built.project()
    found = counts(client)
    assert found["appeals-due"] == (0, "0.00")
    assert "denials.medical-necessity" not in found


def test_the_statement_run_writes_off_small_balances_bills_the_rest_and_feeds_the_vendor(
    office: Any,
) -> None:
    built, client, events = office
    morning(events)
    # G: a $3.00 coinsurance left 70 days: below the small-balance rule, written off.
    events.created("clm-g", claim("PCN-G", "90.00", dos=90), days_ago(85))
    events.submitted("clm-g", "87726", D("90.00"), days_ago(84))
    events.adjudicated(
        "paid",
        "clm-g",
        payer_id="87726",
        charge=D("90.00"),
        paid=D("60.00"),
        adjustments=[("CO", "45", D("27.00"), 1), ("PR", "2", D("3.00"), 1)],
        paid_on=days_ago(70),
    )
    built.project()
    specialist = client.post(
        "/v1/statements/runs", json={"as_of": TODAY.isoformat()}, headers=SPECIALIST
    )
    assert specialist.status_code == 403
    run = client.post("/v1/statements/runs", json={"as_of": TODAY.isoformat()}, headers=SUPERVISOR)
    assert run.status_code == 200, run.text
    body = run.json()
    assert body["written_off"] == [{"claim_id": "clm-g", "amount": "3.00"}]
    issued = {s["account_id"]: s for s in body["statements"]}
    assert sorted(issued) == [f"{ORG}:PCN-A", f"{ORG}:PCN-E"]
    built.project()
    account_g = client.get(f"/v1/accounts/{ORG}:PCN-G", headers=SPECIALIST).json()
    assert (account_g["patient_ar"], account_g["write_offs"]) == ("0.00", "3.00")
    timeline = client.get("/v1/claims/clm-g", headers=SPECIALIST).json()["timeline"]
    assert timeline[-1]["type"] == "claim.written_off"

    # Both balances are 35-40 days past adjudication: past due, so each account is worked.
    assert counts(client)["patient-balances"] == (2, "35.00")

    vendor = client.get(f"/v1/statements/vendor-file?date={TODAY}", headers=SUPERVISOR)
    assert vendor.status_code == 200 and vendor.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(vendor.text)))
    heads = [r for r in rows if r["record_type"] == "H"]
    details = [r for r in rows if r["record_type"] == "D"]
    assert [h["account_number"] for h in heads] == ["PCN-A", "PCN-E"]
    first = heads[0]
    assert first["guarantor_name"] == "Theodora J Marlowe"
    assert (first["address_line1"], first["city"], first["postal_code"]) == (
        "48 Cypress Hollow Lane",
        "Brandon",
        "33511",
    )
    assert (first["amount_due"], first["dunning_level"]) == ("25.00", "1")
    assert first["message"]  # the dunning message for its age
    assert [(d["claim_id"], d["amount_due"]) for d in details] == [
        ("clm-a", "25.00"),
        ("clm-e", "10.00"),
    ]
    assert (
        client.get(f"/v1/statements/vendor-file?date={TODAY}", headers=SPECIALIST).status_code
        == 403
    )
    empty = client.get(f"/v1/statements/vendor-file?date={days_ago(1)}", headers=SUPERVISOR)
    assert len(empty.text.splitlines()) == 1  # the header only

    # The patient pays in full: the account leaves patient-balances.
    paid = client.post(
        f"/v1/accounts/{ORG}:PCN-E/payments",
        json={"amount": "10.00", "method": "card", "received_on": TODAY.isoformat()},
        headers=SPECIALIST,
    )
    assert paid.status_code == 201
    built.project()
    assert counts(client)["patient-balances"] == (1, "25.00")


def test_a_claim_on_an_item_holds_it_until_it_expires() -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    one, two = wi.Actor("specialist-1"), wi.Actor("specialist-2")
    state = wi.WorkItemState(item_id="wi-1")
    opened = wi.decide(
        state,
        wi.Open(
            queue="rejections",
            claim_id="clm-1",
            account_id=None,
            payer_id="87726",
            reference=None,
            amount_at_stake=D("145.00"),
            risk_of_loss=D("0.50"),
            age_from=now.date(),
            deadline=None,
            reason="A7:21",
            opened_by_event="e-1",
        ),
        now,
    )
    for event in opened:
        state = wi.apply(state, event)
    for event in wi.decide(state, wi.Claim(one, minutes=30), now):
        state = wi.apply(state, event)
    with pytest.raises(DomainError) as held:
        wi.decide(state, wi.Claim(two, minutes=30), now + timedelta(minutes=29))
    assert held.value.rule == "held"
    with pytest.raises(DomainError):
        wi.decide(state, wi.Resolve(two, ResolutionOutcome.PAID), now + timedelta(minutes=29))
    later = now + timedelta(minutes=30)
    [taken] = wi.decide(state, wi.Claim(two, minutes=30), later)
    assert taken.event_type == "work_item.claimed" and taken.by == "specialist-2"
    # A supervisor may act on a held item.
    boss = wi.Actor("supervisor-1", supervisor=True)
    assert wi.decide(state, wi.Note(boss, "look at this"), now)


def test_work_items_travel_on_the_work_queue_topic_for_outside_vendors() -> None:
    for event_type in (
        "work_item.opened",
        "work_item.claimed",
        "work_item.assigned",
        "work_item.noted",
        "work_item.snoozed",
        "work_item.resolved",
        "work_item.closed",
    ):
        assert topic_for(event_type).name == "revcycle.work-queue.v1", event_type


def test_an_item_from_another_organization_is_not_found(office: Any) -> None:
    built, client, events = office
    morning(events)
    built.project()
    [item] = client.get("/v1/queues/held/items", headers=SPECIALIST).json()["items"]
    from shared.auth import ROLE_CLAIMS_READ, issue_token
    from shared.config import DEV_JWT_SECRET

    stranger = {
        "Authorization": "Bearer "
        + issue_token(
            subject="specialist-9",
            organization_id="org-elsewhere",
            roles=[ROLE_CLAIMS_READ, "followup:work"],
            secret=DEV_JWT_SECRET,
        )
    }
    assert client.get(f"/v1/work-items/{item['item_id']}", headers=stranger).status_code == 404
    refused = client.post(f"/v1/work-items/{item['item_id']}/claim", headers=stranger)
    assert refused.status_code == 404


def test_a_claim_near_its_payers_filing_limit_joins_timely_filing_until_accepted(
    office: Any,
) -> None:
    built, client, events = office
    morning(events)  # C is held too, but 70 days after service: far from the limit
    # H: seen 350 days after its date of service, held by the scrubber; the payer takes
    # claims 365 days from service, so 15 days are left.
    events.created("clm-h", claim("PCN-H", "260.00", dos=350), days_ago(3))
    events.scrub_failed("clm-h", days_ago(3))
    built.project()
    far = client.post(
        "/v1/followup/sweep",
        json={"as_of": days_ago(30).isoformat()},
        headers=SUPERVISOR,
    )
    assert far.json()["timely_filing"] == 0  # 45 days left then: more than the 30 warned
    swept = client.post("/v1/followup/sweep", json={"as_of": TODAY.isoformat()}, headers=SUPERVISOR)
    assert swept.json()["timely_filing"] == 1
    built.project()
    assert counts(client)["timely-filing"] == (1, "260.00")
    [item] = client.get("/v1/queues/timely-filing/items", headers=SPECIALIST).json()["items"]
    limit = days_ago(350) + timedelta(days=365)
    assert (item["claim_id"], item["deadline"]) == ("clm-h", limit.isoformat())
    assert Decimal(item["priority"]) == D("260.00") * D("0.90")
    again = client.post("/v1/followup/sweep", json={"as_of": TODAY.isoformat()}, headers=SUPERVISOR)
    assert again.json()["timely_filing"] == 0  # once per claim

    events.submitted("clm-h", "87726", D("260.00"), TODAY)
    events.accepted("clm-h", TODAY, "PAYER-H")
    built.project()
    assert counts(client)["timely-filing"] == (0, "0.00")


def test_rebuilding_every_followup_projection_after_a_worked_day_gives_identical_tables(
    office: Any,
) -> None:
    from services.followup.projections import PROJECTIONS
    from services.followup.rebuild import rebuild_embedded

    built, client, events = office
    morning(events)
    built.project()
    client.post("/v1/followup/sweep", json={"as_of": TODAY.isoformat()}, headers=SUPERVISOR)
    built.project()
    [item] = client.get("/v1/queues/rejections/items", headers=SPECIALIST).json()["items"]
    for step, body in (("claim", None), ("note", {"note": "fixed"})):
        assert (
            client.post(
                f"/v1/work-items/{item['item_id']}/{step}", json=body, headers=SPECIALIST
            ).status_code
            == 200
        )
    client.post(
        f"/v1/work-items/{item['item_id']}/resolve",
        json={"outcome": "resubmitted", "note": None},
        headers=SPECIALIST,
    )
    assert (
        client.post(
            "/v1/claims/clm-d/appeals",
            json={"level": 1, "reason": "auth on file"},
            headers=SPECIALIST,
        ).status_code
        == 201
    )
    client.post(
        f"/v1/accounts/{ORG}:PCN-A/payments",
        json={"amount": "30.00", "method": "card", "received_on": TODAY.isoformat()},
        headers=SPECIALIST,
    )
    built.project()
    client.post("/v1/statements/runs", json={"as_of": TODAY.isoformat()}, headers=SUPERVISOR)
    built.project()
    live = followup_tables(built.engine)
    assert sum(len(rows) for rows in live.values()) > 50
    assert live["followup_work_items"]  # the day's items are in the tables compared

    for name in sorted(PROJECTIONS):
        result = rebuild_embedded(built.store, built.engine, name)
        assert result.applied > 0, name
        assert followup_tables(built.engine) == live, name
    # Applying again changes nothing (exactly once: every event is already tracked).
    built.project()
    assert followup_tables(built.engine) == live
