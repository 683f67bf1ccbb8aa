"""Projection rebuild: drop a read model and its tracking, then replay the log from the start.

Embedded: the event table in global order. Distributed: the Kafka topic from offset 0 on
every partition, under the projection's consumer group, so the live consumers (stop them
first) resume from where the replay ended. Either way the handlers and tracking are the
same as live, so the rebuilt model equals the live one.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from services.followup.bootstrap import consumer_for, embedded_runner, projection_named
from services.followup.config import FollowupSettings
from shared.eventstore.interface import EventStore
from shared.messaging.consumer import ConsumerStats
from shared.messaging.subscription import BatchResult


def drop(engine: Engine, name: str) -> None:
    projection = projection_named(name)
    projection.create_tables(engine)
    with engine.begin() as conn:
        projection.drop_read_model(conn)


def rebuild_embedded(store: EventStore, engine: Engine, name: str) -> BatchResult:
    drop(engine, name)
    return embedded_runner(store, engine, [name]).run_until_caught_up()[name]


def rebuild_from_kafka(
    engine: Engine,
    name: str,
    settings: FollowupSettings,
    *,
    topics: list[str] | None = None,
    group_id: str | None = None,
    dead_letter_topic: str | None = None,
) -> ConsumerStats:
    drop(engine, name)
    consumer = consumer_for(
        name,
        engine,
        settings,
        topics=topics,
        group_id=group_id,
        dead_letter_topic=dead_letter_topic,
        replay_from_beginning=True,
    )
    return consumer.run()
