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
