"""Money on every read (issue 13 point 10): `GET /v1/claims/{id}` and `revcycle claims show
ID|PCN --json` both carry the claim's status and its money as Decimal strings (`charge`,
`paid`, `adjustments`, `patient_responsibility`, `insurance_balance`, `patient_balance`) with
the remittances that moved them. Each read is checked field by field: one missing fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from revcycle.cli import app as cli
from revcycle.embedded import build_embedded_app
from services.remit.config import get_remit_settings
from shared.auth import ROLE_CLAIMS_READ, issue_token
from shared.config import get_settings
from testsupport.claims import professional_claim, professional_claim_several_lines
from testsupport.remit import ORG, RemitWorld, x12_835
from testsupport.remittances import claim_payment, denied_claim_payment, remittance

MONEY = (
    "charge",
    "paid",
    "adjustments",
    "patient_responsibility",
    "insurance_balance",
    "patient_balance",
)
runner = CliRunner()


@dataclass
class Books:
    """A paid claim (386.50: 247.36 paid, 77.30 CO-45, 61.84 coinsurance) and a denied one."""

    world: RemitWorld
    paid_id: str
    denied_id: str
    remittance_id: str
    client: TestClient
    headers: dict[str, str]


EXPECTED = {
    "paid": {
        "status": "paid",
        "charge": "386.50",
        "paid": "247.36",
        "adjustments": "77.30",
        "patient_responsibility": "61.84",
        "insurance_balance": "0.00",
        "patient_balance": "61.84",
    },
    "denied": {
        "status": "denied",
        "charge": "145.00",
        "paid": "0.00",
        "adjustments": "0.00",
        "patient_responsibility": "0.00",
        "insurance_balance": "145.00",
        "patient_balance": "0.00",
    },
}


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Books]:
    # One set of books for every read below (each read changes nothing).
    tmp_path = tmp_path_factory.mktemp("money-reads")
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield from _books(tmp_path, monkeypatch)


def _books(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Books]:
    # The world, the app and the CLI read one environment: one SQLite database.
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ORGANIZATION_ID", ORG)
    for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    get_remit_settings.cache_clear()
    world = RemitWorld(tmp_path)
    settings = get_settings()
    served = build_embedded_app(settings, run_subscriptions=False)
    token = issue_token(
        subject="biller-1",
        organization_id=ORG,
        roles=[ROLE_CLAIMS_READ],
        secret=settings.auth_jwt_secret,
    )
    try:
        paid = professional_claim_several_lines(patient_control_number="PCN26031011")
        denied = professional_claim(patient_control_number="PCN26031012")
        paid_id = world.create_submitted(paid)
        denied_id = world.create_submitted(denied)
        report = world.ingest(
            x12_835(remittance([claim_payment(paid), denied_claim_payment(denied)]))
        )
        assert report.ok, report.to_dict()
        remittance_id = report.remittances[0].remittance_id
        assert remittance_id is not None
        with TestClient(served.app) as client:
            yield Books(
                world,
                paid_id,
                denied_id,
                remittance_id,
                client,
                {"Authorization": f"Bearer {token}"},
            )
        world.audit()
    finally:
        served.embedded.close()
        world.close()
        get_settings.cache_clear()
        get_remit_settings.cache_clear()


def _check_money(document: dict[str, Any], expected: dict[str, str], remittance_id: str) -> None:
    assert document["status"] == expected["status"]
    money = document["money"]
    for name in MONEY:
        assert name in money, f"{name} missing from the claim's money"
        value = money[name]
        assert isinstance(value, str), f"{name} is {value!r}: not a Decimal string"
        assert Decimal(value) == Decimal(expected[name]) and value == expected[name], name
    [moved] = document["remittances"]
    assert moved["remittance_id"] == remittance_id
    assert moved["event_type"] == f"claim.{expected['status']}"
    assert moved["paid"] == expected["paid"]
    assert isinstance(moved["adjustments"], str) and isinstance(moved["denied"], str)


@pytest.mark.parametrize("which", ["paid", "denied"])
def test_get_claim_carries_status_money_and_the_remittances_that_moved_it(
    books: Books, which: str
) -> None:
    claim_id = books.paid_id if which == "paid" else books.denied_id
    answer = books.client.get(f"/v1/claims/{claim_id}", headers=books.headers)
    assert answer.status_code == 200, answer.text
    _check_money(answer.json(), EXPECTED[which], books.remittance_id)


@pytest.mark.parametrize("which", ["paid", "denied"])
@pytest.mark.parametrize("by", ["id", "pcn"])
def test_claims_show_json_carries_status_money_and_the_remittances_that_moved_it(
    books: Books, which: str, by: str
) -> None:
    claim_id = books.paid_id if which == "paid" else books.denied_id
    pcn = "PCN26031011" if which == "paid" else "PCN26031012"
    result = runner.invoke(cli, ["claims", "show", claim_id if by == "id" else pcn, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout[result.stdout.index("{") :])
    assert document["claim_id"] == claim_id
    _check_money(document, EXPECTED[which], books.remittance_id)
