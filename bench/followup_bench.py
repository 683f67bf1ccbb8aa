"""Follow-up: lifecycle events/s applied by its subscriptions, and the queue page with 100,000
open items, on PostgreSQL (and SQLite for comparison).

1. Apply rate. N claim lifecycles (created, submitted, accepted, then paid 60 %, denied
   20 %, underpaid 10 %, rejected 10 %; stand-in events appended as intake, claims and remit
   would, setup not measured) are appended to a fresh database's event table; then the
   follow-up subscriptions (the queue process, which appends work items, and every
   follow-up projection: claim views, ledger, queues) follow the table until caught up.
   events/s = events applied by all subscriptions / wall time (one event applied by four
   subscriptions counts four times), and per subscription.
2. Queue page. 100,000 open items are added to the work-item table (bulk insert, setup);
   then the calls the page makes are timed through the follow-up app (HTTP in process,
   token check and audit included): `GET /v1/queues` (counts and dollars of every queue),
   the first page of 50 of the largest queue by priority, a page 50,000 items deep, and the
   page's static assets. Median and p95 of `--repeat` calls.

    .venv/bin/python bench/followup_bench.py --lifecycles 2000 --items 100000

Progress goes to stderr; the table to stdout.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from devtools.resolve import admin_conninfo, with_database  # noqa: E402
from services.followup.bootstrap import bootstrap, create_app, subscriptions  # noqa: E402
from services.followup.config import FollowupSettings  # noqa: E402
from services.followup.projections import decode_payload  # noqa: E402
from services.followup.tables import work_items  # noqa: E402
from shared.auth import ROLE_ACCOUNTS_READ, ROLE_CLAIMS_READ, issue_token  # noqa: E402
from shared.db import create_db_engine  # noqa: E402
from shared.eventstore.sql import SqlEventStore  # noqa: E402
from shared.messaging.embedded import EmbeddedRunner  # noqa: E402
from testsupport.followup import StandIns, office_claim  # noqa: E402

ORG = "bench-org"
SECRET = "bench-secret-" + "x" * 40
D = Decimal


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def postgres(admin_url: str) -> Iterator[str]:
    database = f"bench_followup_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_conninfo(admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    try:
        yield with_database(admin_url, database)
    finally:
        with psycopg.connect(admin_conninfo(admin_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def lifecycles(events: StandIns, n: int, today: date, seed: int) -> None:
    rng = random.Random(seed)
    started = time.monotonic()
    for i in range(n):
        cid, pcn = f"clm-{i:07d}", f"PCN-{i % (n // 2 or 1):06d}"
        charge = D(rng.choice(["95.00", "145.00", "210.00", "380.00"]))
        dos = rng.randint(20, 200)
        events.created(cid, office_claim(today, pcn, str(charge), dos), today - timedelta(dos - 2))
        events.submitted(cid, "87726", charge, today - timedelta(dos - 3))
        roll = rng.random()
        paid_on = today - timedelta(max(dos - 30, 1))
        if roll < 0.10:
            events.rejected(cid, today - timedelta(dos - 4))
            continue
        events.accepted(cid, today - timedelta(dos - 4), f"P{i}")
        if roll < 0.30:
            events.adjudicated(
                "denied", cid, payer_id="87726", charge=charge, paid=D("0.00"),
                adjustments=[("CO", "50", charge, 1)], paid_on=paid_on,
                denial_category="medical-necessity", status="4",
            )  # fmt: skip
            continue
        copay = D("20.00")
        contractual = (charge * D("0.25")).quantize(D("0.01"))
        paid = charge - copay - contractual
        events.adjudicated(
            "paid", cid, payer_id="87726", charge=charge, paid=paid,
            adjustments=[("CO", "45", contractual, 1), ("PR", "3", copay, 1)], paid_on=paid_on,
        )  # fmt: skip
        if roll < 0.40:
            events.underpaid(cid, paid + D("15.00"), paid, paid_on)
        if i and i % 250 == 0:
            say(f"  appended {i}/{n} lifecycles ({time.monotonic() - started:.0f} s)")


def bench_apply(url: str, n: int, seed: int) -> tuple[int, float, dict[str, tuple[int, float]]]:
    settings = FollowupSettings(database_url=url, auth_jwt_secret=SECRET)
    deps = bootstrap(settings)  # migrations: event store and follow-up tables
    engine = deps.engine
    store = SqlEventStore(engine)
    lifecycles(StandIns(store, ORG), n, datetime.now(UTC).date(), seed)
    with engine.connect() as conn:
        appended = conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
    say(f"  {appended} lifecycle events in the table; applying")
    runner = EmbeddedRunner(store, engine, subscriptions(store=store), decode_payload)
    start = time.perf_counter()
    results = runner.run_until_caught_up()
    elapsed = time.perf_counter() - start
    applied = {name: (r.applied, elapsed) for name, r in results.items()}
    engine.dispose()
    return int(appended), elapsed, applied


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, float]:
    call()  # warm
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def bench_page(url: str, items: int, repeat: int) -> list[tuple[str, float, float]]:
    from fastapi.testclient import TestClient

    settings = FollowupSettings(database_url=url, auth_jwt_secret=SECRET)
    app = create_app(settings)
    engine = create_db_engine(url)
    rng = random.Random(7)
    queues = ["denials.medical-necessity", "underpayments", "no-response", "rejections", "held"]
    now = datetime.now(UTC)
    say(f"  inserting {items} open work items")
    with engine.begin() as conn:
        for start in range(0, items, 5000):
            rows = []
            for i in range(start, min(items, start + 5000)):
                amount = D(rng.randint(2000, 900000)) / 100
                rows.append(
                    dict(
                        organization_id=ORG, item_id=f"wi-bench-{i:07d}",
                        queue=queues[0] if i % 2 else rng.choice(queues), status="open",
                        claim_id=f"clm-b{i:07d}", account_id=None, payer_id="87726",
                        reference=None, amount_at_stake=amount, risk_of_loss="0.65",
                        priority=(amount * D("0.65")).quantize(D("0.01")),
                        age_from=now.date() - timedelta(rng.randint(1, 200)),
                        deadline=now.date() + timedelta(rng.randint(-10, 170)),
                        reason="CO-50: not medically necessary", claimed_by=None,
                        claim_expires_at=None, assignee=None, snoozed_until=None, outcome=None,
                        opened_at=now, updated_at=now, stream_version=1,
                    )
                )  # fmt: skip
            conn.execute(sa.insert(work_items), rows)
    with engine.connect() as conn:
        conn.execute(sa.text("ANALYZE")) if engine.dialect.name == "postgresql" else None
        largest = conn.execute(
            sa.select(work_items.c.queue, sa.func.count())
            .where(work_items.c.status == "open")
            .group_by(work_items.c.queue)
            .order_by(sa.func.count().desc())
        ).first()
    assert largest is not None
    queue, size = largest
    jwt = issue_token(
        subject="bench", organization_id=ORG,
        roles=[ROLE_CLAIMS_READ, ROLE_ACCOUNTS_READ, "followup:supervise"], secret=SECRET,
    )  # fmt: skip
    headers = {"Authorization": f"Bearer {jwt}"}
    out = []
    with TestClient(app) as client:

        def get(path: str) -> Callable[[], Any]:
            def call() -> Any:
                response = client.get(path, headers=headers)
                assert response.status_code == 200, (path, response.status_code, response.text)
                return response

            return call

        total = sum(q["open"] for q in get("/v1/queues")().json())
        say(f"  {total} open items; largest queue {queue} ({size})")
        for label, path in (
            (f"GET /v1/queues ({total:,} open items)", "/v1/queues"),
            (
                f"GET /v1/queues/{queue}/items first 50 by priority ({size:,} in queue)",
                f"/v1/queues/{queue}/items?sort=priority&limit=50",
            ),
            (
                "same, 50 items from offset 50,000",
                f"/v1/queues/{queue}/items?sort=priority&limit=50&offset=50000",
            ),
            (
                "same, first 50 by deadline",
                f"/v1/queues/{queue}/items?sort=deadline&limit=50",
            ),
        ):
            say(f"  timing {label}")
            median, p95 = timed(get(path), repeat)
            out.append((label, median, p95))
        assets = [get(f"/app/{name}") for name in ("", "app.js", "app.css")]
        median, p95 = timed(lambda: [a() for a in assets], repeat)
        out.append(("page assets (index.html, app.js, app.css)", median, p95))
        first = [out[0][1], out[1][1], out[-1][1]]
        out.append(("queue screen (assets + /v1/queues), sum of medians", sum(first[::2]), 0.0))
        out.append(("queue items screen (assets + first page), sum of medians",
                    first[1] + first[2], 0.0))  # fmt: skip
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lifecycles", type=int, default=2000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--sqlite", action="store_true", help="also measure on SQLite")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:55432/postgres"
        ),
    )
    args = parser.parse_args()
    apply_rows = []
    page_rows: list[tuple[str, str, float, float]] = []
    targets: list[tuple[str, Any]] = [("PostgreSQL", lambda: postgres(args.database_url))]
    if args.sqlite:

        @contextmanager
        def sqlite() -> Iterator[str]:
            with tempfile.TemporaryDirectory() as folder:
                yield f"sqlite:///{folder}/bench.sqlite"

        targets.append(("SQLite", sqlite))
    for label, database in targets:
        say(f"{label}: {args.lifecycles} lifecycles")
        with database() as url:
            appended, elapsed, applied = bench_apply(url, args.lifecycles, args.seed)
            total = sum(a for a, _ in applied.values())
            apply_rows.append((label, "all follow-up subscriptions", appended, total, elapsed))
            for name, (count, _) in applied.items():
                apply_rows.append((label, name, appended, count, elapsed))
            for row in bench_page(url, args.items, args.repeat):
                page_rows.append((label, *row))
    table = Table(title="Follow-up subscriptions: lifecycle events applied")
    for column in ("database", "subscription", "events in table", "applied", "s", "applied/s"):
        table.add_column(column)
    for label, name, appended, count, elapsed in apply_rows:
        table.add_row(
            label, name, f"{appended:,}", f"{count:,}", f"{elapsed:.1f}", f"{count / elapsed:,.0f}"
        )
    Console(width=140).print(table)
    table = Table(title=f"Queue page with {args.items:,} open items (ms)")
    for column in ("database", "call", "median ms", "p95 ms"):
        table.add_column(column)
    for label, call, median, p95 in page_rows:
        table.add_row(label, call, f"{median:.1f}", f"{p95:.1f}" if p95 else "")
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
