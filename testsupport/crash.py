"""Crash hooks injected by tests (production code reads no test switches from the environment).

`kill_after_db_commits(n)` is given to a subscription consumer as `after_db_commit`: the
process dies by SIGKILL after its n-th database commit, before the Kafka offset commit.
`CrashingPublisher` wraps a producer and SIGKILLs the process, unflushed, after n sends.
The wrapper scripts under tests/ start the real worker or relay with these hooks.
"""

from __future__ import annotations

import os
import signal
from typing import Any

from shared.messaging.consumer import AfterCommit, SubscriptionConsumer


def kill_after_db_commits(n: int) -> AfterCommit:
    def hook(consumer: SubscriptionConsumer) -> None:
        if consumer.stats.db_commits >= n:
            os.kill(os.getpid(), signal.SIGKILL)

    return hook


class CrashingPublisher:
    """A producer that kills the process, with records in flight, after `after` sends."""

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
