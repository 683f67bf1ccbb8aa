"""revcycle relay: publish the event store (the outbox) to Kafka; dead letters, parked streams."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from shared.config import DEV_PSEUDONYM_KEY, KafkaSettings

if TYPE_CHECKING:
    from shared.messaging.relay import Publisher, Relay

app = typer.Typer(no_args_is_help=True, help="Outbox relay: event store to Kafka.")

log = logging.getLogger("revcycle.relay")


class RelaySettings(KafkaSettings):
    relay_name: str = "kafka"
    relay_batch_size: int = 500
    relay_poll_interval_s: float = 0.2
    reporting_pseudonym_key: str = DEV_PSEUDONYM_KEY
    # The reporting topic's de-identification: safe_harbor (default) or limited (a limited
    # data set, for recipients under a data use agreement): docs/reporting.md.
    reporting_mode: Literal["safe_harbor", "limited"] = "safe_harbor"


def _require(value: str, name: str) -> str:
    if not value:
        typer.echo(
            f"{name} is not set: the relay publishes a PostgreSQL or SQLite event store to "
            "Kafka (the embedded default needs no relay)",
            err=True,
        )
        raise typer.Exit(2)
    return value


def run_relay(
    settings: RelaySettings,
    *,
    once: bool = False,
    topic_prefix: str | None = None,
    name: str | None = None,
    batch_size: int | None = None,
    create_topics: bool = True,
    migrate: bool = True,
    wrap_publisher: Callable[[Publisher], Publisher] | None = None,
) -> Relay | None:
    """Start the relay as `revcycle relay run` does and run it until SIGTERM (or the backlog,
    with `once`). `wrap_publisher` lets a test wrapper inject a crash into the producer.

    Start-up waits (capped backoff) for a database or broker that is still down; None when
    stopped before the relay could start."""
    from shared.config import InsecureSettingsError
    from shared.db import create_db_engine
    from shared.events.topics import ALL_TOPICS
    from shared.eventstore.migrations import upgrade
    from shared.eventstore.sql import SqlEventStore
    from shared.messaging.kafka import ensure_topics, make_producer, topic_name
    from shared.messaging.relay import Relay, RelayConfig
    from shared.messaging.retry import Stopped, call_until_reachable

    url = _require(settings.database_url, "DATABASE_URL")
    bootstrap = _require(settings.kafka_bootstrap_servers, "KAFKA_BOOTSTRAP_SERVERS")
    try:
        settings.check_secrets(tokens=False, pseudonym_key=settings.reporting_pseudonym_key)
    except InsecureSettingsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    prefix = settings.kafka_prefix if topic_prefix is None else topic_prefix
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: finishing the batch in hand, then stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)

    def connect() -> Publisher:
        producer = make_producer(bootstrap, max_message_bytes=settings.kafka_max_message_bytes)
        return wrap_publisher(producer) if wrap_publisher else producer

    engine = create_db_engine(url)
    relay: Relay | None = None
    try:
        if migrate:
            call_until_reachable(lambda: upgrade(engine), "migrate the event store", stop=stop)
        if create_topics:
            call_until_reachable(
                lambda: ensure_topics(
                    bootstrap,
                    partitions=settings.kafka_topic_partitions,
                    replication_factor=settings.kafka_replication_factor,
                    prefix=prefix,
                    max_message_bytes=settings.kafka_max_message_bytes,
                ),
                "create the topics",
                stop=stop,
            )
        publisher = call_until_reachable(connect, "connect to Kafka", stop=stop)
        relay = Relay(
            SqlEventStore(engine),
            publisher,
            RelayConfig(
                name=name or settings.relay_name,
                batch_size=batch_size or settings.relay_batch_size,
                poll_interval_s=settings.relay_poll_interval_s,
                topic_names={t.name: topic_name(t, prefix) for t in ALL_TOPICS},
                pseudonym_key=settings.reporting_pseudonym_key.encode(),
                reporting_mode=settings.reporting_mode,
                max_message_bytes=settings.kafka_max_message_bytes,
            ),
            reconnect=connect,
        )
        if once:
            if relay.acquire_leadership(stop):
                try:
                    relay.run_once()
                finally:
                    relay.release_leadership()
        else:
            relay.run(stop)
    except Stopped:
        pass
    finally:
        if relay is not None:
            try:
                relay.publisher.flush(timeout=30)
                relay.publisher.close(timeout=30)
            except Exception as exc:  # noqa: BLE001 - stopping during an outage
                log.warning("closing the producer: %s", type(exc).__name__)
        engine.dispose()
    return relay


@app.command("run")
def run(
    once: Annotated[bool, typer.Option("--once", help="Publish the backlog, then exit")] = False,
    topic_prefix: Annotated[
        str | None,
        typer.Option(help="Exact prefix of topic names (default: REVCYCLE_DEPLOYMENT + '.')"),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Checkpoint name (default RELAY_NAME)")] = None,
    batch_size: Annotated[int | None, typer.Option(min=1, help="Events per acked batch")] = None,
    create_topics: Annotated[
        bool, typer.Option(help="Create missing topics before publishing")
    ] = True,
    migrate: Annotated[bool, typer.Option(help="Run the event store migrations first")] = True,
) -> None:
    """Publish committed events to Kafka in order; SIGTERM finishes the batch in hand and stops.

    Outages of the database or the broker are waited out; an event that cannot be published
    is dead-lettered and its stream parked (see `revcycle relay status`).
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    relay = run_relay(
        RelaySettings(),
        once=once,
        topic_prefix=topic_prefix,
        name=name,
        batch_size=batch_size,
        create_topics=create_topics,
        migrate=migrate,
    )
    if relay is None:
        typer.echo("relay stopped before it could start (database or broker unreachable)")
        return
    stats = relay.stats
    typer.echo(
        f"relay {relay.config.name!r}: published {stats.published} events"
        + (f", dead-lettered {stats.dead_lettered}" if stats.dead_lettered else "")
    )


