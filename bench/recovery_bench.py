"""Worker recovery after kill -9: seconds until a restarted follow-up worker applies again.

A backlog of claim.created events waits on a fresh 3-partition topic. For each membership
setting, a follow-up worker (`python -m services.followup.worker`, one projection) starts
in a fresh database and consumer group; once it has applied some events it is killed with
SIGKILL and started again at once. Measured from the restart to the first event the new
process applies (and, for reference, from a cold start to its first event, which is
process start-up plus joining an empty group). Settings compared:

- static membership: WORKER_INSTANCE set (group.instance.id), session timeout 10 s (default);
- dynamic membership, session timeout 10 s (the default without WORKER_INSTANCE);
- dynamic membership, session timeout 45 s (kafka-python's default, the old behaviour).

    .venv/bin/python bench/recovery_bench.py --events 20000 --rounds 3

Uses KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL (default: the local servers of
`revcycle infra up`); only the worker processes it starts are killed.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from kafka import KafkaProducer  # noqa: E402
from kafka.admin import KafkaAdminClient, NewTopic  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from devtools.resolve import admin_conninfo, with_database  # noqa: E402
from services.followup.bootstrap import prepare_database  # noqa: E402
from services.followup.projections import BALANCES_PROJECTION  # noqa: E402
from shared.db import create_db_engine  # noqa: E402
from shared.messaging import tracking  # noqa: E402
from testsupport.events import claim_created  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SETTINGS: dict[str, dict[str, str]] = {
    "static membership, session 10 s": {"WORKER_INSTANCE": "bench-worker-1"},
    "dynamic membership, session 10 s": {"KAFKA_SESSION_TIMEOUT_MS": "10000"},
    "dynamic membership, session 45 s": {"KAFKA_SESSION_TIMEOUT_MS": "45000"},
}


def say(message: str) -> None:
    print(f"[recovery] {message}", file=sys.stderr, flush=True)


def applied(engine: Engine) -> int:
    with engine.connect() as conn:
        return tracking.count_applied(conn, BALANCES_PROJECTION)


def wait_until(predicate: Callable[[], bool], timeout_s: float, what: str) -> float:
    """Seconds until `predicate` held (polled every 20 ms)."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout_s:
            raise TimeoutError(f"{what}: not within {timeout_s:.0f} s")
        time.sleep(0.02)
    return time.monotonic() - start


def start_worker(
    topic: str, dlq: str, group: str, url: str, bootstrap: str, extra: dict[str, str]
) -> subprocess.Popen[bytes]:
    inherited = ("WORKER_INSTANCE", "KAFKA_SESSION_TIMEOUT_MS", "DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if k not in inherited}
    env.update(DATABASE_URL=url, KAFKA_BOOTSTRAP_SERVERS=bootstrap, **extra)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "services.followup.worker",
            "--projection",
            BALANCES_PROJECTION,
            "--topic",
            topic,
            "--group",
            group,
            "--dead-letter-topic",
            dlq,
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def one_round(
    label: str, topic: str, dlq: str, bootstrap: str, admin_url: str
) -> tuple[float, float]:
    """(cold start to first apply, restart after kill -9 to first apply), in seconds."""
    database = f"bench_recovery_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_conninfo(admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    url = with_database(admin_url, database)
    engine = create_db_engine(url)
    prepare_database(engine)
    group = f"bench-recovery-{uuid.uuid4().hex[:8]}"
    workers: list[subprocess.Popen[bytes]] = []
    try:
        workers.append(start_worker(topic, dlq, group, url, bootstrap, SETTINGS[label]))
        cold = wait_until(lambda: applied(engine) > 0, 120, "cold start")
        wait_until(lambda: applied(engine) >= 1500, 120, "some progress")
        workers[-1].send_signal(signal.SIGKILL)
        workers[-1].wait()
        before = applied(engine)
        workers.append(start_worker(topic, dlq, group, url, bootstrap, SETTINGS[label]))
        recovery = wait_until(lambda: applied(engine) > before, 180, "applying after the restart")
        say(f"{label}: cold start {cold:.1f} s, after kill -9 and restart {recovery:.1f} s")
        return cold, recovery
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=60)
        engine.dispose()
        with psycopg.connect(admin_conninfo(admin_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
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
    # SIGTERM unwinds like an error: the finally blocks stop the workers and drop what was made.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    topic = f"bench.recovery.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=args.bootstrap, client_id="bench")
    admin.create_topics(
        [
            NewTopic(topic, num_partitions=3, replication_factor=1),
            NewTopic(f"{topic}.dlq", num_partitions=1, replication_factor=1),
        ]
    )
    try:
        say(f"producing {args.events} claim.created events to {topic}")
        producer = KafkaProducer(bootstrap_servers=args.bootstrap, acks="all", linger_ms=20)
        for i in range(args.events):
            e = claim_created(
                f"clm_{i:08d}",
                organization_id="bench",
                patient_control_number=f"P{i % 500}",
                charge="125.00",
            )
            producer.send(topic, key=e.stream_id.encode(), value=e.model_dump_json().encode())
        producer.flush()
        producer.close()
        results: dict[str, list[tuple[float, float]]] = {label: [] for label in SETTINGS}
        for round_ in range(1, args.rounds + 1):
            for label in SETTINGS:
                say(f"round {round_}/{args.rounds}: {label}")
                results[label].append(
                    one_round(label, topic, f"{topic}.dlq", args.bootstrap, args.database_url)
                )
    finally:
        admin.delete_topics([topic, f"{topic}.dlq"])
        admin.close()
    table = Table(title="Follow-up worker: seconds until applying again")
    for column in ("membership", "cold start (median)", "kill -9 + restart (median)", "runs"):
        table.add_column(column, justify="left" if column == "membership" else "right")
    for label, runs in results.items():
        cold = statistics.median(r[0] for r in runs)
        again = statistics.median(r[1] for r in runs)
        table.add_row(label, f"{cold:.1f}", f"{again:.1f}", ", ".join(f"{r[1]:.1f}" for r in runs))
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
