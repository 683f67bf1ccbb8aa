"""Follow-up worker: Kafka consumers applying the follow-up projections (distributed mode).

One consumer (and consumer group) per projection, each on its own thread; SIGTERM/SIGINT
asks every consumer to finish the messages in hand, commit and close. Database and broker
outages are waited out; if a consumer stops for any other reason the worker exits with
code 1 so its supervisor restarts it.
`python -m services.followup.worker --projection NAME ...` runs it without the CLI.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from services.followup.bootstrap import consumer_for, prepare_database
from services.followup.config import FollowupSettings, get_followup_settings
from shared.db import create_db_engine
from shared.messaging.consumer import AfterCommit, ConsumerStats
from shared.messaging.retry import call_until_reachable
from shared.messaging.worker import ConsumerDied, run_consumers

log = logging.getLogger(__name__)


def run_worker(
    names: Sequence[str],
    settings: FollowupSettings | None = None,
    *,
    topics: Sequence[str] | None = None,
    group_id: str | None = None,
    dead_letter_topic: str | None = None,
    idle_polls_before_exit: int | None = None,
    after_db_commit: AfterCommit | None = None,
) -> dict[str, ConsumerStats]:
    """Run the named projections' consumers until SIGTERM; raises ConsumerDied if one fails."""
    settings = settings or get_followup_settings()
    if not settings.kafka_bootstrap_servers:
        raise SystemExit("KAFKA_BOOTSTRAP_SERVERS is not set: the worker reads Kafka topics")
    engine = create_db_engine(settings.effective_database_url)
    # Started while PostgreSQL is down (a restart of everything): wait for it.
    call_until_reachable(
        lambda: prepare_database(engine, audit=False), "create the read-model tables"
    )
    consumers = [
        consumer_for(
            name,
            engine,
            settings,
            topics=topics,
            group_id=f"{group_id}.{name}" if group_id and len(names) > 1 else group_id,
            dead_letter_topic=dead_letter_topic,
            after_db_commit=after_db_commit,
        )
        for name in names
    ]
    try:
        return run_consumers(consumers, idle_polls_before_exit=idle_polls_before_exit)
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None, *, after_db_commit: AfterCommit | None = None) -> None:
    """Command-line entry; `after_db_commit` lets a test wrapper inject a crash."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--projection", action="append", required=True)
    parser.add_argument("--topic", action="append")
    parser.add_argument("--group")
    parser.add_argument("--dead-letter-topic")
    parser.add_argument("--idle-polls-before-exit", type=int)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        stats = run_worker(
            args.projection,
            topics=args.topic,
            group_id=args.group,
            dead_letter_topic=args.dead_letter_topic,
            idle_polls_before_exit=args.idle_polls_before_exit,
            after_db_commit=after_db_commit,
        )
    except ConsumerDied as exc:
        print(f"worker stopped: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    for name, s in stats.items():
        print(
            f"{name}: applied={s.applied} skipped={s.skipped} dead_lettered={s.dead_lettered} "
            f"held={s.held}"
        )


if __name__ == "__main__":
    main()
