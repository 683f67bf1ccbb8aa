"""Follow-up worker: Kafka consumers applying the follow-up projections (distributed mode).

One consumer (and consumer group) per projection, each on its own thread; SIGTERM/SIGINT
asks every consumer to finish the messages in hand, commit and close.
`python -m services.followup.worker --projection NAME ...` runs it without the CLI.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Sequence
from types import FrameType

from services.followup.bootstrap import consumer_for, prepare_database
from services.followup.config import FollowupSettings, get_followup_settings
from shared.db import create_db_engine
from shared.messaging.consumer import ConsumerConfig, ConsumerStats, ProjectionConsumer

log = logging.getLogger(__name__)


def run_worker(
    names: Sequence[str],
    settings: FollowupSettings | None = None,
    *,
    topics: Sequence[str] | None = None,
    group_id: str | None = None,
    dead_letter_topic: str | None = None,
    idle_polls_before_exit: int | None = None,
) -> dict[str, ConsumerStats]:
    settings = settings or get_followup_settings()
    if not settings.kafka_bootstrap_servers:
        raise SystemExit("KAFKA_BOOTSTRAP_SERVERS is not set: the worker reads Kafka topics")
    engine = create_db_engine(settings.effective_database_url)
    prepare_database(engine)
    crash_after = ConsumerConfig.crash_hook_from_env()
    consumers: list[ProjectionConsumer] = [
        consumer_for(
            name,
            engine,
            settings,
            topics=topics,
            group_id=f"{group_id}.{name}" if group_id and len(names) > 1 else group_id,
            dead_letter_topic=dead_letter_topic,
            crash_after_db_commits=crash_after,
        )
        for name in names
    ]

    def _stop(signum: int, frame: FrameType | None) -> None:
        log.info(
            "signal %d: stopping %d consumer(s) after the messages in hand", signum, len(consumers)
        )
        for consumer in consumers:
            consumer.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    for consumer in consumers:
        consumer.open()
    results: dict[str, ConsumerStats] = {}
    threads = [
        threading.Thread(
            target=lambda c=consumer: results.__setitem__(
                c.config.client_id, c.run(idle_polls_before_exit=idle_polls_before_exit)
            ),
            name=consumer.config.client_id,
        )
        for consumer in consumers
    ]
    for thread in threads:
        thread.start()
    # Join with a timeout so the main thread keeps receiving signals.
    while any(t.is_alive() for t in threads):
        for thread in threads:
            thread.join(timeout=0.2)
    engine.dispose()
    return results


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projection", action="append", required=True)
    parser.add_argument("--topic", action="append")
    parser.add_argument("--group")
    parser.add_argument("--dead-letter-topic")
    parser.add_argument("--idle-polls-before-exit", type=int)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stats = run_worker(
        args.projection,
        topics=args.topic,
        group_id=args.group,
        dead_letter_topic=args.dead_letter_topic,
        idle_polls_before_exit=args.idle_polls_before_exit,
    )
    for name, s in stats.items():
        print(f"{name}: applied={s.applied} skipped={s.skipped} dead_lettered={s.dead_lettered}")


if __name__ == "__main__":
    main()
