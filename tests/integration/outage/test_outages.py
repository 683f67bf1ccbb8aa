"""kill -9 of PostgreSQL and of the Kafka broker under load: the relay and the worker recover
by themselves and every accepted claim reaches the read model, with no manual step.

The servers are this module's own (see conftest). Writers append claim.created events the
whole time, retrying while the database is down; the relay (`revcycle relay run`) and the
follow-up worker (`python -m services.followup.worker`) run as real processes and are never
restarted: they must still be running, and stop cleanly on SIGTERM, at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from devtools.private import PrivateServers
from devtools.resolve import admin_conninfo, with_database
from services.followup.tables import claim_balances, claims
from shared.config import REPO_ROOT
from shared.db import create_db_engine
from shared.eventstore.migrations import upgrade
from shared.eventstore.sql import SqlEventStore
from shared.messaging.kafka import ensure_topics
from testsupport.events import claim_created

ORG = "outage-org"
REVCYCLE = [sys.executable, "-c", "from revcycle.cli import main; main()"]
WORKER = [sys.executable, "-m", "services.followup.worker"]
PROJECTIONS = ["followup.claims", "followup.account_balances"]


@dataclass
class Deployment:
    """One test's database, topics (its own deployment prefix) and processes."""

    servers: PrivateServers
    url: str
    name: str
    engine: Engine
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
        env.update(
            DATABASE_URL=self.url,
            KAFKA_BOOTSTRAP_SERVERS=self.servers.kafka_bootstrap,
            REVCYCLE_DEPLOYMENT=self.name,
            REPORTING_PSEUDONYM_KEY="outage-tests-pseudonym-key-0123456789",
            KAFKA_TOPIC_PARTITIONS="3",
        )
        return env

    def start(self, command: list[str]) -> subprocess.Popen[str]:
        log = open(  # noqa: SIM115 - closed with the process at teardown
            self.servers.folder / f"{self.name}-{len(self.processes)}.log", "w"
        )
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.processes.append(process)
        return process

    def output(self, index: int) -> str:
        return (self.servers.folder / f"{self.name}-{index}.log").read_text()


@pytest.fixture
def deployment(servers: PrivateServers) -> Iterator[Deployment]:
    name = f"outage-{uuid.uuid4().hex[:8]}"
    database = name.replace("-", "_")
    admin = admin_conninfo(servers.postgres_admin_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    url = with_database(servers.postgres_admin_url, database)
    upgrade(url)
    ensure_topics(servers.kafka_bootstrap, partitions=3, prefix=f"{name}.")
    engine = create_db_engine(url)
    created = Deployment(servers, url, name, engine)
    try:
        yield created
    finally:
        for process in created.processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
        engine.dispose()


class Writers:
    """Threads appending claim.created, one claim per transaction, retrying through outages."""

    def __init__(self, engine: Engine, threads: int = 2, pause_s: float = 0.02) -> None:
        self.store = SqlEventStore(engine)
        self.accepted: dict[str, Decimal] = {}
        self.failures = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._pause = pause_s
        self._threads = [threading.Thread(target=self._write, args=(n,)) for n in range(threads)]

    def __enter__(self) -> Writers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _write(self, n: int) -> None:
        i = 0
        while not self._stop.is_set():
            claim_id = f"clm-{n}-{i:05d}"
            charge = Decimal(f"{10 + i % 90}.{i % 100:02d}")
            envelope = claim_created(
                claim_id, organization_id=ORG, patient_control_number=f"PCN-{i % 40}", charge=charge
            )
            try:
                self.store.append(claim_id, 0, [envelope])
            except sa.exc.DBAPIError:
                # Refused while the database is down: the sender retries, as a client would.
                # (Committed-but-unacknowledged appends are caught by the store comparison.)
                with self._lock:
                    self.failures += 1
                self._stop.wait(0.2)
                continue
            with self._lock:
                self.accepted[claim_id] = charge
            i += 1
            self._stop.wait(self._pause)


def wait_for(predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, f"timed out after {timeout_s:.0f} s waiting for {what}"
        time.sleep(0.5)


def projected(engine: Engine) -> dict[str, Decimal]:
    try:
        with engine.connect() as conn:
            return dict(conn.execute(sa.select(claims.c.claim_id, claims.c.total_charge)).all())
    except sa.exc.OperationalError:
        return {}  # database down (or the worker not started yet)
    except sa.exc.ProgrammingError:
        return {}


def charged(engine: Engine) -> Decimal:
    """Charges on the patient accounts (the balances projection, a consumer of its own)."""
    try:
        with engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.sum(claim_balances.c.charge))).scalar_one()
    except sa.exc.DBAPIError:
        return Decimal(-1)
    return Decimal(total or 0)


def stored_claims(engine: Engine) -> set[str]:
    store = SqlEventStore(engine)
    return {e.stream_id for e in store.iter_all() if e.type == "claim.created"}


def run_outage(
    deployment: Deployment, kill: Callable[[], object], restart: Callable[[], object], down_s: float
) -> None:
    relay = deployment.start([*REVCYCLE, "relay", "run"])
    worker = deployment.start([*WORKER, *[a for p in PROJECTIONS for a in ("--projection", p)]])
    engine = deployment.engine
    with Writers(engine) as writers:
        wait_for(lambda: len(projected(engine)) >= 50, 180, "the first claims to be projected")
        kill()
        killed_at = time.monotonic()
        time.sleep(down_s)
        restart()
        restarted_at = time.monotonic()
        # Load goes on after the restart too.
        wait_for(lambda: len(writers.accepted) >= 300, 180, "writers to go on after the restart")
    accepted = dict(writers.accepted)
    stored = stored_claims(engine)
    assert set(accepted) <= stored, "an acknowledged append is not in the store"

    try:
        wait_for(lambda: set(projected(engine)) >= stored, 240, "every claim in the claims model")
        model = projected(engine)
        stored_total = sum(model.values(), Decimal(0))
        wait_for(lambda: charged(engine) == stored_total, 240, "every claim on its account")
    except AssertionError:
        print(
            "relay:\n" + deployment.output(0)[-4000:] + "\nworker:\n" + deployment.output(1)[-4000:]
        )
        raise
    recovered_s = time.monotonic() - restarted_at
    print(
        f"\n{len(accepted)} claims accepted ({writers.failures} refused while down), "
        f"{len(stored)} stored; outage {restarted_at - killed_at:.1f} s; read models complete "
        f"{recovered_s:.1f} s after the restart"
    )
    assert relay.poll() is None, "the relay exited:\n" + deployment.output(0)[-3000:]
    assert worker.poll() is None, "the worker exited:\n" + deployment.output(1)[-3000:]
    assert set(model) == stored
    assert all(model[c] == charge for c, charge in accepted.items())
    time.sleep(2)  # nothing arrives twice later on
    assert projected(engine) == model and charged(engine) == stored_total

    for process in (relay, worker):
        process.terminate()
        assert process.wait(timeout=60) == 0


def test_kill_9_of_postgresql_under_load_relay_and_worker_recover_alone(
    deployment: Deployment, servers: PrivateServers
) -> None:
    run_outage(deployment, servers.kill_postgres, servers.restart_postgres, down_s=5)


def test_kill_9_of_the_broker_under_load_relay_and_worker_recover_alone(
    deployment: Deployment, servers: PrivateServers
) -> None:
    run_outage(deployment, servers.kill_kafka, servers.restart_kafka, down_s=3)
