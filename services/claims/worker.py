"""Claims worker: the claims subscriptions on Kafka, and the claims jobs on a schedule.

One consumer (and consumer group) per subscription, each on its own thread: the readiness
and next-payer processes and the claims index projection (`services.claims.bootstrap`).
Topic and group names carry the deployment prefix (REVCYCLE_DEPLOYMENT). Beside them, a
scheduler thread runs the jobs every CLAIMS_SCHEDULE_INTERVAL_S seconds: batches left
unsent by a crash, then submission, timely filing, status inquiries. A job that fails (the
database away) is logged and tried again at the next tick; SIGTERM stops both.
`python -m services.claims.worker` runs it without the CLI.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Sequence
from typing import Any

from services.claims.bootstrap import SUBSCRIPTION_NAMES, bootstrap, consumer_for, prepare_database
from services.claims.config import ClaimsSettings, get_claims_settings
from services.claims.deps import ClaimsDeps, CrashHook
from shared.logsafe import describe_error
from shared.messaging.consumer import AfterCommit, ConsumerStats
from shared.messaging.retry import call_until_reachable
from shared.messaging.worker import ConsumerDied, run_consumers

log = logging.getLogger(__name__)


def run_jobs(deps: ClaimsDeps) -> dict[str, Any]:
    """One tick of the schedule: submission (with crash recovery), timely filing, 276s."""
    from services.claims.jobs import check_timely_filing, send_status_inquiries
    from services.claims.submission import submit_ready_claims

    submitted = submit_ready_claims(deps)
    timely = check_timely_filing(deps)
    inquiries = send_status_inquiries(deps)
    return {
        "submitted": submitted.submitted,
        "batches": len(submitted.batches),
        "recovered": len(submitted.recovered),
        "timely_filing_events": len(timely.events),
        "status_inquiries": len(inquiries.events),
    }


class Scheduler(threading.Thread):
    """Runs `run_jobs` now and every `interval` seconds until stopped."""

    def __init__(self, deps: ClaimsDeps, interval: float) -> None:
        super().__init__(name="claims-scheduler", daemon=True)
        self.deps = deps
        self.interval = interval
        self.stopping = threading.Event()
        self.ticks = 0

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                done = run_jobs(self.deps)
                log.info("claims jobs: %s", done)
            except Exception as exc:  # noqa: BLE001 - the next tick tries again
                log.error(
                    "claims jobs failed, retrying in %.0f s: %s", self.interval, describe_error(exc)
                )
            self.ticks += 1
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()


def run_worker(
    names: Sequence[str] = SUBSCRIPTION_NAMES,
    settings: ClaimsSettings | None = None,
    *,
    schedule: bool = True,
    topics: Sequence[str] | None = None,
    group_id: str | None = None,
    dead_letter_topic: str | None = None,
    idle_polls_before_exit: int | None = None,
    after_db_commit: AfterCommit | None = None,
    crash_hook: CrashHook | None = None,
) -> dict[str, ConsumerStats]:
    """Run the named subscriptions' consumers (and the schedule) until SIGTERM."""
    settings = settings or get_claims_settings()
    if not settings.kafka_bootstrap_servers:
        raise SystemExit("KAFKA_BOOTSTRAP_SERVERS is not set: the worker reads Kafka topics")
    deps = bootstrap(settings, prepare=False, crash_hook=crash_hook)
    # Started while PostgreSQL is down (a restart of everything): wait for it.
    call_until_reachable(lambda: prepare_database(deps.engine), "create the claims tables")
    consumers = [
        consumer_for(
            name,
            deps,
            topics=topics,
            group_id=f"{group_id}.{name}" if group_id and len(names) > 1 else group_id,
            dead_letter_topic=dead_letter_topic,
            after_db_commit=after_db_commit,
        )
        for name in names
    ]
    scheduler = Scheduler(deps, settings.claims_schedule_interval_s) if schedule else None
    if scheduler is not None:
        scheduler.start()
    try:
        return run_consumers(consumers, idle_polls_before_exit=idle_polls_before_exit)
    finally:
        if scheduler is not None:
            scheduler.stop()
            scheduler.join(timeout=30)
        deps.engine.dispose()


def main(argv: Sequence[str] | None = None, *, after_db_commit: AfterCommit | None = None) -> None:
    """Command-line entry; `after_db_commit` lets a test wrapper inject a crash."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--subscription", action="append", choices=SUBSCRIPTION_NAMES)
    parser.add_argument("--no-schedule", action="store_true")
    parser.add_argument("--topic", action="append")
    parser.add_argument("--group")
    parser.add_argument("--dead-letter-topic")
    parser.add_argument("--idle-polls-before-exit", type=int)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        stats = run_worker(
            args.subscription or SUBSCRIPTION_NAMES,
            schedule=not args.no_schedule,
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
