"""`revcycle demo` prints follow-up's queues, aging and KPIs after its claims and balances."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner


def test_the_demo_prints_queue_counts_aging_and_kpis(tmp_path: Path) -> None:
    from revcycle.cli import app

    result = CliRunner().invoke(app, ["demo", "--fresh", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    out = result.output
    for title in ("Work queues", "A/R aging by date of service", "KPIs"):
        assert title in out
    for queue in ("held", "rejections", "no-response", "timely-filing", "patient-balances"):
        assert queue in out
    assert "days in A/R" in out and "/app/" in out
    # The whole cycle ran: the queues hold what the payers' 835s made (a rejection at the
    # front end, a partial payment's bundling denial, an underpayment against the contract;
    # the outright denial was appealed, which takes it out of its denials queue).
    rows = {
        cells[0]: cells[1:]
        for line in out.splitlines()
        if len(cells := [c.strip() for c in line.strip("│┃ ").split("│")]) == 4
    }
    assert rows["rejections"] == ["1", "166.20", "0"]
    assert rows["denials.bundling"] == ["1", "412.60", "0"]
    assert rows["underpayments"][0] == "1" and rows["unmatched-remittances"][0] == "0"
    # Balances after posting: patients owe their coinsurance, the denial stays in insurance A/R.
    assert "394.75" in out and "887.55" in out and "1,282.30" in out
