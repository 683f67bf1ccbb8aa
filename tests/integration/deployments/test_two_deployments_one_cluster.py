"""Two deployments (say staging and production) share one Kafka cluster and never meet.

Each has its own database and REVCYCLE_DEPLOYMENT; both relays publish and both follow-up
workers consume with the default topic and group names. Each read model holds exactly its
own claims (one claim id exists in both, with different charges), and each consumer group
carries its deployment's prefix and has offsets only on its own topics.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal

import psycopg
import pytest
import sqlalchemy as sa

from devtools.resolve import admin_conninfo, with_database
from services.followup.tables import claims
from shared.config import REPO_ROOT
from shared.db import create_db_engine
from shared.events.topics import ALL_TOPICS
from shared.eventstore.migrations import upgrade
from shared.eventstore.sql import SqlEventStore
from shared.messaging.kafka import delete_topics, ensure_topics, make_admin, topic_name
from testsupport.events import claim_created

REVCYCLE = [sys.executable, "-c", "from revcycle.cli import main; main()"]
GROUP = "revcycle.followup.followup.claims"


@pytest.fixture
def deployments(postgres_server_url: str, kafka_bootstrap_servers: str) -> Iterator[dict[str, str]]:
    """Two deployment names -> their database URLs (databases and topics removed after)."""
    suffix = uuid.uuid4().hex[:6]
    names = {f"staging-{suffix}": "", f"production-{suffix}": ""}
    admin = admin_conninfo(postgres_server_url)
    for name in names:
        database = f"t_deploy_{name.replace('-', '_')}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        names[name] = with_database(postgres_server_url, database)
        ensure_topics(kafka_bootstrap_servers, partitions=3, prefix=f"{name}.")
    try:
        yield names
    finally:
        kafka = make_admin(kafka_bootstrap_servers)
        try:
            kafka.delete_groups([f"{name}.{GROUP}" for name in names])
        except Exception:  # noqa: BLE001 - best effort
            pass
        finally:
            kafka.close()
        for name, url in names.items():
            delete_topics(kafka_bootstrap_servers, [topic_name(t, f"{name}.") for t in ALL_TOPICS])
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def run(command: list[str], name: str, url: str, bootstrap: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DATABASE_URL=url,
        KAFKA_BOOTSTRAP_SERVERS=bootstrap,
        REVCYCLE_DEPLOYMENT=name,
        REPORTING_PSEUDONYM_KEY=f"{name}-pseudonym-key-0123456789abcdef",
    )
    done = subprocess.run(
        command, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stdout


def test_two_deployments_on_one_cluster_never_consume_each_others_events(
    deployments: dict[str, str], kafka_bootstrap_servers: str
) -> None:
    expected: dict[str, dict[str, Decimal]] = {}
    for index, (name, url) in enumerate(deployments.items()):
        upgrade(url)
        store = SqlEventStore(create_db_engine(url))
        own = {f"clm-{name}-{n}": Decimal(f"{index + 1}{n}.00") for n in range(3)}
        own["clm-same-id"] = Decimal(f"{index + 7}00.00")  # the same claim id in both
        for claim_id, charge in own.items():
            store.append(
                claim_id,
                0,
                [
                    claim_created(
                        claim_id, organization_id="org", patient_control_number="P", charge=charge
                    )
                ],
            )
        store.engine.dispose()
        expected[name] = own

    for name, url in deployments.items():  # both relays publish before either worker reads
        out = run([*REVCYCLE, "relay", "run", "--once"], name, url, kafka_bootstrap_servers)
        assert "published 4 events" in out
    for name, url in deployments.items():
        worker = [
            sys.executable,
            "-m",
            "services.followup.worker",
            "--projection",
            "followup.claims",
            "--idle-polls-before-exit",
            "4",
        ]
        out = run(worker, name, url, kafka_bootstrap_servers)
        assert "applied=4 " in out

    for name, url in deployments.items():
        engine = create_db_engine(url)
        with engine.connect() as conn:
            model = dict(conn.execute(sa.select(claims.c.claim_id, claims.c.total_charge)).all())
        engine.dispose()
        assert model == expected[name]

    kafka = make_admin(kafka_bootstrap_servers)
    try:
        groups = {g["group_id"] for g in kafka.list_groups()}
        for name in deployments:
            group = f"{name}.{GROUP}"
            assert group in groups
            offsets = kafka.list_group_offsets({group: None})[group]
            assert offsets and {tp.topic for tp in offsets} == {f"{name}.revcycle.claim-events.v1"}
    finally:
        kafka.close()
