"""docs/kpis.md documents every KPI the API returns, and each figure is its documented formula
applied to the `counts` returned beside it (so the document and the code cannot drift)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from services.followup.reports import KpiRow
from tests.unit.followup.test_office_day import SPECIALIST, TODAY, days_ago, morning

DOC = Path(__file__).resolve().parents[3] / "docs" / "kpis.md"
KPIS = [n for n in KpiRow.model_fields if n not in ("payer_id", "month", "counts")]


def pct(n: Decimal, d: Decimal) -> Decimal | None:
    return None if not d else (n * 100 / d).quantize(Decimal("0.01"), ROUND_HALF_UP)


def one(v: Decimal) -> Decimal:
    return v.quantize(Decimal("0.1"), ROUND_HALF_UP)


def documented(c: dict[str, Any]) -> dict[str, Decimal | None]:
    """The formulas as docs/kpis.md writes them."""
    n = {k: Decimal(str(v)) for k, v in c.items()}
    daily = n["charges"] / n["days"] if n["days"] and n["charges"] else None
    return {
        "days_in_ar": one(n["ar_end"] / daily) if daily else None,
        "clean_claim_rate": pct(n["clean"], n["first_submitted"]),
        "first_pass_resolution_rate": pct(n["first_pass_resolved"], n["first_adjudicated"]),
        "initial_denial_rate": pct(n["denied_count"], n["first_adjudicated"]),
        "initial_denial_rate_dollars": pct(n["denied_charges"], n["adjudicated_charges"]),
        "denial_overturn_rate": pct(n["overturned"], n["initially_denied"]),
        "net_collection_rate": pct(n["payments"], n["charges"] - n["contractual"]),
        "ar_over_90_pct": pct(n["ar_over_90"], n["ar_end"]),
        "avg_days_to_payment": (
            one(n["days_to_payment"] / n["paid_claims"]) if n["paid_claims"] else None
        ),
    }


def test_the_kpi_document_gives_a_formula_for_every_kpi_the_api_returns() -> None:
    text = DOC.read_text(encoding="utf-8")
    table = {m.group(1): m.group(2) for m in re.finditer(r"\(`(\w+)`\) \| `([^`]+)`", text)}
    assert sorted(table) == sorted(KPIS)
    for formula in table.values():
        for name in re.findall(r"[a-z_0-9]+", formula):
            assert name in _COUNT_NAMES, name


_COUNT_NAMES = {
    "charges", "payments", "contractual", "ar_end", "ar_over_90", "days", "first_submitted",
    "clean", "first_adjudicated", "first_pass_resolved", "denied_count", "adjudicated_charges",
    "denied_charges", "initially_denied", "overturned", "paid_claims", "days_to_payment", "100",
}  # fmt: skip


def test_every_kpi_row_is_its_documented_formula_over_its_counts(office: Any) -> None:
    built, client, events = office
    morning(events)
    built.project()
    report = client.get(
        f"/v1/reports/kpis?from={days_ago(120)}&to={TODAY}", headers=SPECIALIST
    ).json()
    rows = [*report["rows"], *report["by_payer"], report["total"]]
    assert len(rows) >= 3
    assert set(report["total"]["counts"]) == _COUNT_NAMES - {"100"}
    for row in rows:
        expected = documented(row["counts"])
        for name in KPIS:
            got = None if row[name] is None else Decimal(row[name])
            assert got == expected[name], (row["payer_id"], row["month"], name)
    # The total's inputs are what the office's morning says: 5 submitted, B rejected.
    counts = report["total"]["counts"]
    assert (counts["first_submitted"], counts["clean"]) == (5, 4)
    assert (counts["first_adjudicated"], counts["denied_count"]) == (3, 1)
    assert Decimal(counts["denied_charges"]) == Decimal("300.00")
