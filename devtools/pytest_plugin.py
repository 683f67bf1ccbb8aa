"""Pytest fixtures for real Kafka and PostgreSQL, started lazily, only when a test asks.

Loaded by tests/conftest.py (and usable by any test run with `-p devtools.pytest_plugin`).
Fixtures: kafka_bootstrap_servers (session, str), postgres_server_url (session, admin URL),
postgres_url (module, fresh database URL), new_topic (function, topic factory).
Resolution order: KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL, else testcontainers when a Docker
engine answers, else the local servers (started when not running). A server that cannot be
had fails the test under CI=true and skips it otherwise, with the reason.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from devtools.resolve import (
    Kind,
    Resolved,
    admin_conninfo,
    resolve_server,
    unavailable_action,
    with_database,
)

SERVER_FIXTURES = frozenset(
    {"kafka_bootstrap_servers", "postgres_server_url", "postgres_url", "new_topic"}
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "integration: needs real Kafka and/or PostgreSQL (see README, Local infrastructure)",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test that asks for a real server is an integration test, marked or not, so that
    # `pytest -m "not integration"` never starts a server.
    for item in items:
        if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


def _server(kind: Kind) -> Iterator[str]:
    resolved: Resolved = resolve_server(kind, os.environ)
    if not resolved.available:
        if unavailable_action(os.environ) == "fail":
            pytest.fail(f"CI=true and {resolved.reason}", pytrace=False)
        pytest.skip(resolved.reason)
    assert resolved.value is not None
    try:
        yield resolved.value
    finally:
        if resolved.cleanup is not None:
            resolved.cleanup()


@pytest.fixture(scope="session")
def kafka_bootstrap_servers() -> Iterator[str]:
    """Bootstrap servers of a real broker: KAFKA_BOOTSTRAP_SERVERS, testcontainers or local."""
    yield from _server("kafka")


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """Admin URL (postgresql+psycopg://, database `postgres`) of a real PostgreSQL server."""
    yield from _server("postgres")


def _slug(text: str, limit: int) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[-limit:].strip("_") or "t"


@pytest.fixture(scope="module")
def postgres_url(postgres_server_url: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty database for this test module; dropped (WITH FORCE) afterwards."""
    import psycopg

    # 63 bytes is PostgreSQL's identifier limit: module hint + random suffix stays below it.
    name = f"t_{_slug(request.module.__name__, 40)}_{uuid.uuid4().hex[:10]}"
    admin = admin_conninfo(postgres_server_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(postgres_server_url, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


NewTopic = Callable[..., str]


@pytest.fixture
def new_topic(kafka_bootstrap_servers: str, request: pytest.FixtureRequest) -> Iterator[NewTopic]:
    """Factory: new_topic(partitions=3, configs=None) -> name of a fresh topic, deleted after."""
    from kafka import KafkaAdminClient  # type: ignore[import-untyped,unused-ignore]
    from kafka.admin import NewTopic as KafkaNewTopic  # type: ignore[import-untyped,unused-ignore]

    admin: KafkaAdminClient | None = None
    created: list[str] = []

    def create(partitions: int = 3, configs: dict[str, Any] | None = None) -> str:
        nonlocal admin
        if admin is None:
            admin = KafkaAdminClient(
                bootstrap_servers=kafka_bootstrap_servers, client_id="revcycle-tests"
            )
        name = f"test.{_slug(request.node.name, 60)}.{uuid.uuid4().hex[:8]}".replace("_", "-")
        admin.create_topics(
            [
                KafkaNewTopic(
                    name,
                    num_partitions=partitions,
                    replication_factor=1,
                    topic_configs={k: str(v) for k, v in (configs or {}).items()},
                )
            ]
        )
        created.append(name)
        _wait_for_leaders(admin, name, partitions)
        return name

    try:
        yield create
    finally:
        if admin is not None:
            try:
                if created:
                    admin.delete_topics(created)
            except Exception as exc:  # noqa: BLE001 - teardown is best effort
                logging.getLogger(__name__).warning("could not delete topics %s: %s", created, exc)
            finally:
                admin.close()


def _wait_for_leaders(admin: Any, name: str, partitions: int, timeout_s: float = 30.0) -> None:
    # create_topics returns before partition leaders exist; a producer racing ahead would
    # spend its first metadata round trips on LEADER_NOT_AVAILABLE.
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            described = admin.describe_topics([name])
        except Exception:  # noqa: BLE001 - metadata not propagated yet: ask again
            described = []
        parts = described[0].get("partitions", []) if described else []
        if len(parts) == partitions and all(p.get("leader_id", -1) >= 0 for p in parts):
            return
        time.sleep(0.1)
    raise TimeoutError(
        f"topic {name} has no leader for all {partitions} partitions after {timeout_s}s"
    )
