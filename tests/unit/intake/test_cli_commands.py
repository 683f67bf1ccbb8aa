"""`revcycle demo` and `revcycle projections rebuild` on the embedded default (no servers)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from revcycle.cli import app
from services.followup import queries
from shared.auth import audit_log
from shared.config import get_settings
from shared.db import create_db_engine
from shared.eventstore.sql import SqlEventStore

runner = CliRunner()


def _state(database: Path) -> tuple[int, list[tuple[str, object]]]:
    engine = create_db_engine(f"sqlite:///{database}")
    try:
        # Claims created (the demo's claims part then submits them: more events follow).
        events = sum(1 for e in SqlEventStore(engine).read_all() if e.type == "claim.created")
        with engine.connect() as conn:
            # Account balances are computed from each claim's balances (follow-up's ledger).
            rows = [(a.account_id, a.charges) for a in queries.list_accounts(conn)]
    finally:
        engine.dispose()
    return events, rows


def _every_event(database: Path) -> list[tuple[str, int]]:
    """How many events of each type the store holds (paged: the demo writes hundreds)."""
    engine = create_db_engine(f"sqlite:///{database}")
    counts: dict[str, int] = {}
    try:
        store, after = SqlEventStore(engine), 0
        while batch := store.read_all(after=after):
            for envelope in batch:
                counts[envelope.type] = counts.get(envelope.type, 0) + 1
            position = batch[-1].position
            assert position is not None
            after = position
    finally:
        engine.dispose()
    return sorted(counts.items())


def test_the_demo_creates_sample_claims_once_and_fresh_starts_over(tmp_path: Path) -> None:
    first = runner.invoke(app, ["demo", "--data-dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    # The console wraps lines at its width (a longer temporary path moves the breaks).
    said = " ".join(first.output.split())
    assert "6 claims created" in said
    assert "4,206.05" in said  # total charges of the six samples
    # The claims part: submitted to the simulator, one rejected at the payer's front end.
    assert "6 submitted now" in said and "accepted by the payers: 5, rejected: 1" in said
    assert "Example rejected claim: DEMO-1004" in said and "STC A7:" in said
    # The payments part: the simulator's 835s posted through remit, the forced outcomes
    # (DEMO-1002 denied, DEMO-1003 underpaid, DEMO-2001 partially paid) and the rest paid;
    # then follow-up's statements and an appeal of the denied claim.
    assert (
        "posted now through remit: 4 remittance(s), 3 paid, 1 partially paid, 1 denied, "
        "1 underpaid, 0 unmatched, 0 duplicate; patient statements issued now: 3; "
        "appeals filed now: 1." in said
    )
    for status in ("paid", "partially_paid", "denied", "underpaid", "rejected"):
        assert f" {status} " in said
    database = tmp_path / "revcycle.sqlite"
    events, balances = _state(database)
    stored = _every_event(database)
    assert {"claim.paid", "claim.partially_paid", "claim.denied", "claim.underpaid"} <= {
        t for t, _ in stored
    }
    assert ("claim.appealed", 1) in stored and ("patient_account.statement_issued", 3) in stored
    # Six claims on five accounts (DEMO-1001 has two); none held by the scrubber: DEMO-1004
    # is refused later, by the payer's 277CA.
    assert events == 6 and len(balances) == 5
    engine = create_db_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        audited = conn.execute(
            sa.select(audit_log.c.resource_type, sa.func.count()).group_by(
                audit_log.c.resource_type
            )
        ).all()
    engine.dispose()
    assert sorted(tuple(r) for r in audited) == [("account", 5), ("claim", 6)]

    again = runner.invoke(app, ["demo", "--data-dir", str(tmp_path)])
    assert again.exit_code == 0, again.output
    assert "0 claims created, 6 already there" in " ".join(again.output.split())
    assert "0 submitted now" in " ".join(again.output.split()), "nothing is sent twice"
    assert (
        "posted now through remit: 0 remittance(s), 0 paid, 0 partially paid, 0 denied, "
        "0 underpaid, 0 unmatched, 0 duplicate; patient statements issued now: 0; "
        "appeals filed now: 0." in " ".join(again.output.split())
    ), "nothing is posted, issued or filed twice"
    assert _state(database) == (events, balances)
    assert _every_event(database) == stored, "the second run appended nothing"

    fresh = runner.invoke(app, ["demo", "--data-dir", str(tmp_path), "--fresh"])
    assert fresh.exit_code == 0, fresh.output
    assert "6 claims created" in " ".join(fresh.output.split())
    assert _state(database)[0] == 6


def test_projections_rebuild_replays_the_event_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(app, ["demo", "--data-dir", str(tmp_path)]).exit_code == 0
    database = tmp_path / "revcycle.sqlite"
    before = _state(database)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    get_settings.cache_clear()
    from services.followup.config import get_followup_settings

    get_followup_settings.cache_clear()
    try:
        result = runner.invoke(app, ["projections", "rebuild", "followup.account_balances"])
        # The demo's postings balance: charges = paid + adjustments + patient share + open.
        audit = runner.invoke(app, ["audit", "ledger"])
    finally:
        get_followup_settings.cache_clear()
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    # Every claim event of the whole cycle the balances projection reads (created,
    # submitted, acknowledged, posted, appealed...), replayed.
    assert "applied=40 dead_lettered=0" in result.output
    assert _state(database) == before
    assert audit.exit_code == 0, audit.output
    assert "4 remittances; posted payments 1578.96, 835 payments 1578.96" in audit.output

    unknown = runner.invoke(app, ["projections", "rebuild", "no.such"])
    assert unknown.exit_code != 0
