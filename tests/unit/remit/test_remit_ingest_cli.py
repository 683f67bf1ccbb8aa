"""`revcycle ingest FILE.835` on the embedded default: routed to remit, answer and exit code.

Exit 0 only when every payment of the file was posted or recognised as a duplicate; a
refused (out of balance) file or one with unmatched payments exits 1 and says why.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from revcycle.cli import app
from services.remit.config import get_remit_settings
from services.remit.fee_schedules import find_fee_schedule
from shared.config import get_settings
from shared.events.registry import decode
from testsupport.claims import professional_claim
from testsupport.remit import ORG, RemitWorld, x12_835
from testsupport.remittances import claim_payment, remittance

runner = CliRunner()


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RemitWorld]:
    with _cli_world(tmp_path, monkeypatch) as w:
        yield w
        w.audit()


@contextmanager
def _cli_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RemitWorld]:
    """A world whose database the CLI (reading the environment) also uses."""
    w = RemitWorld(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'var' / 'revcycle.sqlite'}")
    monkeypatch.setenv("ORGANIZATION_ID", ORG)
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    get_settings.cache_clear()
    get_remit_settings.cache_clear()
    try:
        yield w
    finally:
        get_settings.cache_clear()
        get_remit_settings.cache_clear()
        w.close()


def _ingest(*paths: Path) -> tuple[int, object]:
    result = runner.invoke(app, ["ingest", "--json", *map(str, paths)])
    start = result.stdout.index("{") if "[" not in result.stdout[:2] else 0
    return result.exit_code, json.loads(result.stdout[start:])


def test_ingest_posts_an_835_exits_0_and_answers_per_claim(world: RemitWorld) -> None:
    claim = professional_claim()
    claim_id = world.create_submitted(claim)
    path = world.write(x12_835(remittance([claim_payment(claim)])))

    code, report = _ingest(path)
    assert code == 0, report
    assert isinstance(report, dict)
    assert report["service"] == "remit" and report["transaction"] == "835"
    (rmt,) = report["remittances"]
    assert rmt["remittance_id"].startswith("rmt_")
    assert rmt["trace_number"] == "EFT20260402001"
    assert rmt["payer"] == {"id": "87726", "name": "Sunshine Mutual Health Plan"}
    assert rmt["totals"]["paid"] == format(claim_payment(claim).paid, "f")
    assert [c["result"] for c in rmt["claims"]] == ["posted"]
    assert rmt["claims"][0]["claim_id"] == claim_id

    code, again = _ingest(path)
    assert code == 0
    assert isinstance(again, dict) and again["status"] == "duplicate"
    assert world.types(claim_id).count("claim.paid") == 1


def test_ingest_exits_1_for_an_out_of_balance_file_and_posts_nothing(world: RemitWorld) -> None:
    claim = professional_claim()
    claim_id = world.create_submitted(claim)
    paid = claim_payment(claim).paid
    text = x12_835(remittance([claim_payment(claim)])).replace(
        f"BPR*I*{paid:f}", f"BPR*I*{paid + 5:f}"
    )
    code, report = _ingest(world.write(text))

    assert code == 1
    assert isinstance(report, dict) and report["status"] == "refused"
    (imbalance,) = report["imbalances"]
    assert imbalance["check"] == "payment"
    assert (imbalance["expected"], imbalance["found"]) == (f"{paid:f}", f"{paid + 5:f}")
    assert "claim.paid" not in world.types(claim_id)


def test_ingest_exits_1_when_a_payment_is_left_unmatched(world: RemitWorld) -> None:
    claim = professional_claim()
    world.create_submitted(claim)
    stranger = dataclasses.replace(
        claim_payment(claim), patient_control_number="NOSUCH", member_id="NOBODY1"
    )
    stranger = dataclasses.replace(stranger, patient_last_name="STRANGER")
    code, report = _ingest(world.write(x12_835(remittance([stranger]))))

    assert code == 1
    assert isinstance(report, dict)
    assert report["remittances"][0]["claims"][0]["result"] == "unmatched"


def test_audit_ledger_exits_0_when_the_books_balance_and_1_naming_the_first_difference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _cli_world(tmp_path, monkeypatch) as world:
        claim = professional_claim()
        claim_id = world.create_submitted(claim)
        code, _ = _ingest(world.write(x12_835(remittance([claim_payment(claim)]))))
        assert code == 0

        balanced = runner.invoke(app, ["audit", "ledger"])
        assert balanced.exit_code == 0, balanced.output
        assert "ledger balances" in balanced.stdout

        # The same payment posted a second time (as a bug would): money nobody can explain.
        (paid,) = [e for e in world.events(claim_id) if e.type == "claim.paid"]
        world.append(claim_id, decode(paid), producer="remit")
        world.settle()
        broken = runner.invoke(app, ["audit", "ledger", "--json"])
        assert broken.exit_code == 1
        result = json.loads(broken.stdout)
        assert result["ok"] is False
        assert claim_id in result["first_difference"], result["first_difference"]


def test_remit_fee_schedule_load_stores_a_contract_and_refuses_a_bad_file_by_line(
    world: RemitWorld, tmp_path: Path
) -> None:
    good = tmp_path / "sunshine.yaml"
    good.write_text('rates:\n  - {procedure: "99213", rate: "80.00", effective_from: 2026-01-01}\n')
    loaded = runner.invoke(app, ["remit", "fee-schedule", "load", "87726", str(good)])
    assert loaded.exit_code == 0, loaded.output
    with world.embedded.engine.connect() as conn:
        stored = find_fee_schedule(conn, ORG, "87726")
    assert stored is not None and stored.schedule.rates[0].rate == Decimal("80.00")

    bad = tmp_path / "bad.yaml"
    bad.write_text('rates:\n  - {procedure: "99213", rate: "-1", effective_from: 2026-01-01}\n')
    refused = runner.invoke(app, ["remit", "fee-schedule", "load", "87726", str(bad)])
    assert refused.exit_code == 1
    assert "line 2" in refused.output


def test_remit_poll_posts_the_835s_of_the_inbound_folder(world: RemitWorld, tmp_path: Path) -> None:
    claim = professional_claim()
    claim_id = world.create_submitted(claim)
    inbound = tmp_path / "inbound"
    inbound.mkdir()
    (inbound / "pay.835").write_text(x12_835(remittance([claim_payment(claim)])))
    polled = runner.invoke(
        app,
        [
            "remit",
            "poll",
            "--outbound",
            str(tmp_path / "outbound"),
            "--inbound",
            str(inbound),
            "--once",
        ],
    )
    assert polled.exit_code == 0, polled.output
    assert "pay.835: posted" in polled.stdout
    assert world.types(claim_id).count("claim.paid") == 1
    assert not (inbound / "pay.835").exists()
