"""`revcycle demo` and `revcycle projections rebuild` on the embedded default (no servers)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from revcycle.cli import app
from services.followup.tables import accounts
from shared.auth import audit_log
from shared.config import get_settings
from shared.db import create_db_engine
from shared.eventstore.sql import SqlEventStore

runner = CliRunner()


def _state(database: Path) -> tuple[int, list[tuple[str, object]]]:
    engine = create_db_engine(f"sqlite:///{database}")
    try:
        events = len(SqlEventStore(engine).read_all())
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(accounts.c.account_id, accounts.c.charges).order_by(accounts.c.account_id)
            ).all()
    finally:
        engine.dispose()
    return events, [tuple(r) for r in rows]


def test_the_demo_creates_sample_claims_once_and_fresh_starts_over(tmp_path: Path) -> None:
    first = runner.invoke(app, ["demo", "--data-dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    assert "6 claims created" in first.output
    assert "4,206.05" in first.output  # total charges of the six samples
    database = tmp_path / "revcycle.sqlite"
    events, balances = _state(database)
    # Six claims; one held by the scrubber (DEMO-1004 leaves out the patient's address).
    assert events == 7 and len(balances) == 5
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
    assert _state(database) == (events, balances)

    fresh = runner.invoke(app, ["demo", "--data-dir", str(tmp_path), "--fresh"])
    assert fresh.exit_code == 0, fresh.output
    assert "6 claims created" in fresh.output
    assert _state(database)[0] == 7


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
    finally:
        get_followup_settings.cache_clear()
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "applied=6" in result.output
    assert _state(database) == before

    unknown = runner.invoke(app, ["projections", "rebuild", "no.such"])
    assert unknown.exit_code != 0
