"""One table of claim statuses: the claim view, the claims table and the ledger's facts (which
the queue rules and the sweep read) move a claim to the same status after each event.

An underpaid claim reads `underpaid` everywhere (the view said so while the ledger kept
`paid`), its appeal deadline still reaches the appeals-due queue, and it can be appealed;
an appeal leaves the status as it is everywhere (the ledger said `appealed` while the view
kept `underpaid`): the appeal is on the claim's timeline and its open appeal in the facts.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from services.followup import claim_view, ledger
from services.followup.queue_process import queue_facts
from tests.unit.followup.test_office_day import SPECIALIST, SUPERVISOR, counts, days_ago
from testsupport.followup import office_claim

D = Decimal


def test_the_ledger_reads_the_claim_views_status_table() -> None:
    assert ledger.STATUS_AFTER is claim_view.STATUS_AFTER
    assert claim_view.STATUS_AFTER["claim.underpaid"] == "underpaid"
    assert "claim.appealed" not in claim_view.STATUS_AFTER


def _statuses(built: Any, client: Any, claim_id: str) -> tuple[str, str, str]:
    view = client.get(f"/v1/claims/{claim_id}", headers=SPECIALIST).json()["status"]
    with built.engine.connect() as conn:
        facts = conn.execute(
            sa.select(queue_facts.c.status).where(queue_facts.c.claim_id == claim_id)
        ).scalar_one()
    account = client.get(f"/v1/accounts/{view_account(built, claim_id)}", headers=SPECIALIST)
    [balance] = account.json()["claims"]
    return view, facts, balance["status"]


def view_account(built: Any, claim_id: str) -> str:
    [created] = [e for e in built.store.load(claim_id) if e.type == "claim.created"]
    return str(created.data["account_id"])


def test_an_underpaid_claim_reads_underpaid_everywhere_before_and_after_its_appeal(
    office: Any,
) -> None:
    built, client, events = office
    paid_on = days_ago(160)  # the payer's 180 days for an appeal end in 20 days
    events.created("clm-u", office_claim(days_ago(0), "PCN-U", "145.00", dos=175), days_ago(172))
    events.submitted("clm-u", "87726", D("145.00"), days_ago(171))
    events.accepted("clm-u", days_ago(170), "PAYER-U")
    events.adjudicated(
        "paid",
        "clm-u",
        payer_id="87726",
        charge=D("145.00"),
        paid=D("60.00"),
        adjustments=[("CO", "45", D("60.00"), 1), ("PR", "3", D("25.00"), 1)],
        paid_on=paid_on,
    )
    events.underpaid("clm-u", D("80.00"), D("60.00"), paid_on)
    built.project()
    assert _statuses(built, client, "clm-u") == ("underpaid", "underpaid", "underpaid")
    assert counts(client)["underpayments"] == (1, "20.00")

    swept = client.post(
        "/v1/followup/sweep", json={"as_of": days_ago(0).isoformat()}, headers=SUPERVISOR
    )
    assert swept.json()["appeals_due"] == 1
    built.project()
    [due] = client.get("/v1/queues/appeals-due/items", headers=SPECIALIST).json()["items"]
    assert due["deadline"] == (paid_on + timedelta(days=180)).isoformat()

    filed = client.post(
        "/v1/claims/clm-u/appeals",
        json={"level": 1, "reason": "Paid below the contracted rate"},
        headers=SPECIALIST,
    )
    assert filed.status_code == 201, filed.text
    built.project()
    assert _statuses(built, client, "clm-u") == ("underpaid", "underpaid", "underpaid")
    assert counts(client)["appeals-due"] == (0, "0.00")
