"""Test wrapper: the real follow-up worker with a fault injected after N database commits.

Usage: python crashing_worker.py kill:N|raise:N [worker arguments...]
kill: SIGKILL after the N-th database commit, before the Kafka offset commit.
raise: an unexpected error in the consumer thread after the N-th commit (a bug): the
worker must stop its other consumers and exit non-zero.
"""

from __future__ import annotations

import sys

from services.followup.worker import main
from shared.messaging.consumer import AfterCommit, SubscriptionConsumer
from testsupport.crash import kill_after_db_commits


def raise_after_db_commits(n: int) -> AfterCommit:
    def hook(consumer: SubscriptionConsumer) -> None:
        if consumer.stats.db_commits >= n:
            raise RuntimeError("injected fault in the consumer thread")

    return hook


if __name__ == "__main__":
    fault, _, count = sys.argv[1].partition(":")
    hooks = {"kill": kill_after_db_commits, "raise": raise_after_db_commits}
    main(sys.argv[2:], after_db_commit=hooks[fault](int(count)))
