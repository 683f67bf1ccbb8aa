"""A process on real Kafka and PostgreSQL: killed with kill -9 between its appends and its
offset commit, it appends nothing twice after a restart, even when everything is redelivered.

The process (testsupport.processes) closes each claim written off in full by appending
claim.closed to the claim's stream, in the transaction that records what it handled.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from consumer_helpers import ORG, REPO, committed_total, parse_stats, produce  # type: ignore[import-not-found]

from shared.db import create_db_engine
from shared.events.claims import ClaimWrittenOff
from shared.events.envelope import EventEnvelope
from shared.events.registry import to_envelopes
from shared.eventstore.migrations import upgrade
from shared.eventstore.sql import SqlEventStore
from shared.messaging import tracking
from testsupport.events import claim_created
from testsupport.processes import CLOSE_WRITTEN_OFF

WRAPPER = Path(__file__).with_name("process_worker.py")
CLAIMS = 20


@pytest.fixture
def store(postgres_url: str) -> Iterator[SqlEventStore]:
    upgrade(postgres_url)
    store = SqlEventStore(create_db_engine(postgres_url))
    with store.engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE events, relay_checkpoints RESTART IDENTITY")
    tracking.create_tracking_tables(store.engine)
    with store.engine.begin() as conn:
        tracking.forget(conn, CLOSE_WRITTEN_OFF)
    yield store
    store.engine.dispose()


def claims_written_off(store: SqlEventStore) -> list[EventEnvelope]:
    """CLAIMS claims created then written off in full; the envelopes as the relay reads them."""
    for n in range(CLAIMS):
        claim_id = f"clm-wo-{n:03d}"
        created = claim_created(
            claim_id, organization_id=ORG, patient_control_number=f"P{n}", charge="12.50"
        )
        write_off = to_envelopes(
            [
                ClaimWrittenOff(
                    claim_id=claim_id,
                    amount=Decimal("12.50"),
                    reason_code="SB",
                    reason="small balance",
                )
            ],
            expected_version=1,
            occurred_at=datetime(2026, 11, 4, 9, 0, tzinfo=UTC),
            organization_id=ORG,
            producer="followup",
        )
        store.append(claim_id, 0, [created, *write_off])
    return store.read_all(limit=1000)


def start(postgres_url: str, bootstrap: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": postgres_url, "KAFKA_BOOTSTRAP_SERVERS": bootstrap}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.Popen(
        [sys.executable, str(WRAPPER), *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def closed_per_claim(store: SqlEventStore) -> Counter[str]:
    return Counter(e.stream_id for e in store.iter_all() if e.type == "claim.closed")


def test_a_process_killed_between_its_appends_and_its_offset_commit_appends_nothing_twice(
    store: SqlEventStore, postgres_url: str, kafka_bootstrap_servers: str, new_topic
) -> None:
    topic, dlq = new_topic(partitions=3), new_topic(partitions=1)
    produce(kafka_bootstrap_servers, topic, claims_written_off(store))
    group = f"process-{uuid.uuid4().hex[:8]}"
    args = ["--topic", topic, "--group", group, "--dead-letter-topic", dlq]

    crashed = start(postgres_url, kafka_bootstrap_servers, *args, "--crash-after-db-commits", "1")
    output, _ = crashed.communicate(timeout=120)
    assert crashed.returncode == -signal.SIGKILL, output[-3000:]
    with store.engine.connect() as conn:
        handled_before_crash = tracking.count_applied(conn, CLOSE_WRITTEN_OFF)
    closed_before_crash = sum(closed_per_claim(store).values())
    assert 0 < handled_before_crash == closed_before_crash
    assert committed_total(kafka_bootstrap_servers, group) == 0  # offsets never reached Kafka

    restarted = start(postgres_url, kafka_bootstrap_servers, *args)
    output, _ = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, output[-3000:]
    assert closed_per_claim(store) == Counter({f"clm-wo-{n:03d}": 1 for n in range(CLAIMS)})
    assert committed_total(kafka_bootstrap_servers, group) == 2 * CLAIMS

    # Even if every message is delivered again (a new group, the stored offsets lost), the
    # tracking rows committed with the appends turn the redelivery into no-ops.
    with store.engine.begin() as conn:
        conn.execute(tracking.partition_offsets.delete())
    replay = start(
        postgres_url,
        kafka_bootstrap_servers,
        "--topic",
        topic,
        "--group",
        f"{group}-replay",
        "--dead-letter-topic",
        dlq,
    )
    output, _ = replay.communicate(timeout=120)
    assert replay.returncode == 0, output[-3000:]
    stats = parse_stats(output)
    assert (stats["applied"], stats["skipped"]) == (0, 2 * CLAIMS)
    assert closed_per_claim(store) == Counter({f"clm-wo-{n:03d}": 1 for n in range(CLAIMS)})
    closed = [e for e in store.iter_all() if e.type == "claim.closed"]
    assert all(e.stream_version == 3 and e.causation_id is not None for e in closed)
