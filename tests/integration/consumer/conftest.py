"""Fixtures for consumer tests on real Kafka and PostgreSQL (helpers in consumer_helpers)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from consumer_helpers import REPO, WorkerFactory
from sqlalchemy.engine import Engine

from services.followup.bootstrap import prepare_database
from shared.db import create_db_engine


@pytest.fixture(scope="module")
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_db_engine(postgres_url)
    prepare_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def start_worker(postgres_url: str, kafka_bootstrap_servers: str) -> Iterator[WorkerFactory]:
    """Start `python -m services.followup.worker` (or its crash wrapper) as a child process."""
    started: list[subprocess.Popen[str]] = []

    def start(
        *args: str, env: dict[str, str] | None = None, fault: str | None = None
    ) -> subprocess.Popen[str]:
        """fault: 'kill:N' or 'raise:N' after the N-th database commit (crashing_worker.py)."""
        full_env = {
            **os.environ,
            "DATABASE_URL": postgres_url,
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap_servers,
            "PYTHONPATH": str(REPO),  # the crash wrapper imports testsupport
            **(env or {}),
        }
        if fault is None:
            command = [sys.executable, "-m", "services.followup.worker", *args]
        else:
            wrapper = str(Path(__file__).with_name("crashing_worker.py"))
            command = [sys.executable, wrapper, fault, *args]
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(autouse=True)
def empty_read_models(engine: Engine) -> None:
    """Each test starts from empty projections and tracking (the database is per module)."""
    from services.followup.projections import PROJECTIONS

    with engine.begin() as conn:
        for projection in PROJECTIONS.values():
            projection.drop_read_model(conn)
