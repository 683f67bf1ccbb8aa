"""The office at a glance for the terminal (`revcycle demo`): queue counts and dollars, A/R
aging by payer, and the KPIs, as rich tables read from the follow-up read models."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.table import Table
    from sqlalchemy import Engine

KPI_LABELS = (
    ("days_in_ar", "days in A/R"),
    ("clean_claim_rate", "clean claim rate %"),
    ("first_pass_resolution_rate", "first-pass resolution %"),
    ("initial_denial_rate", "initial denial rate %"),
    ("initial_denial_rate_dollars", "initial denial rate $ %"),
    ("denial_overturn_rate", "denial overturn %"),
    ("net_collection_rate", "net collection %"),
    ("ar_over_90_pct", "A/R over 90 days %"),
    ("avg_days_to_payment", "avg days to payment"),
)


def office_tables(engine: Engine, organization_id: str, now: datetime) -> list[Table]:
    """Work queues, aging (by date of service) and KPIs over the last 180 days."""
    from rich.table import Table

    from services.followup.queue_queries import queue_summaries
    from services.followup.reports import BUCKETS, aging, kpis

    today: date = now.date()
    with engine.connect() as conn:
        queues = queue_summaries(conn, organization_id, now)
        ages = aging(conn, organization_id, today)
        figures = kpis(conn, organization_id, today - timedelta(days=180), today)

    queue_table = Table(title="Work queues (followup.work_queues)")
    for column in ("queue", "open", "dollars at stake", "overdue"):
        queue_table.add_column(column, justify="left" if column == "queue" else "right")
    for q in queues:
        queue_table.add_row(q.name, str(q.open), f"{q.dollars:,.2f}", str(q.overdue))

    aging_table = Table(title=f"A/R aging by date of service as of {today}")
    aging_table.add_column("payer")
    for bucket in (*BUCKETS, "total"):
        aging_table.add_column(bucket, justify="right")
    for row in (*ages.rows, ages.total):
        aging_table.add_row(
            row.payer_id, *(f"{row.buckets[b]:,.2f}" for b in BUCKETS), f"{row.total:,.2f}"
        )

    kpi_table = Table(title=f"KPIs {figures.period_from} to {figures.period_to} (docs/kpis.md)")
    kpi_table.add_column("payer")
    for _, label in KPI_LABELS:
        kpi_table.add_column(label, justify="right")
    for kpi_row in (*figures.by_payer, figures.total):
        values = kpi_row.model_dump()
        kpi_table.add_row(
            kpi_row.payer_id,
            *("n/a" if values[key] is None else str(values[key]) for key, _ in KPI_LABELS),
        )
    return [queue_table, aging_table, kpi_table]