@app.command("status")
def status(
    name: Annotated[str | None, typer.Option(help="Checkpoint name (default RELAY_NAME)")] = None,
) -> None:
    """Checkpoint, head and lag; dead letters and the streams parked behind them."""
    from shared.db import create_db_engine
    from shared.eventstore.sql import SqlEventStore
    from shared.messaging.relay import CheckpointStore, DeadLetters

    settings = RelaySettings()
    relay_name = name or settings.relay_name
    engine = create_db_engine(_require(settings.database_url, "DATABASE_URL"))
    try:
        head = SqlEventStore(engine).head_position()
        checkpoint = CheckpointStore(engine).get(relay_name)
        letters = DeadLetters(engine)
        open_letters, all_letters = letters.counts(relay_name)
        parked = letters.parked_streams(relay_name, checkpoint)
    finally:
        engine.dispose()
    typer.echo(f"checkpoint {checkpoint}  head {head}  lag {head - checkpoint}")
    typer.echo(f"dead letters {open_letters} open ({all_letters} in all)")
    typer.echo(f"parked streams {len(parked)}")
    for stream in parked:
        request = f"  [{stream.requested} requested]" if stream.requested else ""
        typer.echo(
            f"  {stream.stream_id}: dead letter at position {stream.since_position} "
            f"({stream.event_type}, {stream.attempts} attempt(s)), {stream.held_back} later "
            f"event(s) held back{request}\n    reason: {stream.reason}"
        )
    if parked:
        typer.echo(
            "release a stream (publish what follows its dead letter) with `revcycle relay "
            "release STREAM`, or retry its dead letter first with `revcycle relay retry STREAM`"
        )


def _request(stream_id: str, action: str, name: str | None) -> None:
    from shared.db import create_db_engine
    from shared.messaging.relay import DeadLetters, NotParked

    settings = RelaySettings()
    relay_name = name or settings.relay_name
    engine = create_db_engine(_require(settings.database_url, "DATABASE_URL"))
    try:
        held = DeadLetters(engine).request(relay_name, stream_id, action)
    except NotParked as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(
        f"stream {stream_id}: {action} requested ({held} event(s) after its dead letter); "
        f"relay {relay_name!r} acts on it before its next batch"
    )


@app.command("release")
def release(
    stream_id: Annotated[str, typer.Argument(help="The parked stream (claim id)")],
    name: Annotated[str | None, typer.Option(help="Checkpoint name (default RELAY_NAME)")] = None,
) -> None:
    """Publish a parked stream's held-back events; its dead-lettered event stays unpublished."""
    _request(stream_id, "release", name)


@app.command("retry")
def retry(
    stream_id: Annotated[str, typer.Argument(help="The parked stream (claim id)")],
    name: Annotated[str | None, typer.Option(help="Checkpoint name (default RELAY_NAME)")] = None,
) -> None:
    """Try a parked stream's dead-lettered event again (e.g. after raising the limit), then
    its held-back events; if it fails again, the stream stays parked."""
    _request(stream_id, "retry", name)


@app.command("topics")
def topics(
    partitions: Annotated[int | None, typer.Option(min=1, help="Partitions per new topic")] = None,
    topic_prefix: Annotated[
        str | None,
        typer.Option(help="Exact prefix of topic names (default: REVCYCLE_DEPLOYMENT + '.')"),
    ] = None,
) -> None:
    """Create the declared topics that are missing (existing ones are left as they are)."""
    from shared.messaging.kafka import ensure_topics

    settings = RelaySettings()
    created = ensure_topics(
        _require(settings.kafka_bootstrap_servers, "KAFKA_BOOTSTRAP_SERVERS"),
        partitions=partitions or settings.kafka_topic_partitions,
        replication_factor=settings.kafka_replication_factor,
        prefix=settings.kafka_prefix if topic_prefix is None else topic_prefix,
        max_message_bytes=settings.kafka_max_message_bytes,
    )
    typer.echo(f"created {len(created)} topics" + (": " + ", ".join(created) if created else ""))
