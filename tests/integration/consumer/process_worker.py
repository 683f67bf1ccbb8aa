"""Test wrapper: the test process (testsupport.processes) as a Kafka worker, optionally
SIGKILLed after N database commits (its appends committed, its offsets not).

Usage: python process_worker.py --topic T --group G --dead-letter-topic D
       [--crash-after-db-commits N] [--idle-polls-before-exit K]
Environment: DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS.
"""

from __future__ import annotations

import argparse
import logging
import os

from shared.config import KafkaSettings
from shared.db import create_db_engine
from shared.events.registry import decode
from shared.eventstore.sql import SqlEventStore
from shared.messaging.worker import run_consumers, subscription_consumer
from testsupport.crash import kill_after_db_commits
from testsupport.processes import close_written_off_claims

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--dead-letter-topic", required=True)
    parser.add_argument("--crash-after-db-commits", type=int)
    parser.add_argument("--idle-polls-before-exit", type=int, default=6)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    engine = create_db_engine(os.environ["DATABASE_URL"])
    process = close_written_off_claims(SqlEventStore(engine))
    # As a service's worker builds it: the deployment's Kafka settings, explicit names.
    consumer = subscription_consumer(
        process,
        engine,
        KafkaSettings(),
        decode,
        topics=[args.topic],
        group_id=args.group,
        dead_letter_topic=args.dead_letter_topic,
        client_id="test-process",
        after_db_commit=(
            kill_after_db_commits(args.crash_after_db_commits)
            if args.crash_after_db_commits
            else None
        ),
    )
    stats = run_consumers([consumer], idle_polls_before_exit=args.idle_polls_before_exit)
    for name, s in stats.items():
        print(f"{name}: applied={s.applied} skipped={s.skipped} dead_lettered={s.dead_lettered}")
