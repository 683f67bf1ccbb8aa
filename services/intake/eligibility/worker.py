"""Eligibility worker: the `intake.eligibility` process as a Kafka consumer (distributed mode).

With Kafka configured the embedded runner does not run subscriptions; this worker reads the
claim events topic and starts a check for each `claim.eligibility_requested`, in the
transaction that records what it handled (a redelivery asks nothing twice). SIGTERM/SIGINT
finish the messages in hand. `python -m services.intake.eligibility.worker` runs it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from services.intake.eligibility.config import EligibilitySettings, eligibility_settings
from services.intake.eligibility.process import PROCESS_NAME, eligibility_process
from shared.config import KafkaSettings
from shared.db import create_db_engine
from shared.events.registry import decode
from shared.events.topics import CLAIM_EVENTS, DEAD_LETTER
from shared.eventstore.migrations import upgrade
from shared.eventstore.sql import SqlEventStore
from shared.exchange.interface import ClearinghouseAdapter
from shared.messaging.consumer import ConsumerStats, SubscriptionConsumer
from shared.messaging.retry import call_until_reachable
from shared.messaging.worker import ConsumerDied, run_consumers, subscription_consumer

GROUP = "revcycle.intake." + PROCESS_NAME


def eligibility_consumer(
    engine: Engine,
    settings: EligibilitySettings,
    kafka: KafkaSettings,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    adapter: Callable[[], ClearinghouseAdapter] | None = None,
    topics: Sequence[str] | None = None,
    group_id: str | None = None,
    dead_letter_topic: str | None = None,
) -> SubscriptionConsumer:
    """The process's consumer; names default to the deployment's (REVCYCLE_DEPLOYMENT)."""
    process = eligibility_process(SqlEventStore(engine), clock, settings, adapter)
    return subscription_consumer(
        process,
        engine,
        kafka,
        decode,
        topics=topics or [kafka.kafka_name(CLAIM_EVENTS.name)],
        group_id=group_id or kafka.kafka_name(GROUP),
        dead_letter_topic=dead_letter_topic or kafka.kafka_name(DEAD_LETTER.name),
        client_id="intake-eligibility",
    )


def run_worker(
    kafka: KafkaSettings | None = None, *, idle_polls_before_exit: int | None = None
) -> dict[str, ConsumerStats]:
    kafka = kafka or KafkaSettings()
    if not kafka.kafka_bootstrap_servers:
        raise SystemExit("KAFKA_BOOTSTRAP_SERVERS is not set: the worker reads Kafka topics")
    engine = create_db_engine(kafka.effective_database_url)
    call_until_reachable(lambda: upgrade(engine), "create the event store tables")
    consumer = eligibility_consumer(engine, eligibility_settings(kafka), kafka)
    try:
        return run_consumers([consumer], idle_polls_before_exit=idle_polls_before_exit)
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--idle-polls-before-exit", type=int)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        stats = run_worker(idle_polls_before_exit=args.idle_polls_before_exit)
    except ConsumerDied as exc:
        print(f"worker stopped: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    for name, s in stats.items():
        print(f"{name}: applied={s.applied} skipped={s.skipped} dead_lettered={s.dead_lettered}")


if __name__ == "__main__":
    main()
