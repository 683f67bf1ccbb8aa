"""Remit's HTTP API on the embedded app: 835 in, unmatched out and matched by hand, deposits
matched to 835s (EFT reassociation), fee schedules and underpayments, money on the claim read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from revcycle.embedded import build_embedded_app
from services.remit.api import (
    ROLE_CONTRACTS_READ,
    ROLE_CONTRACTS_WRITE,
    ROLE_REMITTANCES_READ,
    ROLE_REMITTANCES_WRITE,
)
from shared.auth import ROLE_CLAIMS_READ, issue_token
from shared.config import BaseServiceSettings
from shared.events.registry import decode
from shared.events.remittance import ClaimUnderpaid
from testsupport.claims import professional_claim, professional_claim_several_lines
from testsupport.remit import ORG, RemitWorld, x12_835
from testsupport.remittances import claim_payment, remittance

D = Decimal
X12 = {"Content-Type": "application/edi-x12"}


@dataclasses.dataclass
class Served:
    world: RemitWorld
    client: TestClient
    headers: dict[str, str]

    def post_835(self, text: str) -> tuple[int, dict[str, object]]:
        answer = self.client.post(
            "/v1/remittances", content=text.encode(), headers={**self.headers, **X12}
        )
        self.world.settle()
        return answer.status_code, answer.json()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    world = RemitWorld(tmp_path)
    settings = BaseServiceSettings(data_dir=tmp_path / "var", organization_id=ORG)
    app = build_embedded_app(settings, run_subscriptions=False)
    token = issue_token(
        subject="biller-1",
        organization_id=ORG,
        roles=[
            ROLE_CLAIMS_READ,
            ROLE_REMITTANCES_READ,
            ROLE_REMITTANCES_WRITE,
            ROLE_CONTRACTS_READ,
            ROLE_CONTRACTS_WRITE,
        ],
        secret=settings.auth_jwt_secret,
    )
    try:
        with TestClient(app.app) as client:
            yield Served(world, client, {"Authorization": f"Bearer {token}"})
        world.audit()
    finally:
        app.embedded.close()
        world.close()


def test_post_an_835_answers_per_claim_and_the_claim_read_carries_the_money(
    served: Served,
) -> None:
    claim = professional_claim_several_lines()
    claim_id = served.world.create_submitted(claim)
    text = x12_835(remittance([claim_payment(claim)]))
    code, answer = served.post_835(text)

    assert code == 201, answer
    (rmt,) = answer["remittances"]  # type: ignore[misc]
    assert rmt["trace_number"] == "EFT20260402001" and rmt["payer"]["id"] == "87726"
    assert rmt["claims"][0]["result"] == "posted"

    read = served.client.get(f"/v1/claims/{claim_id}", headers=served.headers).json()
    assert read["status"] == "paid"
    money = read["money"]
    assert money["charge"] == "386.50" and money["paid"] == "247.36"
    assert money["adjustments"] == "77.30" and money["patient_responsibility"] == "61.84"
    assert money["insurance_balance"] == "0.00" and money["patient_balance"] == "61.84"
    assert [r["remittance_id"] for r in read["remittances"]] == [rmt["remittance_id"]]

    code, again = served.post_835(text)
    assert code == 200 and again["status"] == "duplicate"

    one = served.client.get(f"/v1/remittances/{rmt['remittance_id']}", headers=served.headers)
    assert one.status_code == 200, one.text


def test_an_out_of_balance_835_is_422_naming_the_claim_and_nothing_is_posted(
    served: Served,
) -> None:
    claim = professional_claim()
    claim_id = served.world.create_submitted(claim)
    payment = claim_payment(claim)
    text = x12_835(remittance([payment])).replace(
        f"CLP*{claim.patient_control_number}*1*{payment.charge:f}*{payment.paid:f}",
        f"CLP*{claim.patient_control_number}*1*{payment.charge:f}*{payment.paid - 1:f}",
    )
    text = text.replace(f"BPR*I*{payment.paid:f}", f"BPR*I*{payment.paid - 1:f}")
    code, answer = served.post_835(text)

    assert code == 422, answer
    assert answer["status"] == "refused"
    assert any(d["loc"] == ["body", "claim", 1] for d in answer["detail"])  # type: ignore[union-attr]
    assert "claim.paid" not in served.world.types(claim_id)


def test_unmatched_payments_are_listed_and_a_hand_match_posts_them(served: Served) -> None:
    claim = professional_claim()
    claim_id = served.world.create_submitted(claim)
    stranger = dataclasses.replace(
        claim_payment(claim),
        patient_control_number="UNKNOWN77",
        member_id="NOBODY9",
        patient_last_name="STRANGER",
    )
    code, answer = served.post_835(x12_835(remittance([stranger])))
    assert code == 201 and answer["status"] == "partial"

    listed = served.client.get("/v1/remittances/unmatched", headers=served.headers).json()
    assert listed["count"] == 1
    (item,) = listed["items"]
    assert D(item["paid"]) == stranger.paid and D(item["charge"]) == stranger.charge

    url = f"/v1/remittances/{item['remittance_id']}/claims/{item['claim_index']}/match"
    matched = served.client.post(url, json={"claim_id": claim_id}, headers=served.headers)
    served.world.settle()
    assert matched.status_code == 200, matched.text
    assert matched.json()["result"] == "posted"
    assert served.world.view(claim_id).money.paid == stranger.paid
    again = served.client.post(url, json={"claim_id": claim_id}, headers=served.headers)
    assert again.status_code == 409
    listed = served.client.get("/v1/remittances/unmatched", headers=served.headers).json()
    assert listed["count"] == 0


def test_deposits_are_reassociated_with_835s_by_trace_number_and_amount(served: Served) -> None:
    claim = professional_claim()
    served.world.create_submitted(claim)
    payment = claim_payment(claim)
    served.post_835(x12_835(remittance([payment], trace_number="EFT555")))

    def unmatched() -> dict[str, list[dict[str, object]]]:
        answer = served.client.get("/v1/deposits/unmatched", headers=served.headers)
        assert answer.status_code == 200, answer.text
        body: dict[str, list[dict[str, object]]] = answer.json()
        return body

    lists = unmatched()
    (era,) = lists["eras_without_money"]
    assert era["trace_number"] == "EFT555" and lists["money_without_eras"] == []

    # Money with another trace number: money without an ERA.
    stray = served.client.post(
        "/v1/deposits",
        json={"deposit_date": "2026-04-03", "amount": "99.99", "trace_number": "EFT999"},
        headers=served.headers,
    )
    assert stray.status_code == 201 and stray.json()["deposits"][0]["matched"] is False
    # The right trace number but another amount does not match either.
    short = served.client.post(
        "/v1/deposits",
        json={"deposit_date": "2026-04-03", "amount": "1.00", "trace_number": "EFT555"},
        headers=served.headers,
    )
    assert short.json()["deposits"][0]["matched"] is False

    bank_file = f"deposit_date,amount,trace_number\n2026-04-03,{payment.paid:f},EFT555\n"
    matched = served.client.post(
        "/v1/deposits", content=bank_file, headers={**served.headers, "Content-Type": "text/csv"}
    )
    assert matched.status_code == 201, matched.text
    (deposit,) = matched.json()["deposits"]
    assert deposit["matched"] is True and len(deposit["remittance_ids"]) == 1

    lists = unmatched()
    assert lists["eras_without_money"] == []
    assert sorted(str(d["trace_number"]) for d in lists["money_without_eras"]) == [
        "EFT555",
        "EFT999",
    ]

    not_text = served.client.post(
        "/v1/deposits",
        content=b"\xa9\xa7\x0f",
        headers={**served.headers, "Content-Type": "application/json"},
    )
    assert not_text.status_code == 422, not_text.text  # was a 500 (schemathesis found it)
    bad = served.client.post(
        "/v1/deposits",
        content="deposit_date,amount,trace_number\n2026-13-40,12.00,T1\n",
        headers={**served.headers, "Content-Type": "text/csv"},
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "line", 2]


def test_a_fee_schedule_makes_a_short_allowed_amount_an_underpayment(served: Served) -> None:
    claim = professional_claim_several_lines()
    claim_id = served.world.create_submitted(claim)
    schedule = """
