"""Follow-up: lifecycle events/s applied by its subscriptions, and the queue page with 100,000
open items, on PostgreSQL (and SQLite for comparison).

1. Apply rate. N claim lifecycles (created, submitted, accepted, then paid 60 %, denied
   20 %, underpaid 10 %, rejected 10 %; stand-in events appended as intake, claims and remit
   would, setup not measured) are appended to a fresh database's event table; then the
   follow-up subscriptions (the queue process, which appends work items, and every
   follow-up projection: claim views, ledger, queues) follow the table until caught up.
   events/s = events applied by all subscriptions / wall time (one event applied by four
   subscriptions counts four times), and per subscription.
2. On Kafka (`--only kafka`; PostgreSQL and the broker `--kafka`): a sustained load of
   `--kafka-lifecycles` lifecycles appended at `--rate` lifecycles/s while the outbox relay
   and one consumer per follow-up subscription (each on its own thread, as the workers run
   them) publish and apply them. Applied/s = events applied by all subscriptions / seconds
   from the first append to the last commit; end-to-end lag = an event's append
   (`recorded_at`) to the commit of the transaction that applied it, p50 and p99 per
   subscription and over all of them.
3. Queue page. 100,000 open items are added to the work-item table (bulk insert, setup);
   then the calls the page makes are timed through the follow-up app (HTTP in process,
   token check and audit included): `GET /v1/queues` (counts and dollars of every queue),
   the first page of 50 of the largest queue by priority, a page 50,000 items deep, and the
   page's static assets. Median and p95 of `--repeat` calls.

    .venv/bin/python bench/followup_bench.py --lifecycles 2000 --items 100000
    .venv/bin/python bench/followup_bench.py --only kafka --kafka-lifecycles 500 --rate 10

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


def lifecycles(events: StandIns, n: int, today: date, seed: int, rate: float | None = None) -> None:
    """Append `n` lifecycles, as fast as possible or paced at `rate` lifecycles/s."""
    rng = random.Random(seed)
    started = time.monotonic()
    for i in range(n):
        if rate:
            time.sleep(max(0.0, started + i / rate - time.monotonic()))
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


def bench_apply(
    url: str, n: int, seed: int, *, queue_per_event: bool = False
) -> tuple[int, float, dict[str, tuple[int, float]]]:
    """Append `n` lifecycles, then apply them with each subscription's runner in turn (the
    queue process first: the work-queue projection reads what it appends), timed apiece.
    `queue_per_event`: only the queue process, one event per transaction (as before it
    was batched), for the ratio."""
    from shared.messaging.process import Process

    settings = FollowupSettings(database_url=url, auth_jwt_secret=SECRET)
    deps = bootstrap(settings)  # migrations: event store and follow-up tables
    engine = deps.engine
    store = SqlEventStore(engine)
    lifecycles(StandIns(store, ORG), n, datetime.now(UTC).date(), seed)
    with engine.connect() as conn:
        appended = conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
    say(f"  {appended} lifecycle events in the table; applying")
    chosen = subscriptions(store=store)
    if queue_per_event:
        queue = chosen[0]
        chosen = [Process(queue.name, queue.handlers, queue.metadata)]
    applied: dict[str, tuple[int, float]] = {}
    total = 0.0
    for subscription in chosen:
        runner = EmbeddedRunner(store, engine, [subscription], decode_payload)
        start = time.perf_counter()
        results = runner.run_until_caught_up()
        elapsed = time.perf_counter() - start
        total += elapsed
        label = subscription.name + (" (one event per transaction)" if queue_per_event else "")
        applied[label] = (results[subscription.name].applied, elapsed)
        say(f"  {label}: {applied[label][0]} applied in {elapsed:.1f} s")
    engine.dispose()
    return int(appended), total, applied


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else 0.0


def bench_kafka(
    url: str, servers: str, n: int, rate: float, seed: int
) -> tuple[int, float, dict[str, tuple[int, float, float]]]:
    """Sustained load through the outbox relay and Kafka: `n` lifecycles appended at `rate`
    lifecycles/s while the relay and one consumer per follow-up subscription run, each on
    its own thread. Lag = an event's append (its `recorded_at`) to the commit of the
    transaction that applied it, per subscription. Returns (events appended, seconds from
    the first append to the last commit, name -> (applied, lag p50 s, lag p99 s))."""
    import dataclasses
    import threading

    from shared.events.topics import ALL_TOPICS, DEAD_LETTER, topic_for
    from shared.messaging.consumer import ConsumerConfig, SubscriptionConsumer
    from shared.messaging.kafka import delete_topics, ensure_topics, make_producer, topic_name
    from shared.messaging.relay import Relay, RelayConfig

    settings = FollowupSettings(database_url=url, auth_jwt_secret=SECRET)
    deps = bootstrap(settings)
    engine = deps.engine
    store = SqlEventStore(engine)
    prefix = f"bench.followup.{uuid.uuid4().hex[:8]}."
    ensure_topics(servers, partitions=3, prefix=prefix)
    names = {t.name: topic_name(t, prefix) for t in ALL_TOPICS}
    lags: dict[str, list[float]] = {}
    last_commit = [0.0]
    consumers: list[SubscriptionConsumer] = []
    for subscription in subscriptions(store=store):
        pending: dict[Any, datetime] = {}
        lags[subscription.name] = []

        def wrap(handler: Any, pending: dict[Any, datetime] = pending) -> Any:
            def handle(conn: Any, event: Any, envelope: Any) -> None:
                handler(conn, event, envelope)
                pending[envelope.event_id] = envelope.recorded_at

            return handle

        def committed(
            _: Any,
            pending: dict[Any, datetime] = pending,
            out: list[float] = lags[subscription.name],
        ) -> None:
            now = datetime.now(UTC)
            out.extend((now - at).total_seconds() for at in pending.values())
            pending.clear()
            last_commit[0] = time.monotonic()

        measured = dataclasses.replace(
            subscription, handlers={t: wrap(h) for t, h in subscription.handlers.items()}
        )
        config = ConsumerConfig(
            bootstrap_servers=servers,
            topics=sorted({names[topic_for(t).name] for t in subscription.event_types}),
            group_id=f"{prefix}{subscription.name}",
            dead_letter_topic=names[DEAD_LETTER.name],
            client_id=f"{prefix}{subscription.name}",
            poll_timeout_ms=100,
            replay_from_beginning=True,  # partitions taken directly: no rebalance to wait for
        )
        consumer = SubscriptionConsumer(
            config, engine, measured, decode_payload, after_db_commit=committed
        )
        consumer.open()
        consumers.append(consumer)
    producer = make_producer(servers)
    relay = Relay(store, producer, RelayConfig(name=f"{prefix}relay", topic_names=names))
    stop = threading.Event()

    def consume(consumer: SubscriptionConsumer) -> None:
        while not stop.is_set():
            consumer.poll_once()

    threads = [threading.Thread(target=relay.run, args=(stop,), daemon=True)]
    threads += [threading.Thread(target=consume, args=(c,), daemon=True) for c in consumers]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    lifecycles(StandIns(store, ORG), n, datetime.now(UTC).date(), seed, rate=rate)
    say(f"  appended {n} lifecycles in {time.monotonic() - started:.0f} s; draining")
    with engine.connect() as conn:
        appended = int(conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one())
    quiet = 0
    while quiet < 10:  # 5 s without a commit anywhere: drained
        before = last_commit[0]
        time.sleep(0.5)
        quiet = quiet + 1 if last_commit[0] == before else 0
    elapsed = last_commit[0] - started
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    for consumer in consumers:
        consumer.close()
    producer.close()
    delete_topics(servers, list(names.values()))
    engine.dispose()
    out = {
        c.subscription.name: (
            c.stats.applied,
            percentile(lags[c.subscription.name], 0.50),
            percentile(lags[c.subscription.name], 0.99),
        )
        for c in consumers
    }
    every = [lag for values in lags.values() for lag in values]
    out["all follow-up subscriptions"] = (
        sum(c.stats.applied for c in consumers),
        percentile(every, 0.50),
        percentile(every, 0.99),
    )
    return appended, elapsed, out


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
    parser.add_argument(
        "--kafka",
        default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
        help="Kafka bootstrap servers of the lag run",
    )
    parser.add_argument("--kafka-lifecycles", type=int, default=500)
    parser.add_argument(
        "--rate", type=float, default=10.0, help="lifecycles/s appended during the lag run"
    )
    parser.add_argument("--only", choices=("apply", "kafka", "page"), action="append")
    parser.add_argument(
        "--compare-per-event",
        action="store_true",
        help="also apply the queue process one event per transaction (a fresh database)",
    )
    args = parser.parse_args()
    parts = set(args.only or ("apply", "kafka", "page"))
    if "kafka" in parts:
        say(f"Kafka: {args.kafka_lifecycles} lifecycles at {args.rate}/s through relay and Kafka")
        with postgres(args.database_url) as url:
            appended, elapsed, measured = bench_kafka(
                url, args.kafka, args.kafka_lifecycles, args.rate, args.seed
            )
        table = Table(
            title=(
                f"Follow-up on Kafka: {args.kafka_lifecycles} lifecycles at {args.rate:g}/s "
                f"({appended:,} events appended), PostgreSQL"
            )
        )
        for column in ("subscription", "applied", "s", "applied/s", "lag p50 s", "lag p99 s"):
            table.add_column(column)
        for name, (count, p50, p99) in measured.items():
            table.add_row(
                name,
                f"{count:,}",
                f"{elapsed:.1f}",
                f"{count / elapsed:,.0f}",
                f"{p50:.2f}",
                f"{p99:.2f}",
            )
        Console(width=140).print(table)
    apply_rows = []
    page_rows: list[tuple[str, str, float, float]] = []
    targets: list[tuple[str, Any]] = [("PostgreSQL", lambda: postgres(args.database_url))]
    if args.sqlite:

        @contextmanager
        def sqlite() -> Iterator[str]:
            with tempfile.TemporaryDirectory() as folder:
                yield f"sqlite:///{folder}/bench.sqlite"

        targets.append(("SQLite", sqlite))
    for label, database in targets if parts & {"apply", "page"} else []:
        with database() as url:
            if "apply" in parts:
                say(f"{label}: {args.lifecycles} lifecycles")
                appended, elapsed, applied = bench_apply(url, args.lifecycles, args.seed)
                total = sum(a for a, _ in applied.values())
                apply_rows.append((label, "all follow-up subscriptions", appended, total, elapsed))
                for name, (count, seconds) in applied.items():
                    apply_rows.append((label, name, appended, count, seconds))
        if "apply" in parts and args.compare_per_event:
            with database() as url:
                say(f"{label}: the queue process one event per transaction, for the ratio")
                appended, _, applied = bench_apply(
                    url, args.lifecycles, args.seed, queue_per_event=True
                )
                for name, (count, seconds) in applied.items():
                    apply_rows.append((label, name, appended, count, seconds))
            if "page" in parts:
                for row in bench_page(url, args.items, args.repeat):
                    page_rows.append((label, *row))
    if apply_rows:
        table = Table(title="Follow-up subscriptions: lifecycle events applied")
        for column in ("database", "subscription", "events in table", "applied", "s", "applied/s"):
            table.add_column(column)
        for label, name, appended, count, elapsed in apply_rows:
            table.add_row(
                label,
                name,
                f"{appended:,}",
                f"{count:,}",
                f"{elapsed:.1f}",
                f"{count / elapsed:,.0f}",
            )
        Console(width=140).print(table)
    if not page_rows:
        return
    table = Table(title=f"Queue page with {args.items:,} open items (ms)")
    for column in ("database", "call", "median ms", "p95 ms"):
        table.add_column(column)
    for label, call, median, p95 in page_rows:
        table.add_row(label, call, f"{median:.1f}", f"{p95:.1f}" if p95 else "")
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
