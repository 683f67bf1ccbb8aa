"""revcycle relay: publish the event store (the outbox) to Kafka."""

from __future__ import annotations

import logging
import os
import signal
import threading
from types import FrameType
from typing import Annotated, Any

import typer

from shared.messaging.kafka import KafkaSettings

app = typer.Typer(no_args_is_help=True, help="Outbox relay: event store to Kafka.")

log = logging.getLogger("revcycle.relay")

CRASH_ENV = "REVCYCLE_TEST_RELAY_CRASH_AFTER_SENDS"
"""Test-only: SIGKILL this process after N records were handed to the producer."""


class RelaySettings(KafkaSettings):
    relay_name: str = "kafka"
    relay_batch_size: int = 500
    relay_poll_interval_s: float = 0.2
    reporting_pseudonym_key: str = "dev-only-reporting-key-change-me"


def _require(value: str, name: str) -> str:
    if not value:
        typer.echo(
            f"{name} is not set: the relay publishes a PostgreSQL or SQLite event store to "
            "Kafka (the embedded default needs no relay)",
            err=True,
        )
        raise typer.Exit(2)
    return value


class _CrashingPublisher:
    """Wraps a producer and kills the process, unflushed, after N sends (crash tests)."""

    def __init__(self, inner: Any, after: int) -> None:
        self._inner = inner
        self._left = after

    def send(self, *args: Any, **kwargs: Any) -> Any:
        future = self._inner.send(*args, **kwargs)
        self._left -= 1
        if self._left <= 0:
            os.kill(os.getpid(), signal.SIGKILL)
        return future

    def flush(self, timeout: float | None = None) -> None:
        self._inner.flush(timeout=timeout)

    def close(self, timeout: float | None = None) -> None:
        self._inner.close(timeout=timeout)


@app.command("run")
def run(
    once: Annotated[bool, typer.Option("--once", help="Publish the backlog, then exit")] = False,
    topic_prefix: Annotated[
        str | None, typer.Option(help="Prefix of topic names (default KAFKA_TOPIC_PREFIX)")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Checkpoint name (default RELAY_NAME)")] = None,
    batch_size: Annotated[int | None, typer.Option(min=1, help="Events per acked batch")] = None,
    create_topics: Annotated[
        bool, typer.Option(help="Create missing topics before publishing")
    ] = True,
    migrate: Annotated[bool, typer.Option(help="Run the event store migrations first")] = True,
) -> None:
    """Publish committed events to Kafka in order; SIGTERM finishes the batch in hand and stops."""
    from shared.db import create_db_engine
    from shared.events.topics import ALL_TOPICS
    from shared.eventstore.migrations import upgrade
    from shared.eventstore.sql import SqlEventStore
    from shared.messaging.kafka import ensure_topics, make_producer, topic_name
    from shared.messaging.relay import Publisher, Relay, RelayConfig

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = RelaySettings()
    url = _require(settings.database_url, "DATABASE_URL")
    bootstrap = _require(settings.kafka_bootstrap_servers, "KAFKA_BOOTSTRAP_SERVERS")
    prefix = settings.kafka_topic_prefix if topic_prefix is None else topic_prefix
    if migrate:
        upgrade(url)
    if create_topics:
        ensure_topics(
            bootstrap,
            partitions=settings.kafka_topic_partitions,
            replication_factor=settings.kafka_replication_factor,
            prefix=prefix,
        )
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: finishing the batch in hand, then stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)

    engine = create_db_engine(url)
    producer = make_producer(bootstrap)
    publisher: Publisher = producer
    if os.environ.get(CRASH_ENV):
        publisher = _CrashingPublisher(producer, int(os.environ[CRASH_ENV]))
    relay = Relay(
        SqlEventStore(engine),
        publisher,
        RelayConfig(
            name=name or settings.relay_name,
            batch_size=batch_size or settings.relay_batch_size,
            poll_interval_s=settings.relay_poll_interval_s,
            topic_names={t.name: topic_name(t, prefix) for t in ALL_TOPICS},
            pseudonym_key=settings.reporting_pseudonym_key.encode(),
        ),
    )
    try:
        if once:
            if relay.acquire_leadership(stop):
                try:
                    relay.run_once()
                finally:
                    relay.release_leadership()
        else:
            relay.run(stop)
    finally:
        producer.flush(timeout=30)
        producer.close(timeout=30)
        engine.dispose()
    typer.echo(f"relay {relay.config.name!r}: published {relay.published} events")


@app.command("status")
def status(
    name: Annotated[str | None, typer.Option(help="Checkpoint name (default RELAY_NAME)")] = None,
) -> None:
    """Show the relay's checkpoint, the store's head position and the lag between them."""
    from shared.db import create_db_engine
    from shared.eventstore.sql import SqlEventStore
    from shared.messaging.relay import CheckpointStore

    settings = RelaySettings()
    engine = create_db_engine(_require(settings.database_url, "DATABASE_URL"))
    try:
        head = SqlEventStore(engine).head_position()
        checkpoint = CheckpointStore(engine).get(name or settings.relay_name)
    finally:
        engine.dispose()
    typer.echo(f"checkpoint {checkpoint}  head {head}  lag {head - checkpoint}")


@app.command("topics")
def topics(
    partitions: Annotated[int | None, typer.Option(min=1, help="Partitions per new topic")] = None,
    topic_prefix: Annotated[str | None, typer.Option(help="Prefix of topic names")] = None,
) -> None:
    """Create the declared topics that are missing (existing ones are left as they are)."""
    from shared.messaging.kafka import ensure_topics

    settings = RelaySettings()
    created = ensure_topics(
        _require(settings.kafka_bootstrap_servers, "KAFKA_BOOTSTRAP_SERVERS"),
        partitions=partitions or settings.kafka_topic_partitions,
        replication_factor=settings.kafka_replication_factor,
        prefix=settings.kafka_topic_prefix if topic_prefix is None else topic_prefix,
    )
    typer.echo(f"created {len(created)} topics" + (": " + ", ".join(created) if created else ""))