name: Sunshine Mutual PPO 2026
tolerance: "1.00"
rates:
  - {procedure: "99214", rate: "200.00", effective_from: 2026-01-01}
  - {procedure: "36415", rate: "14.40", effective_from: 2026-01-01}
  - {procedure: "80053", rate: "50.00", effective_from: 2026-01-01}
  - {procedure: "97110", rate: "38.40", effective_from: 2026-01-01}
"""
    put = served.client.put(
        "/v1/payers/87726/fee-schedule",
        content=schedule,
        headers={**served.headers, "Content-Type": "application/yaml"},
    )
    assert put.status_code == 200, put.text
    broken = served.client.put(
        "/v1/payers/87726/fee-schedule",
        content="rates:\n  - {procedure: '99214', rate: 'abc', effective_from: 2026-01-01}\n",
        headers={**served.headers, "Content-Type": "application/yaml"},
    )
    assert broken.status_code == 422
    assert broken.json()["detail"][0]["loc"] == ["body", "line", 2]

    # The payer allows 80 % of the charge: 168.00 for the 99214 the contract prices 200.00.
    code, _ = served.post_835(x12_835(remittance([claim_payment(claim)])))
    assert code == 201
    underpaid = [decode(e) for e in served.world.events(claim_id) if e.type == "claim.underpaid"]
    (event,) = underpaid
    assert isinstance(event, ClaimUnderpaid)
    # Contract: 200.00 + 14.40 + 50.00 + 2 units x 38.40; the payer allowed 309.20.
    assert event.expected_amount == D("341.20")
    assert event.actual_amount == D("309.20")
    assert event.difference == event.expected_amount - event.actual_amount
    read = served.client.get(f"/v1/claims/{claim_id}", headers=served.headers).json()
    assert read["underpayment"]["difference"] == format(event.difference, "f")


def test_one_deposit_pays_both_parts_of_a_split_check(served: Served) -> None:
    first, second = professional_claim(), professional_claim_several_lines()
    served.world.create_submitted(first)
    served.world.create_submitted(second)
    part_one, part_two = claim_payment(first), claim_payment(second)
    served.post_835(x12_835(remittance([part_one], trace_number="SPLIT1")))
    served.post_835(x12_835(remittance([part_two], trace_number="SPLIT1"), start=30))

    deposit = served.client.post(
        "/v1/deposits",
        json={
            "deposit_date": "2026-04-03",
            "amount": format(part_one.paid + part_two.paid, "f"),
            "trace_number": "SPLIT1",
        },
        headers=served.headers,
    )
    assert deposit.status_code == 201, deposit.text
    (recorded,) = deposit.json()["deposits"]
    assert recorded["matched"] is True and len(recorded["remittance_ids"]) == 2
    lists = served.client.get("/v1/deposits/unmatched", headers=served.headers).json()
    assert lists == {"eras_without_money": [], "money_without_eras": []}


def test_an_allowed_amount_short_within_the_tolerance_is_not_an_underpayment(
    served: Served,
) -> None:
    claim = professional_claim_several_lines()
    claim_id = served.world.create_submitted(claim)
    # The contract prices the 99214 at 200.00; the payer allows 168.00 (32.00 short).
    schedule = (
        'tolerance: "32.00"\nrates:\n'
        '  - {procedure: "99214", rate: "200.00", effective_from: 2026-01-01}\n'
    )
    put = served.client.put(
        "/v1/payers/87726/fee-schedule",
        content=schedule,
        headers={**served.headers, "Content-Type": "application/yaml"},
    )
    assert put.status_code == 200, put.text
    served.post_835(x12_835(remittance([claim_payment(claim)])))
    assert "claim.underpaid" not in served.world.types(claim_id)
