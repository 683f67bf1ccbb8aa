"""Benchmark: event store appends (batched, one per transaction) and relay publish rate.

Runs against real servers: PostgreSQL (a throwaway database created and dropped on the
server of DATABASE_URL) and Kafka (throwaway topics), plus SQLite for the embedded default.

    eval "$(revcycle infra env)"
    .venv/bin/python bench/eventstore_bench.py
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

# testsupport/ (test factories) is not installed: import it from the checkout.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from shared.db import create_db_engine  # noqa: E402
from shared.events import EventEnvelope, to_envelopes  # noqa: E402
from shared.events.claim_snapshot import snapshot_v1
from shared.events.claims import ClaimCreated, ClaimWrittenOff  # noqa: E402
from shared.events.patient_account import patient_account_id  # noqa: E402
from shared.events.topics import ALL_TOPICS  # noqa: E402
from shared.eventstore.migrations import upgrade  # noqa: E402
from shared.eventstore.sql import SqlEventStore  # noqa: E402
from shared.messaging.kafka import delete_topics, ensure_topics, make_producer, topic_name  # noqa: E402
from shared.messaging.relay import Relay, RelayConfig  # noqa: E402
from testsupport.claims import professional_claim  # noqa: E402

NOW = datetime.now(UTC)


def batch(claim_id: str, version: int, size: int) -> list[EventEnvelope]:
    events = [
        ClaimWrittenOff(claim_id=claim_id, amount=Decimal("1.25"), reason_code="B", reason="bench")
        for _ in range(size)
    ]
    return to_envelopes(
        events,
        expected_version=version,
        occurred_at=NOW,
        organization_id="bench",
        producer="followup",  # the owner of claim.written_off
    )


def timed(label: str, n: int, fn: Callable[[], None]) -> tuple[str, int, float]:
    print(f"  running: {label} ({n} events)...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    fn()
    return label, n, time.perf_counter() - start


def append_one_per_tx(store: SqlEventStore, n: int, streams: int = 50) -> None:
    versions = [0] * streams
    for i in range(n):
        s = i % streams
        store.append(f"clm-{s}", versions[s], batch(f"clm-{s}", versions[s], 1))
        versions[s] += 1


def append_batched(store: SqlEventStore, n: int, size: int) -> None:
    for b in range(n // size):
        store.append(f"bat-{b}", 0, batch(f"bat-{b}", 0, size))


def append_concurrently(store: SqlEventStore, n: int, threads: int) -> None:
    per = n // threads

    def work(t: int) -> None:
        for i in range(per):
            store.append(f"thr-{t}-{i}", 0, batch(f"thr-{t}-{i}", 0, 1))

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def claim_created_backlog(store: SqlEventStore, n: int) -> None:
    claim = professional_claim()
    account = patient_account_id("bench", claim.patient_control_number)
    for b in range(n // 100):
        envelopes = []
        for i in range(100):
            claim_id = f"cc-{b}-{i}"
            envelopes += to_envelopes(
                [
                    ClaimCreated(
                        claim_id=claim_id,
                        account_id=account,
                        organization_id="bench",
                        claim=snapshot_v1(claim),
                    )
                ],
                expected_version=0,
                occurred_at=NOW,
                organization_id="bench",
                producer="intake",
            )
        with store.engine.begin() as conn:  # 100 streams, one transaction
            for e in envelopes:
                store.append_in(conn, e.stream_id, 0, [e])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", ""))
    parser.add_argument("--single", type=int, default=3000, help="events, one per transaction")
    parser.add_argument("--batched", type=int, default=30000, help="events, 100 per transaction")
    parser.add_argument("--relay", type=int, default=20000, help="backlog the relay publishes")
    args = parser.parse_args()
    if not args.database_url or not args.bootstrap:
        sys.exit('set DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS (eval "$(revcycle infra env)")')

    admin = make_url(args.database_url).set(drivername="postgresql")
    dbname = f"bench_eventstore_{uuid.uuid4().hex[:8]}"
    conninfo = admin.set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    pg_url = make_url(args.database_url).set(database=dbname).render_as_string(hide_password=False)
    prefix = f"bench.{uuid.uuid4().hex[:8]}."
    rows: list[tuple[str, int, float]] = []
    try:
        upgrade(pg_url)
        pg = SqlEventStore(create_db_engine(pg_url, pool_size=8))
        rows.append(
            timed(
                "PostgreSQL append, 1 event/tx",
                args.single,
                lambda: append_one_per_tx(pg, args.single),
            )
        )
        rows.append(
            timed(
                "PostgreSQL append, 100 events/tx",
                args.batched,
                lambda: append_batched(pg, args.batched, 100),
            )
        )
        rows.append(
            timed(
                "PostgreSQL append, 1 event/tx, 4 threads",
                args.single,
                lambda: append_concurrently(pg, args.single, 4),
            )
        )
        with tempfile.TemporaryDirectory() as tmp:
            sqlite_url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
            upgrade(sqlite_url)
            lite = SqlEventStore(create_db_engine(sqlite_url))
            rows.append(
                timed(
                    "SQLite append, 1 event/tx",
                    args.single,
                    lambda: append_one_per_tx(lite, args.single),
                )
            )
            rows.append(
                timed(
                    "SQLite append, 100 events/tx",
                    args.batched,
                    lambda: append_batched(lite, args.batched, 100),
                )
            )
            lite.engine.dispose()

        with pg.engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE events, relay_checkpoints RESTART IDENTITY")
        claim_created_backlog(pg, args.relay)
        ensure_topics(args.bootstrap, partitions=3, prefix=prefix)
        names = {t.name: topic_name(t, prefix) for t in ALL_TOPICS}
        for reporting, name in ((False, "relay"), (True, "relay+reporting")):
            producer = make_producer(args.bootstrap)
            relay = Relay(
                pg,
                producer,
                RelayConfig(
                    name=name, batch_size=500, topic_names=names, publish_reporting=reporting
                ),
            )
            size = len(pg.read_all(limit=1)[0].model_dump_json()) / 1024
            label = f"Relay to Kafka, claim.created ({size:.1f} KB)" + (
                " + reporting copy" if reporting else ""
            )
            rows.append(timed(label, args.relay, lambda r=relay: r.run_once() and None))
            producer.close()
        pg.engine.dispose()
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        try:
            delete_topics(args.bootstrap, [topic_name(t, prefix) for t in ALL_TOPICS])
        except Exception as exc:  # noqa: BLE001 - cleanup only
            print(f"could not delete bench topics: {exc}", file=sys.stderr)

    print(f"| {'measure':55} | {'events':>7} | {'seconds':>8} | {'events/s':>9} |")
    print(f"|{'-' * 57}|{'-' * 9}|{'-' * 10}|{'-' * 11}|")
    for label, n, secs in rows:
        print(f"| {label:55} | {n:7d} | {secs:8.2f} | {n / secs:9.0f} |")


if __name__ == "__main__":
    main()
