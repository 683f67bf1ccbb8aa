"""Projection apply rate: claim.created events/s from real Kafka into PostgreSQL, and embedded.

Kafka -> PostgreSQL: N envelopes are produced to a fresh 3-partition topic, then one
SubscriptionConsumer per projection applies them into a fresh database; the clock runs from
the first non-empty poll to the last commit (group join excluded). `--per-event` also
measures max_poll_records=1 (one transaction and one offset commit per event).
Embedded: the same events appended to a SQLite event table, then EmbeddedRunner.

    .venv/bin/python bench/projection_bench.py --events 20000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from kafka import KafkaProducer  # noqa: E402
from kafka.admin import KafkaAdminClient, NewTopic  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from devtools.resolve import admin_conninfo, with_database  # noqa: E402
from services.followup.bootstrap import consumer_for, embedded_runner, prepare_database  # noqa: E402
from services.followup.config import FollowupSettings  # noqa: E402
from services.followup.projections import PROJECTIONS  # noqa: E402
from services.intake.bootstrap import prepare_database as prepare_event_store  # noqa: E402
from services.intake.domain import created_event  # noqa: E402
from shared.claim_model import ServiceLine  # noqa: E402
from shared.db import create_db_engine  # noqa: E402
from shared.events.envelope import EventEnvelope  # noqa: E402
from shared.events.registry import to_envelope  # noqa: E402
from shared.eventstore.sql import SqlEventStore  # noqa: E402
from testsupport.claims import professional_claim  # noqa: E402

ORG = "bench-org"


def make_events(n: int) -> list[EventEnvelope]:
    base = professional_claim()
    at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    events = []
    for i in range(n):
        claim = base.model_copy(
            update={
                "patient_control_number": f"PCN-{i % 5000}",
                "lines": (
                    ServiceLine(line_number=1, procedure_code="99213", charge=Decimal("125.00")),
                ),
                "total_charge": Decimal("125.00"),
            }
        )
        event = created_event(claim, claim_id=f"clm_{i:08d}", organization_id=ORG)
        events.append(
            to_envelope(
                event, stream_version=1, occurred_at=at, organization_id=ORG, producer="intake"
            )
        )
    return events


def progress(label: str) -> Callable[[int, int], None]:
    last = [0.0]

    def show(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] > 2 or done == total:
            print(f"  {label}: {done}/{total}", file=sys.stderr, flush=True)
            last[0] = now

    return show


def bench_kafka(
    events: list[EventEnvelope], bootstrap: str, admin_url: str, max_poll_records: int
) -> dict[str, float]:
    topic = f"bench.projection.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="bench")
    admin.create_topics(
        [
            NewTopic(topic, num_partitions=3, replication_factor=1),
            NewTopic(f"{topic}.dlq", num_partitions=1, replication_factor=1),
        ]
    )
    database = f"bench_projection_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_conninfo(admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    url = with_database(admin_url, database)
    engine = create_db_engine(url)
    rates: dict[str, float] = {}
    try:
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20)
        for e in events:
            producer.send(topic, key=e.stream_id.encode(), value=e.model_dump_json().encode())
        producer.flush()
        producer.close()
        prepare_database(engine)
        settings = FollowupSettings(
            database_url=url, kafka_bootstrap_servers=bootstrap, max_poll_records=max_poll_records
        )
        for name in PROJECTIONS:
            consumer = consumer_for(
                name,
                engine,
                settings,
                topics=[topic],
                group_id=f"bench-{uuid.uuid4().hex[:6]}",
                dead_letter_topic=f"{topic}.dlq",
            )
            consumer.open()
            show = progress(f"kafka->pg {name} (max_poll_records={max_poll_records})")
            start = None
            while consumer.stats.applied < len(events):
                if consumer.poll_once() and start is None:
                    start = time.perf_counter()
                show(consumer.stats.applied, len(events))
            assert start is not None
            rates[name] = len(events) / (time.perf_counter() - start)
            consumer.close()
    finally:
        engine.dispose()
        admin.delete_topics([topic, f"{topic}.dlq"])
        admin.close()
        with psycopg.connect(admin_conninfo(admin_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    return rates


def bench_embedded(events: list[EventEnvelope]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_db_engine(f"sqlite:///{folder}/bench.sqlite")
        prepare_event_store(engine)
        prepare_database(engine)
        store = SqlEventStore(engine)
        for i in range(0, len(events), 1000):  # setup, not measured: 1000 appends per tx
            with engine.begin() as conn:
                for e in events[i : i + 1000]:
                    store.append_in(conn, e.stream_id, 0, [e])
        rates = {}
        for name in PROJECTIONS:
            runner = embedded_runner(store, engine, [name])
            start = time.perf_counter()
            result = runner.run_until_caught_up()[name]
            assert result.applied == len(events), result
            rates[name] = len(events) / (time.perf_counter() - start)
        engine.dispose()
    return rates


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--per-event-events", type=int, default=2000)
    parser.add_argument(
        "--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:55432/postgres"
        ),
    )
    args = parser.parse_args()
    events = make_events(args.events)
    print(f"{len(events)} claim.created events", file=sys.stderr)
    rows = []
    for name, rate in bench_kafka(events, args.bootstrap, args.database_url, 500).items():
        rows.append(("Kafka -> PostgreSQL, 500/poll (one tx per poll)", name, len(events), rate))
    few = events[: args.per_event_events]
    for name, rate in bench_kafka(few, args.bootstrap, args.database_url, 1).items():
        rows.append(("Kafka -> PostgreSQL, 1/poll (one tx per event)", name, len(few), rate))
    for name, rate in bench_embedded(events).items():
        rows.append(("embedded SQLite (event table), 500/batch", name, len(events), rate))
    table = Table(title="Projection apply rate")
    for column in ("path", "projection", "events", "events/s"):
        table.add_column(column, justify="right" if column in ("events", "events/s") else "left")
    for path, name, n, rate in rows:
        table.add_row(path, name, str(n), f"{rate:,.0f}")
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
