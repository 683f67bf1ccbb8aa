"""Benchmark: commands/s through the kernel (load, decide, append) for a claim with 10 prior events.

Each command is the claims service's real `mark_ready` handler in its own unit of work:
load the claim's stream (claim.created with its 2.4 KB claim snapshot and 9 eligibility
checks), decode and fold it, decide, append `claim.ready` with the expected version, commit.
Every command has its own claim, as in production, so concurrent writers do not conflict
on a stream; they still share the store's append serialisation. Runs on SQLite (a
temporary file), on PostgreSQL (a throwaway database on the server of DATABASE_URL,
dropped afterwards) and, for reference, on the in-memory store.

    eval "$(revcycle infra env)"
    .venv/bin/python bench/kernel_bench.py                 # --commands 2000 --writers 1,4
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# testsupport/ (test factories) is not installed: import it from the checkout.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from services.claims.domain import CLAIM  # noqa: E402
from services.claims.handlers import mark_ready  # noqa: E402
from shared.db import create_db_engine  # noqa: E402
from shared.events import EventEnvelope, to_envelopes  # noqa: E402
from shared.events.base import Event  # noqa: E402
from shared.events.claims import ClaimEligibilityVerified  # noqa: E402
from shared.eventstore import EventStore, InMemoryEventStore  # noqa: E402
from shared.eventstore.migrations import upgrade  # noqa: E402
from shared.eventstore.sql import SqlEventStore  # noqa: E402
from shared.kernel import UnitOfWork  # noqa: E402
from testsupport.claim_events import ORG, claim_created  # noqa: E402

NOW = datetime.now(UTC)
PRIOR = 10


def history(claim_id: str) -> list[EventEnvelope]:
    """The 10 events before the command: created, then 9 eligibility checks (all intake's)."""
    events: list[Event] = [claim_created(claim_id)]
    events += [
        ClaimEligibilityVerified(claim_id=claim_id, payer_id="87726", coverage_active=True)
        for _ in range(PRIOR - 1)
    ]
    return to_envelopes(
        events, expected_version=0, occurred_at=NOW, organization_id=ORG, producer="intake"
    )


def seed(store: EventStore, claim_ids: list[str]) -> None:
    print(f"  seeding {len(claim_ids)} claims x {PRIOR} events...", file=sys.stderr, flush=True)
    for start in range(0, len(claim_ids), 100):
        with store.transaction() as tx:  # 100 claims per transaction
            for claim_id in claim_ids[start : start + 100]:
                store.append_in(tx, claim_id, 0, history(claim_id))


@dataclass
class Row:
    backend: str
    measure: str
    writers: int
    commands: int
    seconds: float
    cpu_seconds: float
    retries: int


def run_commands(
    store: EventStore, claim_ids: list[str], writers: int, command: Callable[[UnitOfWork, str], int]
) -> tuple[float, float, int]:
    """`command` on every claim, spread over `writers` threads; (seconds, CPU seconds, retries).

    CPU seconds are this process's (every thread), not the database server's: steadier than
    wall time on a shared machine, and what the kernel itself costs.
    """
    todo: queue.SimpleQueue[str] = queue.SimpleQueue()
    for claim_id in claim_ids:
        todo.put(claim_id)
    retries = [0] * writers
    errors: list[BaseException] = []
    done = [0]
    lock = threading.Lock()
    total = len(claim_ids)

    def writer(i: int) -> None:
        uow = UnitOfWork(store, producer="claims", clock=lambda: NOW)
        while True:
            try:
                claim_id = todo.get_nowait()
            except queue.Empty:
                return
            try:
                retries[i] += command(uow, claim_id)
            except BaseException as exc:  # noqa: BLE001 - reported after the run
                errors.append(exc)
                return
            with lock:
                done[0] += 1
                if done[0] % 500 == 0:
                    print(f"    {done[0]}/{total}", file=sys.stderr, flush=True)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    started, cpu_started = time.perf_counter(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if errors:
        raise errors[0]
    return seconds, cpu, sum(retries)


def mark_ready_command(uow: UnitOfWork, claim_id: str) -> int:
    return mark_ready(uow, claim_id).attempts - 1


def load_only(uow: UnitOfWork, claim_id: str) -> int:
    with uow:
        loaded = uow.load(CLAIM, claim_id)
    assert loaded.version == PRIOR
    return 0


def bench_store(name: str, store: EventStore, n: int, writer_counts: list[int]) -> list[Row]:
    rows = []
    reads = [f"read-{i}" for i in range(n)]
    seed(store, reads)
    print(f"  {name}: load + fold only, 1 reader", file=sys.stderr, flush=True)
    seconds, cpu, _ = run_commands(store, reads, 1, load_only)
    rows.append(Row(name, "load + fold only", 1, n, seconds, cpu, 0))
    for writers in writer_counts:
        claim_ids = [f"clm-{writers}w-{i}" for i in range(n)]
        seed(store, claim_ids)
        print(f"  {name}: load, decide, append; {writers} writer(s)", file=sys.stderr, flush=True)
        seconds, cpu, retries = run_commands(store, claim_ids, writers, mark_ready_command)
        assert all(store.stream_version(c) == PRIOR + 1 for c in claim_ids[:: max(n // 50, 1)])
        rows.append(Row(name, "load, decide, append", writers, n, seconds, cpu, retries))
    return rows


@contextmanager
def postgres_database(url: str) -> Iterator[str]:
    admin = make_url(url).set(drivername="postgresql")
    conninfo = admin.set(database="postgres").render_as_string(hide_password=False)
    dbname = f"bench_kernel_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    try:
        yield make_url(url).set(database=dbname).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--commands", type=int, default=2000, help="commands per measurement")
    parser.add_argument("--writers", default="1,4", help="concurrent writers, comma-separated")
    args = parser.parse_args()
    if not args.database_url:
        sys.exit('set DATABASE_URL (eval "$(revcycle infra env)")')
    writer_counts = [int(w) for w in args.writers.split(",")]
    rows: list[Row] = []

    print("in-memory store", file=sys.stderr, flush=True)
    rows += bench_store("memory", InMemoryEventStore(), args.commands, writer_counts[:1])

    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite", file=sys.stderr, flush=True)
        sqlite_url = f"sqlite:///{Path(tmp) / 'kernel.sqlite'}"
        upgrade(sqlite_url)
        lite = SqlEventStore(create_db_engine(sqlite_url))
        rows += bench_store("SQLite", lite, args.commands, writer_counts)
        lite.engine.dispose()

    with postgres_database(args.database_url) as pg_url:
        print("PostgreSQL", file=sys.stderr, flush=True)
        upgrade(pg_url)
        pg = SqlEventStore(create_db_engine(pg_url))
        rows += bench_store("PostgreSQL", pg, args.commands, writer_counts)
        pg.engine.dispose()

    print(
        f"| {'store':10} | {'measure':22} | {'writers':>7} | {'commands':>8} | {'seconds':>7} "
        f"| {'commands/s':>10} | {'client CPU ms/command':>21} | {'retries':>7} |"
    )
    print(f"|{'-' * 12}|{'-' * 24}|{'-' * 9}|{'-' * 10}|{'-' * 9}|{'-' * 12}|{'-' * 23}|{'-' * 9}|")
    for r in rows:
        print(
            f"| {r.backend:10} | {r.measure:22} | {r.writers:7d} | {r.commands:8d} "
            f"| {r.seconds:7.2f} | {r.commands / r.seconds:10.0f} "
            f"| {1000 * r.cpu_seconds / r.commands:21.2f} | {r.retries:7d} |"
        )


if __name__ == "__main__":
    main()
